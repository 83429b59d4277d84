package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/memsee/memsee/internal/heap/heaptest"
)

// demoDB is a database of the samples make demo loads: the Go profiles, the Python dumps and
// the Node snapshots, each process a series. It is loaded once for the report tests.
var demoDB = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp(filepath.Dir(binary), "report") // removed with the binary (TestMain)
	if err != nil {
		return "", err
	}
	db := filepath.Join(dir, "demo.db")
	for _, load := range [][]string{
		append([]string{"load", "--series", "go"}, heaps...),
		append([]string{"load", "--series", "shop"}, shops...),
		append([]string{"load", "--series", "node"}, nodeHeaps...),
	} {
		var out, errb bytes.Buffer
		ios := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errb}
		if code := run(context.Background(), append([]string{"--db", db}, load...), ios, "", fixedNow); code != 0 {
			return "", &loadError{errb.String()}
		}
	}
	return db, nil
})

type loadError struct{ msg string }

func (e *loadError) Error() string { return "load: " + e.msg }

// writeReport runs memsee report with args on the demo database and returns the page.
func writeReport(t *testing.T, args ...string) string {
	t.Helper()
	db, err := demoDB()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "report.html")
	r := memsee(t, db, false, append(append([]string{"report"}, args...), "-o", out)...)
	if r.code != 0 {
		t.Fatalf("report %v: exit %d: %s", args, r.code, r.err)
	}
	if !strings.Contains(r.err, "wrote "+out) {
		t.Errorf("report %v: stderr %q does not say where it wrote", args, r.err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// externalRE finds what would make a browser fetch: a src or href to another place, CSS
// url() and @import, a link element.
var externalRE = regexp.MustCompile(`(?i)(src|href|xlink:href)\s*=\s*["']?\s*(https?:|//|file:|data:)|url\(|@import|<link\b|<iframe\b|<object\b|<embed\b`)

func TestReportSections(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		want      []string // each must appear
		wantNot   []string
		processes int
	}{
		{
			name: "every process",
			args: []string{"--memory-limit", "64MiB"},
			want: []string{
				"pprof heap profiles of series go", "meliae object dumps of series shop", "v8 object dumps of series node",
				// the Go leak, by allocation site
				"main.newAuditEntry", "incremental",
				// the Python leak: WHAT and HELD BY as leaks prints them
				"AuditEntry", "module shop: _audit_log (list)",
				// the Node leaks
				"[eval]: makeAuditListener: entries (Array)", "globalThis.priceTable (Map)",
				"Dominator tree of shop4", "Top types of shop4", "Diff of shop1 and shop4",
				"Top allocation sites of heap4", "Diff of heap1 and heap4, by site",
				"memory limit 64.0 MiB",
			},
			processes: 3,
		},
		{
			name:      "one series",
			args:      []string{"--series", "shop", "-n", "3"},
			want:      []string{"meliae object dumps of series shop", "Path from the root, in the last snapshot", "What the holder keeps alive, by type"},
			wantNot:   []string{"series go", "series node", "memory limit"},
			processes: 1,
		},
		{
			name:      "one snapshot",
			args:      []string{"shop4"},
			want:      []string{"One snapshot: leaks need two snapshots", "Dominator tree of shop4", "Top types of shop4"},
			wantNot:   []string{"Diff of", "Path from the root"},
			processes: 1,
		},
		{
			name:      "heap profiles have no dominator tree",
			args:      []string{"--series", "go"},
			want:      []string{"Top allocation sites of heap4", "Allocation stack, innermost first", "main.newAuditEntry"},
			wantNot:   []string{"Dominator tree"},
			processes: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := writeReport(t, tt.args...)
			for _, w := range tt.want {
				if !strings.Contains(page, w) {
					t.Errorf("report %v: no %q", tt.args, w)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(page, w) {
					t.Errorf("report %v: has %q", tt.args, w)
				}
			}
			if got := strings.Count(page, `<section class="process"`); got != tt.processes {
				t.Errorf("report %v: %d processes, want %d", tt.args, got, tt.processes)
			}
			if m := externalRE.FindString(page); m != "" {
				t.Errorf("report %v: fetches something: %q", tt.args, m)
			}
			checkCharts(t, page)
		})
	}
}

// TestReportLeaksMatchLeaks: the report's leaks are those memsee leaks finds, in its order.
func TestReportLeaksMatchLeaks(t *testing.T) {
	db, err := demoDB()
	if err != nil {
		t.Fatal(err)
	}
	for _, series := range []string{"go", "shop", "node"} {
		t.Run(series, func(t *testing.T) {
			r := memsee(t, db, false, "leaks", "--series", series, "--json")
			if r.code != 0 {
				t.Fatalf("leaks: exit %d: %s", r.code, r.err)
			}
			var rows []struct {
				Kind, What string
				HeldBy     string `json:"held_by"`
				Bytes      []int64
			}
			if err := json.Unmarshal([]byte(r.out), &rows); err != nil {
				t.Fatal(err)
			}
			if len(rows) == 0 {
				t.Fatal("leaks found nothing in the sample")
			}
			page := writeReport(t, "--series", series)
			table := between(page, `<table class="leaks">`, `</table>`)
			got := regexp.MustCompile(`<td class="kind">([a-z]+)</td><td>([^<]*)</td><td class="holder">([^<]*)</td>`).FindAllStringSubmatch(table, -1)
			if len(got) != len(rows) {
				t.Fatalf("report shows %d leaks, leaks --json %d", len(got), len(rows))
			}
			for i, row := range rows {
				if got[i][1] != row.Kind || htmlText(got[i][2]) != row.What || htmlText(got[i][3]) != row.HeldBy {
					t.Errorf("leak %d: report %q %q %q, leaks %q %q %q", i+1, got[i][1], htmlText(got[i][2]), htmlText(got[i][3]), row.Kind, row.What, row.HeldBy)
				}
			}
			// The leaks chart draws each leak's bytes per snapshot.
			chart := between(page, `<svg id="leaks-0"`, `</svg>`)
			for i, row := range rows {
				series := regexp.MustCompile(`<g class="series kind-[a-z]+ c` + strconv.Itoa((i+1)%8) + `"`).FindStringIndex(chart)
				if series == nil {
					t.Fatalf("leak %d: no line in the chart", i+1)
				}
				dots := dataBytes(between(chart[series[0]:], "<polyline", "</g>"))
				if !slicesEqual(dots, row.Bytes) {
					t.Errorf("leak %d: chart draws %v, leaks says %v", i+1, dots, row.Bytes)
				}
			}
		})
	}
}

// TestReportTimelineMatchesSnapshots: the timeline's dots are the snapshots' heaps, where the
// axis says they are, and its line runs through them.
func TestReportTimelineMatchesSnapshots(t *testing.T) {
	db, err := demoDB()
	if err != nil {
		t.Fatal(err)
	}
	r := memsee(t, db, false, "ls", "--json")
	var snaps []struct {
		Series string
		Bytes  int64
	}
	if err := json.Unmarshal([]byte(r.out), &snaps); err != nil {
		t.Fatalf("ls --json: %v\n%s", err, r.out)
	}
	page := writeReport(t)
	for i, series := range []string{"go", "shop", "node"} {
		var want []int64
		for _, s := range snaps {
			if s.Series == series {
				want = append(want, s.Bytes)
			}
		}
		svg := between(page, `<svg id="timeline-`+strconv.Itoa(i)+`"`, `</svg>`)
		if svg == "" {
			t.Fatalf("%s: no timeline", series)
		}
		total := between(svg, `<g class="series total`, `</g>`)
		if got := dataBytes(total); !slicesEqual(got, want) {
			t.Errorf("%s: timeline draws %v, ls says %v", series, got, want)
		}
		checkCharts(t, svg)
	}
}

// checkCharts checks every line chart of a page: each dot's height is its bytes on the
// chart's scale, and the line goes through the dots.
func checkCharts(t *testing.T, page string) {
	t.Helper()
	attr := func(s, name string) float64 {
		m := regexp.MustCompile(` ` + name + `="([-0-9.]+)"`).FindStringSubmatch(s)
		if m == nil {
			t.Fatalf("no %s in %.200s", name, s)
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		return v
	}
	for _, svg := range regexp.MustCompile(`(?s)<svg id="(timeline|leaks)-\d+".*?</svg>`).FindAllString(page, -1) {
		head := svg[:strings.Index(svg, ">")]
		ymax, top, ploth := attr(head, "data-ymax"), attr(head, "data-top"), attr(head, "data-ploth")
		for _, g := range regexp.MustCompile(`(?s)<g class="series.*?</g>`).FindAllString(svg, -1) {
			points := between(g, `points="`, `"`)
			dots := regexp.MustCompile(`<circle class="dot" cx="([-0-9.]+)" cy="([-0-9.]+)" r="[0-9.]+" data-bytes="(\d+)"`).FindAllStringSubmatch(g, -1)
			var want []string
			for _, d := range dots {
				b, _ := strconv.ParseFloat(d[3], 64)
				cy, _ := strconv.ParseFloat(d[2], 64)
				if y := top + ploth*(1-b/ymax); math.Abs(y-cy) > 0.06 {
					t.Errorf("dot of %s bytes at y=%v, want %.2f", d[3], cy, y)
				}
				want = append(want, d[1]+","+d[2])
			}
			if len(dots) == 0 || points != strings.Join(want, " ") {
				t.Errorf("line %q does not join its dots %q", points, want)
			}
		}
	}
}

func TestReportCheck(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		code    int
		verdict string
	}{
		{"over budget", []string{"check", heaps[1], heaps[3], "--max-growth", "10%"}, 1, "memsee check: FAIL: over budget"},
		{"within budget", []string{"check", heaps[1], heaps[3], "--max-growth", "50%"}, 0, "memsee check: ok: within budget"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "check.html")
			r := memsee(t, filepath.Join(dir, "memsee.db"), false, append(tt.args, "--report", out)...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d: %s", r.code, tt.code, r.err)
			}
			if !strings.Contains(r.out, "memsee check:") {
				t.Errorf("check's own output is gone: %q", r.out)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			page := string(b)
			for _, w := range []string{tt.verdict, "budgets", "What grew most", "main.newAuditEntry"} {
				if !strings.Contains(page, w) {
					t.Errorf("no %q in the check report", w)
				}
			}
			bars := dataBytes(between(page, `<svg id="checkbars"`, `</svg>`))
			if len(bars) == 0 || bars[0] <= 0 {
				t.Errorf("the bars of what grew: %v", bars)
			}
			if m := externalRE.FindString(page); m != "" {
				t.Errorf("fetches something: %q", m)
			}
		})
	}
}

// TestReliabilityHostileStringsHTML writes the report of Python dumps whose class name and
// file names carry markup, script, escape sequences and a link, as a crafted dump would:
// none may come out as markup, and no control character may reach the page.
func TestReliabilityHostileStringsHTML(t *testing.T) {
	dir := t.TempDir()
	const evil = `Audit\u001b[2J\u0007<script>alert(1)</script><img src=x onerror=alert(2)>\u0022'</title><svg onload=alert(3)>Entry`
	var files []string
	for i, src := range shops {
		data := heaptest.Gunzip(t, src)
		data = bytes.ReplaceAll(data, []byte(`"type": "AuditEntry"`), []byte(`"type": "`+evil+`"`))
		data = bytes.ReplaceAll(data, []byte(`"name": "AuditEntry"`), []byte(`"name": "`+evil+`"`))
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(data)
		zw.Close()
		name := filepath.Join(dir, "shop<b>\x1b[31m"+string(rune('1'+i))+".json.gz")
		if err := os.WriteFile(name, gz.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, name)
	}
	db := filepath.Join(dir, "memsee.db")
	if r := memsee(t, db, false, append([]string{"load", "--series", "shop"}, files...)...); r.code != 0 {
		t.Fatalf("load: exit %d: %s", r.code, r.err)
	}
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"report", []string{"report", "-o"}},
		{"check --report", []string{"check", "first", "last", "--max-growth", "1%", "--report"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "")+".html")
			if r := memsee(t, db, false, append(tt.args, out)...); r.code == 2 {
				t.Fatalf("exit %d: %s", r.code, r.err)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			page := string(b)
			if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Fatal("the hostile type is not in the page at all: the test tests nothing")
			}
			for _, bad := range []string{"<script>alert", "<img", "<svg onload", "</title><svg", "<b>"} {
				if strings.Contains(page, bad) {
					t.Errorf("the page carries %q as markup", bad)
				}
			}
			if strings.Count(page, "<script") != 1 { // the page's own, which opens sections to print
				t.Errorf("%d script elements, want the page's one", strings.Count(page, "<script"))
			}
			if i := strings.IndexFunc(page, func(c rune) bool {
				return (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f || (c >= 0x80 && c <= 0x9f)
			}); i >= 0 {
				t.Errorf("the page carries control character %q: %q", page[i], page[max(0, i-20):min(len(page), i+20)])
			}
			if m := externalRE.FindString(page); m != "" {
				t.Errorf("fetches something: %q", m)
			}
		})
	}
}

// between returns what lies between the first from in s and the next to after it.
func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i+len(from):]
	j := strings.Index(s, to)
	if j < 0 {
		return ""
	}
	return s[:j]
}

var dataBytesRE = regexp.MustCompile(`data-bytes="(-?\d+)"`)

// dataBytes returns the data-bytes values of s, in order.
func dataBytes(s string) []int64 {
	var out []int64
	for _, m := range dataBytesRE.FindAllStringSubmatch(s, -1) {
		v, _ := strconv.ParseInt(m[1], 10, 64)
		out = append(out, v)
	}
	return out
}

func slicesEqual(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// htmlText undoes the escapes html/template writes in text.
func htmlText(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "&#34;", `"`, "&#39;", "'", "&quot;", `"`).Replace(s)
}
