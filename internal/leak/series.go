package leak

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/memsee/memsee/internal/analysis"
	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/store"
)

// RootsHolder is the holder of objects that no single object keeps alive.
const RootsHolder = "(roots: no single holder)"

// rootsName is the path and name of RootsHolder.
var rootsName = store.HolderName{Path: RootsHolder, Name: RootsHolder}

// Find classifies the growth along snapshots of one process, oldest first, and groups it by
// holder. The snapshots must all be heap profiles (keyed by allocation site) or all object
// graphs (keyed by holder and type).
func Find(ctx context.Context, db *store.DB, snaps []store.Snapshot, o Options) ([]Finding, error) {
	if len(snaps) == 0 {
		return nil, nil
	}
	for _, s := range snaps[1:] {
		if s.Kind != snaps[0].Kind {
			return nil, fmt.Errorf("snapshot %d (%s) is %s and snapshot %d (%s) is %s: leaks follows the snapshots of one process",
				snaps[0].ID, snaps[0].Label, kindName(snaps[0]), s.ID, s.Label, kindName(s))
		}
	}
	times := Times(snaps) // rates per hour come only from recorded times
	if snaps[0].Kind == heap.KindProfile {
		series, err := SiteSeries(ctx, db, snaps, o.MinBytes)
		if err != nil {
			return nil, err
		}
		return Group(Classify(times, series, o), nil), nil
	}
	// Only the series that Classify reports are spelled out.
	reported := func(s Series) bool { _, ok := classify(times, s, o); return ok }
	series, inside, err := HolderSeries(ctx, db, snaps, o.MinBytes/64, reported, o.Progress)
	if err != nil {
		return nil, err
	}
	fs := Group(Classify(times, series, o), inside.fn)
	return fs, inside.err
}

func kindName(s store.Snapshot) string {
	if s.Kind == heap.KindProfile {
		return "a heap profile (" + s.Format + ")"
	}
	return "an object dump (" + s.Format + ")"
}

// SiteSeries returns the in-use objects and bytes of every allocation site of heap-profile
// snapshots. Only the sites that grew by at least minGrowth bytes from the first snapshot to
// the last are named (spelling out a stack costs a query).
func SiteSeries(ctx context.Context, db *store.DB, snaps []store.Snapshot, minGrowth int64) ([]Series, error) {
	at := map[int64]int{} // site -> index in all
	var all []Series
	for i, s := range snaps {
		gs, err := db.ProfileGroups(ctx, s.ID, store.BySite)
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			j, ok := at[g.Site]
			if !ok {
				j = len(all)
				at[g.Site] = j
				all = append(all, Series{Anchor: g.Site, Points: make([]Point, len(snaps))})
			}
			all[j].Points[i] = Point{Count: g.Values[heap.InuseObjects], Bytes: g.Values[heap.InuseBytes]}
		}
	}
	var grew []Series
	var ids []int64
	for _, s := range all {
		n := len(s.Points)
		if g := s.Points[n-1].Bytes - s.Points[0].Bytes; g > 0 && g >= minGrowth {
			grew = append(grew, s)
			ids = append(ids, s.Anchor)
		}
	}
	sites, err := db.Sites(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range grew {
		site := sites[grew[i].Anchor]
		grew[i].What = site.Func
		grew[i].Holder = strings.Join(site.Stack, " ← ")
		grew[i].Key = grew[i].Holder
		if site.Line != "" {
			grew[i].Key += " @ " + site.Line
		}
	}
	return grew, nil
}

// insideFn answers Inside from the dominator tree of the last snapshot, and keeps the first
// error the store gave it (Inside itself cannot return one).
type insideFn struct {
	w       *analysis.Walker
	ctx     context.Context
	rules   heap.HolderRules // nil: the format has none
	storage analysis.Storage // nil: the format looks through nothing
	chains  map[int64][]store.Object
	names   map[int64]string // root oid -> its holder name
	err     error
}

func (in *insideFn) fn(outer, inner *Finding) bool {
	if inner.Anchor < 0 || in.err != nil {
		return false
	}
	chain, ok := in.chains[inner.Anchor]
	if !ok {
		chain, in.err = in.w.DominatorChain(in.ctx, inner.Anchor)
		in.chains[inner.Anchor] = chain
	}
	// The first object below position i of the chain that is not its holder's storage.
	below := func(i int) int {
		k := i + 1
		for in.storage != nil && k < len(chain) {
			holder := ""
			if k > 0 {
				holder = chain[k-1].Type
			}
			if !in.storage(chain[k].Type, holder, strings.HasPrefix(chain[k].Via, "[")) {
				break
			}
			k++
		}
		return k
	}
	if outer.self {
		// outer is roots of one name: inner is inside one of them when its chain starts at a
		// root of that name and type.
		if len(chain) == 0 || chain[0].Type != outer.What {
			return false
		}
		name, ok := in.names[chain[0].OID]
		if !ok {
			var n store.HolderName
			n, in.err = analysis.HolderName(in.ctx, in.w, in.rules, chain[0].OID)
			name = n.Name
			in.names[chain[0].OID] = name
		}
		return name == outer.Holder
	}
	if outer.Anchor < 0 {
		k := below(-1)
		return k < len(chain) && chain[k].Type == outer.What
	}
	for i := 0; i+1 < len(chain); i++ {
		if chain[i].OID == outer.Anchor {
			k := below(i)
			return k < len(chain) && chain[k].Type == outer.What
		}
	}
	return false
}

// maxHolderDepth is how far from a root a holder may be (analysis.MaxHolderDepth, which the
// names a load records stop at).
const maxHolderDepth = analysis.MaxHolderDepth

// HolderSeries returns, for object-graph snapshots, what each holder keeps alive of each type:
// the count and the retained bytes of the reachable objects it holds. A holder is an
// immediate dominator, or, for a format with heap.HolderRules, the nearest dominator that is
// not a collection's storage (the HashMap, not its nodes); the storage's own bytes count with
// the largest type its holder holds, and its objects are not counted. A holder is named as the
// format spells it (HolderRules.HolderName), else by its path from a root with indices as
// [*]. Groups retaining less than floor bytes in a snapshot count as zero there. The Inside it
// returns says which keys live inside which, from the last snapshot's dominator tree.
//
// Only the series keep says yes to are returned (all for a nil keep), and only theirs are
// spelled out: holders are matched across snapshots by the sums of their paths and names
// (store.HolderKey), and the texts read for those returned. progress, when not nil, is called
// as each snapshot begins (see Options.Progress).
func HolderSeries(ctx context.Context, db *store.DB, snaps []store.Snapshot, floor int64, keep func(Series) bool,
	progress func(i, n int, label string)) ([]Series, *insideFn, error) {
	at := map[seriesID]int{} // -> index in all
	var all []Series
	var w *analysis.Walker
	var storage analysis.Storage
	rules := heap.HolderRulesOf(heap.Format(snaps[len(snaps)-1].Format))
	if rules != nil {
		storage = rules.Internal
	}
	rootsKey := rootsName.Key()
	best := map[int]int64{}                                 // index in all -> retained of its anchor in the last snapshot
	named := make([]map[int64]store.HolderName, len(snaps)) // per snapshot, the holders the load did not name
	for i, s := range snaps {
		if progress != nil {
			progress(i, len(snaps), s.Label)
		}
		hs, err := analysis.SnapshotHoldings(ctx, db, s.ID, floor, maxHolderDepth, storage)
		if err != nil {
			return nil, nil, err
		}
		w = analysis.NewWalker(db, s.ID)
		keys, err := db.HolderKeys(ctx, s.ID)
		if err != nil {
			return nil, nil, err
		}
		var holders []int64 // those the load did not name
		for _, h := range hs {
			if _, ok := keys[h.Holder]; !ok && h.Holder >= 0 {
				holders = append(holders, h.Holder)
			}
		}
		if err := w.Prefetch(ctx, holders); err != nil {
			return nil, nil, err
		}
		named[i] = map[int64]store.HolderName{}
		for _, h := range holders {
			if _, ok := keys[h]; ok {
				continue // a holder of several types
			}
			n, err := analysis.HolderName(ctx, w, rules, h)
			if err != nil {
				return nil, nil, err
			}
			named[i][h], keys[h] = n, n.Key()
		}
		keys[-1] = rootsKey
		for _, h := range hs {
			k := keys[h.Holder]
			id := seriesID{holder: k.Path, typ: h.Type}
			switch {
			case h.Storage:
				id.how = holdsStorage
			case h.Root:
				// Held by a root reference alone: the variable is the holder, and roots of one
				// name (the frames of many goroutines of one function) are one.
				id.how, id.holder = rootHolds, k.Name
			}
			j, ok := at[id]
			if !ok {
				j = len(all)
				at[id] = j
				all = append(all, Series{What: h.Type, Points: make([]Point, len(snaps)), Anchor: -1,
					storage: h.Storage, self: h.Self, id: id, name: k.Name, first: where{i, h.Holder}})
			}
			p := &all[j].Points[i]
			p.Count += h.Count
			p.Bytes += h.Retained
			if i == len(snaps)-1 {
				all[j].Holders++
				if b, seen := best[j]; !seen || h.Retained > b {
					best[j] = h.Retained
					all[j].Anchor = h.Holder
				}
			}
		}
	}
	all = foldStorage(joinRoutes(all))
	if keep != nil {
		all = slices.DeleteFunc(all, func(s Series) bool { return !keep(s) })
	}
	if err := spell(ctx, db, snaps, all, named); err != nil {
		return nil, nil, err
	}
	return all, &insideFn{w: w, ctx: ctx, rules: rules, storage: storage,
		chains: map[int64][]store.Object{}, names: map[int64]string{}}, nil
}

// seriesID is what a series of an object graph stays the same by from snapshot to snapshot:
// the sum of its holder's path (of its name, for what a root holds), the type, and how it is
// held.
type seriesID struct {
	holder [16]byte
	typ    string
	how    uint8
}

// How a series' holder holds its objects.
const (
	holds uint8 = iota
	holdsStorage
	rootHolds
)

// where is a holder in one of the snapshots of a series: its index and the holder's oid.
type where struct {
	snap int
	oid  int64
}

// spell gives the series their texts: Holder, Path and Key, from the holder each was first
// seen with (as recorded at load, or in named).
func spell(ctx context.Context, db *store.DB, snaps []store.Snapshot, all []Series, named []map[int64]store.HolderName) error {
	need := map[int][]int64{} // snapshot index -> holders whose names are recorded
	for _, s := range all {
		if f := s.first; f.oid >= 0 {
			if _, ok := named[f.snap][f.oid]; !ok {
				need[f.snap] = append(need[f.snap], f.oid)
			}
		}
	}
	for i, oids := range need {
		got, err := db.HolderNamesOf(ctx, snaps[i].ID, oids)
		if err != nil {
			return err
		}
		for _, oid := range oids {
			n, ok := got[oid]
			if !ok {
				return fmt.Errorf("snapshot %d (%s): the name of holder %d is gone from the database while leaks read it", snaps[i].ID, snaps[i].Label, oid)
			}
			named[i][oid] = n
		}
	}
	for i := range all {
		s := &all[i]
		n := rootsName
		if s.first.oid >= 0 {
			n = named[s.first.snap][s.first.oid]
		}
		s.Path, s.Holder = n.Path, n.Name
		switch s.id.how {
		case holdsStorage:
			s.Key = n.Path + " holds its storage " + s.What
		case rootHolds:
			s.Key = "the root " + n.Name + " holds " + s.What
		default:
			s.Key = n.Path + " holds " + s.What
		}
	}
	return nil
}

// joinRoutes makes one series of a holder whose route from a root changed between snapshots
// (a shorter path appeared, or the old one went): its path, and so its series, changed, but
// its name did not. Series of one holder name, type and way of holding are joined when each is
// seen only in snapshots before the next is first seen. Where two of them are seen in one
// snapshot, there are two holders of that name, and it cannot be told which became which:
// none of that name is joined. The joined series keeps the texts of the first, as a series
// is spelled from the holder it was first seen with, and the anchor of the last.
func joinRoutes(all []Series) []Series {
	type name struct {
		name [16]byte
		typ  string
		how  uint8
	}
	byName := map[name][]int{}
	var names []name // in the order first met, for an order that does not depend on the map
	for i, s := range all {
		if s.id.how == rootHolds || s.first.oid < 0 {
			continue // named, not reached by a path
		}
		n := name{s.name, s.What, s.id.how}
		if _, ok := byName[n]; !ok {
			names = append(names, n)
		}
		byName[n] = append(byName[n], i)
	}
	joined := map[int]bool{}
	for _, n := range names {
		idx := byName[n]
		if len(idx) < 2 {
			continue
		}
		slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(all[a].first.snap, all[b].first.snap) })
		apart := true
		for k := 1; k < len(idx); k++ {
			apart = apart && lastSeen(all[idx[k-1]]) < all[idx[k]].first.snap
		}
		if !apart {
			continue
		}
		into := &all[idx[0]]
		for _, j := range idx[1:] {
			s := all[j]
			for p := range s.Points {
				into.Points[p].Count += s.Points[p].Count
				into.Points[p].Bytes += s.Points[p].Bytes
			}
			if s.Holders > 0 { // seen in the last snapshot
				into.Anchor, into.Holders = s.Anchor, s.Holders
			}
			joined[j] = true
		}
	}
	if len(joined) == 0 {
		return all
	}
	out := all[:0]
	for i, s := range all {
		if !joined[i] {
			out = append(out, s)
		}
	}
	return out
}

// lastSeen is the index of the last snapshot in which a series has a point.
func lastSeen(s Series) int {
	for i := len(s.Points) - 1; i >= 0; i-- {
		if s.Points[i] != (Point{}) {
			return i
		}
	}
	return -1
}

// foldStorage adds the bytes of each holder's storage to the series of the type that holder
// (by its name) holds most of in the last snapshot, and drops the storage's series; a holder that holds
// nothing but storage keeps it as its own series.
func foldStorage(all []Series) []Series {
	var out []Series
	largest := map[[16]byte]int{} // holder's name -> index in out of its largest series that is not storage
	for _, s := range all {
		if s.storage {
			continue
		}
		out = append(out, s)
		if k, ok := largest[s.name]; !ok || last(s) > last(out[k]) || last(s) == last(out[k]) && s.What < out[k].What {
			largest[s.name] = len(out) - 1
		}
	}
	for _, s := range all {
		if !s.storage {
			continue
		}
		i, ok := largest[s.name]
		if !ok {
			out = append(out, s)
			continue
		}
		for p := range s.Points {
			out[i].Points[p].Bytes += s.Points[p].Bytes
		}
	}
	return out
}

func last(s Series) int64 { return s.Points[len(s.Points)-1].Bytes }
