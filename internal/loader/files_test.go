package loader

import (
	"context"
	"os"
	"testing"
)

// The same file twice loads twice, in the order given, into a scratch database that Close
// removes; a failing file leaves nothing loaded.
func TestLoadFiles(t *testing.T) {
	ctx := context.Background()
	s, err := OpenScratch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	snaps, err := LoadFiles(ctx, s.DB, []string{goProfile, goProfile}, Options{Now: epoch})
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 2 || snaps[0].ID == snaps[1].ID || snaps[0].ID > snaps[1].ID {
		t.Fatalf("snapshots %+v: want two, in order", snaps)
	}
	if _, err := LoadFiles(ctx, s.DB, []string{goProfile, "no-such-file.pb.gz"}, Options{Now: epoch}); err == nil {
		t.Fatal("a missing file loaded")
	}
	if got := labels(t, s.DB); len(got) != 2 {
		t.Fatalf("after a failed load: %q, want the two loaded before", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.dir); !os.IsNotExist(err) {
		t.Fatalf("scratch directory left behind: %v", err)
	}
}
