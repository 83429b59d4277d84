package graph

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"unsafe"

	"github.com/memsee/memsee/internal/heap"
)

// arenaOrSkip returns a new Arena, or skips the test where the system maps none.
func arenaOrSkip(t *testing.T) *Arena {
	t.Helper()
	a := NewArena()
	if s := ArenaMake[byte](a, 1<<20); s == nil {
		t.Skip("no arena on this system: the arrays stay in the Go heap")
	}
	a.Free()
	return a
}

// TestArenaArrays checks an arena's arrays: they grow in place by append, are seen as the
// arena's (no room counted, never clipped), count what they held when released, and read as
// zeros when their mapping is handed out again.
func TestArenaArrays(t *testing.T) {
	a := arenaOrSkip(t)
	const n = 1 << 30 // a GiB of uint32: address space, not memory
	s := ArenaMake[uint32](a, n)
	if len(s) != 0 || cap(s) != n || !InArena(s) {
		t.Fatalf("ArenaMake: len %d cap %d in arena %v", len(s), cap(s), InArena(s))
	}
	first := unsafe.SliceData(s)
	for i := range 3 << 20 {
		s = append(s, uint32(i)^0x5a5a)
	}
	if unsafe.SliceData(s) != first {
		t.Fatal("append moved an arena's array")
	}
	if !InArena(s[1000:]) || InArena(make([]uint32, 10)) || InArena([]uint32(nil)) {
		t.Error("InArena: a slice inside the array, or a Go heap slice, misjudged")
	}
	if r := RoomOf(s); r != 0 {
		t.Errorf("RoomOf an arena's array: %d, want 0", r)
	}
	if c := Clip(s); unsafe.SliceData(c) != first || len(c) != len(s) {
		t.Error("Clip copied an arena's array")
	}
	for i, v := range s[:5<<10] {
		if v != uint32(i)^0x5a5a {
			t.Fatalf("s[%d] = %d", i, v)
		}
	}
	ArenaRelease(a, make([]uint32, 8)) // not a's: ignored
	if got := a.Released(); got != 0 {
		t.Errorf("Released after releasing a Go heap slice: %d", got)
	}
	ArenaRelease(a, s)
	if got, want := a.Released(), int64(len(s))*4; got != want {
		t.Errorf("Released: %d, want %d", got, want)
	}
	// The mapping goes to the next array of its size, empty.
	again := ArenaMake[uint32](a, n)
	if unsafe.SliceData(again) != first {
		t.Error("a released mapping was not handed out again")
	}
	for i, v := range again[:3<<20] {
		if v != 0 {
			t.Fatalf("a mapping handed out again holds %d at %d", v, i)
		}
	}
	a.Free()
	if ArenaMake[uint32](nil, 10) != nil {
		t.Error("ArenaMake with no arena: not nil")
	}
}

// TestBuilderInArena builds random dumps with the Builder's arrays in an arena and in the Go
// heap, and finds the same graph: addresses narrow and wide (moved to 8 bytes midway, in the
// arena), edges dangling or not, many dropped (the kinds copied out of the arena). The edges'
// targets wait in the arena too, and go back to it as Build resolves them; every other run
// puts only them there (ChunksIn), the per-object arrays in the Go heap.
func TestBuilderInArena(t *testing.T) {
	a := arenaOrSkip(t)
	shapes := []shape{
		{minN: 1, maxN: 50, edgesPer: 2, roots: 3, narrow: true},
		{minN: 5, maxN: 80, edgesPer: 3, self: 0.1, dangling: 0.3, roots: 5, lostRoots: true},
		{minN: 20, maxN: 120, edgesPer: 2, weak: 0.1, dangling: 0.05, roots: 4},
	}
	for i, s := range shapes {
		r := rand.New(rand.NewPCG(uint64(i), 11))
		for run := range 100 {
			d := randomDump(r, s)
			name := fmt.Sprintf("shape %d run %d", i, run)
			want, err := d.build()
			if err != nil {
				t.Fatalf("%s: in the heap: %v", name, err)
			}
			chunksOnly := run%2 == 1
			b := NewBuilder(0, 0)
			if chunksOnly {
				b.ChunksIn(a)
			} else if !b.UseArena(a) {
				t.Fatalf("%s: UseArena refused", name)
			}
			released := a.Released()
			got, err := buildWith(b, d)
			if err != nil {
				t.Fatalf("%s: in the arena: %v", name, err)
			}
			if InArena(got.Size) == chunksOnly {
				t.Fatalf("%s: the sizes in the arena: %v, want %v", name, chunksOnly, !chunksOnly)
			}
			// The targets' chunks were the arena's, each given back once resolved: what is
			// left are the per-object arrays and the kinds (an address array narrow, and
			// wide once widened); with ChunksIn, nothing.
			edges := 0
			for _, o := range d.objects {
				edges += len(o.edges)
			}
			held := 5
			if chunksOnly {
				held = 0
			}
			if r := a.Released() - released; r < 4*int64(edges) || len(a.held) > held {
				t.Fatalf("%s: %d bytes released for %d edges, %d arrays still held", name, r, edges, len(a.held))
			}
			got.Addr.arena = nil // the only field that says where the arrays are
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: in the arena\n%+v\nin the heap\n%+v\n%s", name, got, want, d)
			}
			a.Free()
		}
	}
	// A Build that fails gives the targets' chunks back too.
	b := NewBuilder(0, 0)
	if !b.UseArena(a) {
		t.Fatal("UseArena refused")
	}
	const edges = 3 * firstChunk
	for _, addr := range []uint64{1, 2, 1} {
		if _, err := b.AddObject(addr, 8); err != nil {
			t.Fatal(err)
		}
		if addr == 2 {
			for range edges {
				b.AddEdge(1, 1, heap.EdgeField)
			}
		}
	}
	released := a.Released()
	var dup *DuplicateError
	if _, err := b.Build(); !errors.As(err, &dup) {
		t.Fatalf("a repeated address: %v", err)
	}
	if r := a.Released() - released; r < 4*edges {
		t.Errorf("a failed Build released %d bytes for %d edges", r, edges)
	}
	a.Free()

	b = NewBuilder(0, 0)
	if _, err := b.AddObject(1, 1); err != nil {
		t.Fatal(err)
	}
	if b.UseArena(a) {
		t.Error("UseArena after AddObject: accepted")
	}
}

// buildWith feeds d to b, as dump.build does to a new Builder.
func buildWith(b *Builder, d *dump) (*Graph, error) {
	for _, o := range d.objects {
		id, err := b.AddObject(o.addr, o.size)
		if err != nil {
			return nil, err
		}
		for _, e := range o.edges {
			b.AddEdge(id, e.to, heap.EdgeKind(e.kind))
		}
	}
	for _, r := range d.roots {
		b.AddRoot(r)
	}
	return b.Build()
}
