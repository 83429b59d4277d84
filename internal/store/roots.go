package store

import "context"

// RootNames returns how a path starts at each named root of a snapshot, by oid: the name
// RootName returns for it, read in one query for a reader that needs them all.
func (d *DB) RootNames(ctx context.Context, snap int64) (map[int64]string, error) {
	type root struct {
		oid  int64
		name string
	}
	rows, err := queryAll(ctx, d.q, func(sc scanner) (root, error) {
		var r root
		err := sc.Scan(&r.oid, &r.name)
		return r, err
	}, `SELECT oid, name FROM root WHERE snapshot = ? AND name != ''
		ORDER BY oid, kind = 'unreferenced', name`, snap)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(rows))
	for _, r := range rows {
		if _, ok := out[r.oid]; !ok {
			out[r.oid] = r.name // the first, as RootName picks it
		}
	}
	return out, nil
}
