package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/mattn/go-sqlite3"
)

// writer runs a load's INSERTs on a goroutine of its own, in the order they were queued, so that
// SQLite's work overlaps the reader's on a second core. The queue is short: a reader that runs
// ahead waits.
//
// Rows go in through insertRows, which binds and steps a whole batch in one call into C: bound
// one value at a time through database/sql, binding took most of a load's SQLite time. When the
// driver's statement handle cannot be had, the writer falls back to multi-row INSERTs.
type writer struct {
	conn  *sql.Conn // the connection of the load's transaction
	tx    *sql.Tx
	jobs  chan writeJob
	free  chan *rows    // batches written, for batchInsert to fill again
	done  chan struct{} // closed when the goroutine has exited
	err   error         // the first error; read only after sync or stop
	slow  bool          // the driver's statement handle could not be had
	stmts map[string]*sql.Stmt
	raw   map[string]*sqlite3.SQLiteStmt
}

type writeJob struct {
	query string // the one-row INSERT of rows
	rows  *rows
	ack   chan struct{} // sync: closed once every earlier job has run
}

func newWriter(ctx context.Context, conn *sql.Conn, tx *sql.Tx) *writer {
	w := &writer{conn: conn, tx: tx, jobs: make(chan writeJob, 4), free: make(chan *rows, 8), done: make(chan struct{}),
		stmts: map[string]*sql.Stmt{}, raw: map[string]*sqlite3.SQLiteStmt{}}
	go w.run(ctx)
	return w
}

func (w *writer) run(ctx context.Context) {
	defer close(w.done)
	defer w.closeStatements()
	for j := range w.jobs {
		if j.ack != nil {
			close(j.ack)
			continue
		}
		if w.err != nil {
			continue // drain: the load has failed
		}
		if err := ctx.Err(); err != nil {
			w.err = err
			continue
		}
		w.err = w.insert(ctx, j.query, j.rows)
		if cap(j.rows.buf) > maxPooledBytes {
			continue // a page of a popular object's referrers: not worth keeping
		}
		select {
		case w.free <- j.rows:
		default:
		}
	}
}

// newRows returns an empty batch of rows of ncol columns, reusing one that was written if
// there is one: a load's batches then cost no garbage.
func (w *writer) newRows(ncol int) *rows {
	select {
	case r := <-w.free:
		r.reset()
		r.ncol = ncol
		return r
	default:
		return &rows{ncol: ncol}
	}
}

func (w *writer) execStmt(ctx context.Context, query string, args []any) error {
	st, ok := w.stmts[query]
	if !ok {
		var err error
		if st, err = w.tx.PrepareContext(ctx, query); err != nil {
			return err
		}
		w.stmts[query] = st
	}
	_, err := st.ExecContext(ctx, args...)
	return err
}

// insert writes a batch of rows with the one-row INSERT query.
func (w *writer) insert(ctx context.Context, query string, r *rows) error {
	if !w.slow {
		err := w.conn.Raw(func(dc any) error {
			c, ok := dc.(*sqlite3.SQLiteConn)
			if !ok {
				return errNoHandle
			}
			st, ok := w.raw[query]
			if !ok {
				s, err := c.Prepare(query)
				if err != nil {
					return err
				}
				st = s.(*sqlite3.SQLiteStmt)
				w.raw[query] = st
			}
			return insertRows(st, r)
		})
		if !errors.Is(err, errNoHandle) {
			return err
		}
		w.slow = true
	}
	// Multi-row INSERTs, as many rows per statement as SQLite's parameter limit allows.
	head, tuple, _ := strings.Cut(query, " VALUES ")
	args := r.args()
	per := maxVars / r.ncol * r.ncol
	for len(args) > 0 {
		k := min(per, len(args))
		q := head + " VALUES " + strings.TrimSuffix(strings.Repeat(tuple+", ", k/r.ncol), ", ")
		if err := w.execStmt(ctx, q, args[:k]); err != nil {
			return err
		}
		args = args[k:]
	}
	return nil
}

func (w *writer) closeStatements() {
	for _, st := range w.stmts {
		st.Close()
	}
	if len(w.raw) > 0 {
		w.conn.Raw(func(any) error {
			for _, st := range w.raw {
				st.Close()
			}
			return nil
		})
	}
}

// sync waits until every queued statement has run and returns the first error.
func (w *writer) sync() error {
	ack := make(chan struct{})
	w.jobs <- writeJob{ack: ack}
	<-ack
	return w.err
}

// stop ends the goroutine and returns the first error. The writer cannot be used after.
func (w *writer) stop() error {
	close(w.jobs)
	<-w.done
	return w.err
}

// batchInsert queues rows for one table, a batch at a time.
type batchInsert struct {
	w      *writer
	query  string // the one-row INSERT
	ncol   int
	before *batchInsert // rows this table refers to: flushed first
	rows   *rows
}

// maxPooledBytes bounds the batches the writer keeps for reuse.
const maxPooledBytes = 4 << 20

// maxVars stays under SQLite's default limit of host parameters per statement (32766).
const maxVars = 30000

// batchRows is how many rows go to the writer at a time.
const batchRows = 2000

func newBatchInsert(w *writer, table string, cols ...string) *batchInsert {
	return &batchInsert{
		w: w,
		query: fmt.Sprintf("INSERT INTO %s(%s) VALUES (%s)", table, strings.Join(cols, ", "),
			strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")),
		ncol: len(cols),
		rows: &rows{ncol: len(cols)},
	}
}

// add queues one row of int64, int, string or nil values; len(vals) must equal the number of
// columns.
func (b *batchInsert) add(vals ...any) {
	for _, v := range vals {
		b.rows.add(v)
	}
	b.added()
}

// added is called after a row's values were appended to b.rows directly.
func (b *batchInsert) added() {
	if b.rows.n() == batchRows {
		b.flush()
	}
}

// flush hands the queued rows to the writer, after the rows of the table they refer to.
func (b *batchInsert) flush() {
	if b.before != nil {
		b.before.flush()
	}
	if len(b.rows.kinds) == 0 {
		return
	}
	b.w.jobs <- writeJob{query: b.query, rows: b.rows}
	b.rows = b.w.newRows(b.ncol) // the writer owns the old batch now
}
