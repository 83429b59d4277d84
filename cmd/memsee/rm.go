package main

import (
	"context"
	"fmt"

	"github.com/memsee/memsee/internal/report"
	"github.com/memsee/memsee/internal/store"
	"github.com/spf13/cobra"
)

type rmOptions struct {
	IO    *IOStreams
	f     *Factory
	Snaps []string
}

func newCmdRm(f *Factory, runF func(*rmOptions) error) *cobra.Command {
	o := &rmOptions{IO: f.IO, f: f}
	cmd := &cobra.Command{
		Use:   "rm <snapshot>...",
		Short: "Remove snapshots and everything loaded with them",
		Example: `  $ memsee rm 2
  $ memsee rm heap1 heap2`,
		Args: minArgs(1, "one or more snapshots (id, label, first, last or -N)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Snaps = args
			if runF != nil {
				return runF(o)
			}
			return rmRun(cmd.Context(), o)
		},
	}
	return cmd
}

func rmRun(ctx context.Context, o *rmOptions) error {
	db, err := o.f.StoreWrite(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	var snaps []store.Snapshot
	var ids []int64
	for _, ref := range o.Snaps {
		s, err := db.Resolve(ctx, ref)
		if err != nil {
			return err
		}
		snaps = append(snaps, s)
		ids = append(ids, s.ID)
	}
	if err := db.Remove(ctx, ids...); err != nil {
		return err
	}
	for _, s := range snaps {
		fmt.Fprintf(o.IO.Out, "removed snapshot %d (%s)\n", s.ID, report.Clean(s.Label))
	}
	return nil
}
