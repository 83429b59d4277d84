package analysis

import (
	"context"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/store"
)

// ProfileTop is what holds the most memory in one heap-profile snapshot.
type ProfileTop struct {
	Snapshot store.Snapshot
	By       store.By
	Sample   heap.Value            // what the groups are ranked by
	Groups   []store.Group         // the first N, largest first (Rank)
	All      int                   // how many groups there are in all
	Sites    map[int64]store.Site  // BySite: the sites of Groups, by id
	Totals   [heap.NumValues]int64 // the snapshot's sums
}

// TopOfProfile ranks the groups of a heap-profile snapshot by v and keeps the first n (0 for
// all).
func TopOfProfile(ctx context.Context, db *store.DB, snap store.Snapshot, by store.By, v heap.Value, n int) (*ProfileTop, error) {
	groups, err := db.ProfileGroups(ctx, snap.ID, by)
	if err != nil {
		return nil, err
	}
	totals, err := db.ProfileTotals(ctx, snap.ID)
	if err != nil {
		return nil, err
	}
	r := &ProfileTop{Snapshot: snap, By: by, Sample: v, All: len(groups), Totals: totals,
		Groups: Rank(groups, v, n), Sites: map[int64]store.Site{}}
	if by == store.BySite {
		ids := make([]int64, len(r.Groups))
		for i, g := range r.Groups {
			ids[i] = g.Site
		}
		if r.Sites, err = db.Sites(ctx, ids); err != nil {
			return nil, err
		}
	}
	return r, nil
}
