package main

import (
	"context"
	"fmt"

	"github.com/memsee/memsee/internal/analysis"
	"github.com/memsee/memsee/internal/report"
	"github.com/spf13/cobra"
)

type showOptions struct {
	IO     *IOStreams
	f      *Factory
	Snap   string
	Addr   string
	out    outputFlags
	Format report.Format
	Wide   bool
}

func newCmdShow(f *Factory, runF func(*showOptions) error) *cobra.Command {
	o := &showOptions{IO: f.IO, f: f}
	cmd := &cobra.Command{
		Use:   "show <address>",
		Short: "Describe one object: type, size, value, what it retains, and who holds it",
		Example: `  $ memsee show 0x7f3a1c2b4e80
  $ memsee show 0x7f3a1c2b4e80 --snap shop2 --format json`,
		Args: exactArgs(1, "one object address"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Addr = args[0]
			var err error
			if o.Format, err = o.out.resolve(cmd); err != nil {
				return err
			}
			if o.Format == report.FormatCSV {
				return flagErrorf(cmd, "show describes one object, not rows: use --format json, or memsee query for CSV")
			}
			o.Wide = o.out.wide
			if runF != nil {
				return runF(o)
			}
			return showRun(cmd.Context(), o)
		},
	}
	snapFlag(cmd, &o.Snap)
	o.out.add(cmd)
	return cmd
}

// objectJSON is the JSON form of an object, with raw numbers.
type objectJSON struct {
	Snapshot  int64    `json:"snapshot"`
	Address   string   `json:"address"`
	Type      string   `json:"type"`
	Size      int64    `json:"size"`
	Len       *int64   `json:"len"`
	Value     string   `json:"value,omitempty"`
	Retained  int64    `json:"retained"`
	Distance  *int64   `json:"distance"`
	Path      string   `json:"path"`
	HeldBy    string   `json:"held_by,omitempty"`
	Refs      int      `json:"refs"`
	Referrers int      `json:"referrers"`
	Stack     []string `json:"-"`
}

func optional(v int64) *int64 {
	if v < 0 {
		return nil
	}
	return &v
}

func showRun(ctx context.Context, o *showOptions) error {
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
	path, err := w.PathTo(ctx, obj.OID)
	if err != nil {
		return err
	}
	heldBy := ""
	if obj.IDom >= 0 {
		idom, err := w.Object(ctx, obj.IDom)
		if err != nil {
			return err
		}
		where, err := w.Describe(ctx, idom.OID)
		if err != nil {
			return err
		}
		if o.Format != report.FormatJSON && !o.Wide {
			where = analysis.ShortPath(where, maxPathHops)
		}
		heldBy = fmt.Sprintf("%s %s, %s, retaining %s", idom.Type, hexAddr(idom.Addr), where, report.Bytes(idom.Retained))
	}
	if o.Format == report.FormatJSON {
		return report.WriteJSON(o.IO.Out, objectJSON{
			Snapshot: snap.ID, Address: hexAddr(obj.Addr), Type: obj.Type, Size: obj.Size, Len: optional(obj.Len),
			Value: obj.Value, Retained: obj.Retained, Distance: optional(obj.Distance), Path: path,
			HeldBy: heldBy, Refs: obj.NRefs, Referrers: obj.NReferrers,
		})
	}
	t := &report.Table{Columns: []report.Column{{Title: "OBJECT", Key: "field"}, {Title: hexAddr(obj.Addr), Key: "value"}}}
	add := func(k, v string) { t.Rows = append(t.Rows, []any{k, v}) }
	add("type", obj.Type)
	add("snapshot", fmt.Sprintf("%d (%s)", snap.ID, snap.Label))
	add("size", report.Bytes(obj.Size))
	add("retained", report.Bytes(obj.Retained))
	if obj.Len >= 0 {
		add("len", report.Count(obj.Len))
	}
	if obj.Value != "" {
		add("value", report.Truncate(obj.Value, 100))
	}
	if obj.Distance >= 0 {
		add("distance", fmt.Sprintf("%d from a root", obj.Distance))
	} else {
		add("distance", "unreachable")
	}
	if !o.Wide {
		path = analysis.ShortPath(path, maxPathHops)
	}
	add("path", path)
	if heldBy == "" {
		heldBy = "nothing but the roots (no single object dominates it)"
	}
	add("held by", heldBy)
	add("refers to", fmt.Sprintf("%s (memsee kids %s)", objects(obj.NRefs), hexAddr(obj.Addr)))
	add("referred by", fmt.Sprintf("%s (memsee refs %s)", objects(obj.NReferrers), hexAddr(obj.Addr)))
	return report.Render(o.IO.Tables(o.Wide), o.Format, t)
}

func objects(n int) string {
	if n == 1 {
		return "1 object"
	}
	return report.Count(int64(n)) + " objects"
}
