package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/memsee/memsee/internal/heap"
)

// Load is one load transaction: every file of one `memsee load` goes in, or none does, and no
// reader of the database ever sees half a load.
type Load struct {
	tx    *sql.Tx
	sites map[int64]int64 // site hash -> site id; read from the database on first use
	next  int64           // next free site id
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
func (l *Load) Commit() error { return l.tx.Commit() }

// Rollback abandons the load.
func (l *Load) Rollback() error { return l.tx.Rollback() }

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

// FindSHA256 returns the label of a snapshot, loaded before or in this load, from a file with
// this hash, and whether there is one.
func (l *Load) FindSHA256(ctx context.Context, sum string) (id int64, label string, ok bool, err error) {
	err = l.tx.QueryRowContext(ctx, "SELECT id, label FROM snapshot WHERE sha256 = ? ORDER BY id LIMIT 1", sum).Scan(&id, &label)
	if err == sql.ErrNoRows {
		return 0, "", false, nil
	}
	return id, label, err == nil, err
}

func (l *Load) addSnapshot(ctx context.Context, s NewSnapshot) (int64, error) {
	meta, err := json.Marshal(s.Meta)
	if err != nil {
		return 0, err
	}
	if s.Meta == nil {
		meta = []byte("{}")
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

// ProfileSite is what one allocation site holds in a heap profile.
type ProfileSite struct {
	Stack  []string // function names, innermost first
	Line   string   // file:line of the allocating frame
	Values [heap.NumValues]int64
}

// SiteKey is the text that identifies an allocation site across profiles: its function names,
// innermost first, one per line. Line numbers are left out so that the same code path in two
// builds of a program is one site.
func SiteKey(stack []string) string { return strings.Join(stack, "\n") }

func siteHash(key string) int64 {
	h := fnv.New64a()
	h.Write([]byte(key))
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
		if id >= l.next {
			l.next = id + 1
		}
	}
	if l.next == 0 {
		l.next = 1
	}
	return rows.Err()
}

// AddProfile adds a heap-profile snapshot with its sites, which must be unique by SiteKey.
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
	newSites := newBatchInsert(l.tx, "site", "id", "hash", "func", "line", "depth", "stack")
	for i := range sites {
		ps := &sites[i]
		key := SiteKey(ps.Stack)
		h := siteHash(key)
		sid, ok := l.sites[h]
		if !ok {
			sid = l.next
			l.next++
			l.sites[h] = sid
			fn := ""
			if len(ps.Stack) > 0 {
				fn = ps.Stack[0]
			}
			if err := newSites.add(ctx, sid, h, fn, ps.Line, len(ps.Stack), key); err != nil {
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
