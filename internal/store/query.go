package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/mattn/go-sqlite3"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/store/page"
)

// Result is the outcome of a raw SQL query.
type Result struct {
	Columns []string
	Rows    [][]any // int64, float64, string, []byte or nil
}

// namesRef matches a query that reads the table ref, which is laid out only then: it has a row
// per reference, several times the objects.
var namesRef = regexp.MustCompile(`(?i)\bref\b`)

// QueryOptions are the options of Query.
type QueryOptions struct {
	Write bool // allow statements that change the database
	// Objects are the graph snapshots whose objects and references the query sees as the
	// temporary tables object and ref, laid out from their pages for this query.
	Objects []int64
}

// Query runs a user's SQL. On a database opened by OpenRead the statement can only read,
// whatever it says: SQLite refuses every statement that would change a file (see authorize),
// on a connection that is read-only; the statement reads the state of the database the rest of
// the command reads. o.Write needs a database opened for writing.
func (d *DB) Query(ctx context.Context, query string, o QueryOptions) (*Result, error) {
	if d.ReadOnly() {
		if o.Write {
			return nil, errors.New("store: --write needs the database opened for writing")
		}
		return d.readQuery(ctx, query, o)
	}
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if len(o.Objects) > 0 {
		// Temporary tables belong to the connection, which goes back to the pool afterwards.
		defer conn.ExecContext(context.Background(), "DROP TABLE IF EXISTS temp.object; DROP TABLE IF EXISTS temp.ref")
		if _, err := conn.ExecContext(ctx, createObjectTables); err != nil {
			return nil, err
		}
		if err := d.layOutTx(ctx, conn, o.Objects, namesRef.MatchString(query)); err != nil {
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
	// A statement that writes waits for a load as long as it takes (the connection goes back
	// to the pool with its usual timeout).
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 3600000"); err != nil {
		return nil, err
	}
	defer conn.ExecContext(context.Background(), fmt.Sprintf("PRAGMA busy_timeout = %d", writerBusyMillis))
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		return nil, queryError(err, o)
	}
	res, err := scanResult(rows)
	return res, queryError(err, o)
}

// readQuery runs a user's statement in the read transaction, with the authorizer strict.
func (d *DB) readQuery(ctx context.Context, query string, o QueryOptions) (*Result, error) {
	if len(o.Objects) > 0 {
		defer d.rtx.ExecContext(context.Background(), "DROP TABLE IF EXISTS temp.object; DROP TABLE IF EXISTS temp.ref")
		if _, err := d.rtx.ExecContext(ctx, createObjectTables); err != nil {
			return nil, err
		}
		if err := d.layOut(ctx, d.conn, d.rtx, o.Objects, namesRef.MatchString(query)); err != nil {
			return nil, err
		}
	}
	d.strict.Store(true)
	defer d.strict.Store(false)
	rows, err := d.rtx.QueryContext(ctx, query)
	if err != nil {
		return nil, queryError(err, o)
	}
	res, err := scanResult(rows)
	return res, queryError(err, o)
}

// ErrReadOnlyQuery is returned for a statement of a query without --write that would change
// the database or write a file.
var ErrReadOnlyQuery = errors.New("a query without --write is readonly: the statement would change the database or write a file")

// ErrNoObjects is returned for a query that names the table object or ref without
// QueryOptions.Objects: they are laid out only for the snapshots a query asks for.
var ErrNoObjects = errors.New("the tables object and ref hold the objects of the snapshots named by --objects, and none were")

// noSuchObjectTable matches SQLite's error for a query that reads object or ref when they were
// not laid out.
var noSuchObjectTable = regexp.MustCompile(`^no such table: (?:(?:main|temp)\.)?(?:object|ref)$`)

// queryError names the refusals of a query without Write: the authorizer's, VACUUM's (which the
// read transaction refuses), and a read-only connection's (a writer's with query_only on, the
// database ":memory:"); and a query of object or ref that did not ask for them.
func queryError(err error, o QueryOptions) error {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return err
	}
	switch {
	case !o.Write && (se.Code == sqlite3.ErrAuth || se.Code == sqlite3.ErrReadonly ||
		strings.HasPrefix(se.Error(), "not authorized") || strings.HasPrefix(se.Error(), "cannot VACUUM")):
		return fmt.Errorf("%w (%v)", ErrReadOnlyQuery, err)
	case len(o.Objects) == 0 && noSuchObjectTable.MatchString(se.Error()):
		return fmt.Errorf("%w (%v)", ErrNoObjects, err)
	}
	return err
}

func scanResult(rows *sql.Rows) (*Result, error) {
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

const createObjectTables = `
	CREATE TEMP TABLE object (snapshot INTEGER, oid INTEGER, addr INTEGER, type INTEGER, size INTEGER,
		len INTEGER, value TEXT, distance INTEGER, parent INTEGER, via TEXT, idom INTEGER,
		retained INTEGER, gen INTEGER, refs INTEGER, referrers INTEGER, site INTEGER, born INTEGER, PRIMARY KEY (snapshot, oid)) WITHOUT ROWID;
	CREATE TEMP TABLE ref (snapshot INTEGER, src INTEGER, dst INTEGER, kind TEXT, name TEXT);`

// layOutTx lays out the objects in a transaction of its own on conn (a writer's).
func (d *DB) layOutTx(ctx context.Context, conn *sql.Conn, snaps []int64, withRefs bool) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := d.layOut(ctx, conn, tx, snaps, withRefs); err != nil {
		return err
	}
	return tx.Commit()
}

// layOut writes the objects of snapshots into the temporary table object of conn, and their
// references into ref when withRefs is set, in tx, the transaction on conn. The rows go in the way a load writes its own, a
// batch at a time through C: about a second per million rows.
func (d *DB) layOut(ctx context.Context, conn *sql.Conn, tx *sql.Tx, snaps []int64, withRefs bool) error {
	w := newWriter(ctx, conn, tx)
	objs := newBatchInsert(w, "temp.object", "snapshot", "oid", "addr", "type", "size", "len", "value", "distance",
		"parent", "via", "idom", "retained", "gen", "refs", "referrers", "site", "born")
	refs := newBatchInsert(w, "temp.ref", "snapshot", "src", "dst", "kind", "name")
	for _, snap := range snaps {
		if err := layOutSnapshot(ctx, tx, snap, objs, refs, withRefs); err != nil {
			w.stop()
			return fmt.Errorf("snapshot %d: %w", snap, err)
		}
	}
	objs.flush()
	refs.flush()
	return w.stop()
}

func layOutSnapshot(ctx context.Context, tx *sql.Tx, snap int64, objs, refs *batchInsert, withRefs bool) error {
	pages, err := tx.QueryContext(ctx, `SELECT o.page, o.objects, o.gen, e.refs, s.sites, s.born FROM object_page o
		JOIN edge_page e ON e.snapshot = o.snapshot AND e.page = o.page
		LEFT JOIN alloc_page s ON s.snapshot = o.snapshot AND s.page = o.page WHERE o.snapshot = ? ORDER BY o.page`, snap)
	if err != nil {
		return err
	}
	defer pages.Close()
	orNull := func(r *rows, v int64) {
		if v < 0 {
			r.null()
		} else {
			r.int(v)
		}
	}
	textOrNull := func(r *rows, s string) {
		if s == "" {
			r.null()
		} else {
			r.text(s)
		}
	}
	for pages.Next() {
		var num int64
		var ob, gb, eb, sb, bb []byte
		if err := pages.Scan(&num, &ob, &gb, &eb, &sb, &bb); err != nil {
			return err
		}
		p, err := page.DecodeObjects(ob, gb)
		if err != nil {
			return fmt.Errorf("object page %d: %w", num, err)
		}
		e, err := page.DecodeEdges(eb)
		if err != nil || e.N != p.N {
			return fmt.Errorf("edge page %d: %w", num, page.ErrDamaged)
		}
		var sites, born page.Ints
		if sb != nil {
			if sites, err = page.DecodeSites(sb, p.N); err != nil {
				return fmt.Errorf("alloc page %d: %w", num, err)
			}
			if born, err = page.DecodeSites(bb, p.N); err != nil {
				return fmt.Errorf("alloc page %d: %w", num, err)
			}
		}
		for i, o := range p.All() {
			oid := num<<page.Bits + int64(i)
			r := objs.rows
			r.int(snap)
			r.int(oid)
			r.int(o.Addr)
			r.int(o.Type)
			r.int(o.Size)
			orNull(r, o.Len)
			textOrNull(r, o.Value)
			orNull(r, o.Distance)
			orNull(r, o.Parent)
			textOrNull(r, o.Via)
			orNull(r, o.IDom)
			r.int(o.Retained)
			orNull(r, o.Gen)
			r.int(int64(o.NRefs))
			r.int(int64(o.NReferrers))
			var site, b int64 // an id of alloc_site, and the birth plus one; NULL for none
			if sb != nil {
				site, b = int64(sites.At(i)), int64(born.At(i))
			}
			if site > 0 {
				r.int(site)
			} else {
				r.null()
			}
			orNull(r, b-1)
			objs.added()
			if !withRefs {
				continue
			}
			lo, hi := e.Refs(i)
			for j := lo; j < hi; j++ {
				r := refs.rows
				r.int(snap)
				r.int(oid)
				r.int(int64(e.Target.At(j)))
				r.text(heap.EdgeKind(e.Kind.At(j)).String())
				textOrNull(r, e.RefName(j))
				refs.added()
			}
		}
	}
	return pages.Err()
}
