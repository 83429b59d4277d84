package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/memsee/memsee/internal/heap/heaptest"
)

// copyFiles copies srcs into a new directory in the order given, as cp without -p does: each
// copy's modification time is the time it was written. It returns the copies by base name.
func copyFiles(t *testing.T, srcs []string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	copies := map[string]string{}
	for _, src := range srcs {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, filepath.Base(src))
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
		copies[filepath.Base(src)] = dst
	}
	return copies
}

// leaksOrder runs leaks --json and returns the snapshots it followed, in order.
func leaksOrder(t *testing.T, db string, args ...string) ([]int64, []leakRow) {
	t.Helper()
	r := memsee(t, db, false, append([]string{"leaks", "--json", "--min-bytes", "1", "--min-growth", "0%"}, args...)...)
	if r.code != 0 {
		t.Fatalf("leaks: exit %d: %s", r.code, r.err)
	}
	var rows []struct {
		Snapshots []int64
	}
	if err := json.Unmarshal([]byte(r.out), &rows); err != nil || len(rows) == 0 {
		t.Fatalf("leaks --json: %v\n%s", err, r.out)
	}
	var found []leakRow
	json.Unmarshal([]byte(r.out), &found)
	return rows[0].Snapshots, found
}

// TestLeaksCopiedInReverse copies the samples in reverse order without keeping their
// modification times, and loads them by name, heap1 first. Dumps that record no time (V8
// snapshots and Go heap dumps named by their generators) cannot be ordered: leaks refuses
// with exit 2 and asks for them in order, instead of following them backwards into "no
// leaks". The Python samples' gzip headers record their times, which order them whatever the
// files' times and the load order. A fresh clone gives every file one modification time.
func TestLeaksCopiedInReverse(t *testing.T) {
	t.Parallel() // its own databases and processes: it runs beside the others
	tests := []struct {
		name      string
		files     []string // in time order
		reverse   bool     // load the newest first
		clone     bool     // one modification time for all, as git clone gives
		planted   string   // the incremental leak
		wantOrder []int64  // nil: leaks refuses
		wantErr   string
	}{
		{"v8", nodeHeaps, false, false, "AuditEntry", nil, "modification times disagree with the order they were loaded in"},
		{"v8, a fresh clone", nodeHeaps, false, true, "AuditEntry", nil, "have the same modification time"},
		{"godump", goDumps, false, false, "main.newAuditEntry (new 64 B)", nil, "modification times disagree with the order they were loaded in"},
		{"godump, a fresh clone", goDumps, false, true, "main.newAuditEntry (new 64 B)", nil, "have the same modification time"},
		{"meliae", shops, false, false, "AuditEntry", []int64{1, 2, 3, 4}, ""},
		{"meliae, newest loaded first", shops, true, false, "AuditEntry", []int64{4, 3, 2, 1}, ""},
		{"meliae, a fresh clone", shops, false, true, "AuditEntry", []int64{1, 2, 3, 4}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rev := slices.Clone(tt.files)
			slices.Reverse(rev)
			copies := copyFiles(t, rev)
			var load []string
			for _, f := range tt.files {
				load = append(load, copies[filepath.Base(f)])
			}
			if tt.reverse {
				slices.Reverse(load)
			}
			// Copies made in a row may share a modification time; make the order of the
			// copies sure, or, for a clone, one time for all.
			for i, f := range rev {
				when := time.Date(2026, 11, 29, 12, i, 0, 0, time.UTC)
				if tt.clone {
					when = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
				}
				if err := os.Chtimes(copies[filepath.Base(f)], when, when); err != nil {
					t.Fatal(err)
				}
			}
			db := filepath.Join(t.TempDir(), "times.db")
			if r := memsee(t, db, false, append([]string{"load"}, load...)...); r.code != 0 {
				t.Fatalf("load: exit %d: %s", r.code, r.err)
			}
			if tt.wantOrder == nil {
				r := memsee(t, db, false, "leaks")
				const ask = "name them in the order they were taken: memsee leaks 1 2 3 4\n"
				if r.code != 2 || !strings.Contains(r.err, tt.wantErr) || !strings.HasSuffix(r.err, ask) ||
					strings.Count(r.err, "\n") != 1 || r.out != "" {
					t.Errorf("leaks: exit %d, stdout %q, stderr %q; want exit 2 and one line saying %q and ending %q",
						r.code, r.out, r.err, tt.wantErr, ask)
				}
				// Named in order, they are followed as given, with no rate per hour.
				r = memsee(t, db, false, "leaks", "1", "2", "3", "4")
				if r.code != 0 || !strings.Contains(r.out, tt.planted) || strings.Contains(r.out, "/h") || strings.Contains(r.out, " over ") {
					t.Errorf("leaks 1 2 3 4: exit %d, want the planted %s and no rate:\n%s%s", r.code, tt.planted, r.out, r.err)
				}
				return
			}
			order, rows := leaksOrder(t, db)
			if !reflect.DeepEqual(order, tt.wantOrder) {
				t.Errorf("leaks followed %v, want %v", order, tt.wantOrder)
			}
			if f := find(rows, tt.planted); f == nil || f.Kind != "incremental" {
				t.Errorf("the planted %s: got %+v", tt.planted, f)
			}
			r := memsee(t, db, false, "leaks")
			if !strings.Contains(r.out, "over 3 min") || !strings.Contains(r.out, "MiB/h") {
				t.Errorf("leaks: want the span and rate of the dumps' own times:\n%s", r.out)
			}
		})
	}
}

// TestDumperNamesOrder has memsee's Python dumper write three dumps 0.1 s apart into a
// directory (dump_to_directory, which names them by the time), then gunzips them (the name
// stays; the gzip header's time goes), gives the files modification times in reverse, and
// loads them newest first: the names alone put them in time order.
func TestDumperNamesOrder(t *testing.T) {
	t.Parallel() // its own databases and processes: it runs beside the others
	py, dir := printedPythonDumper(t)
	prog := `import os, time, memsee_dumper
os.mkdir("dumps")
kept = []
for i in range(3):
    if i:
        time.sleep(0.1)
    kept.extend(bytearray(100) for _ in range(2000))
    print(memsee_dumper.dump_to_directory("dumps"))
`
	cmd := exec.Command(py, "-c", prog)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	written := strings.Fields(string(out)) // in time order
	if len(written) != 3 {
		t.Fatalf("python wrote %q, want three dumps", written)
	}
	var load []string
	for i, name := range written {
		plain := filepath.Join(dir, strings.TrimSuffix(filepath.Base(name), ".gz"))
		gunzip(t, filepath.Join(dir, name), plain)
		when := time.Date(2026, 11, 29, 12, 3-i, 0, 0, time.UTC) // the newest is the oldest file
		if err := os.Chtimes(plain, when, when); err != nil {
			t.Fatal(err)
		}
		load = append([]string{plain}, load...)
	}
	db := filepath.Join(dir, "x.db")
	if r := memsee(t, db, false, append([]string{"load"}, load...)...); r.code != 0 {
		t.Fatalf("load: exit %d: %s", r.code, r.err)
	}
	r := memsee(t, db, false, "ls", "--format", "csv")
	if strings.Count(r.out, ",name,") != 3 {
		t.Errorf("ls: want three times from the names:\n%s", r.out)
	}
	order, rows := leaksOrder(t, db)
	if !reflect.DeepEqual(order, []int64{3, 2, 1}) {
		t.Errorf("leaks followed %v, want [3 2 1] (the names' order, not the files' or the load's)", order)
	}
	if f := find(rows, "bytearray"); f == nil || f.Kind != "incremental" {
		t.Errorf("the bytearrays kept: got %+v", f)
	}
}

// gunzip writes the decompressed file src to dst.
func gunzip(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.WriteFile(dst, heaptest.Gunzip(t, src), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDiffIgnoresModificationTimes: two V8 snapshots record no time, and the base's file is
// newer than the head's (copied in reverse): diff still matches objects by node id, because a
// modification time says nothing of when a dump was taken, and the user named base and head.
func TestDiffIgnoresModificationTimes(t *testing.T) {
	c := copyFiles(t, nodeHeaps[:2])
	base, head := c["heap1.heapsnapshot.gz"], c["heap2.heapsnapshot.gz"]
	later := time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)
	if err := os.Chtimes(base, later, later); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(head, later.Add(-time.Hour), later.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "d.db")
	if r := memsee(t, db, false, "load", base, head); r.code != 0 {
		t.Fatalf("load: exit %d: %s", r.code, r.err)
	}
	r := memsee(t, db, false, "diff", "1", "2", "-n", "3")
	if r.code != 0 || strings.Contains(r.out, "taken after") || !strings.Contains(r.out, "NEW") {
		t.Errorf("diff 1 2: want new, survived and freed by node id, whatever the files' times:\n%s%s", r.out, r.err)
	}
}
