package godump

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/memsee/memsee/internal/heap"
)

// bigDump is the large dump bench/ writes with gen/godump -big (not committed).
const bigDump = "../../../bench/.data/godump-big.dump"

type nopSink struct{ objects int }

func (s *nopSink) Begin(heap.Snapshot) error   { return nil }
func (s *nopSink) Sample(*heap.Sample) error   { return nil }
func (s *nopSink) Root(heap.Root) error        { return nil }
func (s *nopSink) Object(o *heap.Object) error { s.objects++; return nil }

// BenchmarkReadSample reads the largest committed dump, in memory.
func BenchmarkReadSample(b *testing.B) {
	benchRead(b, mustRead(b, "heap4"))
}

// BenchmarkReadBig reads the big dump (make bench writes it; skipped when it is absent), in
// memory, and reports objects/s besides MB/s.
func BenchmarkReadBig(b *testing.B) {
	data, err := os.ReadFile(bigDump)
	if err != nil {
		b.Skipf("no big dump (%v): run make bench, or go run ./testdata/gen/godump -big 10000000 -out bench/.data -prefix godump-big", err)
	}
	benchRead(b, data)
}

func benchRead(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var objects int
	for b.Loop() {
		s := &nopSink{}
		if err := (Reader{}).Read(context.Background(), "bench.dump", bytes.NewReader(data), s); err != nil {
			b.Fatal(err)
		}
		objects = s.objects
	}
	b.ReportMetric(float64(objects)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
}
