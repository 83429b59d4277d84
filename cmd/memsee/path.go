package main

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/memsee/memsee/internal/analysis"
	"github.com/memsee/memsee/internal/report"
	"github.com/memsee/memsee/internal/store"
	"github.com/spf13/cobra"
)

type pathOptions struct {
	IO     *IOStreams
	f      *Factory
	out    outputFlags
	Format report.Format
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
Eclipse MAT's "merge shortest paths" does: each holder, and how many it holds.`,
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
	cmd.Flags().IntVarP(&o.N, "n", "n", 5, "with --all or --type: show the first N (0 for all)")
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
	w := analysis.NewWalker(db, snap.ID)
	paths := []string{}
	main, err := w.PathTo(ctx, obj.OID)
	if err != nil {
		return err
	}
	paths = append(paths, main)
	if o.All {
		refs, _, err := db.Related(ctx, snap.ID, obj.OID, false, 0)
		if err != nil {
			return err
		}
		var via []store.Object
		for _, r := range refs {
			if r.OID != obj.Parent && r.Distance >= 0 {
				via = append(via, r)
			}
		}
		sort.Slice(via, func(i, j int) bool {
			if via[i].Distance != via[j].Distance {
				return via[i].Distance < via[j].Distance
			}
			return via[i].OID < via[j].OID
		})
		for _, r := range via {
			if o.N > 0 && len(paths) >= o.N {
				break
			}
			p, err := w.PathTo(ctx, r.OID)
			if err != nil {
				return err
			}
			names, err := db.EdgeNames(ctx, snap.ID, r.OID, obj.OID)
			if err != nil {
				return err
			}
			name := ""
			for _, n := range names {
				if n != "" {
					name = n + " "
					break
				}
			}
			paths = append(paths, p+" -> "+name+"("+obj.Type+")")
		}
	}
	doms, err := w.DominatorChain(ctx, obj.OID)
	if err != nil {
		return err
	}
	// A table shows the outermost dominators and the innermost ones (where leaks are fixed);
	// JSON has them all.
	hidden := 0
	if o.Format != report.FormatJSON && len(doms) > maxDominatorRows {
		hidden = len(doms) - maxDominatorRows
		doms = append(doms[:2:2], doms[len(doms)-(maxDominatorRows-2):]...)
	}
	t := &report.Table{Columns: []report.Column{
		{Title: "DOMINATOR", Key: "address"},
		{Title: "TYPE", Key: "type"},
		{Title: "RETAINED", Key: "retained", Unit: report.UnitBytes},
		{Title: "PATH", Key: "path"},
	}}
	for i, d := range doms {
		p, err := w.Describe(ctx, d.OID)
		if err != nil {
			return err
		}
		if o.Format != report.FormatJSON {
			p = analysis.ShortPath(p, maxPathHops)
		}
		if i == 2 && hidden > 0 {
			t.Rows = append(t.Rows, []any{"…", fmt.Sprintf("%d more", hidden), nil, ""})
		}
		t.Rows = append(t.Rows, []any{hexAddr(d.Addr), d.Type, d.Retained, p})
	}
	if o.Format == report.FormatJSON {
		type dom struct {
			Address  string `json:"address"`
			Type     string `json:"type"`
			Retained int64  `json:"retained"`
			Path     string `json:"path"`
		}
		out := struct {
			Address    string   `json:"address"`
			Type       string   `json:"type"`
			Distance   *int64   `json:"distance"`
			Paths      []string `json:"paths"`
			Dominators []dom    `json:"dominators"`
		}{Address: hexAddr(obj.Addr), Type: obj.Type, Distance: optional(obj.Distance), Paths: paths}
		for _, r := range t.Rows {
			out.Dominators = append(out.Dominators, dom{r[0].(string), r[1].(string), r[2].(int64), r[3].(string)})
		}
		return report.WriteJSON(o.IO.Out, out)
	}
	title := "shortest path"
	if obj.Distance >= 0 {
		title = fmt.Sprintf("shortest path (%d references from a root)", obj.Distance)
	}
	fmt.Fprintf(o.IO.Out, "%s %s in snapshot %d (%s)\n\n%s:\n", report.Clean(obj.Type), hexAddr(obj.Addr), snap.ID, report.Clean(snap.Label), title)
	for i, p := range paths {
		if i == 1 {
			fmt.Fprintln(o.IO.Out, "\nthrough its other referrers:")
		}
		fmt.Fprintf(o.IO.Out, "  %s\n", report.Clean(analysis.ShortPath(p, maxPathHops)))
	}
	fmt.Fprintf(o.IO.Out, "\ndominators, outermost first (each must let go before it can be freed):\n")
	var b strings.Builder
	if err := report.Render(&b, o.Format, t); err != nil {
		return err
	}
	_, err = fmt.Fprint(o.IO.Out, b.String())
	return err
}

// How much of a long path or dominator chain a table shows.
const (
	maxPathHops      = 16
	maxDominatorRows = 12
)

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
	oids, err := db.ObjectsOfType(ctx, snap.ID, o.Type)
	if err != nil {
		return err
	}
	if len(oids) == 0 {
		similar, err := db.SimilarTypes(ctx, snap.ID, o.Type)
		if err != nil {
			return err
		}
		msg := fmt.Sprintf("snapshot %d (%s) has no objects of type %q", snap.ID, snap.Label, o.Type)
		if len(similar) > 0 {
			msg += "; did you mean " + strings.Join(similar, ", ")
		}
		return fmt.Errorf("%s", msg)
	}
	held, err := analysis.NewWalker(db, snap.ID).MergePaths(ctx, oids)
	if err != nil {
		return err
	}
	total := len(held)
	if o.N > 0 && len(held) > o.N {
		held = held[:o.N]
	}
	t := &report.Table{Columns: []report.Column{
		{Title: "COUNT", Key: "count", Unit: report.UnitCount},
		{Title: "BYTES", Key: "bytes", Unit: report.UnitBytes},
		{Title: "RETAINED", Key: "retained", Unit: report.UnitBytes},
		{Title: "HELD BY", Key: "path"},
	}}
	for _, h := range held {
		p := h.Path
		if o.Format != report.FormatJSON {
			p = analysis.ShortPath(p, maxPathHops)
		}
		t.Rows = append(t.Rows, []any{h.Count, h.Bytes, h.Retained, p})
	}
	if o.Format == report.FormatTable || o.Format == report.FormatMarkdown {
		fmt.Fprintf(o.IO.Out, "%s instances of %s in snapshot %d (%s), by holder; %d of %d paths\n\n",
			report.Count(int64(len(oids))), report.Clean(o.Type), snap.ID, report.Clean(snap.Label), len(held), total)
	}
	return report.Render(o.IO.Out, o.Format, t)
}
