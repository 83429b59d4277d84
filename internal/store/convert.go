package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/store/page"
)

// migrationHooks run after a migration's SQL, in its transaction.
var migrationHooks = map[int]func(context.Context, *sql.Tx) error{
	3: convertObjectRows,
}

// convertObjectRows moves the objects of databases written before schema version 3, a row
// per object with JSON arrays of references, into pages, and drops the old table and view.
func convertObjectRows(ctx context.Context, tx *sql.Tx) error {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE name = 'object' AND type = 'table'").Scan(&n); err != nil || n == 0 {
		return err
	}
	snaps, err := queryAllTx(ctx, tx, "SELECT DISTINCT snapshot FROM object ORDER BY snapshot")
	if err != nil {
		return err
	}
	for _, snap := range snaps {
		if err := convertSnapshot(ctx, tx, snap); err != nil {
			return fmt.Errorf("converting the objects of snapshot %d to pages: %w", snap, err)
		}
	}
	for _, q := range []string{"DROP VIEW IF EXISTS ref", "DROP TABLE object"} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

func queryAllTx(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func convertSnapshot(ctx context.Context, tx *sql.Tx, snap int64) error {
	// Referrers go in ranked by what they retain, as loads write them now.
	retained, err := queryAllTx(ctx, tx, "SELECT retained FROM object WHERE snapshot = ? ORDER BY oid", snap)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT oid, addr, type, size, coalesce(len, -1), coalesce(value, ''),
		coalesce(distance, -1), coalesce(parent, -1), coalesce(via, ''), coalesce(idom, -1), retained,
		refs, coalesce(ref_names, '[]'), referrers, coalesce(gen, -1) FROM object WHERE snapshot = ? ORDER BY oid`, snap)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		pb            page.Builder
		gens          []uint64
		anyGen        bool
		blob          []byte
		o             NewObject
		refs, names   string
		referrers     string
		ids, referrer []int64
		texts         []string
		gen           int64
	)
	pb.Reset()
	flush := func(num int64) error {
		if pb.Len() == 0 {
			return nil
		}
		var g []byte
		if anyGen {
			g = page.AppendGen(nil, gens)
		}
		blob = pb.AppendObjects(blob[:0])
		if _, err := tx.ExecContext(ctx, "INSERT INTO object_page(snapshot, page, objects, gen) VALUES (?, ?, ?, ?)", snap, num, blob, g); err != nil {
			return err
		}
		blob = pb.AppendEdges(blob[:0])
		if _, err := tx.ExecContext(ctx, "INSERT INTO edge_page(snapshot, page, refs) VALUES (?, ?, ?)", snap, num, blob); err != nil {
			return err
		}
		pb.Reset()
		gens, anyGen = gens[:0], false
		return nil
	}
	next := int64(0)
	for rows.Next() {
		if err := rows.Scan(&o.OID, &o.Addr, &o.Type, &o.Size, &o.Len, &o.Value, &o.Distance, &o.Parent, &o.Via,
			&o.IDom, &o.Retained, &refs, &names, &referrers, &gen); err != nil {
			return err
		}
		if o.OID != next {
			return fmt.Errorf("object %d is missing", next)
		}
		next++
		ids, texts, referrer = ids[:0], texts[:0], referrer[:0]
		if err := json.Unmarshal([]byte(refs), &ids); err != nil {
			return fmt.Errorf("object %d: refs: %w", o.OID, err)
		}
		if err := json.Unmarshal([]byte(names), &texts); err != nil {
			return fmt.Errorf("object %d: ref_names: %w", o.OID, err)
		}
		if err := json.Unmarshal([]byte(referrers), &referrer); err != nil {
			return fmt.Errorf("object %d: referrers: %w", o.OID, err)
		}
		for i, id := range ids {
			r := NewRef{OID: id, Kind: heap.EdgeField, Index: -1}
			if i < len(texts) {
				r.Name = texts[i]
			}
			if s, ok := strings.CutPrefix(r.Name, "["); ok {
				if k, err := strconv.ParseUint(strings.TrimSuffix(s, "]"), 10, 62); err == nil {
					r.Kind, r.Index, r.Name = heap.EdgeElement, int64(k), ""
				}
			}
			pb.Ref((*page.Ref)(&r))
		}
		slices.SortFunc(referrer, func(x, y int64) int {
			if x >= 0 && y >= 0 && x < int64(len(retained)) && y < int64(len(retained)) {
				if c := cmp.Compare(retained[y], retained[x]); c != 0 {
					return c
				}
			}
			return cmp.Compare(x, y)
		})
		for _, r := range slices.Compact(referrer) {
			pb.Referrer(uint32(r))
		}
		pb.Add(o.pageObject())
		gens = append(gens, page.PlusOne(gen))
		anyGen = anyGen || gen >= 0
		if pb.Len() == page.Size {
			if err := flush((o.OID) >> page.Bits); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return flush((next - 1) >> page.Bits)
}
