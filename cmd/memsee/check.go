package main

import (
	"context"
	"strings"

	"github.com/memsee/memsee/internal/leak"
	"github.com/memsee/memsee/internal/report"
	"github.com/spf13/cobra"
)

type checkOptions struct {
	IO         *IOStreams
	f          *Factory
	out        outputFlags
	Format     report.Format
	Base, Head []string // files, or snapshot references
	Budget     leak.Budget
	N          int
}

func newCmdCheck(f *Factory, runF func(*checkOptions) error) *cobra.Command {
	o := &checkOptions{IO: f.IO, f: f}
	var maxGrowth, maxBytes, maxKey string
	cmd := &cobra.Command{
		Use:   "check <base> <head>",
		Short: "Fail a build whose heap grew past a budget (for CI)",
		Long: `Check compares the heap of two builds under the same workload and exits 1 when head grew
past a budget, after printing what grew. BASE and HEAD are files (heap profiles or dumps,
loaded into a temporary database) or snapshots of --db; several of either, in time order,
are separated by commas. The last of each side is compared; when head has three or more,
its growth is told static or incremental.

Keys are types (object dumps) or allocation stacks by function (heap profiles; line
numbers move between builds), never object ids.

Budgets: --max-growth for the whole heap in percent (10% unless another budget is given),
--max-bytes for the whole heap in bytes, --max-key-growth for any one key, in bytes or
percent (a key new in head is over a percent budget once it holds 64KiB).

Exit codes: 0 within budget, 1 over budget, 2 bad input.`,
		Example: `  $ memsee check base/heap.pb.gz head/heap.pb.gz
  $ memsee check base.pb.gz head.pb.gz --max-growth 5% --max-key-growth 1MiB --format markdown
  $ memsee check base-1.pb.gz,base-2.pb.gz,base-3.pb.gz head-1.pb.gz,head-2.pb.gz,head-3.pb.gz
  $ memsee check shop1 shop4 --max-bytes 5MiB`,
		Args: exactArgs(2, "two sides: base and head (files or snapshots; several joined by commas)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Base, o.Head = splitList(args[0]), splitList(args[1])
			if len(o.Base) == 0 || len(o.Head) == 0 {
				return flagErrorf(cmd, "base and head each need a file or a snapshot")
			}
			var err error
			if o.Format, err = o.out.resolve(cmd); err != nil {
				return err
			}
			o.Budget = leak.Budget{MaxGrowth: -1, MaxBytes: -1, KeyMaxBytes: -1, KeyMaxGrowth: -1, KeyFloor: leak.DefaultMinBytes}
			anySet := false
			for _, name := range []string{"max-growth", "max-bytes", "max-key-growth"} {
				anySet = anySet || cmd.Flags().Changed(name)
			}
			if !anySet || cmd.Flags().Changed("max-growth") {
				p, err := report.ParsePercent(maxGrowth)
				if err != nil {
					return flagErrorf(cmd, "--max-growth: %v", err)
				}
				o.Budget.MaxGrowth = p / 100
			}
			if maxBytes != "" {
				if o.Budget.MaxBytes, err = report.ParseBytes(maxBytes); err != nil {
					return flagErrorf(cmd, "--max-bytes: %v", err)
				}
			}
			if maxKey != "" {
				if strings.HasSuffix(strings.TrimSpace(maxKey), "%") {
					p, err := report.ParsePercent(maxKey)
					if err != nil {
						return flagErrorf(cmd, "--max-key-growth: %v", err)
					}
					o.Budget.KeyMaxGrowth = p / 100
				} else if o.Budget.KeyMaxBytes, err = report.ParseBytes(maxKey); err != nil {
					return flagErrorf(cmd, "--max-key-growth: want a size (1MiB) or a percentage (50%%): %v", err)
				}
			}
			if o.N < 0 {
				return flagErrorf(cmd, "-n %d: want 0 (all) or more", o.N)
			}
			if runF != nil {
				return runF(o)
			}
			return checkRun(cmd.Context(), o)
		},
	}
	o.out.add(cmd)
	cmd.Flags().StringVar(&maxGrowth, "max-growth", "10%", "budget for the whole heap's growth, in percent of base")
	cmd.Flags().StringVar(&maxBytes, "max-bytes", "", "budget for the whole heap's growth, in bytes (5MiB)")
	cmd.Flags().StringVar(&maxKey, "max-key-growth", "", "budget for any one type or stack: bytes (1MiB) or percent (50%)")
	cmd.Flags().IntVarP(&o.N, "n", "n", 10, "show the N keys that grew most (0 for all)")
	return cmd
}

func checkRun(ctx context.Context, o *checkOptions) error {
	db, base, head, done, err := openSides(ctx, o.f, o.Base, o.Head)
	if err != nil {
		return err
	}
	defer done()
	r, err := leak.Check(ctx, db, base, head, o.Budget)
	if err != nil {
		return err
	}
	if err := report.Check(o.IO.Out, o.Format, r, o.N); err != nil {
		return err
	}
	if r.Failed() {
		return ErrCheckFailed
	}
	return nil
}
