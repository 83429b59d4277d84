package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strconv"

	"github.com/mattn/go-sqlite3"
)

// readerBusyMillis is how long a reader's SQLite waits for a lock. A reader of a database in
// WAL mode waits for nobody; this only covers the moments SQLite itself needs (recovering the
// WAL after a crash), and a database an older memsee left in rollback mode mid-load.
const readerBusyMillis = 60000

// OpenRead opens the memsee database at path for reading: a read-only connection (SQLite's
// mode=ro, so nothing it runs can change the file), which does not migrate, sets no journal
// mode and writes nothing, so it works during a load, on a read-only mount, on a database the
// user cannot write and on a full disk. Every read of the DB is in one read transaction, held
// until Close: a command sees one state of the database.
//
// A database of an older schema is refused with ErrSchemaOld (a writer migrates it); a file
// that is not a memsee database with ErrNotMemsee.
func OpenRead(ctx context.Context, path string, o Options) (*DB, error) {
	if path == ":memory:" {
		return OpenWrite(ctx, path, o)
	}
	if _, err := checkFile(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w at %s", ErrNoDatabase, path)
		}
		return nil, err
	}
	d, err := openRead(ctx, path, o, false)
	if err != nil && canReadImmutable(path, err) {
		// SQLite could not set up the shared memory a WAL reader needs beside the file (its
		// -shm): the directory is read-only, belongs to someone else, or the disk is full.
		// With no WAL file, all of the database is in the file itself, which is read as it is.
		d, err = openRead(ctx, path, o, true)
	}
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	return d, nil
}

// canReadImmutable reports whether a failed read-only open of path may be retried reading
// the file alone: the failure was SQLite's, about files, and there is no WAL to read.
func canReadImmutable(path string, err error) bool {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code {
	case sqlite3.ErrCantOpen, sqlite3.ErrIoErr, sqlite3.ErrFull, sqlite3.ErrReadonly, sqlite3.ErrPerm:
	default:
		return false
	}
	fi, err := os.Stat(path + "-wal")
	return errors.Is(err, fs.ErrNotExist) || (err == nil && fi.Size() == 0)
}

func readDSN(path string, immutable bool) string {
	q := url.Values{}
	q.Set("mode", "ro")
	if immutable {
		q.Set("immutable", "1")
	}
	q.Set("_busy_timeout", strconv.Itoa(readerBusyMillis))
	q.Set("_txlock", "deferred")   // a read transaction takes no lock until it reads
	q.Set("_cache_size", "-65536") // 64 MiB of page cache
	q.Set("_mutex", "no")          // one connection, used by database/sql one call at a time
	// The driver's statement cache stays off (its default): a statement memsee prepared would
	// otherwise be reused for the same text from a user without the authorizer seeing it.
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

func openRead(ctx context.Context, path string, o Options, immutable bool) (*DB, error) {
	db, err := sql.Open("sqlite3", readDSN(path, immutable))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1) // the read transaction's connection; a second would see another state
	d := &DB{db: db, path: path, wait: o.Wait}
	fail := func(err error) (*DB, error) {
		if d.rtx != nil {
			d.rtx.Rollback()
		}
		if d.conn != nil {
			d.conn.Close()
		}
		db.Close()
		return nil, err
	}
	if d.conn, err = db.Conn(ctx); err != nil {
		return fail(err)
	}
	if err := d.conn.Raw(func(dc any) error {
		c, ok := dc.(*sqlite3.SQLiteConn)
		if !ok {
			return fmt.Errorf("store: unexpected driver connection %T", dc)
		}
		c.RegisterAuthorizer(d.authorize)
		return nil
	}); err != nil {
		return fail(err)
	}
	// Temporary tables (query --objects) and sorts stay in memory: nothing goes to disk.
	if _, err := d.conn.ExecContext(ctx, "PRAGMA temp_store = MEMORY"); err != nil {
		return fail(err)
	}
	if err := d.beginRead(ctx); err != nil {
		return fail(err)
	}
	return d, nil
}

// beginRead begins the read transaction and checks, with its first read (which fixes the state
// every later read sees), that the database is a memsee database of this memsee's schema.
func (d *DB) beginRead(ctx context.Context) error {
	tx, err := d.conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	d.rtx, d.q = tx, tx
	have, err := d.schemaVersion(ctx, tx)
	if err != nil {
		var se sqlite3.Error
		if errors.As(err, &se) && se.Code == sqlite3.ErrNotADB {
			return fmt.Errorf("%w: it is not a SQLite database (%v)", ErrNotMemsee, err)
		}
		return err
	}
	latest := LatestSchema()
	switch {
	case have == 0:
		return fmt.Errorf("%w: it has no schema_version table (a SQLite file of another program)", ErrNotMemsee)
	case have > latest:
		return fmt.Errorf("%w: the database is at version %d, this memsee knows up to %d", ErrSchemaTooNew, have, latest)
	case have < latest:
		return fmt.Errorf("%w: the database is at schema %d and this memsee reads schema %d; "+
			"commands that only read do not change it: upgrade it once with `memsee query --write \"select 1\"` "+
			"(or any `memsee load`), which needs write access to the file and its directory", ErrSchemaOld, have, latest)
	}
	return nil
}

// ReadOnly reports whether the database was opened by OpenRead.
func (d *DB) ReadOnly() bool { return d.conn != nil }

// readOnlyPragmas are the pragmas a user's statement may run on a read-only database: they
// report on the schema or the file, and their argument, when they take one, names a table or
// an index.
var readOnlyPragmas = map[string]bool{
	"table_info": true, "table_xinfo": true, "table_list": true, "index_list": true,
	"index_info": true, "index_xinfo": true, "foreign_key_list": true, "foreign_key_check": true,
	"integrity_check": true, "quick_check": true, "collation_list": true, "function_list": true,
	"module_list": true, "pragma_list": true, "compile_options": true, "database_list": true,
}

// readOnlyPragmasWithoutValue may be read, but not set (they set when given a value).
var readOnlyPragmasWithoutValue = map[string]bool{
	"page_size": true, "page_count": true, "freelist_count": true, "user_version": true,
	"application_id": true, "schema_version": true, "data_version": true, "encoding": true,
	"journal_mode": true, "foreign_keys": true, "cache_size": true, "max_page_count": true,
	"auto_vacuum": true, "busy_timeout": true, "temp_store": true, "synchronous": true,
}

// authorize is the SQLite authorizer of a reader's connection. memsee's own statements pass (the
// connection is read-only anyway, and memsee lays out temporary tables for query --objects); a
// user's statement (strict) may only read: SELECT, reading tables and columns, functions but
// load_extension, recursive queries, and the pragmas above. Everything else is denied when the
// statement is prepared, before it runs: writes to any table (temporary ones too), CREATE,
// DROP, ALTER, ATTACH (even inside VACUUM INTO) and DETACH, BEGIN, COMMIT and savepoints, other
// pragmas (journal_mode = ..., writable_schema, query_only, ...), ANALYZE and REINDEX. Each
// statement of a string of several is prepared, and authorized, on its own.
func (d *DB) authorize(op int, arg1, arg2, _ string) int {
	if !d.strict.Load() {
		return sqlite3.SQLITE_OK
	}
	switch op {
	case sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqliteRecursive:
		return sqlite3.SQLITE_OK
	case sqlite3.SQLITE_FUNCTION:
		if arg2 == "load_extension" {
			return sqlite3.SQLITE_DENY
		}
		return sqlite3.SQLITE_OK
	case sqlite3.SQLITE_PRAGMA:
		if readOnlyPragmas[arg1] || (readOnlyPragmasWithoutValue[arg1] && arg2 == "") {
			return sqlite3.SQLITE_OK
		}
	}
	return sqlite3.SQLITE_DENY
}

// sqliteRecursive is SQLITE_RECURSIVE, which the driver does not export: a recursive common
// table expression (WITH RECURSIVE) reads.
const sqliteRecursive = 33
