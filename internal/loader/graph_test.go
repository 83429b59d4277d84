package loader

import (
	"strconv"
	"testing"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/meliae"
)

// TestGraphSinkMore checks that references handed over through Object.More join the graph
// after Edges, in order, with their names, as if they had all been Edges.
func TestGraphSinkMore(t *testing.T) {
	s := newGraphSink()
	if err := s.Begin(heap.Snapshot{Format: meliae.Format}); err != nil {
		t.Fatal(err)
	}
	const n = 5000
	for i := 1; i <= n; i++ {
		if err := s.Object(&heap.Object{Addr: uint64(i), Type: "int", Size: 28, Len: -1}); err != nil {
			t.Fatal(err)
		}
	}
	list := &heap.Object{Addr: 100000, Type: "list", Size: 56, Len: n}
	for i := 0; i < 10; i++ {
		list.Edges = append(list.Edges, heap.Edge{To: uint64(i + 1), Kind: heap.EdgeElement, Name: strconv.Itoa(i)})
	}
	list.More = func(yield func(heap.Edge) bool) {
		for i := 10; i < n; i++ {
			if !yield(heap.Edge{To: uint64(i + 1), Kind: heap.EdgeElement, Name: strconv.Itoa(i)}) {
				return
			}
		}
	}
	if err := s.Object(list); err != nil {
		t.Fatal(err)
	}
	g, err := s.b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if got := g.NumEdges(); got != n {
		t.Fatalf("%d edges, want %d", got, n)
	}
	if got := len(s.edgeName); got != n {
		t.Fatalf("%d edge names, want %d", got, n)
	}
	for i, name := range s.edgeName {
		if name != elemBit|uint32(i) {
			t.Fatalf("edge %d named %#x, want element %d", i, name, i)
		}
	}
}

func TestDefaultLabel(t *testing.T) {
	tests := map[string]string{
		"heap1.pb.gz":                "heap1",
		"dir/shop2.json.gz":          "shop2",
		"events.jsonl":               "events",
		"Heap.20261129.heapsnapshot": "Heap.20261129",
		"app.hprof.gz":               "app",
		"heap-123.dump":              "heap-123",
		"svc.heap":                   "svc",
		"3.pb.gz":                    "3.pb.gz", // "3" would read as an id
		"last.hprof":                 "last.hprof",
		"notes.txt":                  "notes.txt",
	}
	for in, want := range tests {
		if got := DefaultLabel(in); got != want {
			t.Errorf("DefaultLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
