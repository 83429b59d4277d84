package main

import (
	"context"
	"fmt"

	"github.com/memsee/memsee/internal/analysis"
	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/report"
	"github.com/memsee/memsee/internal/store"
	"github.com/spf13/cobra"
)

type diffOptions struct {
	IO         *IOStreams
	f          *Factory
	out        outputFlags
	Format     report.Format
	Base, Head string
	Group      groupingFlags
	Sample     heap.Value
	N          int
	Final      string // --final: memlab's leak candidates, with base and head as baseline and target
}

func newCmdDiff(f *Factory, runF func(*diffOptions) error) *cobra.Command {
	o := &diffOptions{IO: f.IO, f: f}
	cmd := &cobra.Command{
		Use:   "diff <base> <head>",
		Short: "Show what grew or shrank between two snapshots",
		Long: `Diff compares two snapshots key by key and ranks the keys by how much their memory
changed.

Heap profiles are compared by allocating function or whole site; the numbers are those of
'go tool pprof -top -diff_base base head'.

Object dumps are compared by type: counts and bytes, and how many objects are new, have
survived or were freed. Within one process, V8 objects match by node id (as DevTools'
Comparison view) and Python objects by address, type and size; load records each object's
generation, the first snapshot it was seen in (object.gen in
'memsee query --objects'). HPROF and Go objects move, so their dumps compare by type only.

--final F counts memlab's leak candidates instead: the objects of F that were allocated
between base and head (in head, not in base) and are still alive in F, by type.`,
		Example: `  $ memsee diff 1 3
  $ memsee diff first last --by site -n 10
  $ memsee diff heap1 heap3 --sample alloc_space --format markdown
  $ memsee diff shop1 shop4
  $ memsee diff baseline target --final final`,
		Args: exactArgs(2, "two snapshots: base and head"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Base, o.Head = args[0], args[1]
			var err error
			if o.Sample, err = o.Group.resolve(cmd); err != nil {
				return err
			}
			if o.Format, err = o.out.resolve(cmd); err != nil {
				return err
			}
			if o.N < 0 {
				return flagErrorf(cmd, "-n %d: want 0 (all) or more", o.N)
			}
			if runF != nil {
				return runF(o)
			}
			return diffRun(cmd.Context(), o)
		},
	}
	o.Group.add(cmd)
	o.out.add(cmd)
	cmd.Flags().IntVarP(&o.N, "n", "n", 20, "show the first N rows (0 for all)")
	cmd.Flags().StringVar(&o.Final, "final", "", "count memlab's leak candidates: objects of this snapshot that are in head and not in base")
	return cmd
}

func diffRun(ctx context.Context, o *diffOptions) error {
	db, err := o.f.Store(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	base, err := db.Resolve(ctx, o.Base)
	if err != nil {
		return err
	}
	head, err := db.Resolve(ctx, o.Head)
	if err != nil {
		return err
	}
	if base.Kind != head.Kind {
		return fmt.Errorf("snapshot %d (%s) is a %s %s and %d (%s) a %s %s: diff compares two of a kind",
			base.ID, base.Label, base.Format, base.Kind, head.ID, head.Label, head.Format, head.Kind)
	}
	if o.Final != "" {
		return candidates(ctx, o, db, base, head)
	}
	if base.Kind == heap.KindGraph {
		by, err := o.Group.graphBy(base)
		if err != nil {
			return err
		}
		if by != "type" {
			return fmt.Errorf("diff compares object dumps by type; for holders, run top --by holder on each")
		}
		return diffGraph(ctx, o, db, base, head)
	}
	by, err := o.Group.profileBy(base)
	if err != nil {
		return err
	}
	before, err := db.ProfileGroups(ctx, base.ID, by)
	if err != nil {
		return err
	}
	after, err := db.ProfileGroups(ctx, head.ID, by)
	if err != nil {
		return err
	}
	rows := analysis.Diff(before, after, o.Sample)
	nall := len(rows)
	if o.N > 0 && len(rows) > o.N {
		rows = rows[:o.N]
	}
	objs, bytes := analysis.ObjectsOf(o.Sample), analysis.BytesOf(o.Sample)

	t := &report.Table{}
	sites := map[int64]store.Site{}
	if by == store.BySite {
		ids := make([]int64, len(rows))
		for i, r := range rows {
			ids[i] = r.Site
		}
		if sites, err = db.Sites(ctx, ids); err != nil {
			return err
		}
		t.Columns = append(t.Columns,
			report.Column{Title: "SITE", Key: "site"},
			report.Column{Key: "site_id", Unit: report.UnitInt, JSONOnly: true},
			report.Column{Key: "stack", JSONOnly: true},
			report.Column{Key: "line", JSONOnly: true})
	} else {
		t.Columns = append(t.Columns, report.Column{Title: "FUNCTION", Key: "function"})
	}
	t.Columns = append(t.Columns,
		report.Column{Title: "BYTES BEFORE", Key: bytes.String() + "_before", Unit: report.UnitBytes},
		report.Column{Title: "AFTER", Key: bytes.String() + "_after", Unit: report.UnitBytes},
		report.Column{Title: "DELTA", Key: bytes.String() + "_delta", Unit: report.UnitDeltaBytes},
		report.Column{Title: "%", Key: bytes.String() + "_delta_pct", Unit: report.UnitDeltaPercent},
		report.Column{Title: "OBJECTS BEFORE", Key: objs.String() + "_before", Unit: report.UnitCount},
		report.Column{Title: "AFTER", Key: objs.String() + "_after", Unit: report.UnitCount},
		report.Column{Title: "DELTA", Key: objs.String() + "_delta", Unit: report.UnitDeltaCount},
	)
	for _, r := range rows {
		var row []any
		if by == store.BySite {
			s := sites[r.Site]
			row = append(row, report.SiteText(s.Stack, report.SiteFrames), r.Site, s.Stack, s.Line)
		} else {
			row = append(row, r.Key)
		}
		row = append(row, r.Before[bytes], r.After[bytes], r.Delta(bytes), pctChange(r.Before[bytes], r.After[bytes]),
			r.Before[objs], r.After[objs], r.Delta(objs))
		t.Rows = append(t.Rows, row)
	}
	if o.Format == report.FormatTable || o.Format == report.FormatMarkdown {
		tb, err := db.ProfileTotals(ctx, base.ID)
		if err != nil {
			return err
		}
		th, err := db.ProfileTotals(ctx, head.ID)
		if err != nil {
			return err
		}
		what := "functions"
		if by == store.BySite {
			what = "sites"
		}
		fmt.Fprintf(o.IO.Out, "%d (%s) -> %d (%s), %s: %s -> %s (%s, %s); objects %s -> %s (%s); %d of %d changed %s\n\n",
			base.ID, report.Clean(base.Label), head.ID, report.Clean(head.Label), o.Sample,
			report.Bytes(tb[bytes]), report.Bytes(th[bytes]), report.SignedBytes(th[bytes]-tb[bytes]),
			pctText(tb[bytes], th[bytes]), report.Count(tb[objs]), report.Count(th[objs]),
			report.SignedCount(th[objs]-tb[objs]), len(rows), nall, what)
	}
	return report.Render(o.IO.Out, o.Format, t)
}

// pctChange is the change from a to b in percent of a; nil when a is 0 (new).
func pctChange(a, b int64) *float64 { return report.PctChange(a, b) }

func pctText(a, b int64) string {
	p := pctChange(a, b)
	if p == nil {
		return "new"
	}
	return report.SignedPercent(*p)
}
