package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/memsee/memsee/internal/capture"
	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/loader"
	"github.com/memsee/memsee/internal/report"
	"github.com/memsee/memsee/internal/store"
	"github.com/spf13/cobra"
)

// captureFlags are the flags of every command that takes snapshots from a running process
// (load URL, capture, watch).
type captureFlags struct {
	Keep          string
	Timeout       time.Duration
	DumpDir       string
	OpenInspector bool
	Binary        string // the Go executable, for a heap dump from the Go dumper
}

func (c *captureFlags) add(cmd *cobra.Command, targets bool) {
	cmd.Flags().StringVar(&c.Keep, "keep", "", "keep each captured file in this directory (a dump the process's own dumper writes stays in its directory); default: remove it after the load")
	cmd.Flags().DurationVar(&c.Timeout, "timeout", capture.DefaultTimeout, "give up on a capture (the dump and its transfer) after this long")
	if targets {
		cmd.Flags().StringVar(&c.DumpDir, "dump-dir", "", "python: the directory the dumper writes into (default: the process's MEMSEE_DUMP_DIR)")
		cmd.Flags().StringVar(&c.Binary, "binary", "", "go: the executable serving the Go dumper's /debug/heapdump, to name its globals (--binary ./server)")
		cmd.Flags().BoolVar(&c.OpenInspector, "open-inspector", false, "node:PID: send the process SIGUSR1, which opens its inspector on 127.0.0.1:9229 (and leaves it open)")
	}
}

// readerOptions are the options of the formats' readers that c sets, by flag name.
func (c *captureFlags) readerOptions() heap.Options {
	if c.Binary == "" {
		return nil
	}
	return heap.Options{"binary": c.Binary}
}

func (c *captureFlags) options(f *Factory) capture.Options {
	return capture.Options{Timeout: c.Timeout, Keep: c.Keep, DumpDir: c.DumpDir, OpenInspector: c.OpenInspector, Now: f.Now}
}

// captureInto takes one snapshot of t and loads it into l with opts; its temporary file is
// removed when the load is done, whatever the outcome.
func captureInto(ctx context.Context, l *store.Load, t capture.Target, co capture.Options, opts loader.Options) (loader.Result, error) {
	snap, err := capture.Take(ctx, t, co)
	if err != nil {
		return loader.Result{}, err
	}
	defer snap.Remove()
	opts.Source, opts.Fetched = snap.Source, snap.TakenAt
	if opts.Label == "" {
		opts.Label = snap.Label
	}
	res, err := loader.Load(ctx, l, snap.Path, opts)
	if err != nil {
		return res, fmt.Errorf("loading what %s sent: %w", t, err)
	}
	return res, nil
}

type captureOptions struct {
	IO     *IOStreams
	f      *Factory
	Target capture.Target
	Label  string
	Series string
	cf     captureFlags
	out    outputFlags
	Format report.Format
}

func newCmdCapture(f *Factory, runF func(*captureOptions) error) *cobra.Command {
	o := &captureOptions{IO: f.IO, f: f}
	cmd := &cobra.Command{
		Use:   "capture <target>",
		Short: "Take one snapshot of a running process and load it",
		Long: `Capture takes one heap snapshot of a running process, by its runtime, and loads it into the
database as load does. Before it begins, it says on stderr what the capture costs the process
(how long it pauses it, what memory and disk it takes). The target is one of:

` + indent(capture.TargetSyntax, "  ") + `

memsee sends a signal only where it was asked to and the process expects it: to a Python process
that catches SIGUSR1 (the dumper's install_signal_handler) and whose dump directory is known,
and to a Node process only with --open-inspector. A JVM must run as memsee's user (jcmd attaches
to it). The captured file is removed after the load unless --keep names a directory for it;
so is the dump the process's own dumper wrote at memsee's request (Python, the Go dumper),
which --keep leaves in the dumper's directory.`,
		Example: `  $ memsee capture http://localhost:6060/debug/pprof/heap --series api
  $ memsee capture http://localhost:6060/debug/heapdump --binary ./server
  $ memsee capture node://127.0.0.1:9229 --series web
  $ memsee capture node:4242 --open-inspector
  $ memsee capture jvm:4711 --keep dumps/
  $ memsee capture python:4791 --dump-dir /var/lib/shop/heapdumps
  $ memsee capture ruby:5150`,
		Args: exactArgs(1, "a target: a URL, node://HOST:PORT, node:PID, jvm:PID, python:PID or ruby:PID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.Target, err = capture.ParseTarget(args[0]); err != nil {
				return flagErrorf(cmd, "%v", err)
			}
			if o.Format, err = o.out.resolve(cmd); err != nil {
				return err
			}
			if err := checkLabelSeries(cmd, o.Label, o.Series); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return captureRun(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.Label, "label", "", "label for the snapshot (default: the runtime or file name and the time, node-20261130T014307.123Z)")
	cmd.Flags().StringVar(&o.Series, "series", "", "the process the snapshot comes from, to keep several apart for leaks")
	o.cf.add(cmd, true)
	o.out.add(cmd)
	return cmd
}

func captureRun(ctx context.Context, o *captureOptions) (err error) {
	if !o.f.Quiet {
		fmt.Fprintf(o.IO.ErrOut, "capturing %s: %s\n", report.Clean(o.Target.String()), o.Target.Cost())
	}
	limit, err := memoryLimit()
	if err != nil {
		return err
	}
	db, err := o.f.StoreCreate(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			db.Abandon()
		} else {
			db.Close()
		}
	}()
	l, err := db.BeginLoad(ctx)
	if err != nil {
		return err
	}
	defer l.Rollback()
	start := o.f.Now()
	res, err := captureInto(ctx, l, o.Target, o.cf.options(o.f), loader.Options{Label: o.Label, Series: o.Series, Now: start, MemoryLimit: limit, Reader: o.cf.readerOptions()})
	if err != nil {
		return err
	}
	if err := l.Commit(); err != nil {
		return fmt.Errorf("saving to %s: %w", db.Path(), err)
	}
	if err := finishLoad(ctx, db, []loader.Result{res}); err != nil {
		fmt.Fprintf(o.IO.ErrOut, "memsee: note: loaded, but %s\n", report.Clean(err.Error()))
	}
	if err := report.Loaded(o.IO.Tables(false), o.Format, []loader.Result{res}); err != nil {
		return err
	}
	report.LoadNotes(o.IO.ErrOut, []loader.Result{res}, false)
	if o.IO.ErrTTY && !o.f.Quiet {
		fmt.Fprintf(o.IO.ErrOut, "captured and loaded into %s in %s\n", report.Clean(db.Path()), o.f.Now().Sub(start).Round(time.Millisecond))
	}
	return nil
}

// indent puts prefix before every line of s.
func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
