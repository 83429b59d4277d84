package store_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"

	_ "github.com/mattn/go-sqlite3"
	"github.com/memsee/memsee/internal/loader/loadertest"
	"github.com/memsee/memsee/internal/store"
)

// The schema-2 object table, as memsee wrote it before pages.
const legacyObject = `CREATE TABLE object (snapshot INTEGER NOT NULL, oid INTEGER NOT NULL, addr INTEGER NOT NULL,
	type INTEGER NOT NULL, size INTEGER NOT NULL, len INTEGER, value TEXT, distance INTEGER, parent INTEGER,
	via TEXT, idom INTEGER, retained INTEGER NOT NULL, gen INTEGER, refs TEXT NOT NULL, ref_names TEXT,
	referrers TEXT NOT NULL, PRIMARY KEY (snapshot, oid)) WITHOUT ROWID`

// TestConvertSchema2 loads a real dump, writes its objects back as a schema-2 database has them
// (a row per object, JSON arrays, referrers in no order), and checks that opening the database
// converts them to pages that answer as the load's own pages did.
func TestConvertSchema2(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, res := loadertest.LoadInto(t, path, "../../testdata/python/shop2.json.gz")
	snap := res.ID
	type answer struct {
		Object    store.Object
		Refs      []store.Reference
		Referrers []store.Object
	}
	answers := func(db *store.DB) []answer {
		var out []answer
		for oid := int64(0); oid < res.Objects; oid++ {
			o, err := db.Object(ctx, snap, oid)
			if err != nil {
				t.Fatal(err)
			}
			refs, err := db.Refs(ctx, snap, oid)
			if err != nil {
				t.Fatal(err)
			}
			by, _, err := db.Related(ctx, snap, oid, false, 0)
			if err != nil {
				t.Fatal(err)
			}
			for i := range refs {
				refs[i].Kind = 0 // schema 2 kept no kinds
			}
			out = append(out, answer{o, refs, by})
		}
		return out
	}
	want := answers(db)
	db.Close()

	// Write the objects back as schema 2 had them, referrers reversed, and forget the pages.
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := raw.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(legacyObject)
	for _, a := range want {
		o := a.Object
		var refs []int64
		var names []string
		for _, r := range a.Refs {
			refs = append(refs, r.To)
			names = append(names, r.Name)
		}
		var referrers []int64
		for i := len(a.Referrers) - 1; i >= 0; i-- {
			referrers = append(referrers, a.Referrers[i].OID)
		}
		var typ int64
		if err := raw.QueryRow("SELECT id FROM type WHERE name = ?", o.Type).Scan(&typ); err != nil {
			t.Fatal(err)
		}
		exec("INSERT INTO object VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)", snap, o.OID, o.Addr, typ, o.Size,
			nullIf(o.Len), o.Value, nullIf(o.Distance), nullIf(o.Parent), o.Via, nullIf(o.IDom), o.Retained,
			jsonOf(t, refs), jsonOf(t, names), jsonOf(t, referrers))
	}
	exec("DROP TABLE object_page")
	exec("DROP TABLE edge_page")
	exec("DROP TABLE alloc_site") // schema 4's
	exec("DROP TABLE alloc_page")
	exec("DROP TABLE holding_set") // schema 5's
	exec("DROP TABLE holding")
	exec("DROP TABLE holder")
	exec("DROP TABLE holder_key") // schema 7's
	exec("DELETE FROM schema_version WHERE version >= 3")

	db, err = store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, _ := db.SchemaVersion(ctx); v != store.LatestSchema() {
		t.Fatalf("schema %d after opening, want %d", v, store.LatestSchema())
	}
	got := answers(db)
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("object %d after converting:\n%+v\nwant\n%+v", i, got[i], want[i])
		}
	}
}

func nullIf(v int64) any {
	if v < 0 {
		return nil
	}
	return v
}

func jsonOf(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) == "null" {
		return "[]"
	}
	return string(b)
}
