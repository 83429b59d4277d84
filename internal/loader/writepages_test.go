package loader

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

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

// A load cancelled while its pages are written stops with the context's error, whether the
// pages are built side by side or one after the other, and leaves no worker running.
func TestPagesCancelled(t *testing.T) {
	saved := pageWorkers
	t.Cleanup(func() { pageWorkers = saved })
	path := filepath.Join("..", "..", "testdata", "node", "heap1.heapsnapshot.gz")
	for _, workers := range []int{0, 2} {
		t.Run(fmt.Sprintf("%d workers", workers), func(t *testing.T) {
			pageWorkers = func() int { return workers }
			db := openDB(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			l, err := db.BeginLoad(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Rollback()
			before := runtime.NumGoroutine()
			written := int64(0)
			_, err = Load(ctx, l, path, Options{Now: epoch, Progress: func(p Progress) {
				if p.Phase == PhaseWrite && p.Done > 0 {
					written = p.Done
					cancel()
				}
			}})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Load cancelled after %d pages: %v, want %v", written, err, context.Canceled)
			}
			if written != 1 {
				t.Errorf("Load went on to page %d after it was cancelled at page 1", written)
			}
			// The ranking of the referrers stops once it sees the load's end: give it a moment.
			after := runtime.NumGoroutine()
			for wait := 0; after > before && wait < 100; wait++ {
				time.Sleep(10 * time.Millisecond)
				after = runtime.NumGoroutine()
			}
			if after > before {
				t.Errorf("%d goroutines a second after the load, %d before", after, before)
			}
		})
	}
}
