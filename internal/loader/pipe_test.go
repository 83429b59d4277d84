package loader

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"testing"

	"github.com/memsee/memsee/internal/heap"
)

// recordSink keeps a copy of every record it is handed, and fails at object failAt (from 1)
// when that is set.
type recordSink struct {
	snaps   []heap.Snapshot
	objects []heap.Object // Edges holds Edges and then what More yields; More nil
	roots   []heap.Root
	failAt  int
}

var errPlanted = errors.New("planted sink error")

func (s *recordSink) Begin(snap heap.Snapshot) error {
	s.snaps = append(s.snaps, snap)
	return nil
}

func (s *recordSink) Sample(*heap.Sample) error { return errors.New("sample") }

func (s *recordSink) Object(o *heap.Object) error {
	if len(s.objects)+1 == s.failAt {
		return errPlanted
	}
	c := *o
	c.Edges = append([]heap.Edge(nil), o.Edges...)
	if o.More != nil {
		o.More(func(e heap.Edge) bool { c.Edges = append(c.Edges, e); return true })
		c.More = nil
	}
	s.objects = append(s.objects, c)
	return nil
}

func (s *recordSink) Root(r heap.Root) error {
	s.roots = append(s.roots, r)
	return nil
}

// read reads a sample dump into sink with the reader its bytes call for.
func read(t *testing.T, path string, sink heap.Sink) error {
	t.Helper()
	in, err := heap.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	h, err := pick(in, "")
	if err != nil {
		t.Fatal(err)
	}
	return h.Read(context.Background(), path, in, sink)
}

// TestPipeSinkKeepsRecords reads the samples of every object-graph format through a pipeSink
// and directly, and checks that the sink behind the pipe got the same records in the same
// order (the roots among themselves, as the pipe promises).
func TestPipeSinkKeepsRecords(t *testing.T) {
	for _, path := range []string{
		"../../testdata/python/shop1.json.gz",
		"../../testdata/node/heap1.heapsnapshot.gz",
		"../../testdata/java/heap1.hprof.gz",
		"../../testdata/godump/heap1.dump.gz",
		"../../testdata/ruby/rubyshop1.json.gz",
	} {
		t.Run(path, func(t *testing.T) {
			direct, piped := &recordSink{}, &recordSink{}
			if err := read(t, path, direct); err != nil {
				t.Fatal(err)
			}
			p := newPipeSink(piped)
			err := read(t, path, p)
			if cerr := p.close(); err == nil {
				err = cerr
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(direct.objects) < 1000 {
				t.Fatalf("only %d objects in the sample: too few to fill a batch", len(direct.objects))
			}
			if !reflect.DeepEqual(direct.snaps, piped.snaps) {
				t.Errorf("Begin: got %v, want %v", piped.snaps, direct.snaps)
			}
			if len(piped.objects) != len(direct.objects) || len(piped.roots) != len(direct.roots) {
				t.Fatalf("%d objects and %d roots through the pipe, want %d and %d",
					len(piped.objects), len(piped.roots), len(direct.objects), len(direct.roots))
			}
			for i := range direct.objects {
				if !reflect.DeepEqual(direct.objects[i], piped.objects[i]) {
					t.Fatalf("object %d: got %+v, want %+v", i, piped.objects[i], direct.objects[i])
				}
			}
			if !reflect.DeepEqual(direct.roots, piped.roots) {
				t.Error("the roots differ")
			}
		})
	}
}

// TestPipeSinkObjects hands a pipe objects with short and long reference lists, some through
// More, and a sink that fails at a given object: the sink gets every object before that one,
// whole and in order, and the error comes back from the pipe, from Object or from close.
func TestPipeSinkObjects(t *testing.T) {
	objects := func(n, every, long int) []heap.Object {
		var out []heap.Object
		for i := range n {
			o := heap.Object{Addr: uint64(i + 1), Type: "t" + strconv.Itoa(i%7), Size: int64(i), Len: -1}
			edges := i % 5
			if every > 0 && i%every == every-1 {
				edges = long
			}
			for k := range edges {
				o.Edges = append(o.Edges, heap.Edge{To: uint64(k + 1), Kind: heap.EdgeElement, Name: strconv.Itoa(k)})
			}
			if every > 0 && i%every == 0 {
				more := o.Edges
				o.Edges = o.Edges[:0:0]
				o.More = func(yield func(heap.Edge) bool) {
					for _, e := range more {
						if !yield(e) {
							return
						}
					}
				}
			}
			out = append(out, o)
		}
		return out
	}
	tests := []struct {
		name   string
		objs   []heap.Object
		failAt int
		slots  bool // written in place where the pipe gives a slot (heap.SlotSink)
	}{
		{"short lists", objects(10000, 0, 0), 0, false},
		{"long lists and More", objects(10000, 997, pipeEdges+5), 0, false},
		{"fails in the first batch", objects(10000, 0, 0), 7, false},
		{"fails in a later batch", objects(20000, 0, 0), 3*pipeObjects + 11, false},
		{"fails at an object with More", objects(10000, 997, 3), 997*3 + 1, false},
		{"fails at the last object", objects(5000, 0, 0), 5000, false},
		{"in slots", objects(20000, 0, 0), 0, true},
		{"in slots, long lists and More", objects(10000, 997, pipeEdges+5), 0, true},
		{"in slots, fails in a later batch", objects(20000, 0, 0), 3*pipeObjects + 11, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			to := &recordSink{failAt: tt.failAt}
			p := newPipeSink(to)
			var err error
			for i := range tt.objs {
				o := &tt.objs[i]
				var slot *heap.Object
				if tt.slots && o.More == nil {
					if slot, err = p.Slot(len(o.Edges)); err != nil {
						break
					}
				}
				if slot != nil {
					if len(o.Edges) > pipeEdges {
						t.Fatalf("a slot for %d references", len(o.Edges))
					}
					// A slot is zero but for its references, which are zero too, however
					// the batch was used before.
					if fmt.Sprint(*slot) != fmt.Sprint(heap.Object{Edges: make([]heap.Edge, len(o.Edges))}) {
						t.Fatalf("slot %d is %v", i, *slot)
					}
					edges := slot.Edges
					copy(edges, o.Edges)
					*slot = *o
					slot.Edges = edges
				} else if err = p.Object(o); err != nil {
					break
				}
				if i%1000 == 0 {
					if err = p.Root(heap.Root{Addr: uint64(i + 1), Kind: "r" + strconv.Itoa(i)}); err != nil {
						break
					}
				}
			}
			if cerr := p.close(); err == nil {
				err = cerr
			}
			if tt.failAt > 0 {
				if !errors.Is(err, errPlanted) {
					t.Fatalf("got error %v, want the sink's", err)
				}
				if len(to.objects) != tt.failAt-1 {
					t.Fatalf("the sink got %d objects, want %d", len(to.objects), tt.failAt-1)
				}
			} else if err != nil {
				t.Fatal(err)
			} else if len(to.objects) != len(tt.objs) || len(to.roots) != (len(tt.objs)+999)/1000 {
				t.Fatalf("the sink got %d objects and %d roots, want %d and %d", len(to.objects), len(to.roots), len(tt.objs), (len(tt.objs)+999)/1000)
			}
			for i, got := range to.objects {
				want := tt.objs[i]
				var edges []heap.Edge
				edges = append(edges, want.Edges...)
				if want.More != nil {
					want.More(func(e heap.Edge) bool { edges = append(edges, e); return true })
				}
				want.Edges, want.More = edges, nil
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("object %d: got %v, want %v", i, got, want)
				}
			}
			for i, r := range to.roots {
				if r.Addr != uint64(i*1000+1) {
					t.Fatalf("root %d at %d, want %d", i, r.Addr, i*1000+1)
				}
			}
		})
	}
}
