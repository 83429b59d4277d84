package main

import (
	"context"
	"fmt"
	"github.com/memsee/memsee/internal/heap"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/memsee/memsee/internal/leak"
	"github.com/memsee/memsee/internal/loader"
	"github.com/memsee/memsee/internal/report"
	"github.com/memsee/memsee/internal/store"
	"github.com/spf13/cobra"
)

type checkOptions struct {
	IO         *IOStreams
	f          *Factory
	out        outputFlags
	Format     report.Format
	Base, Head []string // files, or snapshot references
	Budget     leak.Budget
	N          int
}

func newCmdCheck(f *Factory, runF func(*checkOptions) error) *cobra.Command {
	o := &checkOptions{IO: f.IO, f: f}
	var maxGrowth, maxBytes, maxKey string
	cmd := &cobra.Command{
		Use:   "check <base> <head>",
		Short: "Fail a build whose heap grew past a budget (for CI)",
		Long: `Check compares the heap of two builds under the same workload and exits 1 when head grew
past a budget, after printing what grew. BASE and HEAD are files (heap profiles or dumps,
loaded into a temporary database) or snapshots of --db; several of either, in time order,
are separated by commas. The last of each side is compared; when head has three or more,
its growth is told static or incremental.

Keys are types (object dumps) or allocation stacks by function (heap profiles; line
numbers move between builds), never object ids.

Budgets: --max-growth for the whole heap in percent (10% unless another budget is given),
--max-bytes for the whole heap in bytes, --max-key-growth for any one key, in bytes or
percent (a key new in head is over a percent budget once it holds 64KiB).

Exit codes: 0 within budget, 1 over budget, 2 bad input.`,
		Example: `  $ memsee check base/heap.pb.gz head/heap.pb.gz
  $ memsee check base.pb.gz head.pb.gz --max-growth 5% --max-key-growth 1MiB --format markdown
  $ memsee check base-1.pb.gz,base-2.pb.gz,base-3.pb.gz head-1.pb.gz,head-2.pb.gz,head-3.pb.gz
  $ memsee check shop1 shop4 --max-bytes 5MiB`,
		Args: exactArgs(2, "two sides: base and head (files or snapshots; several joined by commas)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Base, o.Head = splitList(args[0]), splitList(args[1])
			if len(o.Base) == 0 || len(o.Head) == 0 {
				return flagErrorf(cmd, "base and head each need a file or a snapshot")
			}
			var err error
			if o.Format, err = o.out.resolve(cmd); err != nil {
				return err
			}
			o.Budget = leak.Budget{MaxGrowth: -1, MaxBytes: -1, KeyMaxBytes: -1, KeyMaxGrowth: -1, KeyFloor: defaultMinBytes}
			anySet := false
			for _, name := range []string{"max-growth", "max-bytes", "max-key-growth"} {
				anySet = anySet || cmd.Flags().Changed(name)
			}
			if !anySet || cmd.Flags().Changed("max-growth") {
				p, err := report.ParsePercent(maxGrowth)
				if err != nil {
					return flagErrorf(cmd, "--max-growth: %v", err)
				}
				o.Budget.MaxGrowth = p / 100
			}
			if maxBytes != "" {
				if o.Budget.MaxBytes, err = report.ParseBytes(maxBytes); err != nil {
					return flagErrorf(cmd, "--max-bytes: %v", err)
				}
			}
			if maxKey != "" {
				if strings.HasSuffix(strings.TrimSpace(maxKey), "%") {
					p, err := report.ParsePercent(maxKey)
					if err != nil {
						return flagErrorf(cmd, "--max-key-growth: %v", err)
					}
					o.Budget.KeyMaxGrowth = p / 100
				} else if o.Budget.KeyMaxBytes, err = report.ParseBytes(maxKey); err != nil {
					return flagErrorf(cmd, "--max-key-growth: want a size (1MiB) or a percentage (50%%): %v", err)
				}
			}
			if o.N < 0 {
				return flagErrorf(cmd, "-n %d: want 0 (all) or more", o.N)
			}
			if runF != nil {
				return runF(o)
			}
			return checkRun(cmd.Context(), o)
		},
	}
	o.out.add(cmd)
	cmd.Flags().StringVar(&maxGrowth, "max-growth", "10%", "budget for the whole heap's growth, in percent of base")
	cmd.Flags().StringVar(&maxBytes, "max-bytes", "", "budget for the whole heap's growth, in bytes (5MiB)")
	cmd.Flags().StringVar(&maxKey, "max-key-growth", "", "budget for any one type or stack: bytes (1MiB) or percent (50%)")
	cmd.Flags().IntVarP(&o.N, "n", "n", 10, "show the N keys that grew most (0 for all)")
	return cmd
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

func checkRun(ctx context.Context, o *checkOptions) error {
	files := 0
	for _, p := range append(append([]string{}, o.Base...), o.Head...) {
		if isFile(p) {
			files++
		} else if looksLikePath(p) {
			return fmt.Errorf("%s: no such file", p)
		}
	}
	var db *store.DB
	var base, head []store.Snapshot
	var err error
	switch files {
	case 0:
		if db, err = o.f.Store(ctx); err != nil {
			return err
		}
		defer db.Close()
		if base, err = resolveAll(ctx, db, o.Base); err != nil {
			return err
		}
		if head, err = resolveAll(ctx, db, o.Head); err != nil {
			return err
		}
	case len(o.Base) + len(o.Head):
		dir, err := os.MkdirTemp("", "memsee-check")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		if db, err = store.Open(ctx, filepath.Join(dir, "check.db")); err != nil {
			return err
		}
		defer db.Close()
		if base, head, err = loadSides(ctx, o, db); err != nil {
			return err
		}
	default:
		return fmt.Errorf("give base and head as files, or both as snapshots of --db, not some of each (%s)",
			strings.Join(missing(append(append([]string{}, o.Base...), o.Head...)), ", "))
	}
	r, err := leak.Check(ctx, db, base, head, o.Budget)
	if err != nil {
		return err
	}
	if err := renderCheck(o.IO.Out, o, base, head, r); err != nil {
		return err
	}
	if r.Failed() {
		return ErrCheckFailed
	}
	return nil
}

// looksLikePath says whether a check argument is meant as a file rather than a snapshot.
func looksLikePath(s string) bool {
	if strings.ContainsRune(s, filepath.Separator) || strings.Contains(s, "/") {
		return true
	}
	for _, ext := range loader.Extensions() {
		if strings.HasSuffix(strings.ToLower(s), ext) {
			return true
		}
	}
	return false
}

// missing names the arguments that are not files, for an error.
func missing(args []string) []string {
	var out []string
	for _, a := range args {
		if !isFile(a) {
			out = append(out, fmt.Sprintf("%q is no file", a))
		}
	}
	return out
}

func resolveAll(ctx context.Context, db *store.DB, refs []string) ([]store.Snapshot, error) {
	var out []store.Snapshot
	for _, ref := range refs {
		s, err := db.Resolve(ctx, ref)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// loadSides loads base's and head's files into db, in one transaction.
func loadSides(ctx context.Context, o *checkOptions, db *store.DB) (base, head []store.Snapshot, err error) {
	l, err := db.BeginLoad(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer l.Rollback()
	var ids [2][]int64
	for side, files := range [][]string{o.Base, o.Head} {
		for _, path := range files {
			// The same file may stand on both sides (a build compared with itself).
			res, err := loader.Load(ctx, l, path, loader.Options{Force: true, Now: o.f.Now()})
			if err != nil {
				return nil, nil, err
			}
			ids[side] = append(ids[side], res.ID)
		}
	}
	if err := l.Commit(); err != nil {
		return nil, nil, err
	}
	var sides [2][]store.Snapshot
	for i := range ids {
		for _, id := range ids[i] {
			s, err := db.Resolve(ctx, fmt.Sprint(id))
			if err != nil {
				return nil, nil, err
			}
			sides[i] = append(sides[i], s)
		}
	}
	return sides[0], sides[1], nil
}

func sideName(snaps []store.Snapshot) string {
	var names []string
	for _, s := range snaps {
		names = append(names, report.Clean(s.Label))
	}
	return strings.Join(names, ", ")
}

func renderCheck(w io.Writer, o *checkOptions, base, head []store.Snapshot, r *leak.CheckResult) error {
	// Tables show the keys that matter: those over budget, and those with a share of the growth.
	floor := max(1024, r.Growth.Bytes/100)
	var keys []leak.CheckKey
	for _, k := range r.Keys {
		if (k.Over || k.Delta.Bytes >= floor) && (o.N == 0 || len(keys) < o.N) {
			keys = append(keys, k)
		}
	}
	profile := base[0].Kind == heap.KindProfile
	what := "TYPE"
	if profile {
		what = "ALLOCATED AT"
	}
	t := &report.Table{Columns: []report.Column{
		{Title: what, Key: "key"},
		{Title: "BASE", Key: "base_bytes", Unit: report.UnitBytes},
		{Title: "HEAD", Key: "head_bytes", Unit: report.UnitBytes},
		{Title: "DELTA", Key: "delta_bytes", Unit: report.UnitDeltaBytes},
		{Title: "%", Key: "delta_pct", Unit: report.UnitDeltaPercent},
		{Title: "OBJECTS", Key: "delta_objects", Unit: report.UnitDeltaCount},
		{Title: "KIND", Key: "kind", JSONOnly: len(head) < 3},
		{Title: "OVER", Key: "over_budget", JSONOnly: o.Budget.KeyMaxBytes < 0 && o.Budget.KeyMaxGrowth < 0},
		{Key: "base_objects", JSONOnly: true},
		{Key: "head_objects", JSONOnly: true},
	}}
	for _, k := range keys {
		key := k.Key
		if profile && o.Format != report.FormatJSON {
			key = siteText(k.Stack, siteFrames)
		}
		over := any("")
		if o.Format == report.FormatJSON {
			over = k.Over
		} else if k.Over {
			over = "yes"
		}
		kind := string(k.Kind)
		if kind == "" && o.Format != report.FormatJSON {
			kind = "-"
		}
		t.Rows = append(t.Rows, []any{key, k.Base.Bytes, k.Head.Bytes, k.Delta.Bytes, pctChange(k.Base.Bytes, k.Head.Bytes),
			k.Delta.Count, kind, over, k.Base.Count, k.Head.Count})
	}
	if o.Format == report.FormatJSON {
		return report.WriteJSON(w, checkJSON(base, head, r))
	}
	md := o.Format == report.FormatMarkdown
	verdict := "ok: within budget"
	if r.Failed() {
		verdict = "FAIL: over budget"
	}
	pct := "-"
	if r.Base.Bytes > 0 {
		pct = report.SignedPercent(100 * r.GrowthShare)
	}
	summary := fmt.Sprintf("heap %s -> %s (%s, %s); objects %s -> %s (%s)",
		report.Bytes(r.Base.Bytes), report.Bytes(r.Head.Bytes), report.SignedBytes(r.Growth.Bytes), pct,
		report.Count(r.Base.Count), report.Count(r.Head.Count), report.SignedCount(r.Growth.Count))
	if md {
		fmt.Fprintf(w, "### memsee check: %s\n\n", verdict)
		fmt.Fprintf(w, "Base: %s. Head: %s.\n\n%s.\n\n", report.EscapeMarkdown(sideName(base)), report.EscapeMarkdown(sideName(head)), summary)
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
	if err := report.Render(w, o.Format, t); err != nil {
		return err
	}
	if !md && len(head) < 3 {
		fmt.Fprintln(w, "\nKIND needs three or more snapshots of head, in time order, to tell static from incremental growth")
	}
	return nil
}

func failureText(f leak.Failure) string {
	switch f.Budget {
	case "max-growth":
		return fmt.Sprintf("the heap grew %s, over --max-growth %s", report.SignedPercent(100*f.Got), report.Percent(100*f.Limit))
	case "max-bytes":
		return fmt.Sprintf("the heap grew %s, over --max-bytes %s", report.SignedBytes(int64(f.Got)), report.Bytes(int64(f.Limit)))
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
func checkJSON(base, head []store.Snapshot, r *leak.CheckResult) any {
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
	}{!r.Failed(), fails, side(base, r.Base), side(head, r.Head), r.Growth.Bytes, r.Growth.Count, r.GrowthShare, keys}
}
