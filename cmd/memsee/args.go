package main

import (
	"fmt"

	"github.com/memsee/memsee/internal/report"
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
