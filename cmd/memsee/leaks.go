package main

import (
	"context"
	"fmt"
	"github.com/memsee/memsee/internal/heap"
	"strings"

	"github.com/memsee/memsee/internal/analysis"
	"github.com/memsee/memsee/internal/leak"
	"github.com/memsee/memsee/internal/report"
	"github.com/memsee/memsee/internal/store"
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
}

// defaultMinBytes is the least growth leaks reports unless told otherwise, also when 1% of
// the heap is less: below it, one-off startup growth and noise.
const defaultMinBytes = 64 << 10

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

HELD BY is where to fix it: the path from a root to the collection or object that keeps the
growth alive, or for heap profiles the allocation stack. Memory that comes back (churn) and
growth below --min-bytes or --min-growth is not reported.

With no snapshots named, leaks takes every snapshot in the database (or in --series) in the
order they were taken: the time the dump records, else the file's modification time, else
load order. Named snapshots are taken in the order given.`,
		Example: `  $ memsee leaks
  $ memsee leaks heap1 heap2 heap3 heap4 --limit 2GiB
  $ memsee load --series api api-*.pb.gz && memsee leaks --series api
  $ memsee leaks --series worker --min-bytes 1MiB --json`,
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
			if minBytes != "" {
				if o.MinBytes, err = report.ParseBytes(minBytes); err != nil {
					return flagErrorf(cmd, "--min-bytes: %v", err)
				}
			}
			if o.MinGrowth, err = report.ParsePercent(minGrowth); err != nil {
				return flagErrorf(cmd, "--min-growth: %v", err)
			}
			if limit != "" {
				if o.Limit, err = report.ParseBytes(limit); err != nil || o.Limit == 0 {
					return flagErrorf(cmd, "--limit %s: want the memory the process may use, such as 2GiB", limit)
				}
			}
			if o.N < 0 {
				return flagErrorf(cmd, "-n %d: want 0 (all) or more", o.N)
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
	cmd.Flags().StringVar(&minGrowth, "min-growth", "10%", "report growth of at least this share of what the key held at the start")
	cmd.Flags().StringVar(&limit, "limit", "", "the process's memory limit (2GiB): say when incremental growth reaches it")
	cmd.Flags().IntVarP(&o.N, "n", "n", 20, "show the first N leaks (0 for all)")
	return cmd
}

func leaksRun(ctx context.Context, o *leaksOptions) error {
	db, err := o.f.Store(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	snaps, err := leaksSnapshots(ctx, db, o)
	if err != nil {
		return err
	}
	opts := leak.Options{MinBytes: o.MinBytes, MinGrowth: o.MinGrowth / 100}
	if opts.MinBytes == 0 {
		var largest int64
		for _, s := range snaps {
			largest = max(largest, s.Bytes)
		}
		opts.MinBytes = max(defaultMinBytes, largest/100)
	}
	fs, err := leak.Find(ctx, db, snaps, opts)
	if err != nil {
		return err
	}
	first, last := snaps[0], snaps[len(snaps)-1]
	hours := last.TakenAt.Sub(first.TakenAt).Hours()
	all := len(fs)
	if o.N > 0 && len(fs) > o.N {
		fs = fs[:o.N]
	}

	t := &report.Table{Columns: []report.Column{
		{Title: "KIND", Key: "kind"},
		{Title: "WHAT", Key: "what"},
		{Title: "HELD BY", Key: "held_by"},
		{Title: "GROWTH", Key: "growth_text", TableOnly: true},
		{Key: "growth_bytes", Unit: report.UnitDeltaBytes, JSONOnly: true},
		{Key: "growth_objects", Unit: report.UnitDeltaCount, JSONOnly: true},
		{Key: "bytes_per_snapshot", Unit: report.UnitDeltaBytes, JSONOnly: true},
		{Key: "objects_per_snapshot", Unit: report.UnitDeltaCount, JSONOnly: true},
		{Key: "bytes_per_hour", JSONOnly: true},
		{Key: "step_snapshot", Unit: report.UnitInt, JSONOnly: true},
		{Key: "hours_to_limit", JSONOnly: true},
		{Key: "snapshots", JSONOnly: true},
		{Key: "bytes", JSONOnly: true},
		{Key: "objects", JSONOnly: true},
		{Key: "note", JSONOnly: true},
	}}
	ids := make([]int64, len(snaps))
	for i, s := range snaps {
		ids[i] = s.ID
	}
	var rate float64 // bytes per hour, of all incremental leaks together
	for _, f := range fs {
		holder := f.Holder
		if o.Format != report.FormatJSON {
			holder = shortHolder(holder)
		}
		var stepSnap, perSnapBytes, perSnapObjects, perHour, toLimit any
		if f.Step > 0 {
			stepSnap = snaps[f.Step].ID
		}
		growth := growthText(f, snaps)
		if f.Kind == leak.Incremental {
			perSnapBytes, perSnapObjects = f.PerSnapshot.Bytes, f.PerSnapshot.Count
			if f.BytesPerHour > 0 {
				perHour = f.BytesPerHour
			}
			rate += f.BytesPerHour
			if h, ok := leak.HoursTo(o.Limit, last.Bytes, f.BytesPerHour); ok && o.Limit > 0 {
				toLimit = h
				growth += fmt.Sprintf(", %s in ~%s", report.Bytes(o.Limit), report.Duration(h))
			}
		}
		bytes, objects := make([]int64, len(f.Points)), make([]int64, len(f.Points))
		for i, p := range f.Points {
			bytes[i], objects[i] = p.Bytes, p.Count
		}
		t.Rows = append(t.Rows, []any{string(f.Kind), f.What, holder, growth, f.Growth.Bytes, f.Growth.Count,
			perSnapBytes, perSnapObjects, perHour, stepSnap, toLimit, ids, bytes, objects, f.Note})
	}
	if o.Format != report.FormatTable && o.Format != report.FormatMarkdown {
		return report.Render(o.IO.Out, o.Format, t)
	}
	span := ""
	if hours*3600 >= 1 {
		span = fmt.Sprintf(" over %s", report.Duration(hours))
	}
	fmt.Fprintf(o.IO.Out, "%d %s (%s … %s)%s: %s -> %s in use\n",
		len(snaps), processName(first), report.Clean(first.Label), report.Clean(last.Label), span,
		report.Bytes(first.Bytes), report.Bytes(last.Bytes))
	if len(o.Snaps) == 0 && first.TakenFrom == "mtime" {
		fmt.Fprintf(o.IO.Out, "in the order of the files' modification times (%s dumps record no time); name the snapshots to set the order\n", first.Format)
	}
	if len(fs) == 0 {
		fmt.Fprintf(o.IO.Out, "no leaks: nothing grew by %s and %s or more without giving it back\n",
			report.Bytes(opts.MinBytes), report.Percent(o.MinGrowth))
		return nil
	}
	fmt.Fprintln(o.IO.Out)
	if err := report.Render(o.IO.Out, o.Format, t); err != nil {
		return err
	}
	fmt.Fprintln(o.IO.Out)
	if all > len(fs) {
		fmt.Fprintf(o.IO.Out, "%d more below; -n 0 lists all\n", all-len(fs))
	}
	if len(snaps) == 2 {
		fmt.Fprintln(o.IO.Out, "two snapshots show growth but not its kind: load a third, taken later, to tell static from incremental")
	}
	if o.Limit > 0 && rate == 0 && fs[0].Kind == leak.Incremental {
		fmt.Fprintf(o.IO.Out, "no time to %s: the snapshots' times give no rate per hour (they span less than a second)\n", report.Bytes(o.Limit))
	}
	if o.Limit > 0 && rate > 0 {
		if h, ok := leak.HoursTo(o.Limit, last.Bytes, rate); ok {
			fmt.Fprintf(o.IO.Out, "at the incremental leaks' rate (%s/h) the heap reaches %s in ~%s\n",
				report.SignedBytes(int64(rate)), report.Bytes(o.Limit), report.Duration(h))
		} else {
			fmt.Fprintf(o.IO.Out, "the heap is already past %s\n", report.Bytes(o.Limit))
		}
	}
	return nil
}

// leaksSnapshots picks the snapshots leaks follows: those named, in the order given, or
// those of one process, in time order.
func leaksSnapshots(ctx context.Context, db *store.DB, o *leaksOptions) ([]store.Snapshot, error) {
	all, err := db.Snapshots(ctx)
	if err != nil {
		return nil, err
	}
	var snaps []store.Snapshot
	if len(o.Snaps) > 0 {
		for _, ref := range o.Snaps {
			s, err := db.Resolve(ctx, ref)
			if err != nil {
				return nil, err
			}
			snaps = append(snaps, s)
		}
	} else if snaps, err = leak.Process(all, o.Series, o.SeriesSet); err != nil {
		return nil, err
	}
	if len(snaps) < 2 {
		return nil, fmt.Errorf("leaks needs two snapshots of one process or more (three to tell static from incremental); %s has %d",
			db.Path(), len(snaps))
	}
	return snaps, nil
}

func processName(s store.Snapshot) string {
	what := s.Format + " heap profiles"
	if s.Kind == heap.KindGraph {
		what = s.Format + " object dumps"
	}
	if s.Series != "" {
		what += " of series " + report.Clean(s.Series)
	}
	return what
}

// growthText says how a key grew, for a table: +4,000 obj/snap, +375 KiB/snap (~1.2 GiB/h).
func growthText(f leak.Finding, snaps []store.Snapshot) string {
	switch f.Kind {
	case leak.Incremental:
		s := fmt.Sprintf("%s obj/snap, %s/snap", report.SignedCount(f.PerSnapshot.Count), report.SignedBytes(f.PerSnapshot.Bytes))
		if f.BytesPerHour > 0 {
			s += fmt.Sprintf(" (~%s/h)", report.Bytes(int64(f.BytesPerHour)))
		}
		if steps := len(f.Points) - 1; f.Steps < steps {
			s += fmt.Sprintf(", in %d of %d steps", f.Steps, steps)
		}
		return s
	case leak.Static:
		return fmt.Sprintf("%s once, at %s, flat after", report.SignedBytes(f.Growth.Bytes), report.Clean(snaps[f.Step].Label))
	}
	s := fmt.Sprintf("%s (%s objects) by %s", report.SignedBytes(f.Growth.Bytes), report.SignedCount(f.Growth.Count),
		report.Clean(snaps[f.Step].Label))
	if len(snaps) > 2 { // with two, the line under the table says it once
		s += "; " + f.Note
	}
	return s
}

// shortHolder shortens a holder for a table: a path to its first and last hops, a stack to
// its innermost frames.
func shortHolder(h string) string {
	if strings.Contains(h, " ← ") {
		return siteText(strings.Split(h, " ← "), siteFrames)
	}
	return analysis.ShortPath(h, maxPathHops)
}
