package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ErrNoObject is returned when a snapshot has no object at an address.
var ErrNoObject = errors.New("no such object")

// Object is one object of a graph snapshot. -1 stands for none in Len, Distance, Parent and
// IDom.
type Object struct {
	Snapshot  int64
	OID, Addr int64
	Type      string
	Size, Len int64
	Value     string
	Distance  int64
	Parent    int64
	Via       string
	IDom      int64
	Retained  int64
	Refs      []int64
	RefNames  []string // nil when no reference is named
	Referrers []int64
}

const objectCols = `o.snapshot, o.oid, o.addr, t.name, o.size, coalesce(o.len, -1), coalesce(o.value, ''),
	coalesce(o.distance, -1), coalesce(o.parent, -1), coalesce(o.via, ''), coalesce(o.idom, -1), o.retained,
	o.refs, o.ref_names, o.referrers`

const objectFrom = ` FROM object o JOIN type t ON t.id = o.type `

func scanObject(sc interface{ Scan(...any) error }) (Object, error) {
	var o Object
	var refs, referrers string
	var names sql.NullString
	err := sc.Scan(&o.Snapshot, &o.OID, &o.Addr, &o.Type, &o.Size, &o.Len, &o.Value, &o.Distance, &o.Parent,
		&o.Via, &o.IDom, &o.Retained, &refs, &names, &referrers)
	if err != nil {
		return o, err
	}
	if err := json.Unmarshal([]byte(refs), &o.Refs); err != nil {
		return o, fmt.Errorf("object %d: refs: %w", o.OID, err)
	}
	if err := json.Unmarshal([]byte(referrers), &o.Referrers); err != nil {
		return o, fmt.Errorf("object %d: referrers: %w", o.OID, err)
	}
	if names.Valid {
		if err := json.Unmarshal([]byte(names.String), &o.RefNames); err != nil {
			return o, fmt.Errorf("object %d: ref_names: %w", o.OID, err)
		}
	}
	return o, nil
}

// ObjectAt returns the object at a dump address (or V8 node id) in a snapshot.
func (d *DB) ObjectAt(ctx context.Context, snap, addr int64) (Object, error) {
	o, err := scanObject(d.db.QueryRowContext(ctx, "SELECT "+objectCols+
		" FROM object o INDEXED BY object_addr JOIN type t ON t.id = o.type WHERE o.snapshot = ? AND o.addr = ?", snap, addr))
	if err == sql.ErrNoRows {
		return o, fmt.Errorf("%w at %#x in snapshot %d", ErrNoObject, addr, snap)
	}
	return o, err
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
	rows, err := d.db.QueryContext(ctx, `SELECT t.name, s.count, s.bytes, s.retained
		FROM type_stat s JOIN type t ON t.id = s.type WHERE s.snapshot = ?`, snap)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TypeStatRow
	for rows.Next() {
		var r TypeStatRow
		if err := rows.Scan(&r.Type, &r.Count, &r.Bytes, &r.Retained); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
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
	rows, err := d.db.QueryContext(ctx, `SELECT coalesce(o.idom, -1), t.name, count(*), sum(o.size), sum(o.retained)
		FROM object o JOIN type t ON t.id = o.type WHERE o.snapshot = ?
		GROUP BY o.idom, o.type ORDER BY 5 DESC, 3 DESC, 1, 2 LIMIT ?`, snap, limit(n))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Holding
	for rows.Next() {
		var h Holding
		if err := rows.Scan(&h.Holder, &h.Type, &h.Count, &h.Bytes, &h.Retained); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

func limit(n int) int {
	if n <= 0 {
		return -1 // SQLite: no limit
	}
	return n
}

// TopRetained returns the objects that retain the most, largest first.
func (d *DB) TopRetained(ctx context.Context, snap int64, n int) ([]Object, error) {
	rows, err := d.db.QueryContext(ctx, "SELECT "+objectCols+objectFrom+
		"WHERE o.snapshot = ? ORDER BY o.retained DESC, o.oid LIMIT ?", snap, limit(n))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Object
	for rows.Next() {
		o, err := scanObject(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// ObjectsOfType returns the oids of a type's instances in a snapshot.
func (d *DB) ObjectsOfType(ctx context.Context, snap int64, typ string) ([]int64, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT o.oid FROM object o WHERE o.snapshot = ?
		AND o.type = (SELECT id FROM type WHERE name = ?) ORDER BY o.oid`, snap, typ)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var oid int64
		if err := rows.Scan(&oid); err != nil {
			return nil, err
		}
		out = append(out, oid)
	}
	return out, rows.Err()
}

// SimilarTypes returns type names of a snapshot that contain s, for a "did you mean".
func (d *DB) SimilarTypes(ctx context.Context, snap int64, s string) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT t.name FROM type_stat x JOIN type t ON t.id = x.type
		WHERE x.snapshot = ? AND lower(t.name) LIKE ? ORDER BY x.count DESC LIMIT 5`, snap, "%"+strings.ToLower(s)+"%")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// The queries that match objects by address name their index: without statistics SQLite's
// planner prefers the primary key's snapshot prefix, which makes a join quadratic.

// Survivors counts, per type, the objects of snapshot b that were in snapshot a too: same
// address, type and size (Python reuses freed addresses, so the address alone would not do).
func (d *DB) Survivors(ctx context.Context, a, b int64) (map[string]int64, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT t.name, count(*) FROM object y
		JOIN object x INDEXED BY object_addr ON x.snapshot = ? AND x.addr = y.addr AND x.type = y.type AND x.size = y.size
		JOIN type t ON t.id = y.type WHERE y.snapshot = ? GROUP BY y.type`, a, b)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			return nil, err
		}
		out[name] = n
	}
	return out, rows.Err()
}

// MarkGenerations sets object.gen along a series of snapshots of one process, oldest first:
// an object's gen is the id of the first snapshot it was seen in, matching address, type and
// size with the snapshot before. Snapshots marked before are left as they are. It returns
// how many snapshots it marked.
func (d *DB) MarkGenerations(ctx context.Context, series []Snapshot) (int, error) {
	marked := 0
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		for i, s := range series {
			var todo int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT 1 FROM object WHERE snapshot = ? AND gen IS NULL LIMIT 1)", s.ID).Scan(&todo); err != nil {
				return err
			}
			if todo == 0 {
				continue
			}
			marked++
			if i == 0 {
				if _, err := tx.ExecContext(ctx, "UPDATE object SET gen = snapshot WHERE snapshot = ?", s.ID); err != nil {
					return err
				}
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE object SET gen = coalesce((SELECT x.gen FROM object x INDEXED BY object_addr
				WHERE x.snapshot = ? AND x.addr = object.addr AND x.type = object.type AND x.size = object.size), snapshot)
				WHERE snapshot = ?`, series[i-1].ID, s.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return marked, err
}
