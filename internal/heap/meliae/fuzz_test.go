package meliae

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/memsee/memsee/internal/heap"
)

// FuzzRead checks that no input makes the reader panic, hang or hold memory out of proportion
// to the input, and that workers parsing it in blocks hand over what one parser does. It is seeded from the real samples: their first lines, and copies truncated
// in the middle of a line, a string and a list of refs.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"shop1", "churn2"} {
		data := mustRead(f, name)
		for _, n := range []int{200, 1000, 4096, 16384} {
			f.Add(data[:n])
		}
		for _, sub := range []string{`"value": "`, `"refs": [1`, `"name": "`} {
			i := bytes.Index(data, []byte(sub))
			start := bytes.LastIndexByte(data[:i], '\n') + 1
			end := i + bytes.IndexByte(data[i:], '\n') + 1
			f.Add(data[start:end])
			f.Add(data[start : i+len(sub)+2])
		}
	}
	f.Add([]byte(`{"address": 1, "type": "str", "size": 50, "len": 1, "value": "\udc80\ud800\u12", "refs": []}` + "\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s := &countSink{}
		_, _ = Reader{}.ReadStats(context.Background(), "fuzz.json", bytes.NewReader(b), s)
		// Each edge needs at least two bytes of input ("1,"); each value and name is
		// shortened; so what a sink is handed stays in proportion to the input.
		if s.edges > len(b) {
			t.Errorf("%d edges from %d bytes", s.edges, len(b))
		}
		if s.valueBytes > 4*MaxValue*(s.objects+1) {
			t.Errorf("%d value bytes for %d objects", s.valueBytes, s.objects)
		}
		in := func() io.Reader { return bytes.NewReader(b) }
		if diff, _ := readDiff(in, 0, split{serial: 0, block: 64, workers: 2}); diff != "" {
			t.Errorf("in blocks: %s", diff)
		}
	})
}

type countSink struct {
	objects, edges, valueBytes int
}

func (s *countSink) Begin(heap.Snapshot) error { return nil }
func (s *countSink) Sample(*heap.Sample) error { return nil }
func (s *countSink) Root(heap.Root) error      { return nil }
func (s *countSink) Object(o *heap.Object) error {
	s.objects++
	s.edges += len(o.Edges)
	s.valueBytes += len(o.Value)
	return nil
}
