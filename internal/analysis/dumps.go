package analysis

import (
	"context"
	"fmt"
	"sort"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/store"
)

// HolderTop is one holder of `memsee top --by holder`: the object (Holder < 0: the roots, no
// single holder) and what it keeps alive.
type HolderTop struct {
	Holding
	Text string // what Walker.Describe says of the holder; "" for the roots
	Addr int64  // the holder's address
}

// GraphTop is what holds the most memory in one object-dump snapshot: its types by retained
// size, or its holders.
type GraphTop struct {
	Snapshot store.Snapshot
	ByHolder bool
	Holders  []HolderTop         // ByHolder
	Types    []store.TypeStatRow // by type: the first N, largest retained first
	BySite   bool
	Sites    []store.SiteStat // BySite: the first N allocation sites, largest retained first
	All      int              // how many types (or sites) there are in all
}

// TopGraph ranks the types of an object-dump snapshot by retained size (by "type"), or the
// holders that keep the most alive (by "holder"), or the allocation sites (by "site", for a
// dump that has them: sites.go), and keeps the first n (0 for all).
func TopGraph(ctx context.Context, db *store.DB, snap store.Snapshot, by string, n int) (*GraphTop, error) {
	r := &GraphTop{Snapshot: snap, ByHolder: by == "holder", BySite: by == "site"}
	if r.BySite {
		return topSites(ctx, db, r, n)
	}
	if r.ByHolder {
		hs, err := Holdings(ctx, db, snap.ID, n)
		if err != nil {
			return nil, err
		}
		w := NewWalker(db, snap.ID)
		for _, h := range hs {
			t := HolderTop{Holding: h}
			if h.Holder >= 0 {
				d, err := w.Object(ctx, h.Holder)
				if err != nil {
					return nil, err
				}
				if t.Text, err = w.Describe(ctx, h.Holder); err != nil {
					return nil, err
				}
				t.Addr = d.Addr
			}
			r.Holders = append(r.Holders, t)
		}
		return r, nil
	}
	stats, err := db.TypeStats(ctx, snap.ID)
	if err != nil {
		return nil, err
	}
	sort.Slice(stats, func(i, j int) bool {
		if stats[i].Retained != stats[j].Retained {
			return stats[i].Retained > stats[j].Retained
		}
		return stats[i].Type < stats[j].Type
	})
	r.All = len(stats)
	if n > 0 && len(stats) > n {
		stats = stats[:n]
	}
	r.Types = stats
	return r, nil
}

// TypeDiff is one type's change between two object dumps. New and Freed count objects only
// when the dumps keep identity.
type TypeDiff struct {
	Type          string
	Before, After store.TypeStatRow
	New, Freed    int64
}

// DumpDiff is what changed by type between two object dumps.
type DumpDiff struct {
	Base, Head store.Snapshot
	Rows       []TypeDiff // the first N changed types, largest change in bytes first
	All        int        // how many types changed in all
	// The sums of both snapshots.
	BytesBefore, BytesAfter, CountBefore, CountAfter int64
	// Identity: objects matched across the dumps, so New and Freed are counted.
	Identity bool
	// IdentityNote says how objects were matched (Identity), or why they were not.
	IdentityNote string
}

// DiffDumps compares two object dumps by type, with new, survived and freed objects where
// identity holds: within one process, and only where the format keeps it. It keeps the first
// n changed types (0 for all).
func DiffDumps(ctx context.Context, db *store.DB, base, head store.Snapshot, n int) (*DumpDiff, error) {
	before, err := db.TypeStats(ctx, base.ID)
	if err != nil {
		return nil, err
	}
	after, err := db.TypeStats(ctx, head.ID)
	if err != nil {
		return nil, err
	}
	r := &DumpDiff{Base: base, Head: head}
	r.Identity = base.Format == head.Format && heap.IdentityOf(heap.Format(base.Format)) != heap.IdentityNone && !takenAfter(base, head)
	var survived map[string]int64
	if r.Identity {
		r.IdentityNote = heap.IdentityNoteOf(heap.Format(base.Format))
		if survived, err = Survivors(ctx, db, base.ID, head.ID); err != nil {
			return nil, err
		}
	} else {
		r.IdentityNote = NoIdentity(base, head)
	}
	idx := map[string]int{}
	var rows []TypeDiff
	for _, s := range before {
		idx[s.Type] = len(rows)
		rows = append(rows, TypeDiff{Type: s.Type, Before: s})
	}
	for _, s := range after {
		i, ok := idx[s.Type]
		if !ok {
			i = len(rows)
			idx[s.Type] = i
			rows = append(rows, TypeDiff{Type: s.Type})
		}
		rows[i].After = s
	}
	kept := rows[:0]
	for _, t := range rows {
		r.BytesBefore += t.Before.Bytes
		r.BytesAfter += t.After.Bytes
		r.CountBefore += t.Before.Count
		r.CountAfter += t.After.Count
		if r.Identity {
			t.New = t.After.Count - survived[t.Type]
			t.Freed = t.Before.Count - survived[t.Type]
		}
		if t.After.Bytes != t.Before.Bytes || t.After.Count != t.Before.Count || t.New != 0 || t.Freed != 0 {
			kept = append(kept, t)
		}
	}
	rows = kept
	sort.Slice(rows, func(i, j int) bool {
		di, dj := abs(rows[i].After.Bytes-rows[i].Before.Bytes), abs(rows[j].After.Bytes-rows[j].Before.Bytes)
		if di != dj {
			return di > dj
		}
		return rows[i].Type < rows[j].Type
	})
	r.All = len(rows)
	if n > 0 && len(rows) > n {
		rows = rows[:n]
	}
	r.Rows = rows
	return r, nil
}

// NoIdentity says why objects of two dumps cannot be matched.
func NoIdentity(base, head store.Snapshot) string {
	if base.Format != head.Format {
		return "the snapshots are of different formats"
	}
	if takenAfter(base, head) {
		return "the base was taken after the head"
	}
	return heap.IdentityNoteOf(heap.Format(base.Format))
}

// takenAfter reports whether base was taken after head, by the times both dumps record; a
// file's modification time tells nothing (a copy resets it), and the user named them in order.
func takenAfter(base, head store.Snapshot) bool {
	return base.TimeRecorded() && head.TimeRecorded() && base.TakenAt.After(head.TakenAt)
}

// LeakCandidateTypes is memlab's leak candidates by type: the objects of Final allocated
// between Base and Target and still alive.
type LeakCandidateTypes struct {
	Base, Target, Final store.Snapshot
	Rows                []TypeCount // the first N, largest first
	All                 int         // how many types in all
	Count, Bytes        int64       // the sums over all types
}

// LeakCandidates counts memlab's leak candidates of three object dumps of one format that
// keep identity, and keeps the first n types (0 for all).
func LeakCandidates(ctx context.Context, db *store.DB, base, target, final store.Snapshot, n int) (*LeakCandidateTypes, error) {
	for _, s := range []store.Snapshot{base, target} {
		if s.Kind != heap.KindGraph || s.Format != final.Format {
			return nil, fmt.Errorf("--final compares three object dumps of one format; snapshot %d (%s) is a %s %s and %d (%s) a %s dump",
				s.ID, s.Label, s.Format, s.Kind, final.ID, final.Label, final.Format)
		}
	}
	if heap.IdentityOf(heap.Format(final.Format)) == heap.IdentityNone {
		return nil, fmt.Errorf("--final needs objects that keep their identity across dumps: %s", NoIdentity(target, final))
	}
	rows, err := Candidates(ctx, db, base.ID, target.ID, final.ID)
	if err != nil {
		return nil, err
	}
	r := &LeakCandidateTypes{Base: base, Target: target, Final: final, All: len(rows)}
	for _, t := range rows {
		r.Count += t.Count
		r.Bytes += t.Bytes
	}
	if n > 0 && len(rows) > n {
		rows = rows[:n]
	}
	r.Rows = rows
	return r, nil
}

// ProfileDiff is what changed between two heap-profile snapshots, by function or site.
type ProfileDiff struct {
	Base, Head store.Snapshot
	By         store.By
	Sample     heap.Value
	Rows       []DiffRow            // the first N, largest change first (Diff)
	All        int                  // how many keys changed in all
	Sites      map[int64]store.Site // BySite: the sites of Rows, by id
	// The sums of both snapshots.
	BaseTotals, HeadTotals [heap.NumValues]int64
}

// DiffProfiles compares two heap-profile snapshots by v, as 'go tool pprof -diff_base' does,
// and keeps the first n keys (0 for all).
func DiffProfiles(ctx context.Context, db *store.DB, base, head store.Snapshot, by store.By, v heap.Value, n int) (*ProfileDiff, error) {
	before, err := db.ProfileGroups(ctx, base.ID, by)
	if err != nil {
		return nil, err
	}
	after, err := db.ProfileGroups(ctx, head.ID, by)
	if err != nil {
		return nil, err
	}
	rows := Diff(before, after, v)
	r := &ProfileDiff{Base: base, Head: head, By: by, Sample: v, All: len(rows), Sites: map[int64]store.Site{}}
	if n > 0 && len(rows) > n {
		rows = rows[:n]
	}
	r.Rows = rows
	if by == store.BySite {
		ids := make([]int64, len(rows))
		for i, d := range rows {
			ids[i] = d.Site
		}
		if r.Sites, err = db.Sites(ctx, ids); err != nil {
			return nil, err
		}
	}
	if r.BaseTotals, err = db.ProfileTotals(ctx, base.ID); err != nil {
		return nil, err
	}
	if r.HeadTotals, err = db.ProfileTotals(ctx, head.ID); err != nil {
		return nil, err
	}
	return r, nil
}
