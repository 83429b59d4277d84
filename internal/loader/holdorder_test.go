package loader_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	_ "github.com/mattn/go-sqlite3"
	"github.com/memsee/memsee/internal/loader/loadertest"
)

// TestHoldingsInOneOrder checks that two loads of one dump write the same holding rows in the
// same order: the groups come out of a map, and the database must not depend on its order.
func TestHoldingsInOneOrder(t *testing.T) {
	rows := func(path string) []string {
		db, _ := loadertest.LoadInto(t, path, "../../testdata/zoo/python/leak3.json.gz")
		db.Close()
		raw, err := sql.Open("sqlite3", path)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		r, err := raw.Query("SELECT holder, type, flags, count, bytes, retained, reach, depth FROM holding ORDER BY rowid")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var out []string
		for r.Next() {
			var v [8]int64
			if err := r.Scan(&v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(v))
		}
		return out
	}
	dir := t.TempDir()
	first, second := rows(filepath.Join(dir, "1.db")), rows(filepath.Join(dir, "2.db"))
	if len(first) < 2 {
		t.Fatalf("%d holding rows: too few to have an order", len(first))
	}
	if !slices.Equal(first, second) {
		t.Errorf("two loads of one dump wrote %d and %d holding rows, in different orders", len(first), len(second))
	}
}
