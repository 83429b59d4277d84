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
	By     store.By
	Sample heap.Value
	N      int
}

// groupingFlags are --by and --sample, shared by top and diff.
type groupingFlags struct {
	by     string
	sample string
}

func (g *groupingFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&g.by, "by", "function", "group by: function (the allocating function) or site (the whole stack)")
	cmd.Flags().StringVar(&g.sample, "sample", "inuse_space", "rank by: inuse_space, inuse_objects, alloc_space or alloc_objects")
}

func (g *groupingFlags) resolve(cmd *cobra.Command) (store.By, heap.Value, error) {
	var by store.By
	switch g.by {
	case "function", "func":
		by = store.ByFunction
	case "site", "stack":
		by = store.BySite
	default:
		return 0, 0, flagErrorf(cmd, "--by %s: want function or site", g.by)
	}
	v, err := heap.ParseValue(g.sample)
	if err != nil {
		return 0, 0, flagErrorf(cmd, "--sample: %v", err)
	}
	return by, v, nil
}

func newCmdTop(f *Factory, runF func(*topOptions) error) *cobra.Command {
	o := &topOptions{IO: f.IO, f: f}
	var g groupingFlags
	cmd := &cobra.Command{
		Use:   "top [snapshot]",
		Short: "Show what holds the most memory in one snapshot",
		Long: `Top ranks the allocation sites of one snapshot (default: the last one loaded) by the memory
they hold. --by function groups by the allocating function, as 'go tool pprof -top' does;
--by site keeps whole stacks apart.`,
		Example: `  $ memsee top
  $ memsee top heap3 --by site -n 10
  $ memsee top 1 --sample alloc_space --json`,
		Args: rangeArgs(0, 1, "at most one snapshot"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Snap = "last"
			if len(args) == 1 {
				o.Snap = args[0]
			}
			var err error
			if o.By, o.Sample, err = g.resolve(cmd); err != nil {
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
	g.add(cmd)
	o.out.add(cmd)
	cmd.Flags().IntVarP(&o.N, "n", "n", 20, "show the first N rows (0 for all)")
	return cmd
}

// profileSnapshot resolves ref to a snapshot that is a heap profile.
func profileSnapshot(ctx context.Context, db *store.DB, ref string) (store.Snapshot, error) {
	s, err := db.Resolve(ctx, ref)
	if err != nil {
		return s, err
	}
	if s.Kind != "profile" {
		return s, fmt.Errorf("snapshot %d (%s) is a %s object graph, which this command cannot read yet", s.ID, s.Label, s.Format)
	}
	return s, nil
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
	snap, err := profileSnapshot(ctx, db, o.Snap)
	if err != nil {
		return err
	}
	groups, err := db.ProfileGroups(ctx, snap.ID, o.By)
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
	if o.By == store.BySite {
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
		if o.By == store.BySite {
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
		if o.By == store.BySite {
			what = "sites"
		}
		fmt.Fprintf(o.IO.Out, "snapshot %d (%s), %s: %s in %s objects; top %d of %d %s\n\n",
			snap.ID, report.Clean(snap.Label), o.Sample, report.Bytes(totals[bytes]), report.Count(totals[objs]),
			len(groups), nall, what)
	}
	return report.Render(o.IO.Out, o.Format, t)
}
