package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"unsafe"

	"github.com/memsee/memsee/internal/store/page"
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

// setFlags sets r's Storage, Root, Self and Open from the bits of holding.flags (Flags).
func (r *HoldingRow) setFlags(f int64) {
	r.Storage, r.Root, r.Self, r.Open = f&holdStorage != 0, f&holdRoot != 0, f&holdSelf != 0, f&holdOpen != 0
}

// HoldingSet is what a load kept of a snapshot's holdings: every group whose reach is at least
// Floor and whose holder is at most Depth from a root (or is the roots).
type HoldingSet struct{ Floor, Depth int64 }

// Holdings queues the snapshot's holdings (graph.Grouper), as set says they were kept.
func (g *GraphWriter) Holdings(set HoldingSet, rows []HoldingRow) {
	b0 := newBatchInsert(g.l.w, "holding_set", "snapshot", "floor", "depth", "packed")
	b0.add(g.snap, set.Floor, set.Depth, packHoldings(rows))
	b0.flush()
	b := newBatchInsert(g.l.w, "holding", "snapshot", "holder", "type", "flags", "count", "bytes", "retained", "reach", "depth")
	b.before = g.l.types.rows
	for _, r := range rows {
		b.add(g.snap, r.Holder, r.Type, r.Flags(), r.Count, r.Bytes, r.Retained, r.Reach, r.Depth)
	}
	b.flush()
}

// HoldingRows returns the holdings a load kept of a snapshot and how it kept them; ok is false
// for a snapshot loaded before memsee kept them (leaks sums its pages). It reads them packed
// in one row (holding_set.packed), or, for a snapshot loaded before schema 7, from holding.
func (d *DB) HoldingRows(ctx context.Context, snap int64) (rows []HoldingRow, set HoldingSet, ok bool, err error) {
	var packed []byte
	err = d.q.QueryRowContext(ctx, "SELECT floor, depth, packed FROM holding_set WHERE snapshot = ?", snap).Scan(&set.Floor, &set.Depth, &packed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, set, false, nil
	}
	if err != nil {
		return nil, set, false, err
	}
	if packed != nil {
		rows, err = d.unpackHoldings(ctx, packed)
		if err != nil {
			return nil, set, false, fmt.Errorf("snapshot %d, its holdings: %w", snap, err)
		}
		return rows, set, true, nil
	}
	rows, err = queryAll(ctx, d.q, func(sc scanner) (HoldingRow, error) {
		var r HoldingRow
		var f int64
		err := sc.Scan(&r.Holder, &r.Type, &r.TypeName, &f, &r.Count, &r.Bytes, &r.Retained, &r.Reach, &r.Depth)
		r.setFlags(f)
		return r, err
	}, `SELECT h.holder, h.type, t.name, h.flags, h.count, h.bytes, h.retained, h.reach, h.depth
		FROM holding h JOIN type t ON t.id = h.type WHERE h.snapshot = ?`, snap)
	return rows, set, err == nil, err
}

// damaged is page.ErrDamaged for what is not a page, in its own words: errors.Is finds
// page.ErrDamaged in it.
type damaged string

func (d damaged) Error() string        { return string(d) }
func (d damaged) Is(target error) bool { return target == page.ErrDamaged }

// packHoldings packs rows as holding_set.packed keeps them: a version byte (1), the number of
// rows, and per row its holder, type, flags, count, bytes, retained, reach and depth, each a
// varint (signed for the holder and the depth, which may be -1).
func packHoldings(rows []HoldingRow) []byte {
	b := make([]byte, 0, 1+binary.MaxVarintLen64+len(rows)*12)
	b = append(b, holdingsVersion)
	b = binary.AppendUvarint(b, uint64(len(rows)))
	for _, r := range rows {
		b = binary.AppendVarint(b, r.Holder)
		for _, v := range []int64{r.Type, r.Flags(), r.Count, r.Bytes, r.Retained, r.Reach} {
			b = binary.AppendUvarint(b, uint64(v))
		}
		b = binary.AppendVarint(b, r.Depth)
	}
	return b
}

const holdingsVersion = 1

// unpackHoldings reads what packHoldings packed, its types named; damaged bytes (a short or
// long blob, a value out of range, an unknown type) are page.ErrDamaged.
func (d *DB) unpackHoldings(ctx context.Context, b []byte) ([]HoldingRow, error) {
	bad := func(what string) error { return damaged("damaged holdings (holding_set.packed): " + what) }
	if len(b) == 0 || b[0] != holdingsVersion {
		return nil, bad("not version 1")
	}
	b = b[1:]
	n, k := binary.Uvarint(b)
	// A row takes 8 bytes at least: no count the bytes cannot hold makes room.
	if k <= 0 || n > uint64(len(b)-k)/8 {
		return nil, bad("a count past the bytes")
	}
	b = b[k:]
	var vals [8]int64
	rows := make([]HoldingRow, n)
	for i := range rows {
		for j := range vals {
			var v int64
			var k int
			if j == 0 || j == 7 {
				v, k = binary.Varint(b)
			} else {
				var u uint64
				u, k = binary.Uvarint(b)
				v = int64(u)
				if u > math.MaxInt64 {
					k = -1
				}
			}
			if k <= 0 {
				return nil, bad(fmt.Sprintf("row %d is cut short or out of range", i))
			}
			vals[j], b = v, b[k:]
		}
		r := &rows[i]
		r.Holder, r.Type, r.Count, r.Bytes, r.Retained, r.Reach, r.Depth = vals[0], vals[1], vals[3], vals[4], vals[5], vals[6], vals[7]
		r.setFlags(vals[2])
		name, err := d.TypeName(ctx, r.Type) // from the page cache's map of the types
		if err != nil {
			return nil, err
		}
		r.TypeName = name
	}
	if len(b) != 0 {
		return nil, bad(fmt.Sprintf("%d bytes after the last row", len(b)))
	}
	return rows, nil
}

// HolderName is a holder's path from a root (indices as [*]) and its name as leaks prints it.
type HolderName struct{ Path, Name string }

// HolderKey tells a holder's path and name from any other without their texts: the first 16
// bytes of the SHA-256 of each. leaks matches holders across snapshots by it.
type HolderKey struct{ Path, Name [16]byte }

// Key returns n's HolderKey.
func (n HolderName) Key() HolderKey {
	return HolderKey{Path: textSum(n.Path), Name: textSum(n.Name)}
}

func textSum(s string) (sum [16]byte) {
	// The string's own bytes, read and not kept: a path runs to kilobytes, and there are as
	// many as holders.
	full := sha256.Sum256(unsafe.Slice(unsafe.StringData(s), len(s)))
	copy(sum[:], full[:])
	return sum
}

// bytes is k as holder_key.sums stores it.
func (k HolderKey) bytes() []byte { return append(k.Path[:len(k.Path):len(k.Path)], k.Name[:]...) }

// HolderNames returns the names recorded for the holders of a snapshot (SetHolderNames).
func (d *DB) HolderNames(ctx context.Context, snap int64) (map[int64]HolderName, error) {
	return d.holderNames(ctx, "SELECT oid, path, name FROM holder WHERE snapshot = ?", snap)
}

// HolderNamesOf returns the names recorded for those of oids that have one in a snapshot.
func (d *DB) HolderNamesOf(ctx context.Context, snap int64, oids []int64) (map[int64]HolderName, error) {
	out := map[int64]HolderName{}
	for ids := range slices.Chunk(oids, 500) {
		args := []any{snap}
		for _, id := range ids {
			args = append(args, id)
		}
		got, err := d.holderNames(ctx, "SELECT oid, path, name FROM holder WHERE snapshot = ? AND oid IN (?"+
			strings.Repeat(", ?", len(ids)-1)+")", args...)
		if err != nil {
			return nil, err
		}
		maps.Copy(out, got)
	}
	return out, nil
}

func (d *DB) holderNames(ctx context.Context, query string, args ...any) (map[int64]HolderName, error) {
	type row struct {
		oid int64
		HolderName
	}
	rows, err := queryAll(ctx, d.q, func(sc scanner) (row, error) {
		var r row
		err := sc.Scan(&r.oid, &r.Path, &r.Name)
		return r, err
	}, query, args...)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]HolderName, len(rows))
	for _, r := range rows {
		out[r.oid] = r.HolderName
	}
	return out, nil
}

// HolderKeys returns the keys of the names recorded for the holders of a snapshot: as recorded
// (holder_key), or, for a snapshot named before schema 7, worked out from the texts.
func (d *DB) HolderKeys(ctx context.Context, snap int64) (map[int64]HolderKey, error) {
	rows, err := d.q.QueryContext(ctx, "SELECT oid, sums FROM holder_key WHERE snapshot = ?", snap)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]HolderKey{}
	for rows.Next() {
		var oid int64
		var sums sql.RawBytes
		if err := rows.Scan(&oid, &sums); err != nil {
			return nil, err
		}
		var k HolderKey
		if len(sums) != len(k.Path)+len(k.Name) {
			return nil, damaged(fmt.Sprintf("damaged holder sums (holder_key): those of holder %d of snapshot %d are %d bytes, not %d",
				oid, snap, len(sums), len(k.Path)+len(k.Name)))
		}
		copy(k.Path[:], sums)
		copy(k.Name[:], sums[len(k.Path):])
		out[oid] = k
	}
	if err := rows.Err(); err != nil || len(out) > 0 {
		return out, err
	}
	names, err := d.HolderNames(ctx, snap)
	if err != nil {
		return nil, err
	}
	for oid, n := range names {
		out[oid] = n.Key()
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
	conn, tx, err := d.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	defer tx.Rollback() // no-op after Commit
	for _, table := range []string{"holder", "holder_key"} {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE snapshot = ?", snap); err != nil {
			return err
		}
	}
	// Through a load's writer (a batch of rows a call into SQLite), in oid order, the order of
	// the tables' keys: a Ruby dump has a hundred thousand holders.
	w := newWriter(ctx, conn, tx)
	texts := newBatchInsert(w, "holder", "snapshot", "oid", "path", "name")
	keys := newBatchInsert(w, "holder_key", "snapshot", "oid", "sums")
	for _, oid := range slices.Sorted(maps.Keys(names)) {
		n := names[oid]
		texts.add(snap, oid, n.Path, n.Name)
		keys.add(snap, oid, n.Key().bytes())
	}
	texts.flush()
	keys.flush()
	if err := w.stop(); err != nil {
		return err
	}
	return tx.Commit()
}
