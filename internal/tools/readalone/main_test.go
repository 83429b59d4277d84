package main

import (
	"path/filepath"
	"testing"
)

// TestRead reads a real dump of each format memsee has a generator for and checks the counts
// against what the samples hold: objects and edges for the dumps, samples for a profile.
func TestRead(t *testing.T) {
	for _, tt := range []struct {
		file                   string
		objects, edges, sample bool
	}{
		{"node/heap1.heapsnapshot.gz", true, true, false},
		{"python/shop1.json.gz", true, true, false},
		{"go/heap1.pb.gz", false, false, true},
	} {
		c, seconds, err := read(filepath.Join("..", "..", "..", "testdata", tt.file))
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if (c.objects > 0) != tt.objects || (c.edges > 0) != tt.edges || (c.samples > 0) != tt.sample || seconds <= 0 {
			t.Errorf("%s: %+v in %.3f s", tt.file, *c, seconds)
		}
	}
	if _, _, err := read(filepath.Join("..", "..", "..", "go.mod")); err == nil {
		t.Error("go.mod read as a dump")
	}
}
