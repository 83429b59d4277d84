package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/memsee/memsee/internal/report"
	"github.com/memsee/memsee/internal/store"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// ErrCheckFailed means the condition the user asked about was found (exit 1).
var ErrCheckFailed = errors.New("check failed")

// Main runs memsee with the process's arguments and streams and returns the exit code.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	signal.Ignore(syscall.SIGPIPE) // a closed stdout is an error, EPIPE, that ends memsee quietly (pipeOut)
	ios := &IOStreams{
		In:     os.Stdin,
		Out:    &pipeOut{w: os.Stdout},
		ErrOut: os.Stderr,
		OutTTY: isatty.IsTerminal(os.Stdout.Fd()),
		ErrTTY: isatty.IsTerminal(os.Stderr.Fd()),
	}
	ios.Width = outputWidth(os.Getenv("COLUMNS"), ios.OutTTY, func() (int, error) {
		w, _, err := term.GetSize(int(os.Stdout.Fd()))
		return w, err
	})
	if ios.OutTTY {
		// Strings from dumps are cleaned where they are printed; this is the net under that.
		ios.Cursor = ios.Out
		ios.Out = report.TerminalWriter(ios.Out)
	}
	ios.setColorAuto()
	return run(ctx, os.Args[1:], ios, os.Getenv("MEMSEE_DB"), time.Now)
}

// run is Main with everything injected: the end-to-end tests call it too.
func run(ctx context.Context, args []string, ios *IOStreams, envDB string, now func() time.Time) int {
	b := readBuildInfo()
	f := &Factory{IO: ios, Now: now, Version: b.short(), Build: b}
	root := newRootCmd(f, envDB)
	root.SetArgs(negativeRefs(args))
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	err := suggestCommand(root, root.ExecuteContext(ctx))
	return exitCode(err, ios.ErrOut, f.Color.on(ios.ColorErr))
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
		// Commands one or two edits away from a mistyped one are suggested (cobra's default,
		// said here so that it stays).
		SuggestionsMinimumDistance: 2,
		PersistentPreRun: func(cmd *cobra.Command, args []string) {
			if f.DBPath == "" {
				f.DBPath = envDB
			}
			if f.DBPath == "" {
				f.DBPath = "memsee.db"
			}
			f.IO.useColor(f.Color)
		},
	}
	var build strings.Builder
	f.Build.write(&build)
	root.SetVersionTemplate(build.String())
	root.PersistentFlags().StringVar(&f.DBPath, "db", "", "database file (default $MEMSEE_DB, else ./memsee.db)")
	root.PersistentFlags().BoolVarP(&f.Quiet, "quiet", "q", false, "show no progress on the terminal")
	root.PersistentFlags().Var(&f.Color, "color", colorFlagHelp)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return usageError{err: suggestFlag(cmd, err), cmd: cmd.CommandPath()}
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
		newCmdExport(f, nil),
		newCmdLeaks(f, nil),
		newCmdCheck(f, nil),
		newCmdReport(f, nil),
		newCmdDumper(f),
		newCmdQuery(f, nil),
		newCmdRm(f, nil),
		newCmdCapture(f, nil),
		newCmdWatch(f, nil),
		newCmdVersion(f),
	)
	addCompletions(root, f, envDB)
	return root
}
