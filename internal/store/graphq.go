package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// ErrNoObject is returned when a snapshot has no object at an address.
var ErrNoObject = errors.New("no such object")

// Object is one object of a graph snapshot. -1 stands for none in Len, Distance, Parent and
// IDom.
type Object struct {
	Snapshot   int64
	OID, Addr  int64
	Type       string
	Size, Len  int64
	Value      string
	Distance   int64
	Parent     int64
	Via        string
	IDom       int64
	Retained   int64
	NRefs      int // how many references it has (Related lists them)
	NReferrers int // how many references to it there are
}

const objectCols = `o.snapshot, o.oid, o.addr, t.name, o.size, coalesce(o.len, -1), coalesce(o.value, ''),
	coalesce(o.distance, -1), coalesce(o.parent, -1), coalesce(o.via, ''), coalesce(o.idom, -1), o.retained,
	json_array_length(o.refs), json_array_length(o.referrers)`

const objectFrom = ` FROM object o JOIN type t ON t.id = o.type `

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// queryAll runs a query and scans every row with scan.
func queryAll[T any](ctx context.Context, db *sql.DB, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// scanOne scans a row of one column.
func scanOne[T any](sc scanner) (T, error) {
	var v T
	err := sc.Scan(&v)
	return v, err
}

func scanObject(sc scanner) (Object, error) {
	var o Object
	err := sc.Scan(&o.Snapshot, &o.OID, &o.Addr, &o.Type, &o.Size, &o.Len, &o.Value, &o.Distance, &o.Parent,
		&o.Via, &o.IDom, &o.Retained, &o.NRefs, &o.NReferrers)
	return o, err
}

// EdgeNames returns the names of the references from src to dst ("" for unnamed ones). It
// looks inside src's lists in SQLite, so a list of a million elements is not read into memory.
func (d *DB) EdgeNames(ctx context.Context, snap, src, dst int64) ([]string, error) {
	return queryAll(ctx, d.db, scanOne[string], `SELECT coalesce(json_extract(o.ref_names, '$[' || j.key || ']'), '')
		FROM object o, json_each(o.refs) j WHERE o.snapshot = ? AND o.oid = ? AND j.value = ? ORDER BY j.key`, snap, src, dst)
}

// Related returns the objects that an object refers to (kids) or that refer to it, each once,
// largest retained first, at most n (all when n <= 0), and how many there are in all.
func (d *DB) Related(ctx context.Context, snap, oid int64, kids bool, n int) ([]Object, int, error) {
	col := "referrers"
	if kids {
		col = "refs"
	} else {
		var order string
		if err := d.db.QueryRowContext(ctx, "SELECT coalesce(json_extract(meta, ?), '') FROM snapshot WHERE id = ?",
			"$."+ReferrerOrderKey, snap).Scan(&order); err != nil {
			return nil, 0, err
		}
		if order == ReferrersByRetained {
			return d.rankedReferrers(ctx, snap, oid, n)
		}
	}
	var total int
	if err := d.db.QueryRowContext(ctx, "SELECT count(DISTINCT j.value) FROM object o, json_each(o."+col+") j WHERE o.snapshot = ? AND o.oid = ?",
		snap, oid).Scan(&total); err != nil {
		return nil, 0, err
	}
	out, err := queryAll(ctx, d.db, scanObject, "SELECT "+objectCols+` FROM object o JOIN type t ON t.id = o.type
		WHERE o.snapshot = ? AND o.oid IN (SELECT j.value FROM object x, json_each(x.`+col+`) j WHERE x.snapshot = ? AND x.oid = ?)
		ORDER BY o.retained DESC, o.oid LIMIT ?`, snap, snap, oid, limit(n))
	return out, total, err
}

// ObjectAt returns the object at a dump address (or V8 node id) in a snapshot. Oids number a
// snapshot's objects in address order, so this is a binary search over oids: about 24 primary
// key lookups for 10M objects, and no index on addr to build at load.
func (d *DB) ObjectAt(ctx context.Context, snap, addr int64) (Object, error) {
	var n int64
	if err := d.db.QueryRowContext(ctx, "SELECT object_count FROM snapshot WHERE id = ?", snap).Scan(&n); err != nil {
		return Object{}, err
	}
	st, err := d.db.PrepareContext(ctx, "SELECT addr FROM object WHERE snapshot = ? AND oid = ?")
	if err != nil {
		return Object{}, err
	}
	defer st.Close()
	lo, hi := int64(0), n-1
	for lo <= hi {
		mid := lo + (hi-lo)/2
		var a int64
		if err := st.QueryRowContext(ctx, snap, mid).Scan(&a); err != nil {
			return Object{}, fmt.Errorf("object %d of snapshot %d: %w", mid, snap, err)
		}
		switch {
		case a == addr:
			return d.Object(ctx, snap, mid)
		case uint64(a) < uint64(addr): // addresses are unsigned
			lo = mid + 1
		default:
			hi = mid - 1
		}
	}
	return Object{}, fmt.Errorf("%w at %#x in snapshot %d", ErrNoObject, addr, snap)
}

// Objects returns objects of a snapshot by oid.
func (d *DB) Objects(ctx context.Context, snap int64, oids []int64) (map[int64]Object, error) {
	out := make(map[int64]Object, len(oids))
	st, err := d.db.PrepareContext(ctx, "SELECT "+objectCols+objectFrom+"WHERE o.snapshot = ? AND o.oid = ?")
	if err != nil {
		return nil, err
	}
	defer st.Close()
	for _, oid := range oids {
		if _, ok := out[oid]; ok || oid < 0 {
			continue
		}
		o, err := scanObject(st.QueryRowContext(ctx, snap, oid))
		if err != nil {
			return nil, fmt.Errorf("object %d of snapshot %d: %w", oid, snap, err)
		}
		out[oid] = o
	}
	return out, nil
}

// Object returns one object of a snapshot by oid.
func (d *DB) Object(ctx context.Context, snap, oid int64) (Object, error) {
	m, err := d.Objects(ctx, snap, []int64{oid})
	if err != nil {
		return Object{}, err
	}
	return m[oid], nil
}

// RootName returns how a path starts at a root object ("module shop"), or "" when the object
// is not a named root.
func (d *DB) RootName(ctx context.Context, snap, oid int64) (string, error) {
	var name string
	err := d.db.QueryRowContext(ctx, `SELECT name FROM root WHERE snapshot = ? AND oid = ? AND name != ''
		ORDER BY kind = 'unreferenced', name LIMIT 1`, snap, oid).Scan(&name)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return name, err
}

// TypeStatRow is one type's totals in a graph snapshot.
type TypeStatRow struct {
	Type                   string
	Count, Bytes, Retained int64
}

// TypeStats returns the per-type totals of a graph snapshot, in no particular order.
func (d *DB) TypeStats(ctx context.Context, snap int64) ([]TypeStatRow, error) {
	return queryAll(ctx, d.db, func(sc scanner) (TypeStatRow, error) {
		var r TypeStatRow
		err := sc.Scan(&r.Type, &r.Count, &r.Bytes, &r.Retained)
		return r, err
	}, `SELECT t.name, s.count, s.bytes, s.retained FROM type_stat s JOIN type t ON t.id = s.type WHERE s.snapshot = ?`, snap)
}

// Holding is what one holder (an immediate dominator) keeps alive of one type.
type Holding struct {
	Holder                 int64 // oid; -1 for the super-root (nothing but the roots holds them)
	Type                   string
	Count, Bytes, Retained int64
}

// Holdings groups a graph snapshot's objects by immediate dominator and type, largest retained
// first. Objects with one dominator never overlap, so the retained sums are exact.
func (d *DB) Holdings(ctx context.Context, snap int64, n int) ([]Holding, error) {
	return queryAll(ctx, d.db, scanHolding, `SELECT coalesce(o.idom, -1), t.name, count(*), sum(o.size), sum(o.retained)
		FROM object o JOIN type t ON t.id = o.type WHERE o.snapshot = ?
		GROUP BY o.idom, o.type ORDER BY 5 DESC, 3 DESC, 1, 2 LIMIT ?`, snap, limit(n))
}

// ReferrerOrderKey is the snapshot meta key that says how object.referrers is ordered; with
// ReferrersByRetained (memsee writes it so since it stores the key) each referrer is there once,
// the largest retained first, ties by oid. Older snapshots have referrers in no order.
const (
	ReferrerOrderKey    = "referrers_order"
	ReferrersByRetained = "distinct, retained descending"
)

// rankedReferrers is Related for referrers stored in rank order: the first n, read in order.
func (d *DB) rankedReferrers(ctx context.Context, snap, oid int64, n int) ([]Object, int, error) {
	var total int
	if err := d.db.QueryRowContext(ctx, "SELECT json_array_length(referrers) FROM object WHERE snapshot = ? AND oid = ?",
		snap, oid).Scan(&total); err != nil {
		return nil, 0, err
	}
	out, err := queryAll(ctx, d.db, scanObject, "SELECT "+objectCols+` FROM (SELECT j.key AS rank, j.value AS ref
			FROM object x, json_each(x.referrers) j WHERE x.snapshot = ? AND x.oid = ? ORDER BY j.key LIMIT ?) r
		JOIN object o ON o.snapshot = ? AND o.oid = r.ref JOIN type t ON t.id = o.type
		ORDER BY r.rank`, snap, oid, limit(n), snap)
	return out, total, err
}

// LiveHoldings is Holdings for the objects a root reaches (garbage is no leak), keeping the
// groups that retain at least floor bytes and whose holder is at most maxDepth references
// from a root, in no particular order.
func (d *DB) LiveHoldings(ctx context.Context, snap, floor, maxDepth int64) ([]Holding, error) {
	return queryAll(ctx, d.db, scanHolding, `SELECT g.holder, t.name, g.n, g.bytes, g.retained
		FROM (SELECT coalesce(o.idom, -1) AS holder, o.type AS type, count(*) AS n, sum(o.size) AS bytes,
				sum(o.retained) AS retained
			FROM object o WHERE o.snapshot = ? AND o.distance IS NOT NULL
			GROUP BY o.idom, o.type HAVING sum(o.retained) >= ?) g
		JOIN type t ON t.id = g.type
		LEFT JOIN object h ON h.snapshot = ? AND h.oid = g.holder
		WHERE g.holder < 0 OR h.distance <= ?`, snap, floor, snap, maxDepth)
}

func scanHolding(sc scanner) (Holding, error) {
	var h Holding
	err := sc.Scan(&h.Holder, &h.Type, &h.Count, &h.Bytes, &h.Retained)
	return h, err
}

func limit(n int) int {
	if n <= 0 {
		return -1 // SQLite: no limit
	}
	return n
}

// TopRetained returns the objects that retain the most, largest first.
func (d *DB) TopRetained(ctx context.Context, snap int64, n int) ([]Object, error) {
	return queryAll(ctx, d.db, scanObject, "SELECT "+objectCols+objectFrom+
		"WHERE o.snapshot = ? ORDER BY o.retained DESC, o.oid LIMIT ?", snap, limit(n))
}

// ObjectsOfType returns the oids of a type's instances in a snapshot.
func (d *DB) ObjectsOfType(ctx context.Context, snap int64, typ string) ([]int64, error) {
	return queryAll(ctx, d.db, scanOne[int64], `SELECT o.oid FROM object o WHERE o.snapshot = ?
		AND o.type = (SELECT id FROM type WHERE name = ?) ORDER BY o.oid`, snap, typ)
}

// SimilarTypes returns type names of a snapshot that contain s, for a "did you mean".
func (d *DB) SimilarTypes(ctx context.Context, snap int64, s string) ([]string, error) {
	return queryAll(ctx, d.db, scanOne[string], `SELECT t.name FROM type_stat x JOIN type t ON t.id = x.type
		WHERE x.snapshot = ? AND lower(t.name) LIKE ? ORDER BY x.count DESC LIMIT 5`, snap, "%"+strings.ToLower(s)+"%")
}

// identity is what matches an object across dumps of one Python process: its address, type and
// size together (CPython reuses the address of a freed object).
type identity struct{ addr, typ, size int64 }

// scanIdentities calls fn for each object of a snapshot in address order (oid order).
func (d *DB) scanIdentities(ctx context.Context, snap int64, fn func(oid int64, id identity, gen int64)) error {
	// V8 node ids are exact within a process, whatever happens to the object's size (as
	// DevTools compares them); a Python address is reused, so its type and size must match too.
	var format string
	if err := d.db.QueryRowContext(ctx, "SELECT format FROM snapshot WHERE id = ?", snap).Scan(&format); err != nil {
		return err
	}
	exactIDs := format == "v8"
	rows, err := d.db.QueryContext(ctx, "SELECT oid, addr, type, size, coalesce(gen, -1) FROM object WHERE snapshot = ? ORDER BY oid", snap)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var oid, gen int64
		var id identity
		if err := rows.Scan(&oid, &id.addr, &id.typ, &id.size, &gen); err != nil {
			return err
		}
		if exactIDs {
			id.size = 0
		}
		fn(oid, id, gen)
	}
	return rows.Err()
}

// matchSnapshots merges two snapshots' objects, both in address order, and calls fn for each
// object of b with the gen of the object of a it matches (-1 when none; 0 when it matches one
// whose gen is not set).
func (d *DB) matchSnapshots(ctx context.Context, a, b int64, fn func(oid int64, id identity, matched bool, gen int64)) error {
	type entry struct {
		id  identity
		gen int64
	}
	var prev []entry
	if err := d.scanIdentities(ctx, a, func(_ int64, id identity, gen int64) { prev = append(prev, entry{id, gen}) }); err != nil {
		return err
	}
	i := 0
	return d.scanIdentities(ctx, b, func(oid int64, id identity, _ int64) {
		for i < len(prev) && uint64(prev[i].id.addr) < uint64(id.addr) {
			i++
		}
		if i < len(prev) && prev[i].id == id {
			fn(oid, id, true, prev[i].gen)
			return
		}
		fn(oid, id, false, -1)
	})
}

// Survivors counts, per type, the objects of snapshot b that were in snapshot a too: same
// address, type and size (Python reuses freed addresses, so the address alone would not do).
func (d *DB) Survivors(ctx context.Context, a, b int64) (map[string]int64, error) {
	byType := map[int64]int64{}
	if err := d.matchSnapshots(ctx, a, b, func(_ int64, id identity, matched bool, _ int64) {
		if matched {
			byType[id.typ]++
		}
	}); err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for t, n := range byType {
		var name string
		if err := d.db.QueryRowContext(ctx, "SELECT name FROM type WHERE id = ?", t).Scan(&name); err != nil {
			return nil, err
		}
		out[name] = n
	}
	return out, nil
}

// MarkGenerations sets object.gen along a series of snapshots of one process, oldest first:
// an object's gen is the id of the first snapshot it was seen in, matching address, type and
// size with the snapshot before. Snapshots marked before are left as they are. It returns
// how many snapshots it marked.
func (d *DB) MarkGenerations(ctx context.Context, series []Snapshot) (int, error) {
	marked := 0
	for i, s := range series {
		var todo int
		if err := d.db.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT 1 FROM object WHERE snapshot = ? AND gen IS NULL LIMIT 1)", s.ID).Scan(&todo); err != nil {
			return marked, err
		}
		if todo == 0 {
			continue
		}
		// Survivors keep the gen of the object they match; everything else is new here.
		type update struct{ oid, gen int64 }
		var keep []update
		if i > 0 {
			if err := d.matchSnapshots(ctx, series[i-1].ID, s.ID, func(oid int64, _ identity, matched bool, gen int64) {
				if matched && gen > 0 {
					keep = append(keep, update{oid, gen})
				}
			}); err != nil {
				return marked, err
			}
		}
		err := d.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, "UPDATE object SET gen = snapshot WHERE snapshot = ?", s.ID); err != nil {
				return err
			}
			st, err := tx.PrepareContext(ctx, "UPDATE object SET gen = ? WHERE snapshot = ? AND oid = ?")
			if err != nil {
				return err
			}
			defer st.Close()
			for _, u := range keep {
				if _, err := st.ExecContext(ctx, u.gen, s.ID, u.oid); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return marked, err
		}
		marked++
	}
	return marked, nil
}
