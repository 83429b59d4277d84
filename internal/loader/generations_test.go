package loader

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/memsee/memsee/internal/store"
)

// TestGenerationsAtLoad loads real dumps with Options.Generations and checks each page's gen
// column against what MarkGenerations records after a load without it: the same bytes for a
// snapshot alone in its series (written as the pages are), nothing written at load for one
// that is not (MarkGenerations matches it against the one before), and nothing for a format
// without an identity, which MarkGenerations leaves out.
func TestGenerationsAtLoad(t *testing.T) {
	ctx := context.Background()
	sample := func(p string) string { return filepath.Join("..", "..", "testdata", filepath.FromSlash(p)) }
	gens := func(t *testing.T, db *store.DB, snap int64) []string {
		t.Helper()
		res, err := db.Query(ctx, fmt.Sprintf("SELECT page || '|' || CASE WHEN gen IS NULL THEN 'NULL' ELSE hex(gen) END FROM object_page WHERE snapshot = %d ORDER BY page", snap), store.QueryOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, row := range res.Rows {
			out = append(out, fmt.Sprint(row[0]))
		}
		return out
	}
	// load loads files into a new database, each in a load of its own, and records the
	// generations as memsee load does; it returns each snapshot's gen column just after its
	// load, and at the end.
	load := func(t *testing.T, withGens bool, files ...string) (atLoad, final [][]string) {
		db := openDB(t)
		var loaded []Result
		for i, f := range files {
			res, err := loadOne(t, db, sample(f), Options{Label: fmt.Sprint("s", i+1), Generations: withGens})
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			atLoad = append(atLoad, gens(t, db, res.ID))
			if err := MarkGenerations(ctx, db, []Result{res}); err != nil {
				t.Fatal(err)
			}
			loaded = append(loaded, res)
		}
		for _, r := range loaded {
			final = append(final, gens(t, db, r.ID))
		}
		return atLoad, final
	}
	written := func(g []string) bool {
		return len(g) > 0 && !slices.ContainsFunc(g, func(s string) bool { return strings.HasSuffix(s, "|NULL") })
	}
	for _, tc := range []struct {
		name       string
		files      []string
		wantAtLoad []bool // whether each snapshot's gens are written by its load
	}{
		{"V8, alone", []string{"node/heap1.heapsnapshot.gz"}, []bool{true}},
		{"meliae, alone", []string{"python/shop1.json.gz"}, []bool{true}},
		{"Ruby, alone", []string{"ruby/rubyshop1.json.gz"}, []bool{true}},
		{"V8, a series of two", []string{"node/heap1.heapsnapshot.gz", "node/heap2.heapsnapshot.gz"}, []bool{true, false}},
		{"HPROF, no identity", []string{"java/heap1.hprof.gz"}, []bool{false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			atLoad, final := load(t, true, tc.files...)
			_, want := load(t, false, tc.files...)
			for i := range tc.files {
				if got := written(atLoad[i]); got != tc.wantAtLoad[i] {
					t.Errorf("%s: gens written by its load: %v, want %v (%d pages)", tc.files[i], got, tc.wantAtLoad[i], len(atLoad[i]))
				}
				if !slices.Equal(final[i], want[i]) {
					t.Errorf("%s: gens after MarkGenerations differ from a load without Generations:\n got %.200q\nwant %.200q", tc.files[i], final[i], want[i])
				}
			}
		})
	}
}
