package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/memsee/memsee/internal/heap"
)

// By says how the sites of a heap profile are grouped.
type By int

// The groupings of profile sites.
const (
	ByFunction By = iota // the allocating function: what `go tool pprof -top` calls flat
	BySite               // the whole allocation stack
)

// Group is what one key (a function, or a site) holds in one snapshot.
type Group struct {
	Key    string // the function name, or the site id in decimal
	Site   int64  // BySite: the site id
	Values [heap.NumValues]int64
}

// ProfileGroups returns what a profile snapshot holds per key, in no particular order.
func (d *DB) ProfileGroups(ctx context.Context, snap int64, by By) ([]Group, error) {
	q := `SELECT x.site, '', x.inuse_objects, x.inuse_bytes, x.alloc_objects, x.alloc_bytes
		FROM sample x WHERE x.snapshot = ?`
	if by == ByFunction {
		q = `SELECT 0, f.name, sum(x.inuse_objects), sum(x.inuse_bytes), sum(x.alloc_objects), sum(x.alloc_bytes)
			FROM sample x JOIN site s ON s.id = x.site JOIN function f ON f.id = s.function
			WHERE x.snapshot = ? GROUP BY s.function`
	}
	rows, err := d.q.QueryContext(ctx, q, snap)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Group
	for rows.Next() {
		var g Group
		v := &g.Values
		if err := rows.Scan(&g.Site, &g.Key, &v[0], &v[1], &v[2], &v[3]); err != nil {
			return nil, err
		}
		if by == BySite {
			g.Key = fmt.Sprint(g.Site)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// Site is one allocation site.
type Site struct {
	ID    int64
	Func  string
	Line  string
	Stack []string // innermost first
}

// Sites returns the sites with the given ids, their stacks spelled out.
func (d *DB) Sites(ctx context.Context, ids []int64) (map[int64]Site, error) {
	out := make(map[int64]Site, len(ids))
	siteStmt, err := d.q.PrepareContext(ctx, "SELECT line, stack FROM site WHERE id = ?")
	if err != nil {
		return nil, err
	}
	defer siteStmt.Close()
	funcStmt, err := d.q.PrepareContext(ctx, "SELECT name FROM function WHERE id = ?")
	if err != nil {
		return nil, err
	}
	defer funcStmt.Close()
	names := map[int64]string{}
	for _, id := range ids {
		s := Site{ID: id}
		var stack string
		if err := siteStmt.QueryRowContext(ctx, id).Scan(&s.Line, &stack); err != nil {
			return nil, fmt.Errorf("site %d: %w", id, err)
		}
		var funcs []int64
		if err := json.Unmarshal([]byte(stack), &funcs); err != nil {
			return nil, fmt.Errorf("site %d: stack: %w", id, err)
		}
		for _, f := range funcs {
			name, ok := names[f]
			if !ok {
				if err := funcStmt.QueryRowContext(ctx, f).Scan(&name); err != nil {
					return nil, fmt.Errorf("site %d: function %d: %w", id, f, err)
				}
				names[f] = name
			}
			s.Stack = append(s.Stack, name)
		}
		if len(s.Stack) > 0 {
			s.Func = s.Stack[0]
		}
		out[id] = s
	}
	return out, nil
}

// ProfileTotals returns the sums of a profile snapshot's values.
func (d *DB) ProfileTotals(ctx context.Context, snap int64) ([heap.NumValues]int64, error) {
	var v [heap.NumValues]int64
	err := d.q.QueryRowContext(ctx, `SELECT coalesce(sum(inuse_objects), 0), coalesce(sum(inuse_bytes), 0),
		coalesce(sum(alloc_objects), 0), coalesce(sum(alloc_bytes), 0) FROM sample WHERE snapshot = ?`, snap).
		Scan(&v[0], &v[1], &v[2], &v[3])
	return v, err
}

// StackGroup is what one allocation stack holds in one snapshot, whatever the line numbers:
// the key that stays the same between builds of a program.
type StackGroup struct {
	Stack          string // JSON array of function ids, innermost first
	Objects, Bytes int64  // in use
}

// StackGroups returns what a profile snapshot holds in use per allocation stack.
func (d *DB) StackGroups(ctx context.Context, snap int64) ([]StackGroup, error) {
	return queryAll(ctx, d.q, func(sc scanner) (StackGroup, error) {
		var g StackGroup
		err := sc.Scan(&g.Stack, &g.Objects, &g.Bytes)
		return g, err
	}, `SELECT s.stack, sum(x.inuse_objects), sum(x.inuse_bytes) FROM sample x JOIN site s ON s.id = x.site
		WHERE x.snapshot = ? GROUP BY s.stack`, snap)
}

// StackNamer spells out stacks from StackGroups with the function names read once.
type StackNamer struct{ names map[int64]string }

// NewStackNamer reads the function names.
func (d *DB) NewStackNamer(ctx context.Context) (*StackNamer, error) {
	type fn struct {
		id   int64
		name string
	}
	fns, err := queryAll(ctx, d.q, func(sc scanner) (fn, error) {
		var f fn
		err := sc.Scan(&f.id, &f.name)
		return f, err
	}, "SELECT id, name FROM function")
	if err != nil {
		return nil, err
	}
	n := &StackNamer{names: make(map[int64]string, len(fns))}
	for _, f := range fns {
		n.names[f.id] = f.name
	}
	return n, nil
}

// Names returns a stack's function names, innermost first.
func (n *StackNamer) Names(stack string) ([]string, error) {
	var ids []int64
	if err := json.Unmarshal([]byte(stack), &ids); err != nil {
		return nil, fmt.Errorf("stack %.40q: %w", stack, err)
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		name, ok := n.names[id]
		if !ok {
			return nil, fmt.Errorf("stack %.40q: no function %d", stack, id)
		}
		out[i] = name
	}
	return out, nil
}
