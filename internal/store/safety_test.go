package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/loader"
	"github.com/memsee/memsee/internal/loader/loadertest"
	"github.com/memsee/memsee/internal/store"
	"github.com/memsee/memsee/internal/store/storetest"
)

// sampleDB loads a Go heap profile and a Python dump (committed samples) into a new database
// and closes it; it returns the database's path and the Python snapshot's id.
func sampleDB(t *testing.T) (string, int64) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "memsee.db")
	db, _ := loadertest.LoadInto(t, path, "../../testdata/go/heap1.pb.gz")
	defer db.Close()
	return path, loadertest.Load(t, db, "../../testdata/python/shop1.json.gz")[0].ID
}

// dirState is every file of a directory and its bytes.
func dirState(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][]byte{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m[e.Name()] = b
	}
	return m
}

func diffState(a, b map[string][]byte) string {
	var d []string
	for n, x := range a {
		if y, ok := b[n]; !ok {
			d = append(d, n+" removed")
		} else if !bytes.Equal(x, y) {
			d = append(d, n+" changed")
		}
	}
	for n := range b {
		if _, ok := a[n]; !ok {
			d = append(d, n+" created")
		}
	}
	sort.Strings(d)
	return strings.Join(d, ", ")
}

// hostileSQL is what a user of query without --write might try, by mistake or on purpose, to
// change the database or write a file. OUT is replaced by a directory outside the database's.
var hostileSQL = []string{
	"delete from snapshot",
	"pragma query_only=0; delete from snapshot",
	"pragma query_only = off",
	"select 1; delete from snapshot",
	"delete from snapshot; select 1",
	"delete from snapshot returning id",
	"with x as (select 1) delete from snapshot",
	"drop table snapshot",
	"drop table if exists sample",
	"update snapshot set label = 'x'",
	"insert into snapshot(label) values ('x')",
	"replace into function(id, name) values (1, 'x')",
	"insert or replace into type values (1, 'x')",
	"pragma writable_schema = 1",
	"pragma writable_schema = 1; update sqlite_master set sql = 'x' where name = 'snapshot'",
	"update sqlite_master set sql = 'x' where name = 'snapshot'",
	"vacuum",
	"vacuum into 'OUT/copy.db'",
	"vacuum main into 'OUT/copy.db'",
	"end; vacuum into 'OUT/copy.db'",
	"commit; vacuum into 'OUT/copy.db'",
	"attach database 'OUT/new.db' as x",
	"attach 'OUT/new.db' as x; create table x.t(a)",
	"attach 'file:OUT/new.db?mode=rwc' as y",
	"detach database temp",
	"pragma journal_mode = delete",
	"pragma journal_mode = off",
	"pragma journal_mode = memory",
	"select * from pragma_journal_mode('delete')",
	"pragma wal_checkpoint(truncate)",
	"pragma user_version = 7",
	"pragma application_id = 1",
	"pragma schema_version = 99",
	"pragma locking_mode = exclusive",
	"pragma secure_delete = on",
	"pragma temp_store_directory = 'OUT'",
	"pragma page_size = 4096; vacuum",
	"pragma auto_vacuum = full",
	"pragma incremental_vacuum",
	"pragma optimize",
	"pragma foreign_keys = off; delete from site",
	"create table t(a)",
	"create temp table t(a)",
	"create temp table t(a); insert into t values (1)",
	"create temp trigger tr after insert on snapshot begin delete from snapshot; end",
	"create trigger tr after insert on snapshot begin delete from snapshot; end",
	"create view v as select 1",
	"create temp view v as select 1",
	"create index i on snapshot(label)",
	"create virtual table v using fts5(x)",
	"begin; delete from snapshot; commit",
	"commit; delete from snapshot",
	"rollback; pragma query_only = 0; delete from snapshot",
	"savepoint s; delete from snapshot; release s",
	"release s",
	"alter table snapshot rename to s2",
	"alter table snapshot add column x",
	"reindex",
	"analyze",
	"select load_extension('OUT/x.so')",
}

// TestReliabilityHostileSQL runs the hostile corpus through Query on a database opened for
// reading and checks each statement is refused and the directory of the database, and the one
// OUT names, are unchanged, byte for byte.
func TestReliabilityHostileSQL(t *testing.T) {
	ctx := context.Background()
	var refusedQuery func(t *testing.T, q string, objects ...int64)
	path, graph := sampleDB(t)
	dir, out := filepath.Dir(path), t.TempDir()
	read := func(q string, objects ...int64) (*store.Result, error) {
		db, err := store.OpenRead(ctx, path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		return db.Query(ctx, q, store.QueryOptions{Objects: objects})
	}
	// A first reader leaves the WAL's index beside the file; it is part of what must not change.
	if _, err := read("select count(*) from snapshot"); err != nil {
		t.Fatal(err)
	}
	before := dirState(t, dir)
	if len(hostileSQL) < 40 {
		t.Fatalf("the corpus has %d statements, want 40 or more", len(hostileSQL))
	}
	authorizer := 0
	check := func(q string, objects ...int64) {
		t.Run(q, func(t *testing.T) { refusedQuery(t, q, objects...) })
	}
	refusedQuery = func(t *testing.T, q string, objects ...int64) {
		t.Helper()
		res, err := read(q, objects...)
		switch {
		case errors.Is(err, store.ErrReadOnlyQuery):
			authorizer++
		case err == nil:
			t.Errorf("%q was not refused: %v", q, res)
		default:
			// Refused by SQLite before the authorizer is asked.
			t.Logf("%q: %v", q, err)
		}
		if d := diffState(before, dirState(t, dir)); d != "" {
			t.Fatalf("%q changed the database's directory: %s", q, d)
		}
		if ents, _ := os.ReadDir(out); len(ents) > 0 {
			t.Fatalf("%q wrote %s outside the database's directory", q, ents[0].Name())
		}
	}
	for _, q := range hostileSQL {
		check(strings.ReplaceAll(q, "OUT", out))
	}
	// With the objects laid out as temporary tables, those cannot be changed either.
	for _, q := range []string{"delete from object", "update object set size = 0",
		"insert into temp.object(snapshot, oid) values (1, 1)", "drop table temp.object",
		"delete from object; select count(*) from object"} {
		check(q, graph)
	}

	// Reads still work.
	for _, q := range []string{
		"select count(*) from snapshot",
		"with x as (select id from snapshot) select count(*) from x",
		"with recursive c(x) as (select 1 union all select x + 1 from c where x < 5) select sum(x) from c",
		"explain select * from snapshot",
		"explain query plan select * from snapshot where id = 1",
		"pragma table_info(snapshot)",
		"pragma index_list(snapshot)",
		"pragma page_size",
		"select name from pragma_table_info('snapshot')",
		"select count(*) from sqlite_master",
	} {
		res, err := read(q)
		if err != nil || len(res.Rows) == 0 {
			t.Errorf("%q: %v, %d rows; want rows", q, err, len(res.Rows))
		}
	}
	res, err := read("select count(*) from object", graph)
	if err != nil || len(res.Rows) != 1 || res.Rows[0][0].(int64) == 0 {
		t.Errorf("--objects: %v, %v; want a count", err, res)
	}
	if d := diffState(before, dirState(t, dir)); d != "" {
		t.Fatalf("reads changed the database's directory: %s", d)
	}
	t.Logf("%d hostile statements refused, and 5 on the laid-out objects; %d by the authorizer", len(hostileSQL), authorizer)
}

// TestReliabilityOtherFiles: a SQLite file of another program, a file that is not SQLite and
// an empty file are refused by readers and writers, and left exactly as they were.
func TestReliabilityOtherFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	other := filepath.Join(dir, "other-app.sqlite")
	db, err := sql.Open("sqlite3", other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE accounts(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO accounts(name) VALUES ('a')"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	notSQLite := filepath.Join(dir, "heap1.pb.gz")
	b, err := os.ReadFile("../../testdata/go/heap1.pb.gz")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(notSQLite, b, 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	before := dirState(t, dir)
	for _, path := range []string{other, notSQLite, empty} {
		for name, open := range map[string]func() (*store.DB, error){
			"OpenRead":           func() (*store.DB, error) { return store.OpenRead(ctx, path, store.Options{}) },
			"OpenWrite":          func() (*store.DB, error) { return store.OpenWrite(ctx, path, store.Options{}) },
			"OpenWrite (create)": func() (*store.DB, error) { return store.OpenWrite(ctx, path, store.Options{Create: true}) },
		} {
			db, err := open()
			if err == nil {
				db.Close()
			}
			if !errors.Is(err, store.ErrNotMemsee) {
				t.Errorf("%s(%s): %v, want ErrNotMemsee", name, filepath.Base(path), err)
			}
		}
	}
	if d := diffState(before, dirState(t, dir)); d != "" {
		t.Errorf("opening files of other programs changed them: %s", d)
	}
	missing := filepath.Join(dir, "missing.db")
	if _, err := store.OpenRead(ctx, missing, store.Options{}); !errors.Is(err, store.ErrNoDatabase) {
		t.Errorf("OpenRead of a missing file: %v, want ErrNoDatabase", err)
	}
	if _, err := store.OpenWrite(ctx, missing, store.Options{}); !errors.Is(err, store.ErrNoDatabase) {
		t.Errorf("OpenWrite of a missing file: %v, want ErrNoDatabase", err)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("opening a missing file without Create created it")
	}
}

// TestReliabilityPermissions: a new database, its WAL and its index are readable by their owner only.
func TestReliabilityPermissions(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "memsee.db")
	db, _ := loadertest.LoadInto(t, path, "../../testdata/go/heap1.pb.gz")
	defer db.Close()
	r, err := store.OpenRead(ctx, path, store.Options{}) // keeps the WAL and its index open
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	seen := 0
	for _, suffix := range []string{"", "-wal", "-shm"} {
		fi, err := os.Stat(path + suffix)
		if err != nil {
			continue
		}
		seen++
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", filepath.Base(path+suffix), fi.Mode().Perm())
		}
	}
	if seen < 2 {
		t.Errorf("only %d of the database's files were there to check", seen)
	}
}

// TestReliabilityFailedLoad: a load into a database it created that fails removes the
// database; one into an existing database leaves it as it was.
func TestReliabilityFailedLoad(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	bad := truncatedSample(t, dir)
	path := filepath.Join(dir, "memsee.db")
	db, err := store.OpenWrite(ctx, path, store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	l, err := db.BeginLoad(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := loader.Load(ctx, l, bad, loader.Options{Now: time.Unix(0, 0)}); err == nil {
		t.Fatal("a truncated dump loaded")
	}
	l.Rollback()
	if err := db.Abandon(); err != nil {
		t.Fatal(err)
	}
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		if _, err := os.Stat(path + suffix); err == nil {
			t.Errorf("%s is left after a failed first load", filepath.Base(path+suffix))
		}
	}

	// An existing database keeps every row.
	path, _ = sampleDB(t)
	want := storetest.RowCounts(t, path)
	db, err = store.OpenWrite(ctx, path, store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	l, err = db.BeginLoad(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := loader.Load(ctx, l, bad, loader.Options{Now: time.Unix(0, 0)}); err == nil {
		t.Fatal("a truncated dump loaded")
	}
	l.Rollback()
	db.Abandon()
	if got := storetest.RowCounts(t, path); got != want {
		t.Errorf("rows after a failed load:\n%s\nwant\n%s", got, want)
	}
}

// truncatedSample writes a Python sample cut in the middle of its data.
func truncatedSample(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile("../../testdata/python/shop2.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "shop2-cut.json.gz")
	if err := os.WriteFile(bad, b[:len(b)*2/3], 0o600); err != nil {
		t.Fatal(err)
	}
	return bad
}

// TestReliabilityReadDuringRm removes and loads a snapshot again and again while readers read it:
// a reader sees the database as it was when it opened, every read of it, and never fails.
func TestReliabilityReadDuringRm(t *testing.T) {
	ctx := context.Background()
	path, _ := sampleDB(t)
	stop := make(chan struct{})
	var writes atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			w, err := store.OpenWrite(ctx, path, store.Options{})
			if err != nil {
				t.Error(err)
				return
			}
			snaps, err := w.Snapshots(ctx)
			if err == nil && len(snaps) > 0 {
				err = w.Remove(ctx, snaps[len(snaps)-1].ID)
			}
			if err == nil {
				var l *store.Load
				if l, err = w.BeginLoad(ctx); err == nil {
					_, err = loader.Load(ctx, l, "../../testdata/python/shop1.json.gz", loader.Options{Now: time.Unix(0, 0)})
					if err == nil {
						err = l.Commit()
					} else {
						l.Rollback()
					}
				}
			}
			w.Close()
			if err != nil {
				t.Error(err)
				return
			}
			writes.Add(1)
		}
	}()
	defer func() {
		close(stop)
		wg.Wait()
	}()
	reads, walks := 0, 0
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) || writes.Load() < 3 {
		if time.Now().After(deadline.Add(20 * time.Second)) {
			t.Fatal("the writer did not get through 3 removals and loads in 23 s")
		}
		db, err := store.OpenRead(ctx, path, store.Options{})
		if err != nil {
			t.Fatalf("reader open: %v", err)
		}
		first, err := db.Snapshots(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var graph store.Snapshot
		for _, s := range first {
			if s.Kind == heap.KindGraph {
				graph = s
			}
		}
		if graph.ID != 0 { // else the reader came between a removal and the load after it
			walks++
		}
		// Walk every object of the graph snapshot, page by page, while the writer removes it.
		for oid := int64(0); oid < graph.Objects; oid += 97 {
			if _, err := db.Object(ctx, graph.ID, oid); err != nil {
				t.Fatalf("reading object %d of snapshot %d beside rm and load: %v", oid, graph.ID, err)
			}
		}
		if _, err := db.TopRetained(ctx, graph.ID, 10); err != nil && graph.ID != 0 {
			t.Fatalf("TopRetained beside rm and load: %v", err)
		}
		again, err := db.Snapshots(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(first) != fmt.Sprint(again) {
			t.Fatalf("one reader saw two states:\n%v\n%v", first, again)
		}
		db.Close()
		reads++
	}
	if walks == 0 {
		t.Error("no reader found the graph snapshot to walk")
	}
	t.Logf("%d reads (%d walks of a graph snapshot) beside %d removals and loads", reads, walks, writes.Load())
}

// TestReliabilityTwoLoads: while a load holds the database, readers read and a second writer
// waits, says so once, and goes on when the load commits.
func TestReliabilityTwoLoads(t *testing.T) {
	ctx := context.Background()
	path, _ := sampleDB(t)
	a, err := store.OpenWrite(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	la, err := a.BeginLoad(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := loader.Load(ctx, la, "../../testdata/go/heap2.pb.gz", loader.Options{Now: time.Unix(0, 0)}); err != nil {
		t.Fatal(err)
	}

	// Readers read beside the load, and do not see it.
	r, err := store.OpenRead(ctx, path, store.Options{})
	if err != nil {
		t.Fatalf("reader during a load: %v", err)
	}
	snaps, err := r.Snapshots(ctx)
	r.Close()
	if err != nil || len(snaps) != 2 {
		t.Fatalf("reader during a load: %d snapshots, %v; want the 2 committed", len(snaps), err)
	}

	var waits atomic.Int32
	b, err := store.OpenWrite(ctx, path, store.Options{Wait: func() { waits.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	done := make(chan error, 1)
	go func() {
		lb, err := b.BeginLoad(ctx)
		if err == nil {
			_, err = loader.Load(ctx, lb, "../../testdata/go/heap3.pb.gz", loader.Options{Now: time.Unix(0, 0)})
			if err == nil {
				err = lb.Commit()
			}
		}
		done <- err
	}()
	time.Sleep(time.Second)
	select {
	case err := <-done:
		t.Fatalf("the second load did not wait for the first: %v", err)
	default:
	}
	if n := waits.Load(); n != 1 {
		t.Errorf("the second load said it waits %d times, want once", n)
	}
	if err := la.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the second load, after the first: %v", err)
	}
	r, err = store.OpenRead(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if snaps, err := r.Snapshots(ctx); err != nil || len(snaps) != 4 {
		t.Errorf("%d snapshots after both loads, %v; want 4", len(snaps), err)
	}
}

// TestReaderDoesNotMigrate: a reader of an older schema says what to run and changes nothing
// (writers migrate: TestMigrateReopen, TestConvertObjectRows).
func TestReaderDoesNotMigrate(t *testing.T) {
	ctx := context.Background()
	path, _ := sampleDB(t)
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	// The schemas after 2 only added tables, or nothing: without their rows the database reads
	// as schema 2.
	if _, err := db.Exec("DELETE FROM schema_version WHERE version > 2"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before := dirState(t, filepath.Dir(path))
	_, err = store.OpenRead(ctx, path, store.Options{})
	if !errors.Is(err, store.ErrSchemaOld) || !strings.Contains(err.Error(), "memsee query --write") {
		t.Errorf("OpenRead of schema 2: %v; want ErrSchemaOld saying what to run", err)
	}
	if d := diffState(before, dirState(t, filepath.Dir(path))); d != "" && d != "memsee.db-shm created, memsee.db-wal created" {
		t.Errorf("a reader changed an old database: %s", d)
	}
}
