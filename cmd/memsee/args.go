package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/memsee/memsee/internal/loader"
	"github.com/memsee/memsee/internal/report"
	"github.com/memsee/memsee/internal/store"
	"github.com/spf13/cobra"
)

// usageError is bad usage: a wrong flag, a wrong number of arguments, flags that do not go
// together.
type usageError struct {
	err error
	cmd string
}

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// flagErrorf returns a usage error for the command.
func flagErrorf(cmd *cobra.Command, format string, a ...any) error {
	return usageError{err: fmt.Errorf(format, a...), cmd: cmd.CommandPath()}
}

// exactArgs is cobra.ExactArgs with a usage error that says what the arguments are.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return flagErrorf(cmd, "%s takes %s (got %d arguments)", cmd.Name(), what, len(args))
		}
		return nil
	}
}

func rangeArgs(min, max int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < min || len(args) > max {
			return flagErrorf(cmd, "%s takes %s (got %d arguments)", cmd.Name(), what, len(args))
		}
		return nil
	}
}

func minArgs(min int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < min {
			return flagErrorf(cmd, "%s takes %s", cmd.Name(), what)
		}
		return nil
	}
}

// outputFlags adds --format, --json and --wide to a listing command.
type outputFlags struct {
	format string
	json   bool
	wide   bool
}

func (o *outputFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.format, "format", "table", "output format: table, json, csv or markdown")
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON with raw numbers (same as --format json)")
	cmd.Flags().BoolVar(&o.wide, "wide", false, "show tables whole: no cell cut to the terminal's width, no path or stack shortened")
}

func (o *outputFlags) resolve(cmd *cobra.Command) (report.Format, error) {
	if o.json {
		if cmd.Flags().Changed("format") && o.format != "json" {
			return "", flagErrorf(cmd, "--json and --format %s do not go together", o.format)
		}
		return report.FormatJSON, nil
	}
	f, err := report.ParseFormat(o.format)
	if err != nil {
		return "", flagErrorf(cmd, "%v", err)
	}
	return f, nil
}

// defaultRows is how many rows -n shows when it is not given, in every command that takes it.
const defaultRows = 20

// rowsValue is -n: how many rows a command shows, 0 for all; a negative count is refused as
// the flag is parsed, the same way in every command.
type rowsValue struct{ n *int }

func (v rowsValue) String() string { return strconv.Itoa(*v.n) }
func (v rowsValue) Type() string   { return "int" }
func (v rowsValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return fmt.Errorf("-n %s: want 0 (all) or more", s)
	}
	*v.n = n
	return nil
}

// rowsFlag adds -n to a command; what says what its rows are ("leaks", "paths").
func rowsFlag(cmd *cobra.Command, n *int, what string) {
	*n = defaultRows
	cmd.Flags().VarP(rowsValue{n}, "n", "n", fmt.Sprintf("show the first N %s (0 for all)", what))
}

// snapFlag adds --snap, the snapshot a command that reads one snapshot reads: the same flag,
// default and words in every such command.
func snapFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVar(p, "snap", "last", "snapshot: id, label, series/label, first, last or -N")
}

// snapArg is the snapshot of a command whose one positional argument may name it (top,
// dominators): memsee top heap3 and memsee top --snap heap3 are the same; both, naming two
// snapshots, is an error.
func snapArg(cmd *cobra.Command, args []string, snap *string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.Flags().Changed("snap") && *snap != args[0] {
		return flagErrorf(cmd, "the snapshot is given twice, as %s and --snap %s: give one", args[0], *snap)
	}
	*snap = args[0]
	return nil
}

// checkLabelSeries checks the --label and --series of a command that loads snapshots (load,
// capture, watch): a label memsee can refer to, and a series without the separator of
// series/label.
func checkLabelSeries(cmd *cobra.Command, label, series string) error {
	if label != "" {
		if err := loader.CheckLabel(label); err != nil {
			return flagErrorf(cmd, "%v", err)
		}
	}
	if strings.Contains(series, store.SeriesSep) {
		return flagErrorf(cmd, "--series %q has a %q, which separates a series from a label (node/heap1); choose another", series, store.SeriesSep)
	}
	return nil
}
