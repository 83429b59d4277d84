package leak

import (
	"context"
	"fmt"
	"strings"

	"github.com/memsee/memsee/internal/analysis"
	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/store"
)

// RootsHolder is the holder of objects that no single object keeps alive.
const RootsHolder = "(roots: no single holder)"

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
	series, inside, err := HolderSeries(ctx, db, snaps, o.MinBytes/64)
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
	w      *analysis.Walker
	ctx    context.Context
	chains map[int64][]store.Object
	err    error
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
	if outer.Anchor < 0 {
		return len(chain) > 0 && chain[0].Type == outer.What
	}
	for i := 0; i+1 < len(chain); i++ {
		if chain[i].OID == outer.Anchor {
			return chain[i+1].Type == outer.What
		}
	}
	return false
}

// maxHolderDepth is how far from a root a holder may be. Deeper ones are the nodes of linked
// structures (each node holds the next), whose growth their shallower holders also retain;
// naming them would cost a path of thousands of hops each.
const maxHolderDepth = 64

// HolderSeries returns, for object-graph snapshots, what each holder (an immediate dominator,
// named by its path from a root with indices as [*]) keeps alive of each type: the count and
// the retained bytes of the reachable objects it holds. Groups retaining less than floor bytes
// in a snapshot count as zero there. The Inside it returns says which keys live inside which,
// from the last snapshot's dominator tree.
func HolderSeries(ctx context.Context, db *store.DB, snaps []store.Snapshot, floor int64) ([]Series, *insideFn, error) {
	at := map[string]int{} // key -> index in all
	var all []Series
	var w *analysis.Walker
	best := map[int]int64{} // index in all -> retained of its anchor in the last snapshot
	for i, s := range snaps {
		hs, err := analysis.LiveHoldings(ctx, db, s.ID, floor, maxHolderDepth)
		if err != nil {
			return nil, nil, err
		}
		w = analysis.NewWalker(db, s.ID)
		holders := make([]int64, len(hs))
		for k, h := range hs {
			holders[k] = h.Holder
		}
		if err := w.Prefetch(ctx, holders); err != nil {
			return nil, nil, err
		}
		for _, h := range hs {
			holder := RootsHolder
			if h.Holder >= 0 {
				path, err := w.Describe(ctx, h.Holder)
				if err != nil {
					return nil, nil, err
				}
				holder = analysis.Generalize(path)
			}
			key := holder + " holds " + h.Type
			j, ok := at[key]
			if !ok {
				j = len(all)
				at[key] = j
				all = append(all, Series{Key: key, What: h.Type, Holder: holder, Points: make([]Point, len(snaps)), Anchor: -1})
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
	return all, &insideFn{w: w, ctx: ctx, chains: map[int64][]store.Object{}}, nil
}
