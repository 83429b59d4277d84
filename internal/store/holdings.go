package store

import (
	"context"
	"database/sql"
	"errors"
)

// HoldingRow is what one holder keeps alive of one type in a snapshot, as a load keeps it for
// leaks (the holding table; analysis.Holding is what leaks reads).
type HoldingRow struct {
	Holder                 int64 // oid; -1 for the roots, no single holder
	Type                   int64 // a type id as Load.Type gives it (HoldingRows: as stored)
	TypeName               string
	Storage, Root, Self    bool
	Open                   bool // a root that is storage: its own group, apart from what it holds
	Count, Bytes, Retained int64
	Reach                  int64 // what any group of its holder can retain, at most
	Depth                  int64 // the holder's distance from a root; -1 for none
}

// The bits of holding.flags.
const (
	holdStorage = 1 << iota
	holdRoot
	holdSelf
	holdOpen
)

// Flags returns the bits of holding.flags that r's Storage, Root, Self and Open set.
func (r *HoldingRow) Flags() int64 {
	var f int64
	if r.Storage {
		f |= holdStorage
	}
	if r.Root {
		f |= holdRoot
	}
	if r.Self {
		f |= holdSelf
	}
	if r.Open {
		f |= holdOpen
	}
	return f
}

// HoldingSet is what a load kept of a snapshot's holdings: every group whose reach is at least
// Floor and whose holder is at most Depth from a root (or is the roots).
type HoldingSet struct{ Floor, Depth int64 }

// Holdings queues the snapshot's holdings (graph.Grouper), as set says they were kept.
func (g *GraphWriter) Holdings(set HoldingSet, rows []HoldingRow) {
	b0 := newBatchInsert(g.l.w, "holding_set", "snapshot", "floor", "depth")
	b0.add(g.snap, set.Floor, set.Depth)
	b0.flush()
	b := newBatchInsert(g.l.w, "holding", "snapshot", "holder", "type", "flags", "count", "bytes", "retained", "reach", "depth")
	b.before = g.l.types.rows
	for _, r := range rows {
		b.add(g.snap, r.Holder, r.Type, r.Flags(), r.Count, r.Bytes, r.Retained, r.Reach, r.Depth)
	}
	b.flush()
}

// HoldingRows returns the holdings a load kept of a snapshot and how it kept them; ok is false
// for a snapshot loaded before memsee kept them (leaks sums its pages).
func (d *DB) HoldingRows(ctx context.Context, snap int64) (rows []HoldingRow, set HoldingSet, ok bool, err error) {
	err = d.q.QueryRowContext(ctx, "SELECT floor, depth FROM holding_set WHERE snapshot = ?", snap).Scan(&set.Floor, &set.Depth)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, set, false, nil
	}
	if err != nil {
		return nil, set, false, err
	}
	rows, err = queryAll(ctx, d.q, func(sc scanner) (HoldingRow, error) {
		var r HoldingRow
		var f int64
		err := sc.Scan(&r.Holder, &r.Type, &r.TypeName, &f, &r.Count, &r.Bytes, &r.Retained, &r.Reach, &r.Depth)
		r.Storage, r.Root, r.Self, r.Open = f&holdStorage != 0, f&holdRoot != 0, f&holdSelf != 0, f&holdOpen != 0
		return r, err
	}, `SELECT h.holder, h.type, t.name, h.flags, h.count, h.bytes, h.retained, h.reach, h.depth
		FROM holding h JOIN type t ON t.id = h.type WHERE h.snapshot = ?`, snap)
	return rows, set, err == nil, err
}

// HolderName is a holder's path from a root (indices as [*]) and its name as leaks prints it.
type HolderName struct{ Path, Name string }

// HolderNames returns the names recorded for the holders of a snapshot (SetHolderNames).
func (d *DB) HolderNames(ctx context.Context, snap int64) (map[int64]HolderName, error) {
	type row struct {
		oid int64
		HolderName
	}
	rows, err := queryAll(ctx, d.q, func(sc scanner) (row, error) {
		var r row
		err := sc.Scan(&r.oid, &r.Path, &r.Name)
		return r, err
	}, "SELECT oid, path, name FROM holder WHERE snapshot = ?", snap)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]HolderName, len(rows))
	for _, r := range rows {
		out[r.oid] = r.HolderName
	}
	return out, nil
}

// SetHolderNames records the names of a snapshot's holders, in one transaction, replacing
// what was there. It needs a database opened for writing: a load names the holders of what it
// loaded once it is committed (loader.NameHolders).
func (d *DB) SetHolderNames(ctx context.Context, snap int64, names map[int64]HolderName) error {
	if d.ReadOnly() {
		return errors.New("recording the names of holders needs a database opened for writing")
	}
	return d.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM holder WHERE snapshot = ?", snap); err != nil {
			return err
		}
		st, err := tx.PrepareContext(ctx, "INSERT INTO holder (snapshot, oid, path, name) VALUES (?, ?, ?, ?)")
		if err != nil {
			return err
		}
		defer st.Close()
		for oid, n := range names {
			if _, err := st.ExecContext(ctx, snap, oid, n.Path, n.Name); err != nil {
				return err
			}
		}
		return nil
	})
}
