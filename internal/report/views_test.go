package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memsee/memsee/internal/analysis"
	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/leak"
	"github.com/memsee/memsee/internal/store"
)

// hostileLabel is a label with a terminal escape and Markdown in it, as a dump may carry.
const hostileLabel = "shop\x1b[2J<b>*x*</b>|"

func viewSnaps(kind heap.Kind, n int) []store.Snapshot {
	t0 := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	var out []store.Snapshot
	for i := range n {
		out = append(out, store.Snapshot{ID: int64(i + 1), Label: []string{"shop1", hostileLabel, "shop3"}[i%3],
			Format: "meliae", Kind: kind, TakenAt: t0.Add(time.Duration(i) * time.Hour), TakenFrom: "dump",
			Objects: int64(1000 * (i + 1)), Bytes: int64(1 << 20 * (i + 1))})
	}
	return out
}

func pt(count, bytes int64) leak.Point { return leak.Point{Count: count, Bytes: bytes} }

func viewCases() []struct {
	name   string
	render func(out io.Writer, notes *bytes.Buffer, f Format) error
} {
	graph3 := viewSnaps(heap.KindGraph, 3)
	check := &leak.CheckResult{
		BaseSnapshots: graph3[:1], HeadSnapshots: graph3,
		Budget: leak.Budget{MaxGrowth: 0.1, MaxBytes: -1, KeyMaxBytes: 1 << 20, KeyMaxGrowth: -1},
		Base:   leak.Point{Count: 1000, Bytes: 1 << 20}, Head: leak.Point{Count: 3000, Bytes: 3 << 20},
		Growth: leak.Point{Count: 2000, Bytes: 2 << 20}, GrowthShare: 2,
		Keys: []leak.CheckKey{
			{Key: "AuditEntry<script>", What: "type", Base: leak.Point{Count: 10, Bytes: 1000}, Head: leak.Point{Count: 2010, Bytes: 2<<20 + 1000},
				Delta: leak.Point{Count: 2000, Bytes: 2 << 20}, Kind: leak.Incremental, Over: true},
			{Key: "tiny", What: "type", Delta: leak.Point{Count: 1, Bytes: 10}},
		},
		Failures: []leak.Failure{{Budget: "max-growth", Got: 2, Limit: 0.1}, {Budget: "max-key-growth", Got: 1}},
	}
	leaks := &leak.Result{
		Query:     leak.Query{MinBytes: 64 << 10, MinGrowth: 10, Limit: 1 << 30},
		Snapshots: graph3,
		Findings: []leak.Finding{
			{Series: leak.Series{What: "AuditEntry", Holder: "Shop._audit\x1b[31m", Points: []leak.Point{pt(0, 0), pt(1000, 1<<20), pt(2000, 2<<20)}},
				Kind: leak.Incremental, Growth: leak.Point{Count: 2000, Bytes: 2 << 20}, Steps: 2,
				PerSnapshot: leak.Point{Count: 1000, Bytes: 1 << 20}, BytesPerHour: 1 << 20},
			{Series: leak.Series{What: "Config", Holder: "a ← b ← c ← d ← e", Points: []leak.Point{pt(0, 0), pt(10, 1<<20), pt(10, 1<<20)}},
				Kind: leak.Static, Growth: leak.Point{Count: 10, Bytes: 1 << 20}, Steps: 1, Step: 1},
		},
	}
	obj := store.Object{OID: 7, Addr: 0x7f00, Type: "Entry|<i>", Distance: 2, Parent: 3}
	paths := &analysis.ObjectPaths{Snapshot: graph3[1], Object: obj,
		Paths: []string{"root -> Shop._audit -> [0] (Entry)", "root -> other -> x (Entry)"},
		Dominators: []analysis.Dominator{
			{Object: store.Object{Addr: 0x10, Type: "Shop", Retained: 5 << 20}, Path: "root -> Shop"},
			{Object: store.Object{Addr: 0x20, Type: "list", Retained: 4 << 20}, Path: "root -> Shop._audit"},
			{Object: store.Object{Addr: 0x7f00, Type: "Entry|<i>", Retained: 100}, Path: "root -> Shop._audit -> [0]"},
		}, Hidden: 4}
	typed := &analysis.TypePaths{Snapshot: graph3[1], Type: "Entry\x1b]0;x\x07", Instances: 3,
		Held: []analysis.Held{{Path: "root -> Shop._audit -> [*]", Count: 2, Bytes: 200, Retained: 300}, {Path: "root -> x", Count: 1, Bytes: 100, Retained: 100}}}
	prof := viewSnaps(heap.KindProfile, 2)[1]
	var totals [heap.NumValues]int64
	totals[heap.InuseObjects], totals[heap.InuseBytes] = 300, 3<<20
	g := func(key string, site, objs, bytes int64) store.Group {
		var v [heap.NumValues]int64
		v[heap.InuseObjects], v[heap.InuseBytes] = objs, bytes
		return store.Group{Key: key, Site: site, Values: v}
	}
	top := &analysis.ProfileTop{Snapshot: prof, By: store.BySite, Sample: heap.InuseBytes, All: 3, Totals: totals,
		Groups: []store.Group{g("1", 1, 200, 2<<20), g("2", 2, 100, 1<<20)},
		Sites: map[int64]store.Site{1: {ID: 1, Func: "main.leak", Line: "main.go:10", Stack: []string{"main.leak", "main.a", "main.b", "main.c", "main.main"}},
			2: {ID: 2, Func: "main.x\x1b[1m", Line: "x.go:1", Stack: []string{"main.x\x1b[1m"}}}}
	return []struct {
		name   string
		render func(out io.Writer, notes *bytes.Buffer, f Format) error
	}{
		{"check", func(b io.Writer, n *bytes.Buffer, f Format) error { return Check(b, n, f, check, 10) }},
		{"leaks", func(b io.Writer, _ *bytes.Buffer, f Format) error { return Leaks(b, f, leaks, LeaksOptions{N: 1}) }},
		{"path", func(b io.Writer, n *bytes.Buffer, f Format) error { return Path(b, n, f, paths) }},
		{"path-type", func(b io.Writer, _ *bytes.Buffer, f Format) error { return PathType(b, f, typed, 1) }},
		{"top-site", func(b io.Writer, _ *bytes.Buffer, f Format) error { return TopOfProfile(b, f, top) }},
	}
}

func TestViews(t *testing.T) {
	time.Local = time.UTC
	for _, tt := range viewCases() {
		for _, f := range []Format{FormatTable, FormatJSON, FormatCSV, FormatMarkdown} {
			t.Run(tt.name+"."+string(f), func(t *testing.T) {
				var b, notes bytes.Buffer
				if err := tt.render(&b, &notes, f); err != nil {
					t.Fatal(err)
				}
				if f.Shortens() && notes.Len() > 0 {
					t.Errorf("%s(%s): prose for people went to notes, not with the table:\n%s", tt.name, f, notes.String())
				}
				path := filepath.Join("testdata", tt.name+"."+string(f)+".golden")
				if *update {
					if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if b.String() != string(want) {
					t.Errorf("%s(%s): got\n%s\nwant\n%s", tt.name, f, b.String(), want)
				}
				// Tables carry no control character; Markdown, prose and rows alike, no HTML.
				// (CSV and JSON carry strings raw, for programs.)
				if (f == FormatTable || f == FormatMarkdown) && strings.ContainsAny(b.String(), "\x1b\x07") {
					t.Errorf("%s(%s): control characters in output:\n%q", tt.name, f, b.String())
				}
				if f == FormatMarkdown && strings.Contains(b.String(), "<b>") {
					t.Errorf("%s(%s): unescaped HTML in Markdown:\n%s", tt.name, f, b.String())
				}
			})
		}
	}
}

// TestViewsDataOnly checks that JSON and CSV on stdout are data alone, whole: stdout parses as
// one JSON value or as CSV records of the header's width, and no cell is cut with "…" (the
// cases hold stacks and paths longer than a table shows); the prose of check and path goes to
// notes (stderr) instead.
func TestViewsDataOnly(t *testing.T) {
	wantNotes := map[string]string{
		"check.csv": "memsee check: FAIL: over budget\n",
		"path.csv":  "shortest path (2 references from a root):\n  root -> Shop._audit -> [0] (Entry)\n",
	}
	for _, tt := range viewCases() {
		for _, f := range []Format{FormatJSON, FormatCSV} {
			t.Run(tt.name+"."+string(f), func(t *testing.T) {
				var out, notes bytes.Buffer
				if err := tt.render(&out, &notes, f); err != nil {
					t.Fatal(err)
				}
				switch f {
				case FormatJSON:
					var v any
					if err := json.Unmarshal(out.Bytes(), &v); err != nil {
						t.Errorf("%s(json): stdout is not one JSON value: %v\n%s", tt.name, err, out.String())
					}
				case FormatCSV:
					recs, err := csv.NewReader(&out).ReadAll() // fails on records of another width
					if err != nil || len(recs) == 0 {
						t.Errorf("%s(csv): stdout is not CSV with a header (%d records): %v", tt.name, len(recs), err)
					}
				}
				if strings.Contains(out.String(), "…") {
					t.Errorf("%s(%s): a cell was cut:\n%s", tt.name, f, out.String())
				}
				if w := wantNotes[tt.name+"."+string(f)]; !strings.Contains(notes.String(), w) {
					t.Errorf("%s(%s): notes %q do not say %q", tt.name, f, notes.String(), w)
				}
			})
		}
	}
}
