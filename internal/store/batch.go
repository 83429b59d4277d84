package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// batchInsert inserts rows into one table through a multi-row INSERT, so that a load crosses
// into SQLite (through cgo) once per batch rather than once per row.
type batchInsert struct {
	tx    *sql.Tx
	head  string // INSERT INTO t(a, b) VALUES
	tuple string // (?, ?)
	ncol  int
	rows  int // rows per full batch
	full  *sql.Stmt
	args  []any
}

// maxVars stays under SQLite's default limit of host parameters per statement (32766).
const maxVars = 30000

func newBatchInsert(tx *sql.Tx, table string, cols ...string) *batchInsert {
	rows := maxVars / len(cols)
	if rows > 500 {
		rows = 500
	}
	return &batchInsert{
		tx:    tx,
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
func (b *batchInsert) add(ctx context.Context, vals ...any) error {
	b.args = append(b.args, vals...)
	if len(b.args) < b.rows*b.ncol {
		return nil
	}
	if b.full == nil {
		st, err := b.tx.PrepareContext(ctx, b.stmt(b.rows))
		if err != nil {
			return err
		}
		b.full = st
	}
	if _, err := b.full.ExecContext(ctx, b.args...); err != nil {
		return err
	}
	b.args = b.args[:0]
	return nil
}

// flush writes the queued rows and releases the statement.
func (b *batchInsert) flush(ctx context.Context) error {
	defer func() {
		if b.full != nil {
			b.full.Close()
			b.full = nil
		}
	}()
	if len(b.args) == 0 {
		return nil
	}
	_, err := b.tx.ExecContext(ctx, b.stmt(len(b.args)/b.ncol), b.args...)
	b.args = b.args[:0]
	return err
}
