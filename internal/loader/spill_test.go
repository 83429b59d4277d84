package loader

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memsee/memsee/internal/spill"
)

// TestLoadScratch checks that a load leaves no scratch file behind (spilled), whether it
// succeeds, is cancelled, or cannot write one; and that a load that cannot write one fails
// with what to do, and leaves nothing in the database.
func TestLoadScratch(t *testing.T) {
	tests := []struct {
		name    string
		missing bool // the scratch directory does not exist
		cancel  bool // cancelled as the pages begin
		wantErr string
	}{
		{name: "loaded"},
		{name: "cancelled while writing", cancel: true, wantErr: "context canceled"},
		{name: "no room for the scratch file", missing: true, wantErr: "set TMPDIR to a directory on a disk with room"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			scratch := dir
			if tt.missing {
				scratch = filepath.Join(dir, "missing")
			}
			t.Setenv("TMPDIR", scratch)
			db := openDB(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			l, err := db.BeginLoad(ctx)
			if err != nil {
				t.Fatal(err)
			}
			o := Options{Now: epoch}
			if tt.cancel {
				o.Progress = func(p Progress) {
					if p.Phase == PhaseWrite {
						cancel()
					}
				}
			}
			_, err = Load(ctx, l, pyDump, o)
			if err == nil {
				err = l.Commit()
			} else if rerr := l.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
				t.Fatal(rerr) // a cancelled load's transaction is rolled back by database/sql
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Load(%s): %v", tt.name, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Load(%s): got error %v, want one saying %q", tt.name, err, tt.wantErr)
			}
			var se *spill.Error
			if tt.missing && !errors.As(err, &se) {
				t.Errorf("Load(%s): got %T, want a *spill.Error", tt.name, err)
			}
			wantSnaps := 0
			if tt.wantErr == "" {
				wantSnaps = 1
			}
			if got := labels(t, db); len(got) != wantSnaps {
				t.Errorf("Load(%s): %d snapshots in the database, want %d", tt.name, len(got), wantSnaps)
			}
			es, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range es {
				t.Errorf("Load(%s): %s left in the scratch directory", tt.name, e.Name())
			}
		})
	}
}
