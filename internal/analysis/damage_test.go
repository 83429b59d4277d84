package analysis

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/memsee/memsee/internal/loader/loadertest"
	"github.com/memsee/memsee/internal/store"
	"github.com/memsee/memsee/internal/store/page"
)

// loadSnapshot loads a sample into a database of its own, closed when the test ends, and
// returns the database and the snapshot.
func loadSnapshot(t *testing.T, file string) (*store.DB, store.Snapshot) {
	t.Helper()
	db, res := loadertest.LoadInto(t, filepath.Join(t.TempDir(), "s.db"), file)
	t.Cleanup(func() { db.Close() })
	snap, err := db.Resolve(context.Background(), res.Label)
	if err != nil {
		t.Fatal(err)
	}
	return db, snap
}

// withFirstPage loads the Python sample shop1 and writes its first page of objects again
// with edit applied to each object (edit may be nil), cut to half its bytes when cut is set:
// what the readers of pages must survive. It returns the database and the snapshot.
func withFirstPage(t *testing.T, edit func(i int, o *page.Object), cut bool) (*store.DB, store.Snapshot) {
	t.Helper()
	ctx := context.Background()
	db, snap := loadSnapshot(t, "../../testdata/python/shop1.json.gz")
	var blob []byte
	err := db.EachObjectPage(ctx, snap.ID, func(first int64, p *page.Objects) error {
		if first != 0 {
			return nil
		}
		var b page.Builder
		b.Reset()
		for i, o := range p.All() {
			if edit != nil {
				edit(i, &o)
			}
			b.Add(&o)
		}
		blob = b.AppendObjects(nil)
		if cut {
			blob = blob[:len(blob)/2]
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	q := fmt.Sprintf("UPDATE object_page SET objects = x'%x' WHERE snapshot = %d AND page = 0", blob, snap.ID)
	if _, err := db.Query(ctx, q, store.QueryOptions{Write: true}); err != nil {
		t.Fatal(err)
	}
	return db, snap
}
