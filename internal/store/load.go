package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/memsee/memsee/internal/heap"
)

// Load is one load transaction: every file of one `memsee load` goes in, or none does, and no
// reader of the database ever sees half a load.
type Load struct {
	tx       *sql.Tx
	funcs    map[string]int64 // function name -> id; read from the database on first use
	addFunc  *sql.Stmt
	sites    map[int64]int64 // site hash -> site id; read from the database on first use
	nextSite int64
}

// BeginLoad starts a load transaction. Call Commit, or Rollback (a no-op after Commit).
func (d *DB) BeginLoad(ctx context.Context) (*Load, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &Load{tx: tx}, nil
}

// Commit makes the load visible.
func (l *Load) Commit() error {
	l.close()
	return l.tx.Commit()
}

// Rollback abandons the load.
func (l *Load) Rollback() error {
	l.close()
	return l.tx.Rollback()
}

func (l *Load) close() {
	if l.addFunc != nil {
		l.addFunc.Close()
		l.addFunc = nil
	}
}

// NewSnapshot describes a snapshot being added.
type NewSnapshot struct {
	Label, Source, SHA256 string
	Format, Kind          string
	TakenAt               time.Time
	TakenFrom             string
	LoadedAt              time.Time
	Series                string
	Objects, Bytes        int64
	Meta                  map[string]string
}

// LabelTaken reports whether a snapshot, loaded before or in this load, has the label.
func (l *Load) LabelTaken(ctx context.Context, label string) (bool, error) {
	var n int
	err := l.tx.QueryRowContext(ctx, "SELECT count(*) FROM snapshot WHERE label = ?", label).Scan(&n)
	return n > 0, err
}

// FindSHA256 returns the id and label of a snapshot, loaded before or in this load, from a
// file with this hash, and whether there is one.
func (l *Load) FindSHA256(ctx context.Context, sum string) (id int64, label string, ok bool, err error) {
	err = l.tx.QueryRowContext(ctx, "SELECT id, label FROM snapshot WHERE sha256 = ? ORDER BY id LIMIT 1", sum).Scan(&id, &label)
	if err == sql.ErrNoRows {
		return 0, "", false, nil
	}
	return id, label, err == nil, err
}

func (l *Load) addSnapshot(ctx context.Context, s NewSnapshot) (int64, error) {
	meta := []byte("{}")
	if s.Meta != nil {
		var err error
		if meta, err = json.Marshal(s.Meta); err != nil {
			return 0, err
		}
	}
	res, err := l.tx.ExecContext(ctx, `INSERT INTO snapshot(label, source, sha256, format, kind, taken_at,
		taken_from, loaded_at, series, object_count, total_bytes, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.Label, s.Source, s.SHA256, s.Format, s.Kind, formatTime(s.TakenAt), s.TakenFrom,
		formatTime(s.LoadedAt), s.Series, s.Objects, s.Bytes, string(meta))
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE constraint failed: snapshot.label") {
			return 0, fmt.Errorf("a snapshot is already labelled %q", s.Label)
		}
		return 0, err
	}
	return res.LastInsertId()
}

// Function returns the id of a function name, adding it to the database if it is new.
func (l *Load) Function(ctx context.Context, name string) (int64, error) {
	if l.funcs == nil {
		if err := l.loadFunctions(ctx); err != nil {
			return 0, err
		}
	}
	if id, ok := l.funcs[name]; ok {
		return id, nil
	}
	if l.addFunc == nil {
		st, err := l.tx.PrepareContext(ctx, "INSERT INTO function(name) VALUES (?)")
		if err != nil {
			return 0, err
		}
		l.addFunc = st
	}
	res, err := l.addFunc.ExecContext(ctx, name)
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	l.funcs[name] = id
	return id, nil
}

func (l *Load) loadFunctions(ctx context.Context) error {
	l.funcs = make(map[string]int64)
	rows, err := l.tx.QueryContext(ctx, "SELECT id, name FROM function")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		l.funcs[name] = id
	}
	return rows.Err()
}

// ProfileSite is what one allocation site holds in a heap profile.
type ProfileSite struct {
	Funcs  []int64 // function ids (from Load.Function), innermost first
	Line   string  // file:line of the allocating frame
	Values [heap.NumValues]int64
}

// siteHash identifies a stack of function ids. Line numbers are left out so that the same code
// path in two builds of a program is one site.
//
// BUG: two different stacks with the same 64-bit hash would be stored as one site. With a
// million sites the chance is about 3e-8; a UNIQUE index on site.hash would not prevent it
// either, and it made loads 30% slower, so uniqueness is kept by the in-memory map at load.
func siteHash(funcs []int64) int64 {
	h := fnv.New64a()
	var b [binary.MaxVarintLen64]byte
	for _, f := range funcs {
		h.Write(b[:binary.PutUvarint(b[:], uint64(f))])
	}
	return int64(h.Sum64())
}

func (l *Load) loadSites(ctx context.Context) error {
	l.sites = make(map[int64]int64)
	rows, err := l.tx.QueryContext(ctx, "SELECT id, hash FROM site")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, h int64
		if err := rows.Scan(&id, &h); err != nil {
			return err
		}
		l.sites[h] = id
		if id >= l.nextSite {
			l.nextSite = id + 1
		}
	}
	if l.nextSite == 0 {
		l.nextSite = 1
	}
	return rows.Err()
}

// AddProfile adds a heap-profile snapshot with its sites, which must have distinct stacks.
// Objects and Bytes of s are set from the sites' in-use totals.
func (l *Load) AddProfile(ctx context.Context, s NewSnapshot, sites []ProfileSite) (int64, error) {
	if l.sites == nil {
		if err := l.loadSites(ctx); err != nil {
			return 0, err
		}
	}
	s.Objects, s.Bytes = 0, 0
	for i := range sites {
		s.Objects += sites[i].Values[heap.InuseObjects]
		s.Bytes += sites[i].Values[heap.InuseBytes]
	}
	id, err := l.addSnapshot(ctx, s)
	if err != nil {
		return 0, err
	}
	// Sites first, as samples refer to them.
	ids := make([]int64, len(sites))
	newSites := newBatchInsert(l.tx, "site", "id", "hash", "function", "line", "depth", "stack")
	var stack []byte
	for i := range sites {
		ps := &sites[i]
		if len(ps.Funcs) == 0 {
			return 0, fmt.Errorf("site %d has an empty stack", i)
		}
		h := siteHash(ps.Funcs)
		sid, ok := l.sites[h]
		if !ok {
			sid = l.nextSite
			l.nextSite++
			l.sites[h] = sid
			stack = append(stack[:0], '[')
			for j, f := range ps.Funcs {
				if j > 0 {
					stack = append(stack, ',')
				}
				stack = strconv.AppendInt(stack, f, 10)
			}
			stack = append(stack, ']')
			if err := newSites.add(ctx, sid, h, ps.Funcs[0], ps.Line, len(ps.Funcs), string(stack)); err != nil {
				return 0, err
			}
		}
		ids[i] = sid
	}
	if err := newSites.flush(ctx); err != nil {
		return 0, err
	}
	samples := newBatchInsert(l.tx, "sample", "snapshot", "site", "inuse_objects", "inuse_bytes", "alloc_objects", "alloc_bytes")
	for i := range sites {
		v := sites[i].Values
		if err := samples.add(ctx, id, ids[i], v[heap.InuseObjects], v[heap.InuseBytes], v[heap.AllocObjects], v[heap.AllocBytes]); err != nil {
			return 0, err
		}
	}
	if err := samples.flush(ctx); err != nil {
		return 0, err
	}
	return id, nil
}
