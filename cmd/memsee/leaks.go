package main

import (
	"context"

	"github.com/memsee/memsee/internal/leak"
	"github.com/memsee/memsee/internal/report"
	"github.com/spf13/cobra"
)

type leaksOptions struct {
	IO        *IOStreams
	f         *Factory
	out       outputFlags
	Format    report.Format
	Snaps     []string
	Series    string
	SeriesSet bool
	MinBytes  int64 // 0: 1% of the largest snapshot, at least 64 KiB
	MinGrowth float64
	Limit     int64 // 0: none
	N         int
	Wide      bool // HELD BY as the whole path from a root, and the table not cut to the terminal
}

func newCmdLeaks(f *Factory, runF func(*leaksOptions) error) *cobra.Command {
	o := &leaksOptions{IO: f.IO, f: f}
	var minBytes, minGrowth, limit string
	cmd := &cobra.Command{
		Use:   "leaks [snapshot...]",
		Short: "Tell static leaks from incremental ones along snapshots of one process",
		Long: `Leaks follows what each allocation site (heap profiles) or each holder and type (object
dumps) keeps alive across the snapshots of one process, and ranks what grew:

  incremental  grew at every step (or at several, never shrinking): it grows with work and
               does not come back; fix it before it runs the process out of memory
  static       one step up, then flat: something big was loaded once and kept
  undecided    it grew, but a series this short cannot say how; take another snapshot

HELD BY is where to fix it: the variable that keeps the growth alive, as its programmer wrote
it (a global, a static field, a module's variable, a closure's), and the collection it holds;
--wide shows the whole path from a root instead, uncut, and --json has both ("held_by", "path").
For heap profiles it is the allocation stack. WHAT is the type of the objects that grew,
looked up through the collection's own storage (its nodes, tables and arrays). Memory that comes back (churn) and
growth below --min-bytes or --min-growth is not reported.

With no snapshots named, leaks takes every snapshot in the database (or in --series) in the
order they were taken: the time the dump records, else the file's modification time, else
load order. Named snapshots are taken in the order given.`,
		Example: `  $ memsee leaks
  $ memsee leaks heap1 heap2 heap3 heap4 --memory-limit 2GiB
  $ memsee load --series api api-*.pb.gz && memsee leaks --series api
  $ memsee leaks --series worker --min-bytes 1MiB --json
  $ memsee leaks --wide                      # HELD BY as the whole path from a root`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Snaps = args
			o.SeriesSet = cmd.Flags().Changed("series")
			if o.SeriesSet && len(args) > 0 {
				return flagErrorf(cmd, "name the snapshots or pass --series, not both")
			}
			var err error
			if o.Format, err = o.out.resolve(cmd); err != nil {
				return err
			}
			o.Wide = o.out.wide
			if minBytes != "" {
				if o.MinBytes, err = report.ParseBytes(minBytes); err != nil {
					return flagErrorf(cmd, "--min-bytes: %v", err)
				}
			}
			share, err := parsePercentBudget("--min-growth", minGrowth, false)
			if err != nil {
				return flagErrorf(cmd, "%v", err)
			}
			o.MinGrowth = max(share, 0) * 100 // off: any growth
			if limit != "" {
				if o.Limit, err = report.ParseBytes(limit); err != nil || o.Limit == 0 {
					return flagErrorf(cmd, "--memory-limit %s: want the memory the process may use, such as 2GiB", limit)
				}
			}
			if runF != nil {
				return runF(o)
			}
			return leaksRun(cmd.Context(), o)
		},
	}
	o.out.add(cmd)
	cmd.Flags().StringVar(&o.Series, "series", "", "the snapshots loaded with load --series NAME")
	cmd.Flags().StringVar(&minBytes, "min-bytes", "", "report growth of at least this size (default: 1% of the largest snapshot, at least 64KiB)")
	cmd.Flags().StringVar(&minGrowth, "min-growth", "10%", "report growth of at least this percentage (with its %) of what the key held at the start, or off")
	cmd.Flags().StringVar(&limit, "memory-limit", "", "the process's memory limit (2GiB): say when incremental growth reaches it")
	// --limit was its name before -n took rows everywhere; kept, hidden, for the scripts that use it.
	cmd.Flags().StringVar(&limit, "limit", "", "the old name of --memory-limit")
	_ = cmd.Flags().MarkHidden("limit")
	rowsFlag(cmd, &o.N, "leaks")
	return cmd
}

func leaksRun(ctx context.Context, o *leaksOptions) error {
	db, err := o.f.Store(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	status := o.f.Status(report.QueryDelay)
	status.Say("picking the snapshots")
	r, err := leak.Leaks(ctx, db, leak.Query{Refs: o.Snaps, Series: o.Series, SeriesSet: o.SeriesSet,
		MinBytes: o.MinBytes, MinGrowth: o.MinGrowth, Limit: o.Limit,
		Progress: func(i, n int, label string) {
			status.Sayf("finding what each holder keeps in snapshot %d of %d (%s)", i+1, n, label)
		}})
	status.Stop()
	if err != nil {
		return err
	}
	return report.Leaks(o.IO.Tables(o.Wide), o.Format, r, report.LeaksOptions{N: o.N, Wide: o.Wide})
}
