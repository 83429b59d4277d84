package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/memsee/memsee/internal/report"
	"github.com/memsee/memsee/internal/store"
	"github.com/spf13/cobra"
)

// IOStreams are a command's input and outputs. Tests use buffers.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	OutTTY bool // Out is a terminal
	ErrTTY bool // ErrOut is a terminal: progress may be shown
}

// Factory carries what every command needs, made lazily.
type Factory struct {
	IO      *IOStreams
	DBPath  string // from --db, else $MEMSEE_DB, else ./memsee.db
	Now     func() time.Time
	Version string
}

// Store opens the database, which must exist, for reading: a read-only connection, one state
// of the database for the whole command, no migration. Loads and removals may run beside it.
func (f *Factory) Store(ctx context.Context) (*store.DB, error) {
	return store.OpenRead(ctx, f.DBPath, store.Options{Wait: f.waitNote()})
}

// StoreWrite opens the database, which must exist, for writing (rm, query --write).
func (f *Factory) StoreWrite(ctx context.Context) (*store.DB, error) {
	return store.OpenWrite(ctx, f.DBPath, store.Options{Wait: f.waitNote()})
}

// StoreCreate opens the database for writing, creating it if needed (load).
func (f *Factory) StoreCreate(ctx context.Context) (*store.DB, error) {
	return store.OpenWrite(ctx, f.DBPath, store.Options{Create: true, Wait: f.waitNote()})
}

// waitNote says, on stderr, that a writer waits for another memsee to finish writing.
func (f *Factory) waitNote() func() {
	return func() {
		fmt.Fprintf(f.IO.ErrOut, "memsee: waiting for another memsee (a load or rm) writing %s to finish...\n", report.Clean(f.DBPath))
	}
}

// ErrCheckFailed means the condition the user asked about was found (exit 1).
var ErrCheckFailed = errors.New("check failed")

// Main runs memsee with the process's arguments and streams and returns the exit code.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ios := &IOStreams{
		In:     os.Stdin,
		Out:    os.Stdout,
		ErrOut: os.Stderr,
		OutTTY: isatty.IsTerminal(os.Stdout.Fd()),
		ErrTTY: isatty.IsTerminal(os.Stderr.Fd()),
	}
	if ios.OutTTY {
		// Strings from dumps are cleaned where they are printed; this is the net under that.
		ios.Out = report.TerminalWriter(os.Stdout)
	}
	return run(ctx, os.Args[1:], ios, os.Getenv("MEMSEE_DB"), time.Now)
}

// run is Main with everything injected: the end-to-end tests call it too.
func run(ctx context.Context, args []string, ios *IOStreams, envDB string, now func() time.Time) int {
	f := &Factory{IO: ios, Now: now, Version: version()}
	root := newRootCmd(f, envDB)
	root.SetArgs(negativeRefs(args))
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	err := root.ExecuteContext(ctx)
	return exitCode(err, ios.ErrOut)
}

// negativeRefs lets users write -1 for the last snapshot (-2 for the one before): a bare
// negative number that is not the value of -n is marked as a positional argument, which
// cobra would otherwise parse as a shorthand flag.
func negativeRefs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if store.IsFromEnd(a) && (i == 0 || (args[i-1] != "-n" && args[i-1] != "--n")) {
			out[i] = store.RefPrefix + a
		}
	}
	return out
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

func newRootCmd(f *Factory, envDB string) *cobra.Command {
	root := &cobra.Command{
		Use:   "memsee <command>",
		Short: "Find memory leaks in heap dumps and heap profiles",
		Long: `memsee loads heap profiles and heap dumps into a SQLite database, compares snapshots
taken over time, and tells a static leak (the footprint grew once) from an incremental one
(it grows with every request), and who holds it.`,
		Example: `  $ memsee load heap1.pb.gz heap2.pb.gz heap3.pb.gz
  $ memsee ls
  $ memsee top last --by function
  $ memsee diff first last`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       f.Version,
		PersistentPreRun: func(cmd *cobra.Command, args []string) {
			if f.DBPath == "" {
				f.DBPath = envDB
			}
			if f.DBPath == "" {
				f.DBPath = "memsee.db"
			}
		},
	}
	root.PersistentFlags().StringVar(&f.DBPath, "db", "", "database file (default $MEMSEE_DB, else ./memsee.db)")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return usageError{err: err, cmd: cmd.CommandPath()}
	})
	root.AddCommand(
		newCmdLoad(f, nil),
		newCmdLs(f, nil),
		newCmdTop(f, nil),
		newCmdDiff(f, nil),
		newCmdShow(f, nil),
		newCmdRefs(f, nil),
		newCmdKids(f, nil),
		newCmdPath(f, nil),
		newCmdDominators(f, nil),
		newCmdLeaks(f, nil),
		newCmdCheck(f, nil),
		newCmdDumper(f),
		newCmdQuery(f, nil),
		newCmdRm(f, nil),
	)
	return root
}

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

// outputFlags adds --format and --json to a listing command.
type outputFlags struct {
	format string
	json   bool
}

func (o *outputFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.format, "format", "table", "output format: table, json, csv or markdown")
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON with raw numbers (same as --format json)")
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
