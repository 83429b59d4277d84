package loader

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/memsee/memsee/internal/store"
)

// Pages built and packed side by side (writePages' workers) are those built one after the
// other on the load's goroutine: every row of every table but the snapshot's is the same, on
// a real dump of each format with several pages.
func TestPagesSideBySide(t *testing.T) {
	saved := pageWorkers
	t.Cleanup(func() { pageWorkers = saved })
	dumps := []struct {
		name string
		path string
	}{
		{"python", pyDump},
		{"jvm", filepath.Join("..", "..", "testdata", "java", "heap1.hprof.gz")},
		{"node", filepath.Join("..", "..", "testdata", "node", "heap1.heapsnapshot.gz")},
		{"go dump", filepath.Join("..", "..", "testdata", "godump", "heap4.dump.gz")},
		{"ruby", filepath.Join("..", "..", "testdata", "ruby", "rubyshop1.json.gz")},
	}
	for _, tt := range dumps {
		t.Run(tt.name, func(t *testing.T) {
			var tables [2]map[string][]string
			for i, workers := range []int{0, 3} {
				pageWorkers = func() int { return workers }
				dir := t.TempDir()
				db, err := store.Open(context.Background(), filepath.Join(dir, "test.db"))
				if err != nil {
					t.Fatal(err)
				}
				res, err := loadOne(t, db, tt.path, Options{})
				if err != nil {
					t.Fatal(err)
				}
				if res.Objects <= 2*1024 {
					t.Fatalf("%s: %d objects, fewer than three pages", tt.path, res.Objects)
				}
				db.Close()
				tables[i] = tableRows(t, filepath.Join(dir, "test.db"))
			}
			if len(tables[0]["object_page"]) == 0 {
				t.Fatalf("%s: no pages", tt.path)
			}
			for name, want := range tables[0] {
				if got := tables[1][name]; !slices.Equal(got, want) {
					t.Errorf("%s: table %s: %d rows written by workers differ from the %d written serially", tt.path, name, len(got), len(want))
				}
			}
		})
	}
}

// tableRows reads every row of every table of the database at path but those that hold times
// (snapshot's, schema_version's), each row spelled as text, a table's rows sorted.
func tableRows(t *testing.T, path string) map[string][]string {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	names, err := db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('snapshot', 'schema_version')")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for names.Next() {
		var n string
		if err := names.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	names.Close()
	out := map[string][]string{}
	for _, table := range tables {
		rows, err := db.QueryContext(ctx, "SELECT * FROM "+table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out[table] = append(out[table], fmt.Sprintf("%v", vals))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		slices.Sort(out[table])
	}
	return out
}
