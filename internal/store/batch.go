package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// writer runs a load's INSERTs on a goroutine of its own, in the order they were queued, so that
// SQLite's work overlaps the reader's on a second core. The queue is short: a reader that runs
// ahead waits.
type writer struct {
	tx    *sql.Tx
	jobs  chan writeJob
	done  chan struct{} // closed when the goroutine has exited
	err   error         // the first error; read only after sync or stop
	stmts map[string]*sql.Stmt
}

type writeJob struct {
	query string
	args  []any
	ack   chan struct{} // sync: closed once every earlier job has run
}

func newWriter(ctx context.Context, tx *sql.Tx) *writer {
	w := &writer{tx: tx, jobs: make(chan writeJob, 4), done: make(chan struct{}), stmts: map[string]*sql.Stmt{}}
	go w.run(ctx)
	return w
}

func (w *writer) run(ctx context.Context) {
	defer close(w.done)
	defer func() {
		for _, st := range w.stmts {
			st.Close()
		}
	}()
	for j := range w.jobs {
		if j.ack != nil {
			close(j.ack)
			continue
		}
		if w.err != nil {
			continue // drain: the load has failed
		}
		st, ok := w.stmts[j.query]
		if !ok {
			var err error
			if st, err = w.tx.PrepareContext(ctx, j.query); err != nil {
				w.err = err
				continue
			}
			w.stmts[j.query] = st
		}
		if _, err := st.ExecContext(ctx, j.args...); err != nil {
			w.err = err
		}
	}
}

// exec queues a statement.
func (w *writer) exec(query string, args []any) { w.jobs <- writeJob{query: query, args: args} }

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

// batchInsert queues rows for one table as multi-row INSERTs, so that a load crosses into SQLite
// (through cgo) once per batch rather than once per row.
type batchInsert struct {
	w      *writer
	head   string // INSERT INTO t(a, b) VALUES
	tuple  string // (?, ?)
	ncol   int
	rows   int          // rows per full batch
	before *batchInsert // rows this table refers to: flushed first
	args   []any
}

// maxVars stays under SQLite's default limit of host parameters per statement (32766).
const maxVars = 30000

func newBatchInsert(w *writer, table string, cols ...string) *batchInsert {
	rows := maxVars / len(cols)
	if rows > 500 {
		rows = 500
	}
	return &batchInsert{
		w:     w,
		head:  fmt.Sprintf("INSERT INTO %s(%s) VALUES ", table, strings.Join(cols, ", ")),
		tuple: "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")",
		ncol:  len(cols),
		rows:  rows,
		args:  make([]any, 0, rows*len(cols)),
	}
}

func (b *batchInsert) stmt(n int) string {
	return b.head + strings.TrimSuffix(strings.Repeat(b.tuple+", ", n), ", ")
}

// add queues one row; len(vals) must equal the number of columns.
func (b *batchInsert) add(vals ...any) {
	b.args = append(b.args, vals...)
	if len(b.args) == b.rows*b.ncol {
		b.flush()
	}
}

// flush hands the queued rows to the writer, after the rows of the table they refer to.
func (b *batchInsert) flush() {
	if b.before != nil {
		b.before.flush()
	}
	if len(b.args) == 0 {
		return
	}
	b.w.exec(b.stmt(len(b.args)/b.ncol), b.args)
	b.args = make([]any, 0, b.rows*b.ncol) // the writer owns the old slice now
}
