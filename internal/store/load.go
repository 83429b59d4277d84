package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/memsee/memsee/internal/heap"
)

// Load is one load transaction: every file of one `memsee load` goes in, or none does, and no
// reader of the database ever sees half a load. Rows are written by a goroutine of the Load's
// own while the caller reads the next part of the file; an error in a write is returned by a
// later call, at the latest by Commit.
type Load struct {
	d    *DB
	conn *sql.Conn // the transaction's connection: the writer binds rows on it directly
	tx   *sql.Tx
	w    *writer

	funcs *interner // function names (heap profiles)
	types *interner // type names (object dumps)

	sites       map[int64]int64 // site hash -> site id; read from the database on first use
	nextSite    int64
	expectSites int
	siteRows    *batchInsert

	wal0      int64 // size of the WAL file when the load began
	freeBytes int64 // free pages in the database file when the load began
}

// BeginLoad starts a load transaction. Call Commit, or Rollback (a no-op after Commit). While
// another memsee writes the database it waits (Options.Wait says so once).
//
// The database stays in WAL mode: readers read beside the load, and a crash or a kill leaves
// the database as it was before. Every page of a load is written twice (to the WAL, then to
// the database when it is checkpointed); switching to a rollback journal for the load locked
// every reader out for its whole length, and a second load out, for a few percent of speed.
func (d *DB) BeginLoad(ctx context.Context) (*Load, error) {
	conn, tx, err := d.beginWrite(ctx)
	if err != nil {
		if isFull(err) {
			return nil, &DiskFullError{Path: d.path, Dir: dirOf(d.path), Op: "load", Err: err}
		}
		return nil, err
	}
	l := &Load{d: d, conn: conn, tx: tx}
	l.wal0 = fileSize(d.path + "-wal")
	// The free pages of the file, which the load fills before the file grows: a disk-full error
	// counts them as space the load had.
	var free, pageSize int64
	if err := tx.QueryRowContext(ctx, "PRAGMA freelist_count").Scan(&free); err == nil {
		if err := tx.QueryRowContext(ctx, "PRAGMA page_size").Scan(&pageSize); err == nil {
			l.freeBytes = free * pageSize
		}
	}
	// Set here, inside the transaction, once the connection knows the page size: the DSN's
	// cache_size is turned into pages when the connection opens, at SQLite's default page size
	// of 4 KiB when the file is new, which made "64 MiB" 256 MiB of 16 KiB pages.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = -%d", loadCacheKiB)); err != nil {
		tx.Rollback()
		conn.Close()
		return nil, err
	}
	l.w = newWriter(ctx, conn, tx)
	l.funcs = newInterner(l, "function")
	l.types = newInterner(l, "type")
	l.siteRows = newBatchInsert(l.w, "site", "id", "hash", "function", "line", "depth", "stack")
	l.siteRows.before = l.funcs.rows
	return l, nil
}

// loadCacheKiB is the page cache of a load. A load inserts in key order, so only the right
// edge of each B-tree is touched again: a small cache loads as fast as a large one, and the
// cache, SQLite's own memory, adds to the load's peak (BENCHMARKS.md).
const loadCacheKiB = 4 << 10

// sync writes everything queued and returns the first write error.
// ScratchDir returns where the load may keep scratch files: the database's directory, on the
// disk the user chose for the database.
func (l *Load) ScratchDir() string { return filepath.Dir(l.d.path) }

func (l *Load) sync() error {
	if l.w == nil {
		return sql.ErrTxDone
	}
	l.siteRows.flush()
	l.types.rows.flush()
	return l.full(l.w.sync())
}

// Commit writes what is queued and makes the load visible.
func (l *Load) Commit() error {
	if err := l.sync(); err != nil {
		l.Rollback()
		return err
	}
	l.w.stop()
	l.w = nil
	err := l.full(l.tx.Commit())
	l.conn.Close()
	if err == nil {
		l.d.changed = true
		l.d.checkpoint()
	}
	return err
}

// Rollback abandons the load.
func (l *Load) Rollback() error {
	if l.w != nil {
		l.w.stop()
		l.w = nil
	}
	err := l.tx.Rollback()
	l.conn.Close()
	return err
}

// checkpoint copies what the WAL holds into the database and empties the WAL, so that a big
// load does not leave a WAL of its size beside the database. It does not wait for readers: a
// reader that holds an older state keeps the WAL until it is done, and the next writer, or the
// last connection to close, empties it.
func (d *DB) checkpoint() {
	if d.path == ":memory:" {
		return
	}
	var busy, log, done int
	d.db.QueryRow("PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &log, &done)
}

// full turns SQLite's "database or disk is full" into a *DiskFullError that says how much more
// the load needed.
func (l *Load) full(err error) error {
	if !isFull(err) {
		return err
	}
	written := fileSize(l.d.path+"-wal") - l.wal0
	return &DiskFullError{Path: l.d.path, Dir: dirOf(l.d.path), Need: max(written-l.freeBytes, 0), Op: "load", Err: err}
}

// NewSnapshot describes a snapshot being added.
type NewSnapshot struct {
	Label, Source, SHA256 string
	Format                string
	Kind                  heap.Kind
	TakenAt               time.Time
	TakenFrom             string
	LoadedAt              time.Time
	Series                string
	Objects, Bytes        int64
	Meta                  map[string]string
	// NewHere records the generations of a graph snapshot's objects as its pages are
	// written, if no other snapshot of its format and series is in the database: each object
	// is then new here, which is what DB.MarkGenerations would record of it, without writing
	// every page again. The caller sets it only where MarkGenerations would record them (a
	// format with an identity) and no other file goes into the database before it runs.
	NewHere bool
}

// Snapshots returns every snapshot, loaded before or in this load, in load order.
func (l *Load) Snapshots(ctx context.Context) ([]Snapshot, error) {
	if err := l.sync(); err != nil {
		return nil, err
	}
	return queryAll(ctx, l.tx, scanSnapshot, "SELECT "+snapshotCols+" FROM snapshot ORDER BY id")
}

// LabelTaken reports whether a snapshot, loaded before or in this load, has the label.
func (l *Load) LabelTaken(ctx context.Context, label string) (bool, error) {
	if err := l.sync(); err != nil {
		return false, err
	}
	var n int
	err := l.tx.QueryRowContext(ctx, "SELECT count(*) FROM snapshot WHERE label = ?", label).Scan(&n)
	return n > 0, err
}

// FindSHA256 returns the id and label of a snapshot, loaded before or in this load, from a
// file with this hash, and whether there is one.
func (l *Load) FindSHA256(ctx context.Context, sum string) (id int64, label string, ok bool, err error) {
	if err := l.sync(); err != nil {
		return 0, "", false, err
	}
	err = l.tx.QueryRowContext(ctx, "SELECT id, label FROM snapshot WHERE sha256 = ? ORDER BY id LIMIT 1", sum).Scan(&id, &label)
	if err == sql.ErrNoRows {
		return 0, "", false, nil
	}
	return id, label, err == nil, err
}

// addSnapshot inserts the snapshot row once everything queued before it is written.
func (l *Load) addSnapshot(ctx context.Context, s NewSnapshot) (int64, error) {
	if err := l.sync(); err != nil {
		return 0, err
	}
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
		return 0, l.full(err)
	}
	return res.LastInsertId()
}

// Function returns the id of a function name, adding it to the database if it is new.
func (l *Load) Function(ctx context.Context, name string) (int64, error) {
	return l.funcs.id(ctx, name)
}

// Type returns the id of a type name, adding it if it is new.
func (l *Load) Type(ctx context.Context, name string) (int64, error) {
	return l.types.id(ctx, name)
}

// interner gives names in a table of (id, name) rows their ids, reading the table once and
// queueing the rows of new names.
type interner struct {
	l     *Load
	table string
	ids   map[string]int64 // name -> id; nil until first use
	next  int64
	rows  *batchInsert
}

func newInterner(l *Load, table string) *interner {
	return &interner{l: l, table: table, rows: newBatchInsert(l.w, table, "id", "name")}
}

func (in *interner) id(ctx context.Context, name string) (int64, error) {
	if in.ids == nil {
		if err := in.read(ctx); err != nil {
			return 0, err
		}
	}
	if id, ok := in.ids[name]; ok {
		return id, nil
	}
	id := in.next
	in.next++
	in.ids[name] = id
	in.rows.add(id, name)
	return id, nil
}

func (in *interner) read(ctx context.Context) error {
	if err := in.l.sync(); err != nil {
		return err
	}
	in.ids, in.next = map[string]int64{}, 1
	rows, err := in.l.tx.QueryContext(ctx, "SELECT id, name FROM "+in.table)
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
		in.ids[name] = id
		in.next = max(in.next, id+1)
	}
	return rows.Err()
}

// siteHash identifies a stack of function ids. Line numbers are left out so that the same code
// path in two builds of a program is one site.
//
// BUG: two different stacks with the same 64-bit hash would be stored as one site. With a
// million sites the chance is about 3e-8; a UNIQUE index on site.hash would not prevent it
// either, and it made loads much slower, so uniqueness is kept by the in-memory map at load.
func siteHash(funcs []int64) int64 {
	// FNV-1a over the ids' uvarint bytes, written out so that it allocates nothing. Stored in
	// the database: it must not change.
	const offset64, prime64 = 14695981039346656037, 1099511628211
	h := uint64(offset64)
	for _, f := range funcs {
		x := uint64(f)
		for x >= 0x80 {
			h = (h ^ (x&0x7f | 0x80)) * prime64
			x >>= 7
		}
		h = (h ^ x) * prime64
	}
	return int64(h)
}

// ExpectSites tells the load that about n more sites may come, so that its table is sized once.
func (l *Load) ExpectSites(n int) {
	l.expectSites += n
}

// Site returns the id of the allocation site with this stack (function ids from Function,
// innermost first), adding it if it is new. line is kept from the first time a site is seen.
func (l *Load) Site(ctx context.Context, funcs []int64, line string) (int64, error) {
	if len(funcs) == 0 {
		return 0, fmt.Errorf("an allocation site needs a stack")
	}
	if l.sites == nil {
		if err := l.loadSites(ctx); err != nil {
			return 0, err
		}
	}
	h := siteHash(funcs)
	if id, ok := l.sites[h]; ok {
		return id, nil
	}
	id := l.nextSite
	l.nextSite++
	l.sites[h] = id
	stack := make([]byte, 0, 8*len(funcs))
	stack = append(stack, '[')
	for j, f := range funcs {
		if j > 0 {
			stack = append(stack, ',')
		}
		stack = strconv.AppendInt(stack, f, 10)
	}
	stack = append(stack, ']')
	l.siteRows.add(id, h, funcs[0], line, len(funcs), string(stack))
	return id, nil
}

func (l *Load) loadSites(ctx context.Context) error {
	if err := l.sync(); err != nil {
		return err
	}
	l.sites = make(map[int64]int64, l.expectSites)
	l.nextSite = 1
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
		l.nextSite = max(l.nextSite, id+1)
	}
	return rows.Err()
}

// ProfileSample is what one allocation site holds in a heap profile.
type ProfileSample struct {
	Site   int64 // from Load.Site
	Values [heap.NumValues]int64
}

// AddProfile adds a heap-profile snapshot and what each of its sites holds. Samples of the same
// site are summed. Objects and Bytes of s are set from the in-use totals. The rows may still
// be queued when it returns.
func (l *Load) AddProfile(ctx context.Context, s NewSnapshot, samples []ProfileSample) (int64, error) {
	merged := make(map[int64]int, len(samples))
	var sums []ProfileSample
	s.Objects, s.Bytes = 0, 0
	for _, x := range samples {
		s.Objects += x.Values[heap.InuseObjects]
		s.Bytes += x.Values[heap.InuseBytes]
		i, ok := merged[x.Site]
		if !ok {
			merged[x.Site] = len(sums)
			sums = append(sums, x)
			continue
		}
		for v := range x.Values {
			sums[i].Values[v] += x.Values[v]
		}
	}
	id, err := l.addSnapshot(ctx, s)
	if err != nil {
		return 0, err
	}
	rows := newBatchInsert(l.w, "sample", "snapshot", "site", "inuse_objects", "inuse_bytes", "alloc_objects", "alloc_bytes")
	rows.before = l.siteRows
	for _, x := range sums {
		v := x.Values
		rows.add(id, x.Site, v[heap.InuseObjects], v[heap.InuseBytes], v[heap.AllocObjects], v[heap.AllocBytes])
	}
	rows.flush()
	return id, nil
}
