package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/leak"
	"github.com/memsee/memsee/internal/store"
)

// Check writes what `memsee check` found: the verdict, the budgets checked and those broken,
// and the n keys that grew most (0 for all) among those that matter; JSON has every key that
// grew. In CSV, stdout (w) is the keys' table alone and the verdict and the lines around the
// table go to notes (stderr), so that a script reads only data; the exit code is the verdict.
func Check(w, notes io.Writer, f Format, r *leak.CheckResult, n int) error {
	if f == FormatJSON {
		return WriteJSON(w, checkJSON(r))
	}
	base, head := r.BaseSnapshots, r.HeadSnapshots
	series := len(head) >= 3 // KIND can be told
	// Tables show the keys that matter: those over budget, and those with a share of the growth.
	floor := max(1024, r.Growth.Bytes/100)
	var keys []leak.CheckKey
	for _, k := range r.Keys {
		if (k.Over || k.Delta.Bytes >= floor) && (n == 0 || len(keys) < n) {
			keys = append(keys, k)
		}
	}
	profile := len(base) > 0 && base[0].Kind == heap.KindProfile
	what := "TYPE"
	if profile {
		what = "ALLOCATED AT"
	}
	t := &Table{Columns: []Column{
		{Title: what, Key: "key"},
		{Title: "BASE", Key: "base_bytes", Unit: UnitBytes},
		{Title: "HEAD", Key: "head_bytes", Unit: UnitBytes},
		{Title: "DELTA", Key: "delta_bytes", Unit: UnitDeltaBytes},
		{Title: "%", Key: "delta_pct", Unit: UnitDeltaPercent},
		{Title: "OBJECTS", Key: "delta_objects", Unit: UnitDeltaCount},
		{Title: "KIND", Key: "kind", JSONOnly: !series, Style: kindStyle},
		{Title: "OVER", Key: "over_budget", JSONOnly: r.Budget.KeyMaxBytes < 0 && r.Budget.KeyMaxGrowth < 0},
		{Key: "base_objects", JSONOnly: true},
		{Key: "head_objects", JSONOnly: true},
	}, RowStyle: func(row []any) Style {
		if row[7] == "yes" { // the OVER column
			return Red
		}
		return Plain
	}}
	swings := false // a key shown whose growth head's snapshots cannot tell
	for _, k := range keys {
		swings = swings || (series && k.Kind == "")
		key := k.Key
		if profile {
			frames := len(k.Stack)
			if shortens(w, f) {
				frames = SiteFrames
			}
			key = SiteText(k.Stack, frames)
		}
		over := ""
		if k.Over {
			over = "yes"
		}
		kind := string(k.Kind)
		if kind == "" {
			kind = "-"
		}
		t.Rows = append(t.Rows, []any{key, k.Base.Bytes, k.Head.Bytes, k.Delta.Bytes, PctChange(k.Base.Bytes, k.Head.Bytes),
			k.Delta.Count, kind, over, k.Base.Count, k.Head.Count})
	}
	md := f == FormatMarkdown
	out := w // the data
	if !f.Shortens() {
		w = notes // the prose
	}
	verdict, verdictStyle := "ok: within budget", Green
	if r.Failed() {
		verdict, verdictStyle = "FAIL: over budget", Red
	}
	pct := "from an empty base"
	if !r.EmptyBase() {
		pct = SignedPercent(100 * r.GrowthShare)
	}
	summary := fmt.Sprintf("heap %s -> %s (%s, %s); objects %s -> %s (%s)",
		Bytes(r.Base.Bytes), Bytes(r.Head.Bytes), SignedBytes(r.Growth.Bytes), pct,
		Count(r.Base.Count), Count(r.Head.Count), SignedCount(r.Growth.Count))
	if md {
		fmt.Fprintf(wrapped(w, f), "### memsee check: %s\n\n", verdict)
		fmt.Fprintf(wrapped(w, f), "Base: %s. Head: %s.\n\n%s.\n\nBudgets: %s.\n\n", EscapeMarkdown(sideName(base)), EscapeMarkdown(sideName(head)), summary, budgetText(r.Budget))
		for _, fl := range r.Failures {
			fmt.Fprintf(w, "- **%s**\n", failureText(fl, r.Budget))
		}
		if len(r.Failures) > 0 {
			fmt.Fprintln(w)
		}
	} else {
		fmt.Fprint(wrapped(w, f), "memsee check: ")
		paint(w, f, verdictStyle, verdict)
		fmt.Fprintf(wrapped(w, f), "\nbase: %s\nhead: %s\n%s\nbudgets: %s\n", sideName(base), sideName(head), summary, budgetText(r.Budget))
		for _, fl := range r.Failures {
			fmt.Fprintf(wrapped(w, f), "  over: %s\n", failureText(fl, r.Budget))
		}
	}
	if len(r.Keys) == 0 {
		fmt.Fprintln(wrapped(w, f), "\nnothing grew")
		if f == FormatCSV {
			return Render(out, f, t) // the header: a script reads no rows, not nothing
		}
		return nil
	}
	head1 := fmt.Sprintf("what grew most (%d of the %d keys that grew; --json has all):", len(keys), len(r.Keys))
	switch {
	case md:
		fmt.Fprintf(wrapped(w, f), "%s%s\n\n", strings.ToUpper(head1[:1]), head1[1:])
	case f.Shortens():
		fmt.Fprintf(wrapped(w, f), "\n%s\n\n", head1)
	default: // the table is on stdout, away from these lines: no blank lines around it
		fmt.Fprintf(wrapped(w, f), "\nstdout has %s\n", strings.TrimSuffix(head1, ":"))
	}
	if err := Render(out, f, t); err != nil {
		return err
	}
	gap := "\n" // between the table and a note under it
	if !f.Shortens() {
		gap = ""
	}
	switch {
	case md:
	case !series:
		fmt.Fprintln(wrapped(w, f), gap+"KIND needs three or more snapshots of head, in time order, to tell static from incremental growth")
	case swings:
		fmt.Fprintln(wrapped(w, f), gap+"KIND -: the key went down as well as up across head's snapshots, so they cannot tell how it grew")
	}
	return nil
}

func sideName(snaps []store.Snapshot) string {
	var names []string
	for _, s := range snaps {
		names = append(names, Clean(s.Label))
	}
	return strings.Join(names, ", ")
}

func failureText(f leak.Failure, b leak.Budget) string {
	switch {
	case f.Budget == "max-growth" && f.EmptyBase:
		return fmt.Sprintf("the heap grew from an empty base by %s, more than --floor %s, over --max-growth %s",
			SignedBytes(int64(f.Got)), Bytes(b.Floor), Percent(100*f.Limit))
	case f.Budget == "max-growth":
		return fmt.Sprintf("the heap grew %s, over --max-growth %s", SignedPercent(100*f.Got), Percent(100*f.Limit))
	case f.Budget == "max-bytes":
		return fmt.Sprintf("the heap grew %s, over --max-bytes %s", SignedBytes(int64(f.Got)), Bytes(int64(f.Limit)))
	}
	return fmt.Sprintf("%.0f keys grew past --max-key-growth", f.Got)
}

// budgetText says which budgets were checked, and the floor of the percent ones.
func budgetText(b leak.Budget) string {
	var parts []string
	if b.MaxGrowth >= 0 {
		parts = append(parts, "--max-growth "+Percent(100*b.MaxGrowth))
	}
	if b.MaxBytes >= 0 {
		parts = append(parts, "--max-bytes "+Bytes(b.MaxBytes))
	}
	if b.KeyMaxBytes >= 0 {
		parts = append(parts, "--max-key-growth "+Bytes(b.KeyMaxBytes))
	}
	if b.KeyMaxGrowth >= 0 {
		parts = append(parts, "--max-key-growth "+Percent(100*b.KeyMaxGrowth))
	}
	if len(parts) == 0 {
		return "none"
	}
	text := strings.Join(parts, ", ")
	if (b.MaxGrowth >= 0 || b.KeyMaxGrowth >= 0) && b.Floor > 0 {
		text += fmt.Sprintf(" (percent budgets let growth of --floor %s or less pass)", Bytes(b.Floor))
	}
	return text
}

type checkSide struct {
	Snapshots []int64 `json:"snapshots"`
	Bytes     int64   `json:"bytes"`
	Objects   int64   `json:"objects"`
}

type checkFailure struct {
	Budget    string  `json:"budget"`
	Got       float64 `json:"got"`
	Limit     float64 `json:"limit"`
	EmptyBase bool    `json:"empty_base"` // max-growth from an empty base: got is in bytes
	Text      string  `json:"text"`
}

// checkBudget is what was checked; a budget that was not is null.
type checkBudget struct {
	MaxGrowth    *float64 `json:"max_growth"` // a fraction of base: 0.1 is 10%
	MaxBytes     *int64   `json:"max_bytes"`
	KeyMaxBytes  *int64   `json:"key_max_bytes"`
	KeyMaxGrowth *float64 `json:"key_max_growth"` // a fraction of what the key held in base
	Floor        int64    `json:"floor"`
}

type checkKey struct {
	Key          string   `json:"key"`
	What         string   `json:"what"`
	Stack        []string `json:"stack,omitempty"`
	BaseBytes    int64    `json:"base_bytes"`
	HeadBytes    int64    `json:"head_bytes"`
	DeltaBytes   int64    `json:"delta_bytes"`
	BaseObjects  int64    `json:"base_objects"`
	HeadObjects  int64    `json:"head_objects"`
	DeltaObjects int64    `json:"delta_objects"`
	Kind         string   `json:"kind"`
	Over         bool     `json:"over_budget"`
}

// checkJSON is the whole result for tools, every key that grew with raw numbers.
func checkJSON(r *leak.CheckResult) any {
	side := func(snaps []store.Snapshot, total leak.Point) checkSide {
		s := checkSide{Bytes: total.Bytes, Objects: total.Count}
		for _, x := range snaps {
			s.Snapshots = append(s.Snapshots, x.ID)
		}
		return s
	}
	fails := []checkFailure{}
	for _, f := range r.Failures {
		fails = append(fails, checkFailure{f.Budget, f.Got, f.Limit, f.EmptyBase, failureText(f, r.Budget)})
	}
	fraction := func(v float64) *float64 {
		if v < 0 {
			return nil
		}
		return &v
	}
	size := func(v int64) *int64 {
		if v < 0 {
			return nil
		}
		return &v
	}
	b := r.Budget
	budget := checkBudget{fraction(b.MaxGrowth), size(b.MaxBytes), size(b.KeyMaxBytes), fraction(b.KeyMaxGrowth), b.Floor}
	var share *float64 // null from an empty base: no share of nothing
	if !r.EmptyBase() {
		share = &r.GrowthShare
	}
	keys := []checkKey{}
	for _, k := range r.Keys {
		keys = append(keys, checkKey{k.Key, k.What, k.Stack, k.Base.Bytes, k.Head.Bytes, k.Delta.Bytes,
			k.Base.Count, k.Head.Count, k.Delta.Count, string(k.Kind), k.Over})
	}
	return struct {
		OK            bool           `json:"ok"`
		Failures      []checkFailure `json:"failures"`
		Budget        checkBudget    `json:"budget"`
		Base          checkSide      `json:"base"`
		Head          checkSide      `json:"head"`
		EmptyBase     bool           `json:"empty_base"`
		GrowthBytes   int64          `json:"growth_bytes"`
		GrowthObjects int64          `json:"growth_objects"`
		GrowthShare   *float64       `json:"growth_share"` // null when base is empty
		Keys          []checkKey     `json:"keys"`
	}{!r.Failed(), fails, budget, side(r.BaseSnapshots, r.Base), side(r.HeadSnapshots, r.Head), r.EmptyBase(),
		r.Growth.Bytes, r.Growth.Count, share, keys}
}
