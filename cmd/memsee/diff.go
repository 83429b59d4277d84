package main

import (
	"context"
	"fmt"

	"github.com/memsee/memsee/internal/analysis"
	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/report"
	"github.com/spf13/cobra"
)

type diffOptions struct {
	IO         *IOStreams
	f          *Factory
	out        outputFlags
	Format     report.Format
	Wide       bool // tables whole, not cut to the terminal
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
			o.Wide = o.out.wide
			if runF != nil {
				return runF(o)
			}
			return diffRun(cmd.Context(), o)
		},
	}
	o.Group.add(cmd)
	o.out.add(cmd)
	rowsFlag(cmd, &o.N, "rows")
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
		final, err := graphSnapshot(ctx, db, o.Final)
		if err != nil {
			return err
		}
		status := o.f.Status(report.QueryDelay)
		status.Sayf("matching the objects of %s, %s and %s", base.Label, head.Label, final.Label)
		r, err := analysis.LeakCandidates(ctx, db, base, head, final, o.N)
		status.Stop()
		if err != nil {
			return err
		}
		return report.Candidates(o.IO.Tables(o.Wide), o.Format, r)
	}
	if base.Kind == heap.KindGraph {
		by, err := o.Group.graphBy(base)
		if err != nil {
			return err
		}
		if by != "type" {
			return fmt.Errorf("diff compares object dumps by type; for holders, run top --by holder on each")
		}
		status := o.f.Status(report.QueryDelay)
		status.Sayf("comparing %s with %s by type", base.Label, head.Label)
		r, err := analysis.DiffDumps(ctx, db, base, head, o.N)
		status.Stop()
		if err != nil {
			return err
		}
		return report.DiffDumps(o.IO.Tables(o.Wide), o.Format, r)
	}
	by, err := o.Group.profileBy(base)
	if err != nil {
		return err
	}
	status := o.f.Status(report.QueryDelay)
	status.Sayf("comparing %s with %s", base.Label, head.Label)
	r, err := analysis.DiffProfiles(ctx, db, base, head, by, o.Sample, o.N)
	status.Stop()
	if err != nil {
		return err
	}
	return report.DiffProfiles(o.IO.Tables(o.Wide), o.Format, r)
}
