package store

import "context"

// SiteStats returns the allocation sites of a snapshot (alloc_site) with their objects'
// count, bytes and retained size, in no order; none for a dump without sites.
func (d *DB) SiteStats(ctx context.Context, snap int64) ([]SiteStat, error) {
	return queryAll(ctx, d.q, func(sc scanner) (SiteStat, error) {
		var r SiteStat
		err := sc.Scan(&r.ID, &r.Site, &r.Count, &r.Bytes, &r.Retained)
		return r, err
	}, `SELECT id, site, count, bytes, retained FROM alloc_site WHERE snapshot = ?`, snap)
}
