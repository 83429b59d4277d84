package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/memsee/memsee/internal/store"
)

// TestQueryErrorsName says which refusals and mistakes of a user's query come back as the
// errors the CLI turns into a hint: ErrReadOnlyQuery (pass --write) and ErrNoObjects (pass
// --objects), on a reader and on a writer.
func TestQueryErrorsName(t *testing.T) {
	ctx := context.Background()
	path, graph := sampleDB(t)
	tests := []struct {
		name    string
		writer  bool // open with OpenWrite (":memory:" is opened so by OpenRead too)
		write   bool
		objects []int64
		q       string
		want    error // nil: the query runs
	}{
		{"reader delete", false, false, nil, "delete from snapshot", store.ErrReadOnlyQuery},
		{"reader vacuum", false, false, nil, "vacuum", store.ErrReadOnlyQuery},
		{"reader object", false, false, nil, "select count(*) from object", store.ErrNoObjects},
		{"reader temp.ref", false, false, nil, "select * from temp.ref", store.ErrNoObjects},
		{"reader object laid out", false, false, []int64{graph}, "select count(*) from object", nil},
		{"reader objects, a typo", false, false, nil, "select * from objects", errOther},
		{"writer without write", true, false, nil, "delete from snapshot where id = -1", store.ErrReadOnlyQuery},
		{"writer without write, create", true, false, nil, "create table x (a)", store.ErrReadOnlyQuery},
		{"writer object", true, false, nil, "select count(*) from main.object", store.ErrNoObjects},
		{"writer with write", true, true, nil, "delete from snapshot where id = -1", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			open := store.OpenRead
			if tt.writer {
				open = store.OpenWrite
			}
			db, err := open(ctx, path, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			_, err = db.Query(ctx, tt.q, store.QueryOptions{Write: tt.write, Objects: tt.objects})
			switch {
			case tt.want == nil && err != nil:
				t.Errorf("%q: %v", tt.q, err)
			case tt.want == errOther && (err == nil || errors.Is(err, store.ErrNoObjects) || errors.Is(err, store.ErrReadOnlyQuery)):
				t.Errorf("%q: got %v, want SQLite's own error", tt.q, err)
			case tt.want != nil && tt.want != errOther && !errors.Is(err, tt.want):
				t.Errorf("%q: got %v, want %v", tt.q, err, tt.want)
			}
		})
	}
}

// errOther stands for an error that is neither of the named ones.
var errOther = errors.New("another error")
