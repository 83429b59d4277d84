// Package loadertest holds what the tests of several packages share about loading real
// samples into a real database.
package loadertest

import (
	"context"
	"testing"
	"time"

	"github.com/memsee/memsee/internal/loader"
	"github.com/memsee/memsee/internal/store"
)

// Open creates a memsee database at path for writing; it is closed when the test ends.
func Open(tb testing.TB, path string) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// Load loads each file into db in a load transaction of its own, committed, with a fixed
// load time, and returns what each became.
func Load(tb testing.TB, db *store.DB, files ...string) []loader.Result {
	tb.Helper()
	ctx := context.Background()
	var out []loader.Result
	for _, f := range files {
		l, err := db.BeginLoad(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		res, err := loader.Load(ctx, l, f, loader.Options{Now: time.Unix(0, 0)})
		if err != nil {
			l.Rollback()
			tb.Fatalf("load %s: %v", f, err)
		}
		if err := l.Commit(); err != nil {
			tb.Fatal(err)
		}
		out = append(out, res)
	}
	return out
}

// LoadInto creates a database at path and loads dump into it; the caller closes it.
func LoadInto(tb testing.TB, path, dump string) (*store.DB, loader.Result) {
	tb.Helper()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	return db, Load(tb, db, dump)[0]
}
