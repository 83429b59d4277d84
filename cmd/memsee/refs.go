package main

import (
	"context"
	"slices"
	"strings"

	"github.com/memsee/memsee/internal/report"
	"github.com/memsee/memsee/internal/store"
	"github.com/spf13/cobra"
)

type refsOptions struct {
	IO       *IOStreams
	f        *Factory
	out      outputFlags
	Format   report.Format
	Wide     bool // tables whole, not cut to the terminal
	Snap     string
	Addr     string
	N        int
	children bool // kids: what it refers to, rather than who refers to it
}

func newCmdRefs(f *Factory, runF func(*refsOptions) error) *cobra.Command {
	return newRefsLike(f, runF, false)
}

func newCmdKids(f *Factory, runF func(*refsOptions) error) *cobra.Command {
	return newRefsLike(f, runF, true)
}

func newRefsLike(f *Factory, runF func(*refsOptions) error, children bool) *cobra.Command {
	o := &refsOptions{IO: f.IO, f: f, children: children}
	cmd := &cobra.Command{
		Use:   "refs <address>",
		Short: "List the objects that refer to an object (its referrers)",
		Example: `  $ memsee refs 0x7f3a1c2b4e80
  $ memsee refs 0x7f3a1c2b4e80 --snap shop2 --json`,
		Args: exactArgs(1, "one object address"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Addr = args[0]
			var err error
			if o.Format, err = o.out.resolve(cmd); err != nil {
				return err
			}
			o.Wide = o.out.wide
			if runF != nil {
				return runF(o)
			}
			return refsRun(cmd.Context(), o)
		},
	}
	if children {
		cmd.Use = "kids <address>"
		cmd.Short = "List the objects an object refers to, with the names of the references"
		cmd.Example = `  $ memsee kids 0x7f3a1c2b4e80
  $ memsee kids 0x7f3a1c2b4e80 -n 0 --format csv`
	}
	snapFlag(cmd, &o.Snap)
	o.out.add(cmd)
	rowsFlag(cmd, &o.N, "objects, largest retained first")
	return cmd
}

func refsRun(ctx context.Context, o *refsOptions) error {
	db, err := o.f.Store(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	snap, obj, err := objectAt(ctx, db, o.Snap, o.Addr)
	if err != nil {
		return err
	}
	related, _, err := db.Related(ctx, snap.ID, obj.OID, o.children, o.N)
	if err != nil {
		return err
	}
	// A kid's names are in the object's own references, read once, those to the kids shown
	// alone: a list of a million elements would otherwise be read again for each kid, or
	// spelled whole for the first twenty.
	var toKids [][]store.Reference
	if o.children {
		kids := make([]int64, len(related))
		for i, r := range related {
			kids[i] = r.OID
		}
		if toKids, err = db.RefsTo(ctx, snap.ID, obj.OID, kids); err != nil {
			return err
		}
	}
	type named struct{ via, kind string }
	names := make([]named, 0, len(related))
	for i, r := range related {
		var edges []store.Reference
		if o.children {
			edges = toKids[i]
		} else if edges, err = db.EdgesBetween(ctx, snap.ID, r.OID, obj.OID); err != nil { // refs: the name is in the referrer
			return err
		}
		var vias, kinds []string
		for _, e := range edges {
			if e.Name != "" {
				vias = append(vias, e.Name)
			}
			if k := e.Kind.String(); !slices.Contains(kinds, k) {
				kinds = append(kinds, k)
			}
		}
		names = append(names, named{strings.Join(vias, ", "), strings.Join(kinds, ", ")})
	}
	via := "VIA"
	if o.children {
		via = "NAME"
	}
	t := &report.Table{Columns: []report.Column{
		{Title: via, Key: "name"},
		{Title: "KIND", Key: "kind"},
		{Title: "ADDRESS", Key: "address"},
		{Title: "TYPE", Key: "type"},
		{Title: "SIZE", Key: "size", Unit: report.UnitBytes},
		{Title: "RETAINED", Key: "retained", Unit: report.UnitBytes},
		{Title: "VALUE", Key: "value"},
	}}
	t.Rows = make([][]any, len(related))
	for i, r := range related {
		value := r.Value
		if o.Format.Shortens() && !o.Wide {
			value = report.Truncate(value, 40)
		}
		t.Rows[i] = []any{names[i].via, names[i].kind, hexAddr(r.Addr), r.Type, r.Size, r.Retained, value}
	}
	return report.Render(o.IO.Tables(o.Wide), o.Format, t)
}
