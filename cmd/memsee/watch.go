package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/memsee/memsee/internal/capture"
	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/leak"
	"github.com/memsee/memsee/internal/loader"
	"github.com/memsee/memsee/internal/report"
	"github.com/memsee/memsee/internal/store"
	"github.com/spf13/cobra"
)

type watchOptions struct {
	IO       *IOStreams
	f        *Factory
	Target   capture.Target
	Series   string
	Every    time.Duration
	Until    string // incremental, static or any
	Max      int    // 0: until the condition holds
	KeepLast int    // 0: keep every object dump
	Limit    int64  // --memory-limit
	N        int
	cf       captureFlags
}

func newCmdWatch(f *Factory, runF func(*watchOptions) error) *cobra.Command {
	o := &watchOptions{IO: f.IO, f: f}
	var limit string
	cmd := &cobra.Command{
		Use:   "watch <target>",
		Short: "Take a snapshot of a running process every interval and say what leaks so far",
		Long: `Watch captures a snapshot of a running process (as capture does) every --every into one
series, and after each one says what leaks knows so far: one line per leak, redrawn in place on
a terminal, appended when piped. It stops when a leak of the --until kind is found (exit 1),
after --max snapshots without one (exit 0), or on an error (exit 2).

  --until incremental  a leak that grows with work (the default)
  --until static       one that grew once and stayed
  --until any          either, or one still undecided

Snapshots go to the series --series names (default: the target's host and port, or
RUNTIME-PID). --keep-last K removes the object dumps between the first and the last K as it
goes (as memsee rm does), so that a long watch does not fill the disk; the first stays as the
baseline, and heap profiles, which are small, all stay.

Each capture costs the process what capture says before the first one. The target is one of:

` + indent(capture.TargetSyntax, "  "),
		Example: `  $ memsee watch http://localhost:6060/debug/pprof/heap --every 5m --memory-limit 2GiB
  $ memsee watch node://127.0.0.1:9229 --every 10m --max 12 --keep-last 4
  $ memsee watch python:4791 --every 15m --until any --dump-dir /var/lib/shop/heapdumps`,
		Args: exactArgs(1, "a target: a URL, node://HOST:PORT, node:PID, jvm:PID, python:PID or ruby:PID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.Target, err = capture.ParseTarget(args[0]); err != nil {
				return flagErrorf(cmd, "%v", err)
			}
			if o.Every <= 0 {
				return flagErrorf(cmd, "--every %s: want an interval such as 5m", o.Every)
			}
			switch o.Until {
			case string(leak.Incremental), string(leak.Static), "any":
			default:
				return flagErrorf(cmd, "--until %q: want incremental, static or any", o.Until)
			}
			if o.Max < 0 || o.KeepLast < 0 {
				return flagErrorf(cmd, "--max and --keep-last count snapshots: 0 or more")
			}
			if o.KeepLast == 1 {
				return flagErrorf(cmd, "--keep-last 1 leaves one snapshot beside the first: leaks needs two to compare, three to tell static from incremental; pass 2 or more")
			}
			if limit != "" {
				if o.Limit, err = report.ParseBytes(limit); err != nil || o.Limit == 0 {
					return flagErrorf(cmd, "--memory-limit %s: want the memory the process may use, such as 2GiB", limit)
				}
			}
			if o.Series == "" {
				o.Series = defaultSeries(o.Target)
			}
			if err := checkLabelSeries(cmd, "", o.Series); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return watchRun(cmd.Context(), o)
		},
	}
	cmd.Flags().DurationVar(&o.Every, "every", 5*time.Minute, "the time between two snapshots")
	cmd.Flags().StringVar(&o.Until, "until", string(leak.Incremental), "stop when a leak of this kind is found: incremental, static or any")
	cmd.Flags().IntVar(&o.Max, "max", 0, "stop after this many snapshots (default: when the --until leak is found)")
	cmd.Flags().IntVar(&o.KeepLast, "keep-last", 0, "keep the object dumps of the first and the last K snapshots only (default: all)")
	cmd.Flags().StringVar(&o.Series, "series", "", "the series the snapshots go to (default: the target's host:port, or RUNTIME-PID)")
	cmd.Flags().StringVar(&limit, "memory-limit", "", "the process's memory limit (2GiB): say when incremental growth reaches it")
	rowsFlag(cmd, &o.N, "leaks")
	o.cf.add(cmd, true)
	return cmd
}

// defaultSeries names the series of a watch after its target: 127.0.0.1:6060, jvm-4711.
func defaultSeries(t capture.Target) string {
	if t.URL != nil {
		return t.URL.Host
	}
	return fmt.Sprintf("%s-%d", t.Runtime, t.PID)
}

func watchRun(ctx context.Context, o *watchOptions) error {
	if !o.f.Quiet {
		fmt.Fprintf(o.IO.ErrOut, "watching %s every %s, into series %s; each capture: %s\n",
			report.Clean(o.Target.String()), o.Every, report.Clean(o.Series), o.Target.Cost())
	}
	limit, err := memoryLimit()
	if err != nil {
		return err
	}
	screen := &watchScreen{w: o.IO.Out, cursor: o.IO.Cursor}
	// interrupted says what Ctrl-C leaves: the snapshots taken so far are saved.
	interrupted := func(taken int) error {
		return fmt.Errorf("interrupted after %d snapshot(s); those are saved, in series %s (memsee leaks --series %s)", taken, o.Series, o.Series)
	}
	for i := 1; ; i++ {
		res, err := watchOnce(ctx, o, limit)
		if err != nil {
			if ctx.Err() != nil {
				return interrupted(i - 1)
			}
			return err
		}
		found, err := watchLeaks(ctx, o, screen, i, res)
		if err != nil {
			return err
		}
		if found {
			if !o.f.Quiet {
				fmt.Fprintf(o.IO.ErrOut, "watch: found a leak (--until %s) after %d snapshots\n", o.Until, i)
			}
			return ErrCheckFailed
		}
		if o.Max > 0 && i >= o.Max {
			if !o.f.Quiet {
				fmt.Fprintf(o.IO.ErrOut, "watch: no leak (--until %s) in %d snapshots\n", o.Until, i)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return interrupted(i)
		case <-time.After(o.Every):
		}
	}
}

// watchOnce captures one snapshot into the series and, with --keep-last, thins the object
// dumps before it.
func watchOnce(ctx context.Context, o *watchOptions, limit int64) (loader.Result, error) {
	db, err := o.f.StoreCreate(ctx)
	if err != nil {
		return loader.Result{}, err
	}
	defer db.Close()
	l, err := db.BeginLoad(ctx)
	if err != nil {
		return loader.Result{}, err
	}
	defer l.Rollback()
	now := o.f.Now()
	// A process at rest can send the same bytes twice; each capture is a snapshot of its own.
	res, err := captureInto(ctx, l, o.Target, o.cf.options(o.f), loader.Options{Series: o.Series, Now: now, MemoryLimit: limit, Force: true, Reader: o.cf.readerOptions()})
	if err != nil {
		return res, err
	}
	if err := l.Commit(); err != nil {
		return res, fmt.Errorf("saving to %s: %w", db.Path(), err)
	}
	if err := finishLoad(ctx, db, []loader.Result{res}); err != nil {
		fmt.Fprintf(o.IO.ErrOut, "memsee: note: %s\n", report.Clean(err.Error()))
	}
	if o.KeepLast > 0 {
		if err := thin(ctx, db, o.Series, o.KeepLast); err != nil {
			return res, err
		}
	}
	return res, nil
}

// thin removes the object dumps of series between its first snapshot and its last keep.
func thin(ctx context.Context, db *store.DB, series string, keep int) error {
	all, err := db.Snapshots(ctx)
	if err != nil {
		return err
	}
	var dumps []int64
	for _, s := range all {
		if s.Series == series && s.Kind == heap.KindGraph {
			dumps = append(dumps, s.ID)
		}
	}
	if len(dumps) <= keep+1 {
		return nil
	}
	if err := db.Remove(ctx, dumps[1:len(dumps)-keep]...); err != nil {
		return fmt.Errorf("--keep-last %d: removing older snapshots: %w", keep, err)
	}
	return nil
}

// watchLeaks says what leaks knows after snapshot i, and whether a leak of the --until kind is
// among it.
func watchLeaks(ctx context.Context, o *watchOptions, screen *watchScreen, i int, res loader.Result) (bool, error) {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "snapshot %d: %s, %s, %s\n", i, report.Clean(res.Label), res.TakenAt.Local().Format("15:04:05"), report.Bytes(res.Bytes))
	db, err := o.f.Store(ctx)
	if err != nil {
		return false, err
	}
	defer db.Close()
	r, err := leak.Leaks(ctx, db, leak.Query{Series: o.Series, SeriesSet: true, Limit: o.Limit, MinGrowth: 10})
	if err != nil {
		var n int
		if snaps, serr := db.Snapshots(ctx); serr == nil {
			for _, s := range snaps {
				if s.Series == o.Series {
					n++
				}
			}
		}
		if n >= 2 {
			return false, err
		}
		buf.WriteString("leaks needs a second snapshot\n")
		return false, screen.show(buf.Bytes())
	}
	if err := report.Leaks(report.Fit(&buf, o.IO.Width), report.FormatTable, r, report.LeaksOptions{N: o.N}); err != nil {
		return false, err
	}
	if err := screen.show(buf.Bytes()); err != nil {
		return false, err
	}
	for _, f := range r.Findings {
		if string(f.Kind) == o.Until || (o.Until == "any") {
			return true, nil
		}
	}
	return false, nil
}

// watchScreen shows what watch knows after each snapshot: on a terminal, in place of what it
// showed before; elsewhere, after it.
type watchScreen struct {
	w      io.Writer // the text, through the terminal's filter
	cursor io.Writer // the terminal itself, for the cursor moves only; nil: append
	lines  int       // lines shown last, to take back on a terminal
}

func (s *watchScreen) show(b []byte) error {
	if s.cursor != nil && s.lines > 0 {
		// Up to the first line shown last, and clear from there down.
		if _, err := fmt.Fprintf(s.cursor, "\x1b[%dA\r\x1b[J", s.lines); err != nil {
			return err
		}
	}
	s.lines = bytes.Count(b, []byte{'\n'})
	_, err := s.w.Write(b)
	return err
}
