package main

import (
	"context"

	"github.com/memsee/memsee/internal/analysis"
	"github.com/memsee/memsee/internal/report"
	"github.com/spf13/cobra"
)

type pathOptions struct {
	IO     *IOStreams
	f      *Factory
	out    outputFlags
	Format report.Format
	Wide   bool // tables whole, not cut to the terminal
	Snap   string
	Addr   string
	Type   string
	All    bool
	N      int
}

func newCmdPath(f *Factory, runF func(*pathOptions) error) *cobra.Command {
	o := &pathOptions{IO: f.IO, f: f}
	cmd := &cobra.Command{
		Use:   "path <address> | path --type <type>",
		Short: "Show who holds an object: its path from a root, and its dominators",
		Long: `Path shows how an object is reached from a GC root (a shortest path), and the chain of
dominators: the objects that must all let go of it before it can be freed. The
innermost dominator is where a leak is usually fixed.

With --all it shows a shortest path through each of the object's referrers.
With --type it takes every instance of a type and merges their paths by holder, as
Eclipse MAT's "merge shortest paths" does: each holder, and how many it holds. Element
indices and dict keys read [*]; in a run of objects of one type, each held by the one
before it (a linked list, a tree), the steps after the first two read "-> … (Type)", so
that the nodes of a linked structure share a few paths. RETAINED counts an instance only
when no instance on the same path dominates it.`,
		Example: `  $ memsee path 0x7f3a1c2b4e80
  $ memsee path 0x7f3a1c2b4e80 --all -n 5
  $ memsee path --type AuditEntry --snap shop4`,
		Args: func(cmd *cobra.Command, args []string) error {
			if o.Type != "" {
				return exactArgs(0, "no address with --type")(cmd, args)
			}
			return exactArgs(1, "one object address, or --type")(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Addr = args[0]
			}
			if o.Type != "" && o.All {
				return flagErrorf(cmd, "--all and --type do not go together")
			}
			var err error
			if o.Format, err = o.out.resolve(cmd); err != nil {
				return err
			}
			o.Wide = o.out.wide
			if runF != nil {
				return runF(o)
			}
			if o.Type != "" {
				return pathTypeRun(cmd.Context(), o)
			}
			return pathRun(cmd.Context(), o)
		},
	}
	snapFlag(cmd, &o.Snap)
	o.out.add(cmd)
	cmd.Flags().StringVar(&o.Type, "type", "", "merge the paths of every instance of this type")
	cmd.Flags().BoolVar(&o.All, "all", false, "a shortest path through each referrer, not only the shortest")
	rowsFlag(cmd, &o.N, "paths, with --all or --type")
	return cmd
}

func pathRun(ctx context.Context, o *pathOptions) error {
	db, err := o.f.Store(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	snap, obj, err := objectAt(ctx, db, o.Snap, o.Addr)
	if err != nil {
		return err
	}
	// A table shows the outermost dominators and the innermost ones (where leaks are fixed);
	// JSON and CSV have them all.
	opts := analysis.PathOptions{All: o.All, N: o.N, MaxDominators: report.MaxDominatorRows}
	if o.Format == report.FormatJSON || o.Format == report.FormatCSV {
		opts.MaxDominators = 0
	}
	r, err := analysis.Paths(ctx, db, snap, obj, opts)
	if err != nil {
		return err
	}
	return report.Path(o.IO.Tables(o.Wide), o.IO.ErrOut, o.Format, r)
}

func pathTypeRun(ctx context.Context, o *pathOptions) error {
	db, err := o.f.Store(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	snap, err := graphSnapshot(ctx, db, o.Snap)
	if err != nil {
		return err
	}
	status := o.f.Status(report.QueryDelay)
	status.Sayf("finding what holds the %s objects of %s", o.Type, snap.Label)
	r, err := analysis.PathsOfType(ctx, db, snap, o.Type, o.N)
	status.Stop()
	if err != nil {
		return err
	}
	return report.PathType(o.IO.Tables(o.Wide), o.Format, r, o.N)
}

// How much of a long path a table shows.
const maxPathHops = report.MaxPathHops
