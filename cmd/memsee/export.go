package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/memsee/memsee/internal/analysis"
	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/report"
	"github.com/memsee/memsee/internal/store"
	"github.com/spf13/cobra"
)

// foldedFormat is export's text output: folded stacks.
const foldedFormat = "folded"

type exportOptions struct {
	IO     *IOStreams
	f      *Factory
	Snap   string
	Base   string // --base: also write this snapshot, labelled alike, for -diff_base
	Output string // -o: the file; "" or "-" for stdout
	Folded bool   // folded stacks, not a profile
	Depth  int    // frames in a stack at most
}

// profileFormat is the name of the format of heap profiles that memsee reads, which export
// writes: google/pprof's profile.proto. It is asked of the registry, as every format's name is.
func profileFormat() string {
	for _, h := range heap.Handlers() {
		if h.Kind() == heap.KindProfile {
			return string(h.Format())
		}
	}
	return "profile"
}

func newCmdExport(f *Factory, runF func(*exportOptions) error) *cobra.Command {
	o := &exportOptions{IO: f.IO, f: f}
	prof := profileFormat()
	var format string
	var asProfile bool
	cmd := &cobra.Command{
		Use:   "export [snapshot]",
		Short: "Write a snapshot as a profile or as folded stacks, for flame graphs",
		Long: `Export writes a snapshot for flame-graph tools. An object dump's stacks are its dominator
chains: each object under the objects that keep it alive, from a root down, so that a frame's
width is exactly what its object retains. Roots are named (module shop, class shop.Shop),
holders as leaks names them in HELD BY (module shop: _audit_log (list)), other objects by
type. A heap profile's stacks are its allocation stacks.

--format ` + prof + ` (the default) writes a gzipped profile for 'go tool pprof', whose values are
inuse_objects and inuse_space (shallow bytes: a frame's cumulative bytes are its retained
size). --format folded writes folded stacks with bytes, for flamegraph.pl and speedscope.

--base SNAP writes a second file beside -o, the base snapshot with its frames named by the
same rule, for 'go tool pprof -diff_base' (or difffolded.pl).

Stacks deeper than --depth frames end in a "…" frame holding all that is below.`,
		Example: `  $ memsee export shop4 -o shop4.pb.gz && go tool pprof -http=: shop4.pb.gz
  $ memsee export shop4 --format folded -o shop4.folded
  $ memsee export shop4 --base shop1 -o shop4.pb.gz
  $ go tool pprof -top -diff_base shop4.base.pb.gz shop4.pb.gz`,
		Args: rangeArgs(0, 1, "at most one snapshot"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := snapArg(cmd, args, &o.Snap); err != nil {
				return err
			}
			switch format {
			case prof:
			case foldedFormat:
				if asProfile {
					return flagErrorf(cmd, "--%s and --format %s do not go together", prof, format)
				}
				o.Folded = true
			default:
				return flagErrorf(cmd, "unknown --format %q: want %s or %s", format, prof, foldedFormat)
			}
			if o.Base != "" && (o.Output == "" || o.Output == "-") {
				return flagErrorf(cmd, "--base writes two files: give -o FILE for the snapshot (the base goes to %s)", baseFile("FILE"))
			}
			if o.Depth < 2 {
				return flagErrorf(cmd, "--depth %d: a stack needs 2 frames at least", o.Depth)
			}
			if runF != nil {
				return runF(o)
			}
			return exportRun(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&format, "format", prof, "output format: "+prof+" (a gzipped profile) or "+foldedFormat+" (folded stacks)")
	cmd.Flags().BoolVar(&asProfile, prof, false, "same as --format "+prof)
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "write to this file (default stdout, which a profile refuses on a terminal)")
	cmd.Flags().StringVar(&o.Base, "base", "", "also write this snapshot beside -o, for -diff_base")
	cmd.Flags().IntVar(&o.Depth, "depth", analysis.DefaultFlameDepth, "frames in a stack at most")
	snapFlag(cmd, &o.Snap)
	return cmd
}

func exportRun(ctx context.Context, o *exportOptions) error {
	if o.Output == "" || o.Output == "-" {
		if !o.Folded && o.IO.OutTTY {
			return fmt.Errorf("a profile is binary and stdout is a terminal: pass -o heap.pb.gz (or --format %s for text)", foldedFormat)
		}
	}
	db, err := o.f.Store(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	snap, err := db.Resolve(ctx, o.Snap)
	if err != nil {
		return err
	}
	opts := analysis.FlameOptions{MaxDepth: o.Depth}
	var base store.Snapshot
	if o.Base != "" {
		if base, err = db.Resolve(ctx, o.Base); err != nil {
			return err
		}
		if base.Kind != snap.Kind {
			return fmt.Errorf("snapshot %d (%s) is a %s and base %d (%s) a %s: a profile is compared with one of its kind",
				snap.ID, report.Clean(snap.Label), snap.Kind, base.ID, report.Clean(base.Label), base.Kind)
		}
		// One floor for both, so that a holder large in either is named in both.
		opts.NameFloor = min(analysis.NameFloorOf(snap), analysis.NameFloorOf(base))
	}
	if err := o.export(ctx, db, snap, opts, o.Output); err != nil {
		return err
	}
	if o.Base == "" {
		return nil
	}
	bf := baseFile(o.Output)
	if err := o.export(ctx, db, base, opts, bf); err != nil {
		return err
	}
	if o.IO.ErrTTY && !o.f.Quiet {
		if o.Folded {
			fmt.Fprintf(o.IO.ErrOut, "compare them: difffolded.pl %s %s | flamegraph.pl > diff.svg\n", report.Clean(bf), report.Clean(o.Output))
		} else {
			fmt.Fprintf(o.IO.ErrOut, "compare them: go tool pprof -http=: -diff_base %s %s\n", report.Clean(bf), report.Clean(o.Output))
		}
	}
	return nil
}

// export writes one snapshot's flame to file ("" or "-": stdout).
func (o *exportOptions) export(ctx context.Context, db *store.DB, snap store.Snapshot, opts analysis.FlameOptions, file string) (err error) {
	fl, err := analysis.FlameOf(ctx, db, snap, opts)
	if err != nil {
		return err
	}
	var w io.Writer = o.IO.Out
	if file != "" && file != "-" {
		out, err := os.Create(file)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := out.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				os.Remove(file) // no half-written profile left behind
			}
		}()
		w = out
	}
	if o.Folded {
		err = report.Folded(w, fl)
	} else {
		err = report.Profile(w, fl)
	}
	if err != nil {
		return err
	}
	if o.IO.ErrTTY && !o.f.Quiet && file != "" && file != "-" {
		objects, bytes := fl.Totals()
		fmt.Fprintf(o.IO.ErrOut, "wrote %s: snapshot %d (%s), %s objects, %s in %s stacks\n", report.Clean(file), snap.ID,
			report.Clean(snap.Label), report.Count(objects), report.Bytes(bytes), report.Count(int64(len(fl.Parent))))
	}
	return nil
}

// baseFile is where --base writes the base: -o's name with .base before its extensions
// (shop4.pb.gz: shop4.base.pb.gz).
func baseFile(file string) string {
	dir, name := filepath.Split(file)
	if i := strings.Index(name[min(1, len(name)):], "."); i >= 0 {
		i++
		return dir + name[:i] + ".base" + name[i:]
	}
	return file + ".base"
}
