package report

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/memsee/memsee/internal/analysis"
	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/leak"
	"github.com/memsee/memsee/internal/store"
)

// HTMLReport is what `memsee report` (and `memsee check --report`) writes as one
// self-contained HTML page: the command gathers it, HTML renders it and fetches nothing.
type HTMLReport struct {
	Title     string
	Generated string // when and by which memsee, as the command says it
	Processes []HTMLProcess
	Check     *HTMLCheck // nil: no check
	N         int        // rows per table
}

// HTMLProcess is one process's part of a report: its snapshots, its leaks, and a look at the
// last snapshot.
type HTMLProcess struct {
	Index     int              // its place in the report, from 0 (HTML sets it): the ids of its charts
	Snapshots []store.Snapshot // in time order
	Leaks     *leak.Result     // nil: one snapshot, or leaks could not be told (LeaksNote)
	LeaksNote string           // why there are no leaks to show
	Details   []LeakDetail     // one per finding shown, in the order of Leaks.Findings
	Limit     int64            // --memory-limit; 0: none

	// The last snapshot: an object dump has types, a dominator tree and a diff by type; a
	// heap profile has sites and a diff by site.
	Top         *analysis.GraphTop
	Tree        *DomNode // the dominator tree's top; nil for heap profiles
	TreeNodes   int      // how many objects Tree shows
	Diff        *analysis.DumpDiff
	ProfileTop  *analysis.ProfileTop
	ProfileDiff *analysis.ProfileDiff
}

// LeakDetail is what the report shows of one finding beyond its row: the path from a root to
// its holder with sizes at each hop, and what the holder keeps alive by type.
type LeakDetail struct {
	Hops  []PathHop          // root first; none for the roots' own findings and heap profiles
	Types []analysis.Holding // what the holder keeps, largest retained first
	Stack []string           // heap profiles: the allocation stack, innermost first
}

// PathHop is one object on a path from a root.
type PathHop struct {
	Name           string // the root's name for the first hop; else the reference it is reached by
	Type           string
	Size, Retained int64
	Skipped        int // this row stands for so many hops left out of a long path
}

// DomNode is one object of the dominator tree the report shows: the objects that retain the
// most, each under the nearest of them that dominates it.
type DomNode struct {
	Object   store.Object
	Name     string // the root's name, or the type and address
	Path     string // where it is, from a root
	Children []*DomNode
	Share    float64 // of the snapshot's bytes, in percent
	Open     bool    // drawn open: the first levels
}

// HTMLCheck is check's verdict and what grew most.
type HTMLCheck struct {
	Result *leak.CheckResult
}

//go:embed html.tmpl html.css
var htmlFiles embed.FS

var htmlTemplate = template.Must(template.New("html.tmpl").Funcs(htmlFuncs).ParseFS(htmlFiles, "html.tmpl"))

// htmlCSS is the page's style, written inline: the report is one file, with no fetches.
var htmlCSS = func() template.CSS {
	b, err := htmlFiles.ReadFile("html.css")
	if err != nil {
		panic(err)
	}
	return template.CSS(b)
}()

var htmlFuncs = template.FuncMap{
	"clean":  Clean,
	"bytes":  Bytes,
	"sbytes": SignedBytes,
	"count":  Count,
	"scount": SignedCount,
	"pct":    func(p float64) string { return Percent(p) },
	"pctChange": func(a, b int64) string {
		if p := PctChange(a, b); p != nil {
			return SignedPercent(*p)
		}
		return "new"
	},
	"add":   func(a, b int) int { return a + b },
	"sub":   func(a, b int64) int64 { return a - b },
	"dict2": func(r *leak.CheckResult, n int) checkData { return checkData{R: r, N: n} },
	"css":   func() template.CSS { return htmlCSS },
	"stack": func(s []string) string {
		return SiteText(cleanAll(s), len(s))
	},
	"kindClass": func(k leak.Kind) string { return "kind-" + string(k) },
	"growth": func(f leak.Finding, snaps []store.Snapshot) string {
		return growthText(f, snaps)
	},
	"process":  func(s store.Snapshot) string { return processName(s) },
	"side":     sideName,
	"budget":   budgetText,
	"failure":  failureText,
	"duration": Duration,
	"hex":      HexAddr,
	"isGraph":  func(s store.Snapshot) bool { return s.Kind == heap.KindGraph },
	"last":     func(s []store.Snapshot) store.Snapshot { return s[len(s)-1] },
	"shown":    shownFindings,
	"untimed":  func(s []store.Snapshot) bool { return leak.Times(s)[0].IsZero() },
	"detail": func(p HTMLProcess, i int) *LeakDetail {
		if i < len(p.Details) {
			return &p.Details[i]
		}
		return nil
	},
	"timeline":   timelineChart,
	"leaksChart": leaksChart,
	"checkChart": checkChart,
	"toLimit":    toLimitText,
	"siteOf": func(sites map[int64]store.Site, id int64, key string) string {
		if s, ok := sites[id]; ok {
			return SiteText(cleanAll(s.Stack), len(s.Stack))
		}
		return Clean(key)
	},
	"profBytes": func(v [heap.NumValues]int64) int64 { return v[heap.InuseBytes] },
	"profCount": func(v [heap.NumValues]int64) int64 { return v[heap.InuseObjects] },
	"checkKeys": checkKeys,
	"keyText": func(r *leak.CheckResult, k leak.CheckKey) string {
		if len(k.Stack) > 0 {
			return SiteText(cleanAll(k.Stack), len(k.Stack))
		}
		return Clean(k.Key)
	},
}

// checkData is what the check template is handed: the result and the rows to show.
type checkData struct {
	R *leak.CheckResult
	N int
}

func cleanAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = Clean(x)
	}
	return out
}

// shownFindings are the first n findings of r (all when n is 0).
func shownFindings(r *leak.Result, n int) []leak.Finding {
	if n > 0 && len(r.Findings) > n {
		return r.Findings[:n]
	}
	return r.Findings
}

// checkKeys are the keys check's tables show: over budget, or with a share of the growth.
func checkKeys(r *leak.CheckResult, n int) []leak.CheckKey {
	floor := max(1024, r.Growth.Bytes/100)
	var keys []leak.CheckKey
	for _, k := range r.Keys {
		if (k.Over || k.Delta.Bytes >= floor) && (n == 0 || len(keys) < n) {
			keys = append(keys, k)
		}
	}
	return keys
}

// toLimitText says when the incremental leaks of a process take its heap to the limit:
// "~3.2 h", "already past", or "" when no rate can be told.
func toLimitText(p HTMLProcess) string {
	if p.Limit <= 0 || p.Leaks == nil {
		return ""
	}
	var rate float64
	for _, f := range p.Leaks.Findings {
		if f.Kind == leak.Incremental {
			rate += f.BytesPerHour
		}
	}
	last := p.Snapshots[len(p.Snapshots)-1]
	if last.Bytes >= p.Limit {
		return "already past " + Bytes(p.Limit)
	}
	if rate <= 0 {
		return ""
	}
	h, ok := leak.HoursTo(p.Limit, last.Bytes, rate)
	if !ok {
		return ""
	}
	return fmt.Sprintf("reaches %s in ~%s at %s/h", Bytes(p.Limit), Duration(h), Bytes(int64(rate)))
}

// HTML writes r as one HTML page, with its style and charts inline: it opens offline and
// fetches nothing. Every string from a dump is escaped for where it stands (html/template)
// and has its control characters removed (Clean).
func HTML(w io.Writer, r *HTMLReport) error {
	for i := range r.Processes {
		r.Processes[i].Index = i
	}
	var b strings.Builder
	if err := htmlTemplate.Execute(&b, r); err != nil {
		return err
	}
	_, err := io.WriteString(w, b.String())
	return err
}
