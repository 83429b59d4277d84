package loader

import (
	"cmp"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/godump"
	"github.com/memsee/memsee/internal/heap/graph"
	"github.com/memsee/memsee/internal/heap/hprof"
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
	if got := s.names.len(); got != n {
		t.Fatalf("%d edge names, want %d", got, n)
	}
	for i, name := range s.names.flat() {
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

// TestGraphSinkPresize feeds two graph sinks the same objects, one sized as it reads a file
// (presize, then trim) and one grown by append, and checks that they hold the same; that the
// sized one had room for nearly all objects halfway through a file they spread
// evenly over, and never for very many more; and that trim gave back what it did not fill. The file is a sparse one read alongside, so that each shape says how
// objects spread over it: evenly, or denser at the start (a JVM dump's classes) or at the end.
func TestGraphSinkPresize(t *testing.T) {
	const n = 300_000
	tests := []struct {
		name  string
		at    func(i int) float64 // the fraction of the file read when object i comes
		sites bool
		ahead bool        // whether the sink must have room for nearly all objects halfway through
		f     heap.Format // meliae's when empty; HPROF's guesses with more room (DenserLater)
	}{
		{"even", func(i int) float64 { return float64(i) / n }, false, true, ""},
		{"even, with sites and births", func(i int) float64 { return float64(i) / n }, true, true, ""},
		{"dense start", func(i int) float64 { x := float64(i) / n; return x * x }, false, false, ""},
		{"dense end", func(i int) float64 { x := float64(i) / n; return 1 - (1-x)*(1-x) }, false, false, ""},
		{"even, denser later", func(i int) float64 { return float64(i) / n }, false, true, hprof.Format},
		{"dense end, denser later", func(i int) float64 { x := float64(i) / n; return 1 - (1-x)*(1-x) }, false, false, hprof.Format},
	}
	path := filepath.Join(t.TempDir(), "dump")
	const size = 64 << 20
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := heap.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			sized, grown := newGraphSink(), newGraphSink()
			sized.budget = &memoryBudget{file: path, in: in, limit: 1 << 62}
			f := cmp.Or(tt.f, meliae.Format)
			for _, s := range []*graphSink{sized, grown} {
				if err := s.Begin(heap.Snapshot{Format: f}); err != nil {
					t.Fatal(err)
				}
			}
			if sized.rules.DenserLater != (f == hprof.Format) {
				t.Fatalf("%s: DenserLater %v", f, sized.rules.DenserLater)
			}
			var (
				buf      = make([]byte, 1<<16)
				consumed int64
				maxRoom  float64 // the largest room the sized sink had, in objects per object
			)
			for i := range n {
				for want := int64(tt.at(i) * size); consumed < want; {
					k, err := in.Read(buf[:min(int64(len(buf)), want-consumed)])
					if err != nil {
						t.Fatal(err)
					}
					consumed += int64(k)
				}
				o := heap.Object{Addr: uint64(16 * (i + 1)), Type: "t" + strconv.Itoa(i%3), Size: 32, Len: int64(i % 9), Value: strconv.Itoa(i % 5)}
				if tt.sites {
					o.Site, o.Born = "f.rb:"+strconv.Itoa(i%4), int64(i%7)
				}
				for k := range i % 6 {
					o.Edges = append(o.Edges, heap.Edge{To: uint64(16 * ((i*7+k)%n + 1)), Kind: heap.EdgeField, Name: "f" + strconv.Itoa(k)})
				}
				for _, s := range []*graphSink{sized, grown} {
					if err := s.Object(&o); err != nil {
						t.Fatal(err)
					}
				}
				maxRoom = max(maxRoom, float64(cap(sized.typeOf))/n)
				if i == n/2 && tt.ahead {
					if room := float64(cap(sized.typeOf)) / n; room < 0.9 {
						t.Errorf("room for %.2f of the objects halfway through, want nearly all", room)
					}
				}
			}
			if maxRoom > 2.5 {
				t.Errorf("room for %.2f times the objects at most, want far less", maxRoom)
			}
			sized.trim()
			grown.trim() // the values are joined only then
			for name, c := range map[string][2]int{
				"typeOf": {len(sized.typeOf), cap(sized.typeOf)}, "length": {len(sized.length.vals), cap(sized.length.vals)},
				"length bits": {len(sized.length.has), cap(sized.length.has)}, "valueEnd bits": {len(sized.valueEnd.rank), cap(sized.valueEnd.rank)},
				"valueEnd": {len(sized.valueEnd.vals), cap(sized.valueEnd.vals)},
				"values":   {len(sized.values), cap(sized.values)},
			} {
				if c[1]-c[0] > c[1]/16 {
					t.Errorf("%s: %d of %d used after trim", name, c[0], c[1])
				}
			}
			same := func(name string, a, b any) {
				if !reflect.DeepEqual(a, b) {
					t.Errorf("%s differs", name)
				}
			}
			same("typeOf", sized.typeOf, grown.typeOf)
			same("length", sized.length, grown.length)
			same("valueEnd", sized.valueEnd, grown.valueEnd)
			same("values", sized.values, grown.values)
			same("edge names", sized.names, grown.names)
			same("siteOf", sized.siteOf, grown.siteOf)
			same("bornOf", sized.bornOf, grown.bornOf)
			gs, err := sized.b.Build()
			if err != nil {
				t.Fatal(err)
			}
			gg, err := grown.b.Build()
			if err != nil {
				t.Fatal(err)
			}
			if gs.Len() != n || gs.NumEdges() == 0 {
				t.Fatalf("%d objects and %d edges in the graph", gs.Len(), gs.NumEdges())
			}
			same("Addr", gs.Addr, gg.Addr)
			same("Size", gs.Size, gg.Size)
			same("EdgeStart", gs.EdgeStart, gg.EdgeStart)
			same("Edges", gs.Edges, gg.Edges)
			same("Kinds", gs.Kinds, gg.Kinds)
			if r, c := gs.Addr.Room(), gs.Addr.Bytes(); r > c/16 {
				t.Errorf("Addr: %d of %d bytes unused after Build", r, c)
			}
		})
	}
}

// TestLaterRoots checks that paths start from a JVM's or a Go program's stack roots only where
// their other roots do not reach: a list a static field holds, which a frame also holds (first in the file, as
// the frame's root record may come), is reached over the field; an object only a frame
// holds is still a root of its own.
func TestLaterRoots(t *testing.T) {
	for _, tt := range []struct {
		format heap.Format
		frame  string      // the kind of a frame's root
		parent graph.ObjID // of the list
	}{{hprof.Format, "java frame", 0}, {godump.Format, "stack", 0}, {meliae.Format, "java frame", graph.SuperRoot}} {
		s := newGraphSink()
		if err := s.Begin(heap.Snapshot{Format: tt.format}); err != nil {
			t.Fatal(err)
		}
		objects := []*heap.Object{
			{Addr: 10, Type: "Holder", Size: 16, Len: -1, Edges: []heap.Edge{{To: 20, Kind: heap.EdgeField, Name: "SESSIONS"}}},
			{Addr: 20, Type: "java.util.ArrayList", Size: 24, Len: -1, Edges: []heap.Edge{{To: 30, Kind: heap.EdgeElement, Name: "0"}}},
			{Addr: 30, Type: "Session", Size: 32, Len: -1},
			{Addr: 40, Type: "Local", Size: 16, Len: -1},
		}
		for _, o := range objects {
			if err := s.Object(o); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range []heap.Root{{Addr: 20, Kind: tt.frame}, {Addr: 40, Kind: tt.frame}, {Addr: 10, Kind: "sticky class"}} {
			if err := s.Root(r); err != nil {
				t.Fatal(err)
			}
		}
		g, err := s.b.Build()
		if err != nil {
			t.Fatal(err)
		}
		s.orderRoots(g)
		a, err := g.Analyze()
		if err != nil {
			t.Fatal(err)
		}
		if a.Parent[1] != tt.parent {
			t.Errorf("%s: the list reached from %d, want %d", tt.format, a.Parent[1], tt.parent)
		}
		if a.Parent[2] != 1 || a.Parent[3] != graph.SuperRoot {
			t.Errorf("%s: the session reached from %d, the frame's own object from %d", tt.format, a.Parent[2], a.Parent[3])
		}
	}
}
