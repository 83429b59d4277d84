package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// labelsOf returns "label series" of every snapshot, in load order.
func labelsOf(t *testing.T, db string) string {
	t.Helper()
	r := runBinary(t, db, "query", "--format", "csv", "select label, series from snapshot order by id")
	if r.code != 0 {
		t.Fatalf("query: exit %d: %s", r.code, r.err)
	}
	return r.out
}

// TestLabelsNeverChangeSilently loads the Go profiles and the Node snapshots, which share their
// file names, into one database with the real binary: without --series the second load is
// refused and writes nothing; with --series the later labels are qualified by their series,
// every snapshot answers to series/label, and a label two snapshots answer to is an error
// that lists both.
func TestLabelsNeverChangeSilently(t *testing.T) {
	load := func(t *testing.T, db string, args ...string) result {
		t.Helper()
		return runBinary(t, db, append([]string{"load"}, args...)...)
	}
	t.Run("without series", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "m.db")
		if r := load(t, db, heaps...); r.code != 0 {
			t.Fatalf("load: exit %d: %s", r.code, r.err)
		}
		before := labelsOf(t, db)
		r := load(t, db, nodeHeaps...)
		want := "memsee: " + nodeHeaps[0] + `: label "heap1" is taken by snapshot 1 (` + heaps[0] +
			", no series); nothing was loaded: pass --series NAME to label it NAME/heap1, or --label\n"
		if r.code != 2 || r.err != want || r.out != "" {
			t.Errorf("load of the Node snapshots: exit %d, stdout %q, stderr %q; want exit 2, nothing on stdout, stderr %q", r.code, r.out, r.err, want)
		}
		if after := labelsOf(t, db); after != before {
			t.Errorf("a refused load changed the snapshots:\n%s\nwant\n%s", after, before)
		}
		if r := load(t, db, "--label", "node1", nodeHeaps[0]); r.code != 0 || !strings.Contains(r.out, "node1") {
			t.Errorf("load --label node1: exit %d, stdout %q, stderr %q", r.code, r.out, r.err)
		}
		// A series qualifies the label even when the snapshot it clashes with has none.
		if r := load(t, db, "--series", "node", nodeHeaps[1]); r.code != 0 || !strings.Contains(r.out, "node/heap2") {
			t.Errorf("load --series node: exit %d, stdout %q, stderr %q", r.code, r.out, r.err)
		}
		if got, want := labelsOf(t, db), before+"node1,\nnode/heap2,node\n"; got != want {
			t.Errorf("snapshots:\n%s\nwant\n%s", got, want)
		}
	})

	t.Run("with series", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "m.db")
		if r := load(t, db, append([]string{"--series", "go"}, heaps...)...); r.code != 0 || r.err != "" {
			t.Fatalf("load --series go: exit %d: %s", r.code, r.err)
		}
		r := load(t, db, append([]string{"--series", "node"}, nodeHeaps...)...)
		if r.code != 0 {
			t.Fatalf("load --series node: exit %d: %s", r.code, r.err)
		}
		// Said, not silent: the table shows the labels, and one note says why.
		if !strings.Contains(r.out, "node/heap4") {
			t.Errorf("load --series node: the table does not show node/heap4:\n%s", r.out)
		}
		note := "memsee: note: labels taken, so labelled with their series (node/heap1, node/heap2, node/heap3, …); 4 files record no time, so leaks gives no rate per hour (heap1.heapsnapshot.gz, heap2.heapsnapshot.gz, heap3.heapsnapshot.gz, …)\n"
		if !strings.Contains(r.err, note) {
			t.Errorf("load --series node: stderr %q does not hold %q", r.err, note)
		}
		want := "label,series\nheap1,go\nheap2,go\nheap3,go\nheap4,go\nnode/heap1,node\nnode/heap2,node\nnode/heap3,node\nnode/heap4,node\n"
		if got := labelsOf(t, db); got != want {
			t.Errorf("snapshots:\n%s\nwant\n%s", got, want)
		}

		// The README's walkthrough names heap1..heap4: with both loaded it is told which.
		amb := runBinary(t, db, "leaks", "heap1", "heap2", "heap3", "heap4")
		wantErr := `memsee: "heap1" matches several snapshots: 1 heap1 (series go, ` + heaps[0] + `); 5 node/heap1 (series node, ` +
			nodeHeaps[0] + "); refer to one by id or as series/label\n"
		if amb.code != 2 || amb.err != wantErr || amb.out != "" {
			t.Errorf("leaks heap1..heap4: exit %d, stdout %q, stderr %q; want exit 2 and %q", amb.code, amb.out, amb.err, wantErr)
		}

		// series/label names the same snapshots as their ids and as --series.
		same := []struct{ name, a, b []string }{
			{[]string{"go"}, []string{"leaks", "go/heap1", "go/heap2", "go/heap3", "go/heap4"}, []string{"leaks", "--series", "go"}},
			{[]string{"node"}, []string{"leaks", "node/heap1", "node/heap2", "node/heap3", "node/heap4"}, []string{"leaks", "5", "6", "7", "8"}},
			{[]string{"top"}, []string{"top", "go/heap2", "-n", "3"}, []string{"top", "2", "-n", "3"}},
			{[]string{"diff"}, []string{"diff", "node/heap1", "node/heap2", "-n", "3"}, []string{"diff", "5", "6", "-n", "3"}},
		}
		for _, tt := range same {
			a, b := runBinary(t, db, tt.a...), runBinary(t, db, tt.b...)
			if a.code != 0 || a.code != b.code || a.out != b.out || a.out == "" {
				t.Errorf("%s: %q gave exit %d:\n%s%s\n%q gave exit %d:\n%s%s", tt.name[0], tt.a, a.code, a.out, a.err, tt.b, b.code, b.out, b.err)
			}
		}

		// The same file again in its own series has no free label: refused, nothing written.
		before := labelsOf(t, db)
		again := load(t, db, "--force", "--series", "go", heaps[0])
		wantErr = "memsee: " + heaps[0] + `: label "heap1" is taken in series go by snapshot 1 (` + heaps[0] + ", series go); nothing was loaded: pass --label\n"
		if again.code != 2 || again.err != wantErr || again.out != "" {
			t.Errorf("load --force --series go heap1 again: exit %d, stdout %q, stderr %q; want exit 2 and %q", again.code, again.out, again.err, wantErr)
		}
		if after := labelsOf(t, db); after != before {
			t.Errorf("a refused load changed the snapshots:\n%s", after)
		}
	})

	t.Run("bad names", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "m.db")
		for _, args := range [][]string{{"--label", "a/b", heaps[0]}, {"--series", "a/b", heaps[0]}} {
			r := load(t, db, args...)
			if r.code != 2 || !strings.Contains(r.err, "separates a series from a label") {
				t.Errorf("load %q: exit %d, stderr %q; want exit 2 and why", args, r.code, r.err)
			}
		}
	})
}
