package main

import (
	"io"
	"slices"
	"strings"

	"github.com/memsee/memsee/internal/heap"
	"github.com/spf13/cobra"
)

func newCmdDumper(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "dumper <runtime>",
		Short: "Print a small module that writes heap dumps memsee reads, for a runtime",
		Long: `Dumper prints source code to add to your program so that it can write heap dumps.

  python   a stdlib-only module (Python 3.8+): dump_all_objects("heap1.json.gz") writes the
           process's heap in meliae's format. Its docstring shows how to call it from a signal
           handler or a debug endpoint; the dump pauses the process (about 2 s per million
           objects).

  go       a file for your main package: it records every allocation's stack, so that memsee
           names objects by allocation site, and serves POST /debug/heapdump, which writes a
           Go heap dump (runtime/debug.WriteHeapDump) to a local file. The dump stops the world
           while it is written, about 0.16 s per million objects.

  ruby     a stdlib-only file: MemseeDumper.start(dir) turns on allocation tracing and makes
           SIGUSR2 write a heap dump, gzip'd, into dir. The dump pauses the
           process, about 1 s per million objects (2 s with tracing on); tracing costs about
           120 bytes per live object.`,
		Example: `  $ memsee dumper python > memsee_dumper.py
  $ python3 -c 'import memsee_dumper; memsee_dumper.dump_all_objects("heap1.json.gz")'
  $ memsee dumper go > heapdump.go && go build -o server . && ./server &
  $ curl -s -X POST localhost:6060/debug/heapdump && memsee load --binary ./server /tmp/heap-1.dump
  $ memsee dumper ruby > memsee_dumper.rb`,
		Args: exactArgs(1, "a runtime: python, go or ruby"),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, h := range heap.Handlers() {
				if d, ok := h.(heap.Dumper); ok && slices.Contains(d.DumperRuntimes(), args[0]) {
					_, err := io.WriteString(f.IO.Out, d.DumperSource())
					return err
				}
			}
			if near := nearest(args[0], dumperRuntimes()); len(near) > 0 {
				return flagErrorf(cmd, "no dumper for %q; did you mean %s?", args[0], strings.Join(near, " or "))
			}
			return flagErrorf(cmd, "no dumper for %q (memsee has one for python, go and ruby)", args[0])
		},
	}
}
