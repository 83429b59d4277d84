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
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3" // the SQLite driver
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrSchemaTooNew is returned when a database was written by a newer memsee.
var ErrSchemaTooNew = errors.New("database schema is newer than this memsee")

// ErrNoDatabase is returned by OpenExisting when there is no database file.
var ErrNoDatabase = errors.New("no memsee database")

// DB is an open memsee database.
type DB struct {
	db    *sql.DB
	path  string
	cache pageCache
}

// Open opens the database at path, creating it if needed, and brings its schema up to date.
// path ":memory:" opens a private in-memory database (tests).
func Open(ctx context.Context, path string) (*DB, error) {
	dsn := dsnFor(path)
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, err
	}
	if path == ":memory:" {
		db.SetMaxOpenConns(1) // every connection would be a different database
	}
	d := &DB{db: db, path: path}
	// Large pages make bulk loads cheaper (fewer page splits, a shorter commit). SQLite only
	// honours page_size before anything is written, so it is a no-op on an existing file, and
	// it must come before journal_mode, which is why WAL is not set in the DSN. WAL is kept in
	// the file, so setting it once here holds for every connection.
	for _, pragma := range []string{"PRAGMA page_size = 16384", "PRAGMA journal_mode = WAL"} {
		if path == ":memory:" {
			break
		}
		if _, err := db.ExecContext(ctx, pragma); err != nil {
			db.Close()
			return nil, fmt.Errorf("opening %s: %w", path, err)
		}
	}
	if err := d.checkPragmas(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	if err := d.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	return d, nil
}

// OpenExisting opens the database at path, which must exist (every command but load reads).
func OpenExisting(ctx context.Context, path string) (*DB, error) {
	if path != ":memory:" {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w at %s", ErrNoDatabase, path)
		}
	}
	return Open(ctx, path)
}

func dsnFor(path string) string {
	if path == ":memory:" {
		return "file::memory:?_foreign_keys=on&_txlock=immediate"
	}
	q := url.Values{}
	q.Set("_foreign_keys", "on")
	q.Set("_busy_timeout", "5000")
	q.Set("_txlock", "immediate")
	q.Set("_synchronous", "NORMAL") // safe with WAL: a crash loses at most the last load, never the file
	q.Set("_cache_size", "-65536")  // 64 MiB of page cache
	// database/sql never uses a connection on two goroutines at once, so SQLite's own lock
	// around every call on a connection only costs time: a load binds fifteen values and steps
	// once per object, and taking the lock each time made a 10M-object load 4 s slower.
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
	if d.path == ":memory:" {
		return nil
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
func (d *DB) Close() error { return d.db.Close() }

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
// its version recorded in the same transaction (as benbjohnson/wtf does).
func (d *DB) migrate(ctx context.Context) error {
	if _, err := d.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		version    INTEGER PRIMARY KEY,
		applied_at TEXT NOT NULL)`); err != nil {
		return err
	}
	var have int
	if err := d.db.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_version").Scan(&have); err != nil {
		return err
	}
	ms, err := migrations()
	if err != nil {
		return err
	}
	if latest := ms[len(ms)-1].version; have > latest {
		return fmt.Errorf("%w: the database is at version %d, this memsee knows up to %d", ErrSchemaTooNew, have, latest)
	}
	for _, m := range ms {
		if m.version <= have {
			continue
		}
		body, err := migrationFS.ReadFile(m.name)
		if err != nil {
			return err
		}
		if err := d.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if hook := migrationHooks[m.version]; hook != nil {
				if err := hook(ctx, tx); err != nil {
					return fmt.Errorf("migration %s: %w", m.name, err)
				}
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO schema_version(version, applied_at) VALUES (?, ?)",
				m.version, formatTime(time.Now()))
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// SchemaVersion returns the database's schema version.
func (d *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := d.db.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_version").Scan(&v)
	return v, err
}

func (d *DB) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
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
