package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadNotesVerbose: the bundled Python dumps, each with a string meliae could not write
// and memsee repaired, load without a note; -v says each repair, one line per file.
func TestLoadNotesVerbose(t *testing.T) {
	db := filepath.Join(t.TempDir(), "n.db")
	r := memsee(t, db, false, append([]string{"load", "--series", "shop"}, shops...)...)
	if r.code != 0 || r.err != "" {
		t.Fatalf("load: exit %d, stderr %q; want exit 0 and no note", r.code, r.err)
	}
	r = memsee(t, db, false, append([]string{"load", "-v", "--force", "--series", "again"}, shops...)...)
	if r.code != 0 {
		t.Fatalf("load -v: exit %d: %s", r.code, r.err)
	}
	lines := strings.Split(strings.TrimSuffix(r.err, "\n"), "\n")
	if !strings.Contains(lines[0], "labelled with their series: again/shop1, again/shop2, again/shop3, again/shop4") {
		t.Errorf("load -v: first line %q, want the labels in full", lines[0])
	}
	repaired := 0
	for _, l := range lines {
		if strings.Contains(l, "with invalid strings") && strings.Contains(l, "repaired") {
			repaired++
		}
	}
	if repaired != len(shops) {
		t.Errorf("load -v: %d lines say a repair, want %d:\n%s", repaired, len(shops), r.err)
	}
}
