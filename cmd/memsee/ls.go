package main

import (
	"context"

	"github.com/memsee/memsee/internal/report"
	"github.com/memsee/memsee/internal/store"
	"github.com/spf13/cobra"
)

type lsOptions struct {
	IO     *IOStreams
	f      *Factory
	out    outputFlags
	Format report.Format
	Wide   bool // tables whole, not cut to the terminal
}

func newCmdLs(f *Factory, runF func(*lsOptions) error) *cobra.Command {
	o := &lsOptions{IO: f.IO, f: f}
	cmd := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List the loaded snapshots",
		Example: `  $ memsee ls
  $ memsee ls --json | jq '.[].label'`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.Format, err = o.out.resolve(cmd); err != nil {
				return err
			}
			o.Wide = o.out.wide
			if runF != nil {
				return runF(o)
			}
			return lsRun(cmd.Context(), o)
		},
	}
	o.out.add(cmd)
	return cmd
}

func lsRun(ctx context.Context, o *lsOptions) error {
	db, err := o.f.Store(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	snaps, err := db.Snapshots(ctx)
	if err != nil {
		return err
	}
	t := &report.Table{Columns: []report.Column{
		{Title: "ID", Key: "id", Unit: report.UnitInt},
		{Title: "LABEL", Key: "label"},
		{Title: "FORMAT", Key: "format"},
		{Title: "TAKEN", Key: "taken_at", Unit: report.UnitTime},
		{Title: "FROM", Key: "taken_from", JSONOnly: true},
		{Title: "OBJECTS", Key: "objects", Unit: report.UnitCount},
		{Title: "BYTES", Key: "bytes", Unit: report.UnitBytes},
		{Title: "FILE", Key: "source"},
		{Key: "kind", JSONOnly: true},
		{Key: "sha256", JSONOnly: true},
		{Title: "SERIES", Key: "series", JSONOnly: true},
	}}
	for _, s := range snaps {
		t.Rows = append(t.Rows, []any{s.ID, s.Label, s.Format, s.TakenAt, s.TakenFrom, s.Objects, s.Bytes, s.Source, s.Kind, s.SHA256, s.Series})
		if s.TakenFrom != store.TakenFromDump {
			// A table says where the times came from once one is not the dump's own: a name,
			// a gzip header, or a file's modification time, which orders nothing.
			t.Columns[4].JSONOnly = false
		}
		if s.Series != "" {
			t.Columns[len(t.Columns)-1].JSONOnly = false // a table shows series once there are some
		}
	}
	if len(snaps) == 0 && o.Format == report.FormatTable {
		_, err := o.IO.Out.Write([]byte("no snapshots yet: memsee load <file> adds one\n"))
		return err
	}
	return report.Render(o.IO.Tables(o.Wide), o.Format, t)
}
