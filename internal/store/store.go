// Package store keeps memsee's snapshots in one SQLite file: the schema and its migrations, the
// bulk loader, and the queries every command answers from. It is the only package that imports
// database/sql.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrSchemaTooNew is returned when a database was written by a newer memsee.
var ErrSchemaTooNew = errors.New("database schema is newer than this memsee")

// ErrNoDatabase is returned when there is no database file.
var ErrNoDatabase = errors.New("no memsee database")

// ErrNotMemsee is returned for a file that is not a memsee database: not SQLite, empty, or a
// SQLite database of another program. memsee neither reads nor changes it.
var ErrNotMemsee = errors.New("not a memsee database")

// ErrSchemaOld is returned by OpenRead for a database of an older schema: readers do not
// migrate, a writer does.
var ErrSchemaOld = errors.New("database schema is older than this memsee")

// DB is an open memsee database, opened by OpenRead for one consistent read, or by OpenWrite.
//
// A reader has one read-only connection and one read transaction, begun when it opens and held
// until Close, so every read of a command sees the same state of the database whatever loads or
// removals commit beside it. A writer has a pool of read-write connections; each change is a
// transaction of its own (BEGIN IMMEDIATE), which waits for any other writer to finish.
type DB struct {
	db   *sql.DB
	q    querier // where reads go: the read transaction of a reader, the pool of a writer
	path string

	// A reader's connection and transaction.
	conn   *sql.Conn
	rtx    *sql.Tx
	strict atomic.Bool // the authorizer applies the rules of a user's statement

	wait    func() // called once when this writer waits for another
	waited  bool
	file    os.FileInfo // the database file as it was opened (writers)
	created bool        // this writer created the file
	changed bool        // a load or removal of this writer committed

	cache pageCache
}

// querier is what reads need: a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// Options are the options of OpenWrite and OpenRead.
type Options struct {
	// Create creates the database file (mode 0600) when there is none. An existing file is
	// never taken over: it must be a memsee database already.
	Create bool
	// Wait is called once when the database is being written by another memsee (a load) and
	// this one waits for it to finish; writers wait as long as it takes, until ctx is done.
	Wait func()
}

// Open opens the database at path for writing, creating it if needed, and brings its schema
// up to date. path ":memory:" opens a private in-memory database (tests).
func Open(ctx context.Context, path string) (*DB, error) {
	return OpenWrite(ctx, path, Options{Create: true})
}

// OpenExisting opens the database at path, which must exist, for writing.
func OpenExisting(ctx context.Context, path string) (*DB, error) {
	return OpenWrite(ctx, path, Options{})
}

// OpenWrite opens the database at path for writing and brings its schema up to date.
func OpenWrite(ctx context.Context, path string, o Options) (*DB, error) {
	d := &DB{path: path, wait: o.Wait}
	if path == ":memory:" {
		db, err := sql.Open("sqlite3", "file::memory:?_foreign_keys=on&_txlock=immediate")
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(1) // every connection would be a different database
		d.db, d.q = db, db
		if err := d.migrate(ctx); err != nil {
			db.Close()
			return nil, err
		}
		return d, nil
	}
	fi, err := checkFile(path)
	if errors.Is(err, fs.ErrNotExist) && o.Create {
		fi, err = createFile(path)
		d.created = err == nil
		if errors.Is(err, fs.ErrExist) { // made by another memsee meanwhile
			fi, err = checkFile(path)
		}
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w at %s", ErrNoDatabase, path)
	}
	if err != nil {
		return nil, err
	}
	d.file = fi
	db, err := sql.Open("sqlite3", dsnFor(path))
	if err != nil {
		return nil, err
	}
	d.db, d.q = db, db
	if err := d.openWrite(ctx); err != nil {
		db.Close()
		if d.created {
			removeFiles(path)
		}
		switch {
		case isFull(err):
			return nil, &DiskFullError{Path: path, Dir: dirOf(path), Op: "open", Err: err}
		case cannotWrite(err):
			return nil, fmt.Errorf("opening %s: %w (%v)", path, ErrCannotWrite, err)
		}
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	return d, nil
}

// ErrCannotWrite is returned by OpenWrite when the database, its directory or its mount is
// read-only for this user. Commands that only read work there.
var ErrCannotWrite = errors.New("the database cannot be written by this user (a read-only file, directory or mount)")

func cannotWrite(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrReadonly, sqlite3.ErrPerm, sqlite3.ErrCantOpen:
			return true
		}
	}
	return errors.Is(err, fs.ErrPermission)
}

func (d *DB) openWrite(ctx context.Context) error {
	if !d.created {
		// Before anything that writes: a file of another program is left as it is.
		have, err := d.schemaVersion(ctx, d.db)
		if err != nil {
			return err
		}
		if have == 0 {
			return fmt.Errorf("%w: it has tables of another program (no schema_version)", ErrNotMemsee)
		}
	}
	var mode string
	if err := d.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if mode != "wal" {
		// Once, when the file is new (or was left in another mode by an older memsee): WAL is
		// kept in the file. Large pages make bulk loads cheaper (fewer page splits, a shorter
		// commit); SQLite only honours page_size before anything is written, and before WAL.
		for _, pragma := range []string{"PRAGMA page_size = 16384", "PRAGMA journal_mode = WAL"} {
			if _, err := d.db.ExecContext(ctx, pragma); err != nil {
				return err
			}
		}
	}
	if err := d.checkPragmas(ctx); err != nil {
		return err
	}
	return d.migrate(ctx)
}

// sqliteMagic starts every SQLite database file.
const sqliteMagic = "SQLite format 3\x00"

// checkFile returns the file at path if it can be a memsee database: a SQLite file that is not
// empty. Whether it holds memsee's tables is checked once it is open.
func checkFile(path string) (os.FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is %w: it is not a regular file", path, ErrNotMemsee)
	}
	if fi.Size() == 0 {
		return nil, fmt.Errorf("%s is %w: it is empty (0 bytes), and memsee only creates its database itself", path, ErrNotMemsee)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	head := make([]byte, len(sqliteMagic))
	if _, err := io.ReadFull(f, head); err != nil || string(head) != sqliteMagic {
		return nil, fmt.Errorf("%s is %w: it is not a SQLite file", path, ErrNotMemsee)
	}
	return fi, nil
}

// createFile creates an empty database file that only its owner can read: a database holds
// every string of the processes dumped into it. SQLite gives its -wal and -shm files the mode
// of the database.
func createFile(path string) (os.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return fi, err
}

// removeFiles removes a database file and the files SQLite keeps beside it.
func removeFiles(path string) {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		os.Remove(path + suffix)
	}
}

// writerBusyMillis is how long a writer's SQLite waits for a lock before memsee says it is
// waiting and tries again.
const writerBusyMillis = 250

func dsnFor(path string) string {
	q := url.Values{}
	q.Set("_foreign_keys", "on")
	q.Set("_busy_timeout", strconv.Itoa(writerBusyMillis))
	q.Set("_txlock", "immediate")
	q.Set("_synchronous", "NORMAL") // safe with WAL: a crash loses at most the last load, never the file
	q.Set("_cache_size", "-65536")  // 64 MiB of page cache
	// database/sql never uses a connection on two goroutines at once, so SQLite's own lock
	// around every call on a connection only costs time: a load binds fifteen values and steps
	// once per object, and taking the lock each time made a large load seconds slower.
	q.Set("_mutex", "no")
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// checkPragmas reads back the connection settings, as litestream does: a DSN parameter the
// driver ignores would otherwise fail silently.
func (d *DB) checkPragmas(ctx context.Context) error {
	var fk int
	if err := d.db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		return err
	}
	if fk != 1 {
		return errors.New("sqlite: foreign_keys did not turn on")
	}
	var mode string
	if err := d.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if mode != "wal" {
		return fmt.Errorf("sqlite: journal_mode is %q, want wal", mode)
	}
	return nil
}

// Path returns the database file's path.
func (d *DB) Path() string { return d.path }

// Close closes the database.
func (d *DB) Close() error {
	if d.rtx != nil {
		d.rtx.Rollback()
	}
	if d.conn != nil {
		d.conn.Close()
	}
	return d.db.Close()
}

// Abandon closes a database that a failed command created: when this writer created the file
// and committed nothing to it, the file and the files beside it are removed, so that nothing of
// a failed first load is left on disk. Otherwise it is Close.
func (d *DB) Abandon() error {
	if !d.created || d.changed {
		return d.Close()
	}
	// Hold the write lock while the file goes: a memsee waiting for it then sees that it was
	// removed (beginWrite checks) rather than writing to a file that is no longer there.
	conn, tx, err := d.beginWrite(context.Background())
	if err != nil {
		d.Close()
		return err
	}
	var n int
	err = tx.QueryRow("SELECT count(*) FROM snapshot").Scan(&n)
	if err == nil && n == 0 {
		for _, suffix := range []string{"", "-journal"} {
			os.Remove(d.path + suffix)
		}
	}
	tx.Rollback()
	conn.Close()
	err = d.db.Close()
	if n == 0 {
		// SQLite removes its -wal and -shm files when the last connection closes, if it can.
		for _, suffix := range []string{"-wal", "-shm"} {
			os.Remove(d.path + suffix)
		}
	}
	return err
}

type migration struct {
	version int
	name    string
}

func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, n := range names {
		base := strings.TrimPrefix(n, "migrations/")
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with its version", n)
		}
		ms = append(ms, migration{v, n})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// LatestSchema is the schema version this binary writes.
func LatestSchema() int {
	ms, _ := migrations()
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// migrate applies the migrations the database has not seen, each in its own transaction with
// its version recorded in the same transaction (as benbjohnson/wtf does). A database that is up
// to date is only read.
func (d *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	latest := ms[len(ms)-1].version
	for {
		have, err := d.schemaVersion(ctx, d.db)
		if err != nil {
			return err
		}
		if have > latest {
			return fmt.Errorf("%w: the database is at version %d, this memsee knows up to %d", ErrSchemaTooNew, have, latest)
		}
		if have == latest {
			return nil
		}
		applied := false
		if err := d.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
				version    INTEGER PRIMARY KEY,
				applied_at TEXT NOT NULL)`); err != nil {
				return err
			}
			// Again inside the transaction: another memsee may have migrated meanwhile.
			var have int
			if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_version").Scan(&have); err != nil {
				return err
			}
			for _, m := range ms {
				if m.version <= have {
					continue
				}
				applied = true
				return d.applyMigration(ctx, tx, m)
			}
			return nil
		}); err != nil {
			return err
		}
		if !applied {
			return nil
		}
	}
}

func (d *DB) applyMigration(ctx context.Context, tx *sql.Tx, m migration) error {
	body, err := migrationFS.ReadFile(m.name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	if hook := migrationHooks[m.version]; hook != nil {
		if err := hook(ctx, tx); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO schema_version(version, applied_at) VALUES (?, ?)",
		m.version, formatTime(time.Now()))
	return err
}

// schemaVersion returns the database's schema version, 0 when it has no schema_version table.
// It only reads.
func (d *DB) schemaVersion(ctx context.Context, q querier) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").Scan(&n); err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, nil
	}
	var v int
	err := q.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_version").Scan(&v)
	return v, err
}

// SchemaVersion returns the database's schema version.
func (d *DB) SchemaVersion(ctx context.Context) (int, error) {
	return d.schemaVersion(ctx, d.q)
}

// inTx runs fn in a write transaction, after any other writer has finished.
func (d *DB) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	conn, tx, err := d.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	defer tx.Rollback() // no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// beginWrite begins a write transaction (BEGIN IMMEDIATE) on a connection of its own. While
// another memsee writes, it says so once (Options.Wait) and waits, until ctx is done.
func (d *DB) beginWrite(ctx context.Context) (*sql.Conn, *sql.Tx, error) {
	if d.ReadOnly() {
		return nil, nil, errors.New("store: the database was opened read-only")
	}
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	for {
		// SQLite's busy handler has waited writerBusyMillis when this fails.
		tx, err := conn.BeginTx(ctx, nil)
		if err == nil {
			if err := d.stillThere(); err != nil {
				tx.Rollback()
				conn.Close()
				return nil, nil, err
			}
			return conn, tx, nil
		}
		if !isBusy(err) || ctx.Err() != nil {
			conn.Close()
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			return nil, nil, err
		}
		if !d.waited {
			d.waited = true
			if d.wait != nil {
				d.wait()
			}
		}
	}
}

// stillThere checks that the database file is the one that was opened: a first load that
// failed removes the file it created, and a writer that waited for it must not write to a file
// that is no longer there.
func (d *DB) stillThere() error {
	if d.file == nil {
		return nil
	}
	fi, err := os.Stat(d.path)
	if err != nil || !os.SameFile(fi, d.file) {
		return fmt.Errorf("%s was removed while this memsee waited for it (a first load failed); run the command again", d.path)
	}
	return nil
}

func isBusy(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked)
}

const timeLayout = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) time.Time {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		t, _ = time.Parse(time.RFC3339Nano, s)
	}
	return t
}
