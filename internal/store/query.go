package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/memsee/memsee/internal/heap"
)

// Result is the outcome of a raw SQL query.
type Result struct {
	Columns []string
	Rows    [][]any // int64, float64, string, []byte or nil
}

// QueryOptions are the options of Query.
type QueryOptions struct {
	Write bool // allow statements that change the database
	// Objects are the graph snapshots whose objects and references the query sees as the
	// temporary tables object and ref, laid out from their pages for this query.
	Objects []int64
}

// Query runs a user's SQL. Unless o.Write is set the connection is read-only (PRAGMA
// query_only), so a mistyped statement cannot damage the database.
func (d *DB) Query(ctx context.Context, query string, o QueryOptions) (*Result, error) {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if len(o.Objects) > 0 {
		// Temporary tables belong to the connection, which goes back to the pool afterwards.
		defer conn.ExecContext(context.Background(), "DROP TABLE IF EXISTS temp.object; DROP TABLE IF EXISTS temp.ref")
		if err := d.layOut(ctx, conn, o.Objects); err != nil {
			return nil, err
		}
	}
	if !o.Write {
		if _, err := conn.ExecContext(ctx, "PRAGMA query_only = ON"); err != nil {
			return nil, err
		}
		// The connection goes back to the pool afterwards.
		defer conn.ExecContext(context.Background(), "PRAGMA query_only = OFF")
	}
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	res := &Result{Columns: cols}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b)
			}
		}
		res.Rows = append(res.Rows, vals)
	}
	return res, rows.Err()
}

// layOut writes the objects and references of snapshots into the temporary tables object and
// ref of conn.
func (d *DB) layOut(ctx context.Context, conn *sql.Conn, snaps []int64) error {
	if _, err := conn.ExecContext(ctx, `
		CREATE TEMP TABLE object (snapshot INTEGER, oid INTEGER, addr INTEGER, type INTEGER, size INTEGER,
			len INTEGER, value TEXT, distance INTEGER, parent INTEGER, via TEXT, idom INTEGER,
			retained INTEGER, gen INTEGER, PRIMARY KEY (snapshot, oid)) WITHOUT ROWID;
		CREATE TEMP TABLE ref (snapshot INTEGER, src INTEGER, dst INTEGER, kind TEXT, name TEXT);`); err != nil {
		return err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	objs, err := tx.PrepareContext(ctx, "INSERT INTO temp.object VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
	if err != nil {
		return err
	}
	defer objs.Close()
	refs, err := tx.PrepareContext(ctx, "INSERT INTO temp.ref VALUES (?, ?, ?, ?, ?)")
	if err != nil {
		return err
	}
	defer refs.Close()
	for _, snap := range snaps {
		if err := layOutSnapshot(ctx, tx, snap, objs, refs); err != nil {
			return fmt.Errorf("snapshot %d: %w", snap, err)
		}
	}
	return tx.Commit()
}

func layOutSnapshot(ctx context.Context, tx *sql.Tx, snap int64, objs, refs *sql.Stmt) error {
	rows, err := tx.QueryContext(ctx, `SELECT o.page, o.objects, o.gen, e.refs FROM object_page o
		JOIN edge_page e ON e.snapshot = o.snapshot AND e.page = o.page WHERE o.snapshot = ? ORDER BY o.page`, snap)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var num int64
		var ob, gb, eb []byte
		if err := rows.Scan(&num, &ob, &gb, &eb); err != nil {
			return err
		}
		p, err := decodeObjectPage(ob, gb)
		if err != nil {
			return fmt.Errorf("object page %d: %w", num, err)
		}
		e, err := decodeEdgePage(eb)
		if err != nil || e.n != p.n {
			return fmt.Errorf("edge page %d: %w", num, errBadPage)
		}
		for i := 0; i < p.n; i++ {
			oid := num<<pageBits + int64(i)
			gen := int64(-1)
			if p.hasGen {
				gen = p.gen.orNone(i)
			}
			if _, err := objs.ExecContext(ctx, snap, oid, int64(p.addr.at(i)), int64(p.typ.at(i)), int64(p.size.at(i)),
				orNull(p.len.orNone(i)), textOrNull(p.value.at(i)), orNull(p.dist.orNone(i)), orNull(p.parent.orNone(i)),
				textOrNull(p.via.at(i)), orNull(p.idom.orNone(i)), int64(p.retained.at(i)), orNull(gen)); err != nil {
				return err
			}
			lo, hi := e.refRange(i)
			for j := lo; j < hi; j++ {
				if _, err := refs.ExecContext(ctx, snap, oid, int64(e.dst.at(j)), heap.EdgeKind(e.kind.at(j)).String(),
					textOrNull(e.refText(j))); err != nil {
					return err
				}
			}
		}
	}
	return rows.Err()
}

func orNull(v int64) any {
	if v < 0 {
		return nil
	}
	return v
}

func textOrNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}
