package ruby

import (
	"bytes"
	"context"
	"testing"

	"github.com/memsee/memsee/internal/heap"
)

// FuzzRead checks that no input makes the reader panic, hang or hold memory out of proportion
// to the input. It is seeded from the real samples: their first lines, and copies truncated
// in the middle of a line, a string and a list of references.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"rubyshop2", "rubychurn1"} {
		data := mustRead(f, name)
		for _, n := range []int{200, 1000, 4096, 16384} {
			f.Add(data[:n])
		}
		for _, sub := range []string{`"value":"`, `"references":["0x`, `"name":"`, `"type":"CLASS"`, `"singleton":true`, `"struct":"`} {
			i := bytes.Index(data, []byte(sub))
			if i < 0 {
				continue
			}
			start := bytes.LastIndexByte(data[:i], '\n') + 1
			end := i + bytes.IndexByte(data[i:], '\n') + 1
			f.Add(data[start:end])
			f.Add(data[start : i+len(sub)+2])
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s := &countSink{}
		_, _ = Reader{}.ReadNotes(context.Background(), "fuzz.json", bytes.NewReader(b), s)
		// Each reference needs at least five bytes of input ("0x1",); each value and name is
		// shortened; so what a sink is handed stays in proportion to the input.
		if s.edges > len(b) {
			t.Errorf("%d edges from %d bytes", s.edges, len(b))
		}
		if s.valueBytes > 4*MaxValue*(s.objects+1) {
			t.Errorf("%d value bytes for %d objects", s.valueBytes, s.objects)
		}
		if s.roots > len(b) {
			t.Errorf("%d roots from %d bytes", s.roots, len(b))
		}
	})
}

type countSink struct {
	objects, edges, valueBytes, roots int
}

func (s *countSink) Begin(heap.Snapshot) error { return nil }
func (s *countSink) Sample(*heap.Sample) error { return nil }
func (s *countSink) Root(heap.Root) error      { s.roots++; return nil }
func (s *countSink) Object(o *heap.Object) error {
	s.objects++
	s.edges += len(o.Edges)
	if o.More != nil {
		o.More(func(heap.Edge) bool { s.edges++; return true })
	}
	s.valueBytes += len(o.Value)
	return nil
}
