package graph

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// byAddress numbers the objects of g in address order, as the loader numbers its oids.
func byAddress(g *Graph) (old []ObjID, newID []uint32) {
	old = make([]ObjID, g.Len())
	for i := range old {
		old[i] = ObjID(i)
	}
	slices.SortFunc(old, func(x, y ObjID) int { return cmp.Compare(g.Addr.At(x), g.Addr.At(y)) })
	return old, inverse(old)
}

func inverse(old []ObjID) []uint32 {
	newID := make([]uint32, len(old))
	for i, o := range old {
		newID[o] = uint32(i)
	}
	return newID
}

func TestRenumber(t *testing.T) {
	tests := []struct {
		name  string
		shape shape
		order string // address, random or same
	}{
		{"sparse by address", shape{minN: 5, maxN: 40, edgesPer: 1, roots: 3}, "address"},
		{"dense by address", shape{minN: 5, maxN: 40, edgesPer: 3, roots: 2}, "address"},
		{"no roots by address", shape{minN: 5, maxN: 30, edgesPer: 1.5, roots: 0}, "address"},
		{"mixed at random", shape{minN: 5, maxN: 40, edgesPer: 2, weak: 0.1, shortcut: 0.1, self: 0.05, dangling: 0.05, roots: 3, lostRoots: true}, "random"},
		{"addresses within 4 GiB, by address", shape{minN: 5, maxN: 40, edgesPer: 2, dangling: 0.05, roots: 3, lostRoots: true, narrow: true}, "address"},
		{"deep at random", shape{minN: 20, maxN: 40, edgesPer: 1.3, weak: 0.05, roots: 1, local: true}, "random"},
		{"mixed, the same numbering", shape{minN: 5, maxN: 40, edgesPer: 2, weak: 0.1, roots: 3}, "same"},
		{"mixed, a few moved", shape{minN: 100, maxN: 300, edgesPer: 2, weak: 0.1, dangling: 0.05, roots: 3}, "nearly"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, uint64(i)))
			for run := range 100 {
				d := randomDump(r, tt.shape)
				for k := range d.objects {
					if r.IntN(10) == 0 {
						d.objects[k].size = BigSize + uint64(r.IntN(1<<20))
					}
				}
				checkRenumber(t, fmt.Sprintf("%s run %d", tt.name, run), d, tt.order, r)
				if t.Failed() {
					t.Logf("%s", d)
					return
				}
			}
		})
	}
}

func checkRenumber(t *testing.T, name string, d *dump, order string, r *rand.Rand) {
	t.Helper()
	g, err := d.build()
	if err != nil {
		t.Fatalf("%s: Build: %v", name, err)
	}
	n := g.Len()
	var old []ObjID
	switch order {
	case "address":
		old, _ = byAddress(g)
	case "random":
		old = make([]ObjID, n)
		for i, p := range r.Perm(n) {
			old[i] = ObjID(p)
		}
	case "same", "nearly":
		old = make([]ObjID, n)
		for i := range old {
			old[i] = ObjID(i)
		}
		// A few objects moved elsewhere, as the address order of V8's ids or a JVM's heap
		// moves the few objects out of their run: the objects and edges move a run at a time.
		moves := 0
		if order == "nearly" {
			moves = 1 + r.IntN(n/64)
		}
		for range moves {
			i, j := r.IntN(n), r.IntN(n)
			o := old[i]
			old = slices.Insert(slices.Delete(old, i, i+1), j, o)
		}
	}
	newID := inverse(old)
	g0 := *g
	g0.Addr, g0.Size, g0.EdgeStart = AddrsOf(addrSlice(&g.Addr)), slices.Clone(g.Size), slices.Clone(g.EdgeStart)
	g0.Edges, g0.Kinds, g0.Roots = slices.Clone(g.Edges), slices.Clone(g.Kinds), slices.Clone(g.Roots)
	a0, err := g0.Analyze()
	if err != nil {
		t.Fatalf("%s: Analyze: %v", name, err)
	}
	objData := make([]ObjID, n) // a caller's per-object data: the old ObjID, twice
	for i := range objData {
		objData[i] = ObjID(i)
	}
	objData2 := slices.Clone(objData)
	edgeData := make([]int, g.NumEdges()) // and per-edge data: the old edge index
	for e := range edgeData {
		edgeData[e] = e
	}

	rn, err := g.Renumber(old, newID)
	if err != nil {
		t.Fatalf("%s: Renumber: %v", name, err)
	}
	if moved := rn.blocks != nil; order == "nearly" && !moved && !rn.same || order == "random" && moved && n > 16 {
		t.Fatalf("%s: moved by runs %v, for an order %s", name, moved, order)
	}
	if err := PermuteObjects(rn, objData, objData2); err != nil {
		t.Fatalf("%s: PermuteObjects: %v", name, err)
	}
	if edgeData, err = PermuteEdges(rn, g, edgeData); err != nil {
		t.Fatalf("%s: PermuteEdges: %v", name, err)
	}
	if err := g.check(); err != nil {
		t.Fatalf("%s: the renumbered graph: %v", name, err)
	}
	to := func(id ObjID) ObjID {
		if id == SuperRoot {
			return SuperRoot
		}
		return ObjID(newID[id])
	}
	for i := range n {
		o := old[i]
		if rn.Old(ObjID(i)) != o || objData[i] != o || objData2[i] != o {
			t.Fatalf("%s: object %d: Old %d, the caller's data %d %d, want %d", name, i, rn.Old(ObjID(i)), objData[i], objData2[i], o)
		}
		if g.Addr.At(ObjID(i)) != g0.Addr.At(o) || g.SizeOf(ObjID(i)) != g0.SizeOf(o) {
			t.Fatalf("%s: object %d (was %d): address %#x size %d, want %#x %d", name, i, o, g.Addr.At(ObjID(i)), g.SizeOf(ObjID(i)), g0.Addr.At(o), g0.SizeOf(o))
		}
		lo, hi := g.EdgeRange(ObjID(i))
		lo0, hi0 := g0.EdgeRange(o)
		if hi-lo != hi0-lo0 {
			t.Fatalf("%s: object %d has %d edges, had %d", name, i, hi-lo, hi0-lo0)
		}
		for k := range hi - lo {
			if g.Edges[lo+k] != to(g0.Edges[lo0+k]) || g.Kinds[lo+k] != g0.Kinds[lo0+k] || edgeData[lo+k] != int(lo0+k) {
				t.Fatalf("%s: object %d, edge %d: to %d kind %v data %d, want %d %v %d", name, i, k,
					g.Edges[lo+k], g.Kinds[lo+k], edgeData[lo+k], to(g0.Edges[lo0+k]), g0.Kinds[lo0+k], lo0+k)
			}
		}
	}
	for k, id := range g.Roots {
		if id != to(g0.Roots[k]) || !g.IsRoot(id) {
			t.Fatalf("%s: root %d is %d (a root: %v), want %d", name, k, id, g.IsRoot(id), to(g0.Roots[k]))
		}
	}
	// The analysis of the renumbered graph is that of the graph, renumbered: paths, dominators
	// and retained sizes, the part no root reaches included (EntryOrder).
	a, err := g.Analyze()
	if err != nil {
		t.Fatalf("%s: Analyze after Renumber: %v", name, err)
	}
	if a.Unreachable != a0.Unreachable {
		t.Fatalf("%s: %d unreachable after Renumber, %d before", name, a.Unreachable, a0.Unreachable)
	}
	for i := range n {
		o := old[i]
		if a.Dist[i] != a0.Dist[o] || a.Parent[i] != to(a0.Parent[o]) || a.IDom[i] != to(a0.IDom[o]) || a.Retained.At(ObjID(i)) != a0.Retained.At(o) {
			t.Fatalf("%s: object %d (was %d): dist %d parent %d idom %d retained %d, want %d %d %d %d", name, i, o,
				a.Dist[i], a.Parent[i], a.IDom[i], a.Retained.At(ObjID(i)), a0.Dist[o], to(a0.Parent[o]), to(a0.IDom[o]), a0.Retained.At(o))
		}
		if e0 := a0.ParentEdge[o]; e0 == NoEdge {
			if a.ParentEdge[i] != NoEdge {
				t.Fatalf("%s: object %d has parent edge %d, had none", name, i, a.ParentEdge[i])
			}
		} else if e := a.ParentEdge[i]; e-g.EdgeStart[a.Parent[i]] != e0-g0.EdgeStart[a0.Parent[o]] {
			t.Fatalf("%s: object %d: parent edge %d, want the edge %d of its parent (was %d)", name, i, e, e0-g0.EdgeStart[a0.Parent[o]], e0)
		}
	}
}

// TestRenumberRefuses: what is not a renumbering of the graph is an error, not a panic.
func TestRenumberRefuses(t *testing.T) {
	built := func() *Graph {
		d := randomDump(rand.New(rand.NewPCG(1, 2)), shape{minN: 10, maxN: 10, edgesPer: 2, roots: 2})
		g, err := d.build()
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	tests := []struct {
		name    string
		breakIt func(g *Graph, old []ObjID, newID []uint32) ([]ObjID, []uint32)
	}{
		{"short order", func(g *Graph, old []ObjID, newID []uint32) ([]ObjID, []uint32) { return old[:5], newID }},
		{"short inverse", func(g *Graph, old []ObjID, newID []uint32) ([]ObjID, []uint32) { return old, newID[1:] }},
		{"an object twice", func(g *Graph, old []ObjID, newID []uint32) ([]ObjID, []uint32) {
			old[1] = old[0]
			return old, newID
		}},
		{"an object past the end", func(g *Graph, old []ObjID, newID []uint32) ([]ObjID, []uint32) {
			old[3] = ObjID(len(old))
			return old, newID
		}},
		{"a graph already broken", func(g *Graph, old []ObjID, newID []uint32) ([]ObjID, []uint32) {
			g.Edges[0] = ObjID(g.Len())
			return old, newID
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := built()
			old, newID := byAddress(g)
			old, newID = tt.breakIt(g, old, newID)
			if _, err := g.Renumber(old, newID); err == nil {
				t.Errorf("Renumber took it")
			}
		})
	}
	t.Run("data of another length", func(t *testing.T) {
		g := built()
		old := make([]ObjID, g.Len())
		for i := range old {
			old[i] = ObjID(len(old) - 1 - i)
		}
		rn, err := g.Renumber(old, inverse(old))
		if err != nil {
			t.Fatal(err)
		}
		if err := PermuteObjects(rn, make([]int, g.Len()), make([]int, g.Len()+1)); err == nil {
			t.Errorf("PermuteObjects took one entry too many")
		}
		if _, err := PermuteEdges(rn, g, make([]int, g.NumEdges()-1)); err == nil {
			t.Errorf("PermuteEdges took one entry too few")
		}
	})
	for _, tt := range []struct {
		name  string
		order func(n int) []ObjID
	}{
		{"an entry order too short", func(n int) []ObjID { return make([]ObjID, n-1) }},
		{"an entry order with an object twice", func(n int) []ObjID { return make([]ObjID, n) }},
		{"an entry order past the end", func(n int) []ObjID {
			o := make([]ObjID, n)
			for i := range o {
				o[i] = ObjID(i + 1)
			}
			return o
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := built()
			g.EntryOrder = tt.order(g.Len())
			if _, err := g.Analyze(); err == nil {
				t.Errorf("Analyze took it")
			}
		})
	}
}

// TestSizes checks that a size reads back as set, on either side of BigSize, and after a large
// one is replaced by a small one.
func TestSizes(t *testing.T) {
	tests := []struct {
		name string
		set  []uint64 // set in turn on object 1
	}{
		{"small", []uint64{0, 7}},
		{"just below", []uint64{BigSize - 1}},
		{"BigSize itself", []uint64{BigSize}},
		{"large", []uint64{1 << 40}},
		{"large, then small", []uint64{1 << 40, 5}},
		{"small, then large, then larger", []uint64{5, BigSize + 1, 1 << 50}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := SizesOf([]uint64{3, 0, 1 << 33})
			for _, v := range tt.set {
				z.Set(1, v)
				if got := z.At(1); got != v {
					t.Fatalf("set %d, read %d", v, got)
				}
			}
			if z.At(0) != 3 || z.At(2) != 1<<33 || z.Len() != 3 {
				t.Errorf("the other objects: %d, %d (of %d), want 3, %d", z.At(0), z.At(2), z.Len(), uint64(1)<<33)
			}
			if last := tt.set[len(tt.set)-1]; last < BigSize && len(z.big) != 1 {
				t.Errorf("%d sizes kept apart, want 1 (object 2's)", len(z.big))
			}
		})
	}
}
