package main

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// A zoo case is one leak pattern of a runtime, as its programmers write it, and what leaks
// must say of it. testdata/zoo/<runtime>/expect.tsv lists them: pattern, kind, WHAT and HELD
// BY, tab-separated, after a header line.
type zooCase struct {
	Pattern, Kind, What, HeldBy string
}

func readZoo(t *testing.T, path string) []zooCase {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []zooCase
	sc := bufio.NewScanner(f)
	for line := 0; sc.Scan(); line++ {
		if line == 0 || strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 4 {
			t.Fatalf("%s:%d: %d fields, want pattern, kind, what, held_by", path, line+1, len(f))
		}
		cases = append(cases, zooCase{f[0], f[1], f[2], f[3]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

// checkZoo loads a zoo's leaking series and its churn-only control, each in the order given,
// and checks that leaks names every case with its kind, WHAT and HELD BY, one row each, and
// nothing else; and that the control reports nothing. loadArgs are given to every load.
func checkZoo(t *testing.T, expect string, leaking, control []string, loadArgs ...string) {
	t.Helper()
	cases := readZoo(t, expect)
	db := filepath.Join(t.TempDir(), "zoo.db")
	load := func(series string, files []string) {
		args := append([]string{"load", "-v", "--series", series}, loadArgs...) // -v: every note
		r := memsee(t, db, false, append(args, files...)...)
		if r.code != 0 {
			t.Fatalf("load %s: exit %d: %s", series, r.code, r.err)
		}
		// A note is a fact the user must act on: real dumps of a healthy process, read right,
		// need none but that they record no time (name them in order).
		for _, line := range strings.Split(r.err, "\n") {
			if strings.Contains(line, "note:") && !strings.Contains(line, "record no time") {
				t.Errorf("load %s: %s", series, line)
			}
		}
	}
	load("leaking", leaking)
	load("control", control)
	// The snapshots by id, in the order given: a zoo's files need not record their times.
	ids := func(from, n int) []string {
		var out []string
		for i := from; i < from+n; i++ {
			out = append(out, strconv.Itoa(i))
		}
		return out
	}
	rows := leaksJSON(t, db, ids(1, len(leaking))...)
	matched := make([]bool, len(rows))
	for _, c := range cases {
		found := false
		for i, r := range rows {
			if r.HeldBy != c.HeldBy {
				continue
			}
			found, matched[i] = true, true
			if r.Kind != c.Kind || r.What != c.What {
				t.Errorf("%s: leaks says %s %q held by %q, want %s %q", c.Pattern, r.Kind, r.What, r.HeldBy, c.Kind, c.What)
			}
		}
		if !found {
			t.Errorf("%s: no leak held by %q, want %s %q", c.Pattern, c.HeldBy, c.Kind, c.What)
		}
	}
	for i, r := range rows {
		if !matched[i] {
			t.Errorf("a leak no case plants: %s %q held by %q (+%d B)", r.Kind, r.What, r.HeldBy, r.GrowthBytes)
		}
	}
	if rows := leaksJSON(t, db, ids(1+len(leaking), len(control))...); len(rows) > 0 {
		for _, r := range rows {
			t.Errorf("control: %s %q held by %q (+%d B), want nothing", r.Kind, r.What, r.HeldBy, r.GrowthBytes)
		}
	}
}

// zooFiles returns a zoo's files that match pattern, in name order (the order they were taken).
func zooFiles(t *testing.T, runtime, pattern string) []string {
	t.Helper()
	fs, err := filepath.Glob(filepath.Join("..", "..", "testdata", "zoo", runtime, pattern))
	if err != nil || len(fs) < 3 {
		t.Fatalf("testdata/zoo/%s/%s: %d files (%v); make testdata writes them", runtime, pattern, len(fs), err)
	}
	sort.Strings(fs)
	return fs
}
