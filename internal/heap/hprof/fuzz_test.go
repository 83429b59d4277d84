package hprof

import (
	"bytes"
	"context"
	"testing"

	"github.com/memsee/memsee/internal/heap"
)

// FuzzRead checks that no input makes the reader panic, hang or hold memory out of proportion
// to the input. It is seeded from a real dump: its first records, and copies cut in the
// middle of the heap dump.
func FuzzRead(f *testing.F) {
	data := gunzip(f, "heap1.hprof.gz")
	for _, n := range []int{31, 200, 4096, 65536} {
		f.Add(data[:n])
	}
	if i := bytes.IndexByte(data[1<<16:], recHeapDumpSeg); i >= 0 {
		at := 1<<16 + i
		f.Add(append(hprofHeader(), data[at:at+4096]...))
	}
	f.Add(record(hprofHeader(), recHeapDumpSeg, 30, []byte{subClassDump, 0, 0, 0, 0, 0, 0, 0, 1}))
	f.Fuzz(func(t *testing.T, b []byte) {
		s := &countSink{}
		_ = Reader{}.Read(context.Background(), "fuzz.hprof", bytes.NewReader(b), s)
		// Every edge but an object's class edge takes an id's bytes of input; values are
		// shortened: what a sink is handed stays in proportion to the input.
		if s.edges > len(b)/4+s.objects {
			t.Errorf("%d edges from %d bytes", s.edges, len(b))
		}
		if s.valueBytes > 4*MaxValue*(s.objects+1) {
			t.Errorf("%d value bytes for %d objects", s.valueBytes, s.objects)
		}
	})
}

type countSink struct {
	objects, edges, valueBytes int
	lastEdge                   heap.Edge // of the object with the most edges
	most                       int
}

func (s *countSink) Begin(heap.Snapshot) error { return nil }
func (s *countSink) Sample(*heap.Sample) error { return nil }
func (s *countSink) Root(heap.Root) error      { return nil }
func (s *countSink) Object(o *heap.Object) error {
	s.objects++
	s.valueBytes += len(o.Value)
	n := len(o.Edges)
	if o.More != nil {
		s.more(o)
		return nil
	}
	s.edges += n
	if n > s.most {
		s.most, s.lastEdge = n, o.Edges[n-1]
	}
	return nil
}

// more counts an object whose references go on past Edges. It is a function of its own so that
// the closure's variables do not move every Object call's to the heap (the benchmark counts
// allocations).
func (s *countSink) more(o *heap.Object) {
	n, last := len(o.Edges), heap.Edge{}
	if n > 0 {
		last = o.Edges[n-1]
	}
	o.More(func(e heap.Edge) bool { n, last = n+1, e; return true })
	s.edges += n
	if n > s.most {
		s.most, s.lastEdge = n, last
	}
}
