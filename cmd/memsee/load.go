package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/memsee/memsee/internal/analysis"
	"github.com/memsee/memsee/internal/capture"
	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/loader"
	"github.com/memsee/memsee/internal/report"
	"github.com/memsee/memsee/internal/store"
	"github.com/spf13/cobra"
)

type loadOptions struct {
	IO      *IOStreams
	f       *Factory
	Files   []string
	Input   string // --input-format
	Label   string
	Series  string
	Force   bool
	out     outputFlags
	Format  report.Format
	Wide    bool
	Verbose bool
	Binary  string
	cf      captureFlags
	// The JVM's object layout (HPROF dumps).
	UncompressedOops, UncompressedClassPointers bool
}

// readerOptions are the options of the formats' readers that o sets, by flag name.
func (o *loadOptions) readerOptions() heap.Options {
	opts := heap.Options{}
	if o.Binary != "" {
		opts["binary"] = o.Binary
	}
	if o.UncompressedOops {
		opts["uncompressed-oops"] = "true"
	}
	if o.UncompressedClassPointers {
		opts["uncompressed-class-pointers"] = "true"
	}
	return opts
}

func newCmdLoad(f *Factory, runF func(*loadOptions) error) *cobra.Command {
	o := &loadOptions{IO: f.IO, f: f}
	cmd := &cobra.Command{
		Use:   "load <file or URL>...",
		Short: "Load heap profiles or dumps into the database",
		Long: `Load reads heap profiles and heap dumps into the database, one snapshot per file.
The format is detected from the content (gzip or not); --input-format overrides it.
All files load in one transaction: if one fails, none is kept.

A URL (http or https) is fetched, streamed to a temporary file that is removed after the load
(--keep DIR keeps it), and loaded as a file; the time of the fetch is the snapshot's, unless
the profile records its own. A Go heap profile (/debug/pprof/heap) is asked to collect garbage
first (gc=1) unless the URL says otherwise; the Go dumper's /debug/heapdump (memsee dumper go)
is asked for a dump with a POST, and the dump it writes on this machine is loaded. A server
that does not answer in --timeout, a redirect loop and an answer other than 2xx are errors,
and nothing is loaded.

A snapshot is labelled with its file name (heap1.pb.gz: heap1) or --label, and can always be
referred to as SERIES/LABEL when loaded with --series. A label another snapshot answers to is
qualified by the series (node/heap1); without --series it is refused, and nothing is loaded.

A Go heap dump (runtime/debug.WriteHeapDump) has no names for its globals, only data and bss
offsets (bss+0x1a8). --binary gives the executable that wrote it, built exactly as the process
ran; its symbol table names them (global main.auditLog). memsee refuses a binary whose segments
or symbols do not match the dump.

A JVM dump (HPROF) records no object sizes: memsee estimates them as a 64-bit HotSpot with
compressed oops lays objects out (12-byte headers, 4-byte references, 8-byte alignment).
--uncompressed-oops and --uncompressed-class-pointers match a JVM that ran without them.`,
		Example: `  $ memsee load heap1.pb.gz heap2.pb.gz heap3.pb.gz
  $ memsee --db shop.db load --label before-deploy heap.pb.gz
  $ memsee load --series api api-1.pb.gz api-2.pb.gz api-3.pb.gz
  $ memsee load --series node heap1.heapsnapshot.gz    # labelled node/heap1 if heap1 is taken
  $ memsee load --series api http://localhost:6060/debug/pprof/heap
  $ memsee load --binary ./shop heap1.dump.gz heap2.dump.gz heap3.dump.gz
  $ jcmd 4711 GC.heap_dump -gz=1 h1.hprof.gz && memsee load h1.hprof.gz`,
		Args: minArgs(1, "one or more files or URLs"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Files = args
			if err := o.inputFormatAlias(cmd); err != nil {
				return err
			}
			var err error
			if o.Format, err = o.out.resolve(cmd); err != nil {
				return err
			}
			o.Wide = o.out.wide
			if o.Label != "" && len(args) > 1 {
				return flagErrorf(cmd, "--label names one snapshot; load the files one at a time to label each")
			}
			if err := checkLabelSeries(cmd, o.Label, o.Series); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return loadRun(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.Input, "input-format", "", fmt.Sprintf("the files' format, when detection fails (%s)", strings.Join(loader.Formats(), ", ")))
	cmd.Flags().StringVar(&o.Label, "label", "", "label for the snapshot (default: the file name)")
	cmd.Flags().StringVar(&o.Series, "series", "", "the process the files come from, to keep several apart for leaks; refer to a snapshot as SERIES/LABEL")
	cmd.Flags().BoolVar(&o.Force, "force", false, "load a file even if it was loaded before")
	o.out.add(cmd)
	o.cf.add(cmd, false)
	cmd.Flags().BoolVarP(&o.Verbose, "verbose", "v", false, "say every note in full, with what memsee repaired in the dumps (references to objects not in the dump, invalid strings)")
	cmd.Flags().StringVar(&o.Binary, "binary", "", "the Go executable that wrote the heap dumps, to name their globals (--binary ./server)")
	cmd.Flags().BoolVar(&o.UncompressedOops, "uncompressed-oops", false, "JVM dumps: the JVM ran without compressed oops (-XX:-UseCompressedOops, or a heap of 32 GB or more), so references take 8 bytes")
	cmd.Flags().BoolVar(&o.UncompressedClassPointers, "uncompressed-class-pointers", false, "JVM dumps: object headers hold full class pointers (-XX:-UseCompressedClassPointers; JDK 8 to 14 without compressed oops)")
	return cmd
}

func loadRun(ctx context.Context, o *loadOptions) (err error) {
	db, err := o.f.StoreCreate(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			db.Abandon() // a database this load created goes with it
		} else {
			db.Close()
		}
	}()
	l, err := db.BeginLoad(ctx)
	if err != nil {
		return err
	}
	defer l.Rollback() // no-op after Commit
	start := o.f.Now()
	limit, err := memoryLimit()
	if err != nil {
		return err
	}
	var results []loader.Result
	earlier := map[string]string{}
	status := o.f.Status(0)
	defer status.Stop() // when a file fails; a no-op after the Stop below
	for _, path := range o.Files {
		opts := loader.Options{Format: heap.Format(o.Input), Label: o.Label, Series: o.Series, Force: o.Force, Now: o.f.Now(),
			Reader: o.readerOptions(), Earlier: earlier, MemoryLimit: limit,
			Generations: len(o.Files) == 1 && !capture.IsURL(path)} // finishLoad records them (MarkGenerations)
		if status != nil {
			opts.Progress = report.LoadProgress(status, path)
		}
		var res loader.Result
		if capture.IsURL(path) {
			t, perr := capture.ParseTarget(path)
			if perr != nil {
				return perr
			}
			res, err = captureInto(ctx, l, t, o.cf.options(o.f), opts)
		} else {
			res, err = loader.Load(ctx, l, path, opts)
		}
		if err != nil {
			return err
		}
		results = append(results, res)
	}
	status.Say("saving to " + db.Path())
	if err := l.Commit(); err != nil {
		return fmt.Errorf("saving to %s: %w", db.Path(), err)
	}
	status.Say("recording generations and holders")
	finErr := finishLoad(ctx, db, results)
	status.Stop()
	if finErr != nil {
		// The load is saved; what is missing, the next load into the series records
		// (generations) or leaks works out (holders' names).
		fmt.Fprintf(o.IO.ErrOut, "memsee: note: loaded, but %s\n", report.Clean(finErr.Error()))
	}
	if err := report.Loaded(o.IO.Tables(o.Wide), o.Format, results); err != nil {
		return err
	}
	report.LoadNotes(o.IO.ErrOut, results, o.Verbose)
	if o.IO.ErrTTY && !o.f.Quiet {
		fmt.Fprintf(o.IO.ErrOut, "loaded %d file(s) into %s in %s\n", len(results), report.Clean(db.Path()), o.f.Now().Sub(start).Round(time.Millisecond))
	}
	return nil
}

// inputFormatAlias reads load --format pprof, the input format's name before --format meant
// the output format in every command: a --format that names an input format is taken as
// --input-format, with a note.
func (o *loadOptions) inputFormatAlias(cmd *cobra.Command) error {
	if !cmd.Flags().Changed("format") || !slices.Contains(loader.Formats(), o.out.format) {
		return nil
	}
	if cmd.Flags().Changed("input-format") {
		return flagErrorf(cmd, "--format %s names an input format, and --input-format is given: --format is the output format (table, json, csv or markdown)", o.out.format)
	}
	fmt.Fprintf(o.IO.ErrOut, "memsee: note: --format %s is now --input-format %s (--format is the output format, as in every command)\n", o.out.format, o.out.format)
	o.Input, o.out.format = o.out.format, string(report.FormatTable)
	return nil
}

// memoryLimit reads MEMSEE_MEMORY_LIMIT, the memory a load may use (bytes, or with a unit:
// 4GiB); 0 when it is not set: what the machine has free.
func memoryLimit() (int64, error) {
	v := os.Getenv("MEMSEE_MEMORY_LIMIT")
	if v == "" {
		return 0, nil
	}
	n, err := report.ParseBytes(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("MEMSEE_MEMORY_LIMIT=%q: want a size such as 4GiB or 500MB", v)
	}
	return n, nil
}

// finishLoad records what a load keeps once it is committed, for the snapshots it loaded: the
// objects' generations (loader.MarkGenerations) and the names of the holders leaks reads
// (analysis.RecordHolderNames). The load is saved either way; an error says what is missing,
// which the next load into the series records (generations) or leaks works out (names).
func finishLoad(ctx context.Context, db *store.DB, loaded []loader.Result) error {
	// What the load held is garbage now: collect it, so that this work reuses its memory
	// rather than adding to the process's peak.
	var objects int64
	for _, r := range loaded {
		objects += r.Objects
	}
	loader.Collect(int(objects))
	if err := loader.MarkGenerations(ctx, db, loaded); err != nil {
		return fmt.Errorf("the objects' generations (object.gen) were not recorded: %w", err)
	}
	for _, r := range loaded {
		if r.Kind != heap.KindGraph {
			continue
		}
		if err := analysis.RecordHolderNames(ctx, db, r.ID, r.Format); err != nil {
			return fmt.Errorf("the holders' names were not recorded (leaks works them out): %w", err)
		}
	}
	return nil
}
