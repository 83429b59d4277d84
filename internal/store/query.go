package store

import "context"

// Result is the outcome of a raw SQL query.
type Result struct {
	Columns []string
	Rows    [][]any // int64, float64, string, []byte or nil
}

// Query runs a user's SQL. Unless write is set the connection is read-only (PRAGMA
// query_only), so a mistyped statement cannot damage the database.
func (d *DB) Query(ctx context.Context, query string, write bool) (*Result, error) {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if !write {
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
