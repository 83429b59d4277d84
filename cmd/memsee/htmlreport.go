package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/memsee/memsee/internal/analysis"
	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/leak"
	"github.com/memsee/memsee/internal/report"
	"github.com/memsee/memsee/internal/store"
	"github.com/spf13/cobra"
)

type reportOptions struct {
	IO        *IOStreams
	f         *Factory
	Snaps     []string
	Series    string
	SeriesSet bool
	Output    string // "-": stdout
	Limit     int64  // --memory-limit; 0: none
	N         int
}

// treeNodes is how many objects the report's dominator tree shows: the largest retainers,
// enough to see where memory sits without embedding the heap.
const treeNodes = 120

// reportHolderDepth is how far from a root a holder may be when the report lists what a
// leak's holder keeps alive: the depth leaks itself looks at.
const reportHolderDepth = analysis.MaxHolderDepth

// reportPathHops is how many hops of a path from a root the report shows: the first few and
// the last, where a leak is fixed; a path through a long linked list is cut in the middle.
const reportPathHops = 40

func newCmdReport(f *Factory, runF func(*reportOptions) error) *cobra.Command {
	o := &reportOptions{IO: f.IO, f: f}
	var limit string
	cmd := &cobra.Command{
		Use:   "report [snapshot...]",
		Short: "Write one self-contained HTML page: timeline, leaks, dominator tree, top types, diff",
		Long: `Report writes what memsee knows of the snapshots as one HTML file that opens offline and
fetches nothing, to read in a browser or attach to a ticket: per process, the heap of each
snapshot over time and the memory limit (--memory-limit), each leak with its kind, WHAT,
HELD BY, the path from a root with the sizes at each hop and what its holder keeps alive,
the dominator tree of the last snapshot, its top types, and the diff of the first and last
snapshots. Heap profiles have the timeline, leaks and diff by allocation site, and no
dominator tree. One snapshot has no leaks, and the rest.

With no snapshots named, report takes every process in the database (each series, each
format), its snapshots in time order; --series takes one; named snapshots are one process,
in the order given. For CI, memsee check --report FILE writes check's verdict as such a page.`,
		Example: `  $ memsee report -o report.html
  $ memsee report --series api --memory-limit 2GiB -o api.html
  $ memsee report shop1 shop2 shop3 shop4 -n 10 -o shop.html`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Snaps = args
			o.SeriesSet = cmd.Flags().Changed("series")
			if o.SeriesSet && len(args) > 0 {
				return flagErrorf(cmd, "name the snapshots or pass --series, not both")
			}
			if o.Output == "" {
				return flagErrorf(cmd, "-o: want the HTML file to write (or - for stdout)")
			}
			if limit != "" {
				var err error
				if o.Limit, err = report.ParseBytes(limit); err != nil || o.Limit == 0 {
					return flagErrorf(cmd, "--memory-limit %s: want the memory the process may use, such as 2GiB", limit)
				}
			}
			if runF != nil {
				return runF(o)
			}
			return reportRun(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", "memsee-report.html", "the HTML file to write; - for stdout")
	cmd.Flags().StringVar(&o.Series, "series", "", "the snapshots loaded with load --series NAME")
	cmd.Flags().StringVar(&limit, "memory-limit", "", "the process's memory limit (2GiB): drawn on the timeline, with when the leaks reach it")
	rowsFlag(cmd, &o.N, "rows of each table and leaks")
	return cmd
}

func reportRun(ctx context.Context, o *reportOptions) error {
	db, err := o.f.Store(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	status := o.f.Status(report.QueryDelay)
	defer status.Stop()
	status.Say("picking the snapshots")
	procs, err := reportProcesses(ctx, db, o)
	if err != nil {
		return err
	}
	r := &report.HTMLReport{
		Title:     "memsee report: " + filepath.Base(db.Path()),
		Generated: fmt.Sprintf("Written by memsee %s on %s.", o.f.Version, o.f.Now().UTC().Format("2006-01-02 15:04 UTC")),
		N:         o.N,
	}
	for _, snaps := range procs {
		p, err := gatherProcess(ctx, db, snaps, o, status)
		if err != nil {
			return err
		}
		r.Processes = append(r.Processes, *p)
	}
	status.Stop()
	return writeHTML(o.IO, o.Output, r)
}

// writeHTML writes a report to path, or to stdout for "-", and says where it went.
func writeHTML(ios *IOStreams, path string, r *report.HTMLReport) error {
	var b bytes.Buffer
	if err := report.HTML(&b, r); err != nil {
		return err
	}
	if path == "-" {
		_, err := ios.Out.Write(b.Bytes())
		return err
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(ios.ErrOut, "wrote %s (%s)\n", report.Clean(path), report.Bytes(int64(b.Len())))
	return nil
}

// reportProcesses picks the snapshots of each process the report shows: those named (one
// process, in the order given), those of --series, or every process in the database.
func reportProcesses(ctx context.Context, db *store.DB, o *reportOptions) ([][]store.Snapshot, error) {
	if len(o.Snaps) > 0 {
		var snaps []store.Snapshot
		for _, ref := range o.Snaps {
			s, err := db.Resolve(ctx, ref)
			if err != nil {
				return nil, err
			}
			if len(snaps) > 0 && s.Kind != snaps[0].Kind {
				return nil, fmt.Errorf("snapshot %d (%s) and snapshot %d (%s) are not of one kind: name the snapshots of one process", snaps[0].ID, snaps[0].Label, s.ID, s.Label)
			}
			snaps = append(snaps, s)
		}
		return [][]store.Snapshot{snaps}, nil
	}
	all, err := db.Snapshots(ctx)
	if err != nil {
		return nil, err
	}
	if o.SeriesSet {
		snaps, err := leak.Process(all, o.Series, true)
		if err != nil {
			return nil, err
		}
		return [][]store.Snapshot{snaps}, nil
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("%w: the database holds no snapshots yet", store.ErrNoSnapshot)
	}
	// A process is a series of one format, as leak.Process has it.
	type key struct{ series, format string }
	var order []key
	groups := map[key][]store.Snapshot{}
	for _, s := range all {
		k := key{s.Series, s.Format}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], s)
	}
	var out [][]store.Snapshot
	for _, k := range order {
		snaps, err := leak.Ordered(groups[k])
		var oe *leak.OrderError
		if errors.As(err, &oe) {
			snaps, err = groups[k], nil // load order: the report says the times are not recorded
		}
		if err != nil {
			return nil, err
		}
		out = append(out, snaps)
	}
	return out, nil
}

// gatherProcess asks analysis and leak for what the report shows of one process.
func gatherProcess(ctx context.Context, db *store.DB, snaps []store.Snapshot, o *reportOptions, status *report.Status) (*report.HTMLProcess, error) {
	first, last := snaps[0], snaps[len(snaps)-1]
	p := &report.HTMLProcess{Snapshots: snaps, Limit: o.Limit}
	if len(snaps) < 2 {
		p.LeaksNote = "One snapshot: leaks need two snapshots of the process or more (three to tell static from incremental)."
	} else {
		refs := make([]string, len(snaps))
		for i, s := range snaps {
			refs[i] = strconv.FormatInt(s.ID, 10)
		}
		r, err := leak.Leaks(ctx, db, leak.Query{Refs: refs, Limit: o.Limit,
			Progress: func(i, n int, label string) {
				status.Sayf("finding what each holder keeps in snapshot %d of %d (%s)", i+1, n, label)
			}})
		if err != nil {
			return nil, err
		}
		p.Leaks = r
		if p.Details, err = leakDetails(ctx, db, r, o.N); err != nil {
			return nil, err
		}
	}
	status.Sayf("the last snapshot, %s", last.Label)
	var err error
	if last.Kind == heap.KindProfile {
		if p.ProfileTop, err = analysis.TopOfProfile(ctx, db, last, store.BySite, heap.InuseBytes, o.N); err != nil {
			return nil, err
		}
		if len(snaps) > 1 {
			if p.ProfileDiff, err = analysis.DiffProfiles(ctx, db, first, last, store.BySite, heap.InuseBytes, o.N); err != nil {
				return nil, err
			}
		}
		return p, nil
	}
	if p.Top, err = analysis.TopGraph(ctx, db, last, "type", o.N); err != nil {
		return nil, err
	}
	if p.Tree, p.TreeNodes, err = dominatorTree(ctx, db, last); err != nil {
		return nil, err
	}
	if len(snaps) > 1 {
		if p.Diff, err = analysis.DiffDumps(ctx, db, first, last, o.N); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// leakDetails finds, for each of the first n findings, the path from a root to its holder
// with the sizes at each hop and what the holder keeps alive by type, in the last snapshot;
// for heap profiles, the allocation stack.
func leakDetails(ctx context.Context, db *store.DB, r *leak.Result, n int) ([]report.LeakDetail, error) {
	fs := r.Findings
	if n > 0 && len(fs) > n {
		fs = fs[:n]
	}
	last := r.Snapshots[len(r.Snapshots)-1]
	out := make([]report.LeakDetail, len(fs))
	if last.Kind == heap.KindProfile {
		for i, f := range fs {
			out[i].Stack = strings.Split(f.Holder, " ← ")
		}
		return out, nil
	}
	var storage analysis.Storage
	if rules := heap.HolderRulesOf(heap.Format(last.Format)); rules != nil {
		storage = rules.Internal
	}
	// The floor leaks itself sums holdings above (HolderSeries in internal/leak/series.go):
	// with none, a dump of millions of objects makes millions of groups.
	hs, err := analysis.SnapshotHoldings(ctx, db, last.ID, r.Query.MinBytes/64, reportHolderDepth, storage)
	if err != nil {
		return nil, err
	}
	byHolder := map[int64][]analysis.Holding{}
	for _, h := range hs {
		if !h.Storage {
			byHolder[h.Holder] = append(byHolder[h.Holder], h) // largest retained first
		}
	}
	w := analysis.NewWalker(db, last.ID)
	for i, f := range fs {
		types := byHolder[f.Anchor]
		out[i].Types = types[:min(len(types), 8)]
		if f.Anchor < 0 {
			continue
		}
		if out[i].Hops, err = pathHops(ctx, w, f.Anchor); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// pathHops is the shortest path from a root to oid, each hop with its size and what it
// retains; a path of more than reportPathHops is cut in the middle.
func pathHops(ctx context.Context, w *analysis.Walker, oid int64) ([]report.PathHop, error) {
	path, err := w.ShortestPath(ctx, oid)
	if err != nil || len(path) == 0 {
		return nil, err
	}
	hops := make([]report.PathHop, 0, min(len(path), reportPathHops+1))
	for i, obj := range path {
		if len(path) > reportPathHops && i == 5 {
			hops = append(hops, report.PathHop{Skipped: len(path) - reportPathHops})
		}
		if len(path) > reportPathHops && i >= 5 && i < len(path)-(reportPathHops-5) {
			continue
		}
		name := obj.Via
		if i == 0 {
			if name, err = w.Name(ctx, obj); err != nil {
				return nil, err
			}
		}
		hops = append(hops, report.PathHop{Name: name, Type: obj.Type, Size: obj.Size, Retained: obj.Retained})
	}
	return hops, nil
}

// dominatorTree returns the top of snap's dominator tree: the treeNodes objects that retain
// the most, each under the nearest of them that dominates it (its immediate dominator, unless
// a tie in retained size left that out), under a root that stands for the heap's roots.
func dominatorTree(ctx context.Context, db *store.DB, snap store.Snapshot) (*report.DomNode, int, error) {
	top, err := analysis.TopDominators(ctx, db, snap, treeNodes)
	if err != nil {
		return nil, 0, err
	}
	w := analysis.NewWalker(db, snap.ID)
	nodes := map[int64]*report.DomNode{}
	for _, d := range top.Top {
		name, err := w.Name(ctx, d.Object)
		if err != nil {
			return nil, 0, err
		}
		share := 0.0
		if snap.Bytes > 0 {
			share = min(100, 100*float64(d.Object.Retained)/float64(snap.Bytes))
		}
		// A path through a long list is cut in the middle, as tables cut it: the page summarises.
		nodes[d.Object.OID] = &report.DomNode{Object: d.Object, Name: name, Path: analysis.ShortPath(d.Path, 12), Share: share}
	}
	root := &report.DomNode{}
	for _, d := range top.Top { // largest first: children in that order
		parent := root
		cur := d.Object.IDom
		for steps := 0; cur >= 0 && steps < 1<<16; steps++ {
			if n, ok := nodes[cur]; ok {
				parent = n
				break
			}
			o, err := w.Object(ctx, cur)
			if err != nil {
				return nil, 0, err
			}
			cur = o.IDom
		}
		parent.Children = append(parent.Children, nodes[d.Object.OID])
	}
	var open func(n *report.DomNode, depth int)
	open = func(n *report.DomNode, depth int) {
		n.Open = depth < 2
		for _, c := range n.Children {
			open(c, depth+1)
		}
	}
	open(root, 0)
	return root, len(top.Top), nil
}

// writeCheckReport writes check's verdict, budgets and what grew most as an HTML page
// (check --report), beside check's own output.
func writeCheckReport(o *checkOptions, r *leak.CheckResult) error {
	page := &report.HTMLReport{
		Title:     "memsee check",
		Generated: fmt.Sprintf("Written by memsee %s on %s.", o.f.Version, o.f.Now().UTC().Format("2006-01-02 15:04 UTC")),
		Check:     &report.HTMLCheck{Result: r},
		N:         o.N,
	}
	return writeHTML(o.IO, o.Report, page)
}
