package main

import (
	"context"

	"github.com/memsee/memsee/internal/analysis"
	"github.com/memsee/memsee/internal/report"
	"github.com/spf13/cobra"
)

type dominatorsOptions struct {
	IO     *IOStreams
	f      *Factory
	out    outputFlags
	Format report.Format
	Wide   bool // tables whole, not cut to the terminal
	Snap   string
	N      int
}

func newCmdDominators(f *Factory, runF func(*dominatorsOptions) error) *cobra.Command {
	o := &dominatorsOptions{IO: f.IO, f: f}
	cmd := &cobra.Command{
		Use:   "dominators [snapshot]",
		Short: "List the objects that keep the most memory alive (accumulation points)",
		Long: `Dominators lists the objects with the largest retained size: the memory that would be
freed if the object were. A cache or a list that leaks is near the top, with the path
that holds it. The snapshot is named as the argument or by --snap (the same); the last one
loaded unless given.`,
		Example: `  $ memsee dominators
  $ memsee dominators shop4 -n 10 --json`,
		Args: rangeArgs(0, 1, "at most one snapshot"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := snapArg(cmd, args, &o.Snap); err != nil {
				return err
			}
			var err error
			if o.Format, err = o.out.resolve(cmd); err != nil {
				return err
			}
			o.Wide = o.out.wide
			if runF != nil {
				return runF(o)
			}
			return dominatorsRun(cmd.Context(), o)
		},
	}
	o.out.add(cmd)
	snapFlag(cmd, &o.Snap)
	rowsFlag(cmd, &o.N, "objects")
	return cmd
}

func dominatorsRun(ctx context.Context, o *dominatorsOptions) error {
	db, err := o.f.Store(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	snap, err := graphSnapshot(ctx, db, o.Snap)
	if err != nil {
		return err
	}
	r, err := analysis.TopDominators(ctx, db, snap, o.N)
	if err != nil {
		return err
	}
	return report.Dominators(o.IO.Tables(o.Wide), o.Format, r)
}
