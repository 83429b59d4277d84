package main

import (
	"strings"
	"testing"
)

// TestOutput runs each command on the sample profiles and compares stdout with a golden file.
func TestOutput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		tty  bool
	}{
		{"ls", []string{"ls"}, false},
		{"ls.json", []string{"ls", "--json"}, false},
		{"ls.csv", []string{"ls", "--format", "csv"}, false},
		{"top", []string{"top"}, false},
		{"top.heap2.alloc_space", []string{"top", "heap2", "--sample", "alloc_space", "-n", "5"}, false},
		{"top.site", []string{"top", "--by", "site", "-n", "5"}, false},
		{"top.site.json", []string{"top", "-1", "--by", "site", "-n", "3", "--json"}, false},
		{"top.inuse_objects.markdown", []string{"top", "first", "--sample", "inuse_objects", "-n", "5", "--format", "markdown"}, false},
		{"diff", []string{"diff", "1", "4"}, false},
		{"diff.tty", []string{"diff", "1", "4", "-n", "5"}, true},
		{"diff.site", []string{"diff", "first", "last", "--by", "site", "-n", "6"}, false},
		{"diff.json", []string{"diff", "heap1", "heap4", "-n", "3", "--json"}, false},
		{"diff.markdown", []string{"diff", "heap2", "heap3", "--format", "markdown"}, false},
		{"diff.csv", []string{"diff", "2", "3", "--sample", "alloc_objects", "--format", "csv"}, false},
		{"diff.reverse", []string{"diff", "4", "1", "-n", "4"}, false},
		{"query", []string{"query", "select id, label, object_count, total_bytes from snapshot order by id"}, false},
		{"query.json", []string{"query", "--json", "select f.name, x.inuse_bytes from sample x join site s on s.id = x.site join function f on f.id = s.function where x.snapshot = 4 order by 2 desc, 1 limit 3"}, false},
		// The README's recipe for spelling out a stack in plain SQL.
		{"query.stack", []string{"query", "select j.key as frame, f.name from site s, json_each(s.stack) j join function f on f.id = j.value where s.id = (select site from sample where snapshot = 4 order by inuse_bytes desc limit 1) order by j.key"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := loaded(t)
			r := memsee(t, db, tt.tty, tt.args...)
			if r.code != 0 {
				t.Fatalf("memsee %s: exit %d, stderr:\n%s", strings.Join(tt.args, " "), r.code, r.err)
			}
			golden(t, tt.name, r.out)
		})
	}
}

func TestLoadOutput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		tty  bool
	}{
		{"load", append([]string{"load"}, heaps...), false},
		{"load.tty", append([]string{"load"}, heaps[:2]...), true},
		{"load.label.json", []string{"load", "--label", "before-deploy", "--json", heaps[0]}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := t.TempDir() + "/memsee.db"
			r := memsee(t, db, tt.tty, tt.args...)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr:\n%s", r.code, r.err)
			}
			// The progress lines of a terminal are TestProgress's; this is what stays.
			golden(t, tt.name, strings.ReplaceAll(r.out+"--- stderr\n"+onScreen(r.err), db, "$DB"))
		})
	}
}

func TestRm(t *testing.T) {
	db := loaded(t)
	r := memsee(t, db, false, "rm", "heap2", "-1")
	if r.code != 0 {
		t.Fatalf("rm: exit %d: %s", r.code, r.err)
	}
	if want := "removed snapshot 2 (heap2)\nremoved snapshot 4 (heap4)\n"; r.out != want {
		t.Errorf("rm: got %q, want %q", r.out, want)
	}
	ls := memsee(t, db, false, "query", "--format", "csv", "select id from snapshot order by id")
	if want := "id\n1\n3\n"; ls.out != want {
		t.Errorf("after rm: snapshots %q, want %q", ls.out, want)
	}
	// Sites only heap2 and heap4 used are gone; samples of the others still find theirs.
	orphans := memsee(t, db, false, "query", "--format", "csv",
		"select (select count(*) from site where id not in (select site from sample)), (select count(*) from sample where site not in (select id from site))")
	if !strings.HasSuffix(orphans.out, "\n0,0\n") {
		t.Errorf("after rm: orphan sites, dangling samples = %q, want 0,0", orphans.out)
	}
}

// TestLabels checks how snapshots are named and addressed.
func TestLabels(t *testing.T) {
	db := loaded(t)
	r := memsee(t, db, false, "load", "--force", "--series", "again", heaps[0])
	if r.code != 0 {
		t.Fatalf("load --force --series again: exit %d: %s", r.code, r.err)
	}
	if !strings.Contains(r.out, "again/heap1") {
		t.Errorf("second load of heap1 in the series again should be labelled again/heap1:\n%s", r.out)
	}
	for _, ref := range []string{"5", "again/heap1", "last", "-1"} {
		top := memsee(t, db, false, "top", ref, "-n", "1")
		if top.code != 0 || !strings.HasPrefix(top.out, "snapshot 5 (again/heap1)") {
			t.Errorf("top %s: exit %d, out %q; want snapshot 5", ref, top.code, top.out)
		}
	}
	if top := memsee(t, db, false, "top", "heap1", "-n", "1"); top.code != 2 || !strings.Contains(top.err, "matches several snapshots: 1 heap1") {
		t.Errorf("top heap1: exit %d, err %q; want 2 and the snapshots it matches", top.code, top.err)
	}
}
