package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/memsee/memsee/internal/analysis"
	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/report"
	"github.com/memsee/memsee/internal/store"
	"github.com/spf13/cobra"
)

type topOptions struct {
	IO     *IOStreams
	f      *Factory
	out    outputFlags
	Format report.Format
	Snap   string
	Group  groupingFlags
	Sample heap.Value
	N      int
}

// groupingFlags are --by and --sample, shared by top and diff. What --by may be depends on the
// snapshot: function or site for heap profiles, type or holder for object graphs.
type groupingFlags struct {
	by        string
	sample    string
	sampleSet bool
}

func (g *groupingFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&g.by, "by", "", "group by function or site (heap profiles; default function), type or holder (object dumps; default type)")
	cmd.Flags().StringVar(&g.sample, "sample", "inuse_space", "heap profiles: rank by inuse_space, inuse_objects, alloc_space or alloc_objects")
}

func (g *groupingFlags) resolve(cmd *cobra.Command) (heap.Value, error) {
	switch g.by {
	case "", "function", "func", "site", "stack", "type", "holder":
	default:
		return 0, flagErrorf(cmd, "--by %s: want function or site (heap profiles), type or holder (object dumps)", g.by)
	}
	v, err := heap.ParseValue(g.sample)
	if err != nil {
		return 0, flagErrorf(cmd, "--sample: %v", err)
	}
	g.sampleSet = cmd.Flags().Changed("sample")
	return v, nil
}

// profileBy is the grouping for a heap-profile snapshot.
func (g *groupingFlags) profileBy(s store.Snapshot) (store.By, error) {
	switch g.by {
	case "", "function", "func":
		return store.ByFunction, nil
	case "site", "stack":
		return store.BySite, nil
	}
	return 0, fmt.Errorf("--by %s is for object dumps; snapshot %d (%s) is a heap profile: group it by function or site", g.by, s.ID, s.Label)
}

// graphBy is the grouping for an object-graph snapshot: "type" or "holder".
func (g *groupingFlags) graphBy(s store.Snapshot) (string, error) {
	if g.sampleSet {
		return "", fmt.Errorf("--sample is for heap profiles; snapshot %d (%s) is an object dump", s.ID, s.Label)
	}
	switch g.by {
	case "", "type":
		return "type", nil
	case "holder":
		return "holder", nil
	}
	return "", fmt.Errorf("--by %s is for heap profiles; snapshot %d (%s) is an object dump: group it by type or holder", g.by, s.ID, s.Label)
}

func newCmdTop(f *Factory, runF func(*topOptions) error) *cobra.Command {
	o := &topOptions{IO: f.IO, f: f}
	cmd := &cobra.Command{
		Use:   "top [snapshot]",
		Short: "Show what holds the most memory in one snapshot",
		Long: `Top ranks what holds memory in one snapshot (default: the last one loaded).

For a heap profile it ranks allocation sites: --by function groups by the allocating
function, as 'go tool pprof -top' does; --by site keeps whole stacks apart.

For an object dump it ranks types by the memory their instances retain (--by type), or
holders: the objects that keep the most instances of a type alive (--by holder).`,
		Example: `  $ memsee top
  $ memsee top heap3 --by site -n 10
  $ memsee top 1 --sample alloc_space --json
  $ memsee top shop4 --by holder`,
		Args: rangeArgs(0, 1, "at most one snapshot"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Snap = "last"
			if len(args) == 1 {
				o.Snap = args[0]
			}
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
			return topRun(cmd.Context(), o)
		},
	}
	o.Group.add(cmd)
	o.out.add(cmd)
	cmd.Flags().IntVarP(&o.N, "n", "n", 20, "show the first N rows (0 for all)")
	return cmd
}

// siteText shows a stack in one line: the allocating function and its callers, innermost
// first, shortened to max frames.
func siteText(stack []string, max int) string {
	if len(stack) > max {
		return strings.Join(stack[:max], " ← ") + " ← …"
	}
	return strings.Join(stack, " ← ")
}

// siteFrames is how many frames a table shows of a site.
const siteFrames = 4

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
		return topGraph(ctx, o, db, snap, by)
	}
	by, err := o.Group.profileBy(snap)
	if err != nil {
		return err
	}
	groups, err := db.ProfileGroups(ctx, snap.ID, by)
	if err != nil {
		return err
	}
	totals, err := db.ProfileTotals(ctx, snap.ID)
	if err != nil {
		return err
	}
	nall := len(groups)
	groups = analysis.Rank(groups, o.Sample, o.N)
	objs, bytes := analysis.ObjectsOf(o.Sample), analysis.BytesOf(o.Sample)

	t := &report.Table{}
	sites := map[int64]store.Site{}
	if by == store.BySite {
		ids := make([]int64, len(groups))
		for i, g := range groups {
			ids[i] = g.Site
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
		report.Column{Title: "OBJECTS", Key: objs.String(), Unit: report.UnitCount},
		report.Column{Title: "BYTES", Key: bytes.String(), Unit: report.UnitBytes},
		report.Column{Title: "SHARE", Key: "share", Unit: report.UnitPercent},
	)
	for _, g := range groups {
		var row []any
		if by == store.BySite {
			s := sites[g.Site]
			row = append(row, siteText(s.Stack, siteFrames), g.Site, s.Stack, s.Line)
		} else {
			row = append(row, g.Key)
		}
		share := 0.0
		if totals[o.Sample] != 0 {
			share = 100 * float64(g.Values[o.Sample]) / float64(totals[o.Sample])
		}
		row = append(row, g.Values[objs], g.Values[bytes], share)
		t.Rows = append(t.Rows, row)
	}
	if o.Format == report.FormatTable || o.Format == report.FormatMarkdown {
		what := "functions"
		if by == store.BySite {
			what = "sites"
		}
		fmt.Fprintf(o.IO.Out, "snapshot %d (%s), %s: %s in %s objects; top %d of %d %s\n\n",
			snap.ID, report.Clean(snap.Label), o.Sample, report.Bytes(totals[bytes]), report.Count(totals[objs]),
			len(groups), nall, what)
	}
	return report.Render(o.IO.Out, o.Format, t)
}
