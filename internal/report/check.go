package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/leak"
	"github.com/memsee/memsee/internal/store"
)

// Check writes what `memsee check` found: the verdict, the budgets broken, and the n keys
// that grew most (0 for all) among those that matter; JSON has every key that grew.
func Check(w io.Writer, f Format, r *leak.CheckResult, n int) error {
	if f == FormatJSON {
		return WriteJSON(w, checkJSON(r))
	}
	base, head := r.BaseSnapshots, r.HeadSnapshots
	// Tables show the keys that matter: those over budget, and those with a share of the growth.
	floor := max(1024, r.Growth.Bytes/100)
	var keys []leak.CheckKey
	for _, k := range r.Keys {
		if (k.Over || k.Delta.Bytes >= floor) && (n == 0 || len(keys) < n) {
			keys = append(keys, k)
		}
	}
	profile := base[0].Kind == heap.KindProfile
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
		{Title: "KIND", Key: "kind", JSONOnly: len(head) < 3},
		{Title: "OVER", Key: "over_budget", JSONOnly: r.Budget.KeyMaxBytes < 0 && r.Budget.KeyMaxGrowth < 0},
		{Key: "base_objects", JSONOnly: true},
		{Key: "head_objects", JSONOnly: true},
	}}
	for _, k := range keys {
		key := k.Key
		if profile {
			key = SiteText(k.Stack, SiteFrames)
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
	verdict := "ok: within budget"
	if r.Failed() {
		verdict = "FAIL: over budget"
	}
	pct := "-"
	if r.Base.Bytes > 0 {
		pct = SignedPercent(100 * r.GrowthShare)
	}
	summary := fmt.Sprintf("heap %s -> %s (%s, %s); objects %s -> %s (%s)",
		Bytes(r.Base.Bytes), Bytes(r.Head.Bytes), SignedBytes(r.Growth.Bytes), pct,
		Count(r.Base.Count), Count(r.Head.Count), SignedCount(r.Growth.Count))
	if md {
		fmt.Fprintf(w, "### memsee check: %s\n\n", verdict)
		fmt.Fprintf(w, "Base: %s. Head: %s.\n\n%s.\n\n", EscapeMarkdown(sideName(base)), EscapeMarkdown(sideName(head)), summary)
		for _, f := range r.Failures {
			fmt.Fprintf(w, "- **%s**\n", failureText(f))
		}
		if len(r.Failures) > 0 {
			fmt.Fprintln(w)
		}
	} else {
		fmt.Fprintf(w, "memsee check: %s\nbase: %s\nhead: %s\n%s\n", verdict, sideName(base), sideName(head), summary)
		for _, f := range r.Failures {
			fmt.Fprintf(w, "  over: %s\n", failureText(f))
		}
	}
	if len(r.Keys) == 0 {
		fmt.Fprintln(w, "\nnothing grew")
		return nil
	}
	head1 := fmt.Sprintf("what grew most (%d of the %d keys that grew; --json has all):", len(keys), len(r.Keys))
	if md {
		fmt.Fprintf(w, "%s%s\n\n", strings.ToUpper(head1[:1]), head1[1:])
	} else {
		fmt.Fprintf(w, "\n%s\n\n", head1)
	}
	if err := Render(w, f, t); err != nil {
		return err
	}
	if !md && len(head) < 3 {
		fmt.Fprintln(w, "\nKIND needs three or more snapshots of head, in time order, to tell static from incremental growth")
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

func failureText(f leak.Failure) string {
	switch f.Budget {
	case "max-growth":
		return fmt.Sprintf("the heap grew %s, over --max-growth %s", SignedPercent(100*f.Got), Percent(100*f.Limit))
	case "max-bytes":
		return fmt.Sprintf("the heap grew %s, over --max-bytes %s", SignedBytes(int64(f.Got)), Bytes(int64(f.Limit)))
	}
	return fmt.Sprintf("%.0f keys grew past --max-key-growth", f.Got)
}

type checkSide struct {
	Snapshots []int64 `json:"snapshots"`
	Bytes     int64   `json:"bytes"`
	Objects   int64   `json:"objects"`
}

type checkFailure struct {
	Budget string  `json:"budget"`
	Got    float64 `json:"got"`
	Limit  float64 `json:"limit"`
	Text   string  `json:"text"`
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
		fails = append(fails, checkFailure{f.Budget, f.Got, f.Limit, failureText(f)})
	}
	keys := []checkKey{}
	for _, k := range r.Keys {
		keys = append(keys, checkKey{k.Key, k.What, k.Stack, k.Base.Bytes, k.Head.Bytes, k.Delta.Bytes,
			k.Base.Count, k.Head.Count, k.Delta.Count, string(k.Kind), k.Over})
	}
	return struct {
		OK            bool           `json:"ok"`
		Failures      []checkFailure `json:"failures"`
		Base          checkSide      `json:"base"`
		Head          checkSide      `json:"head"`
		GrowthBytes   int64          `json:"growth_bytes"`
		GrowthObjects int64          `json:"growth_objects"`
		GrowthShare   float64        `json:"growth_share"`
		Keys          []checkKey     `json:"keys"`
	}{!r.Failed(), fails, side(r.BaseSnapshots, r.Base), side(r.HeadSnapshots, r.Head), r.Growth.Bytes, r.Growth.Count, r.GrowthShare, keys}
}
