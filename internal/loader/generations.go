package loader

import (
	"context"
	"sort"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/store"
)

// MarkGenerations records, once a load is committed, each object's generation (the first
// snapshot it was seen in) in the graph snapshots it loaded whose format keeps identity across
// dumps: each is marked against the snapshots of its format and series taken before it, oldest
// first (store.MarkGenerations, which leaves snapshots marked before as they are). Reads, diff
// among them, then find the generations recorded and write nothing.
func MarkGenerations(ctx context.Context, db *store.DB, loaded []Result) error {
	var all []store.Snapshot
	for _, r := range loaded {
		if r.Kind != heap.KindGraph || heap.IdentityOf(r.Format) == heap.IdentityNone {
			continue
		}
		if all == nil {
			var err error
			if all, err = db.Snapshots(ctx); err != nil {
				return err
			}
		}
		var head store.Snapshot
		for _, s := range all {
			if s.ID == r.ID {
				head = s
			}
		}
		if head.ID != r.ID {
			continue
		}
		var process []store.Snapshot
		recorded := true
		for _, s := range all {
			if s.Kind == heap.KindGraph && s.Format == head.Format && s.Series == head.Series {
				process = append(process, s)
				recorded = recorded && s.TimeRecorded()
			}
		}
		// Taken before head: by the recorded times, or, where a time is only a file's
		// modification time, by load order (all is in load order), as leaks takes them.
		var series []store.Snapshot
		for _, s := range process {
			if (recorded && !s.TakenAt.After(head.TakenAt)) || (!recorded && s.ID <= head.ID) {
				series = append(series, s)
			}
		}
		if recorded {
			sort.SliceStable(series, func(i, j int) bool { return series[i].TakenAt.Before(series[j].TakenAt) })
		}
		if _, err := db.MarkGenerations(ctx, series); err != nil {
			return err
		}
	}
	return nil
}
