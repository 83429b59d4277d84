package analysis

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/memsee/memsee/internal/store"
)

// topSites ranks the allocation sites of an object-dump snapshot by the bytes their objects
// retain (then their own bytes, then the site), as heapy groups a Ruby dump by file and line,
// and keeps the first n (0 for all). A snapshot whose dump has no sites is an error that says
// so.
func topSites(ctx context.Context, db *store.DB, r *GraphTop, n int) (*GraphTop, error) {
	stats, err := db.SiteStats(ctx, r.Snapshot.ID)
	if err != nil {
		return nil, err
	}
	if len(stats) == 0 {
		return nil, fmt.Errorf("snapshot %d (%s) has no allocation sites: its dump does not say where objects were allocated (group it by type or holder)", r.Snapshot.ID, r.Snapshot.Label)
	}
	slices.SortFunc(stats, func(a, b store.SiteStat) int {
		if c := cmp.Compare(b.Retained, a.Retained); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Bytes, a.Bytes); c != 0 {
			return c
		}
		return cmp.Compare(a.Site, b.Site)
	})
	r.All = len(stats)
	if n > 0 && len(stats) > n {
		stats = stats[:n]
	}
	r.Sites = stats
	return r, nil
}
