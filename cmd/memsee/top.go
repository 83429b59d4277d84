package main

import (
	"context"

	"github.com/memsee/memsee/internal/analysis"
	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/report"
	"github.com/spf13/cobra"
)

type topOptions struct {
	IO     *IOStreams
	f      *Factory
	out    outputFlags
	Format report.Format
	Wide   bool // tables whole, not cut to the terminal
	Snap   string
	Group  groupingFlags
	Sample heap.Value
	N      int
}

func newCmdTop(f *Factory, runF func(*topOptions) error) *cobra.Command {
	o := &topOptions{IO: f.IO, f: f}
	cmd := &cobra.Command{
		Use:   "top [snapshot]",
		Short: "Show what holds the most memory in one snapshot",
		Long: `Top ranks what holds memory in one snapshot: the one named as its argument or by --snap
(the same), else the last one loaded.

For a heap profile it ranks allocation sites: --by function groups by the allocating
function, as 'go tool pprof -top' does; --by site keeps whole stacks apart.

For an object dump it ranks types by the memory their instances retain (--by type), or
holders: the objects that keep the most instances of a type alive (--by holder), or, for a
dump that says where objects were allocated (Ruby's, with allocation tracing), the
allocation sites, file:line (--by site).`,
		Example: `  $ memsee top
  $ memsee top heap3 --by site -n 10
  $ memsee top 1 --sample alloc_space --json
  $ memsee top shop4 --by holder
  $ memsee top rubyshop4 --by site`,
		Args: rangeArgs(0, 1, "at most one snapshot"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := snapArg(cmd, args, &o.Snap); err != nil {
				return err
			}
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
			return topRun(cmd.Context(), o)
		},
	}
	o.Group.add(cmd)
	o.out.add(cmd)
	snapFlag(cmd, &o.Snap)
	rowsFlag(cmd, &o.N, "rows")
	return cmd
}

func topRun(ctx context.Context, o *topOptions) error {
	db, err := o.f.Store(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	snap, err := db.Resolve(ctx, o.Snap)
	if err != nil {
		return err
	}
	if snap.Kind == heap.KindGraph {
		by, err := o.Group.graphBy(snap)
		if err != nil {
			return err
		}
		status := o.f.Status(report.QueryDelay)
		status.Sayf("ranking %s by %s", snap.Label, by)
		r, err := analysis.TopGraph(ctx, db, snap, by, o.N)
		status.Stop()
		if err != nil {
			return err
		}
		return report.TopGraph(o.IO.Tables(o.Wide), o.Format, r)
	}
	by, err := o.Group.profileBy(snap)
	if err != nil {
		return err
	}
	r, err := analysis.TopOfProfile(ctx, db, snap, by, o.Sample, o.N)
	if err != nil {
		return err
	}
	return report.TopOfProfile(o.IO.Tables(o.Wide), o.Format, r)
}
