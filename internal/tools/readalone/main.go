// Command readalone reads one dump with the reader of its format (the first whose Sniff claims
// it, as memsee load picks it) into a sink that only counts, and prints the counts and the
// seconds the read took. It is what make bench-large measures a load against: the speed of
// the format's reader alone, in a process of its own, so that the memory it uses is not
// counted against the loads measured after it (bench/large_test.go).
//
//	go run ./internal/tools/readalone dump.hprof
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	_ "github.com/memsee/memsee/internal/formats" // the readers
	"github.com/memsee/memsee/internal/heap"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: readalone DUMP")
		os.Exit(2)
	}
	c, seconds, err := read(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "readalone:", err)
		os.Exit(1)
	}
	fmt.Printf("objects %d edges %d roots %d samples %d seconds %.3f\n", c.objects, c.edges, c.roots, c.samples, seconds)
}

// read reads path with its format's reader into a counter, and returns it with the seconds the
// read took, from the first byte to the last.
func read(path string) (*counter, float64, error) {
	in, err := heap.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer in.Close()
	h, ok := heap.Claim(in.Peek(4096))
	if !ok {
		return nil, 0, fmt.Errorf("%s: no reader claims it", path)
	}
	c := &counter{}
	start := time.Now()
	err = h.Read(context.Background(), path, in, c)
	return c, time.Since(start).Seconds(), err
}

// counter is a heap.Sink that counts what it is sent and keeps nothing.
type counter struct{ objects, edges, roots, samples int64 }

func (c *counter) Begin(heap.Snapshot) error { return nil }
func (c *counter) Sample(*heap.Sample) error { c.samples++; return nil }
func (c *counter) Root(heap.Root) error      { c.roots++; return nil }
func (c *counter) Object(o *heap.Object) error {
	c.objects++
	c.edges += int64(len(o.Edges))
	if o.More != nil {
		o.More(func(heap.Edge) bool { c.edges++; return true })
	}
	return nil
}
