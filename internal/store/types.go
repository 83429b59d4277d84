package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/memsee/memsee/internal/store/page"
)

// TypeID returns the id of a type by its name, as the pages store it (page.Objects.Type), and
// whether the database has a type of that name at all (in any snapshot).
func (d *DB) TypeID(ctx context.Context, name string) (int64, bool, error) {
	var id int64
	err := d.q.QueryRowContext(ctx, "SELECT id FROM type WHERE name = ?", name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, err
}

// TypeCount returns how many objects of type id a graph snapshot has, as its per-type totals
// (type_stat) count them: 0 when it has none.
func (d *DB) TypeCount(ctx context.Context, snap, id int64) (int64, error) {
	var n int64
	err := d.q.QueryRowContext(ctx, "SELECT count FROM type_stat WHERE snapshot = ? AND type = ?", snap, id).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, err
}

// ObjectPage returns object page num of a snapshot (oids num<<page.Bits on), through the cache
// of pages.
func (d *DB) ObjectPage(ctx context.Context, snap, num int64) (*page.Objects, error) {
	return d.objectPage(ctx, snap, num)
}
