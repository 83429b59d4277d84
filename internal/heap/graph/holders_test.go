package graph

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/memsee/memsee/internal/heap"
)

// resolveHolders against the definition, walked naively, on random dominator trees with
// random storage: long chains of storage (linked lists), storage under the super-root, none.
func TestResolveHoldersBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 500 {
		n := 1 + r.IntN(200)
		idom := make([]ObjID, n)
		internal := make([]bool, n)
		share := r.Float64()
		for o := range n {
			// A tree whose edges run any way through the numbering: a random permutation
			// orders it, each object dominated by one earlier in that order, or by the super-root.
			internal[o] = r.Float64() < share
		}
		order := r.Perm(n)
		for k, o := range order {
			if k > 0 && r.IntN(8) > 0 {
				idom[o] = ObjID(order[r.IntN(k)]) + 1
			}
		}
		want := make([]ObjID, n)
		for o := range n {
			h := idom[o]
			for h > 0 && internal[h-1] {
				h = idom[h-1]
			}
			want[o] = h
		}
		flag := make([]uint8, n)
		for o, in := range internal {
			if in {
				flag[o] = fInternal
			}
		}
		got := resolveHolders(slices.Clone(idom), flag)
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: idom %v internal %v: got %v, want %v", trial, idom, internal, got, want)
		}
	}
}

// GrouperOf leaves out the groups of holders deeper than MaxHolderDepth, and only those: on a
// linked list from a root, each node holding the next and a payload, its groups are those a
// Grouper of every object gives (NewGrouper, Object) with the deeper holders taken out.
func TestGrouperOfDepth(t *testing.T) {
	const nodes = 3 * MaxHolderDepth
	b := NewBuilder(0, 0)
	typ := []uint32{}
	add := func(addr, size uint64, t uint32) ObjID {
		id, err := b.AddObject(addr, size)
		if err != nil {
			panic(err)
		}
		typ = append(typ, t)
		return id
	}
	for k := range uint64(nodes) {
		node := add(16*k+16, 64, 0)
		add(16*k+24, 1000, 1) // the payload
		b.AddEdge(node, 16*k+24, heap.EdgeField)
		if k+1 < nodes {
			b.AddEdge(node, 16*k+32, heap.EdgeField)
		}
	}
	b.AddRoot(16)
	g, a := buildAnalyzed(t, b)
	none := func(typ, holder uint32, element bool) (bool, error) { return false, nil }
	const floor = 1
	all := NewGrouper(g.Len())
	for id := range g.Len() {
		idom := a.IDom[id] + 1 // SuperRoot wraps to 0
		all.Object(id, typ[id], idom, int64(a.Dist[id]), false, a.Retained.At(ObjID(id)))
	}
	if err := all.Resolve(none); err != nil {
		t.Fatal(err)
	}
	for id := range g.Len() {
		all.Add(id, g.SizeOf(ObjID(id)), a.Retained.At(ObjID(id)), floor)
	}
	var want []Group
	deep := 0
	for _, r := range all.Groups(floor) {
		if r.Holder >= 0 && a.Dist[r.Holder] > MaxHolderDepth {
			deep++
			continue
		}
		want = append(want, r)
	}
	if deep == 0 {
		t.Fatal("no holder deeper than MaxHolderDepth: the test checks nothing")
	}
	dist := slices.Clone(a.Dist)
	byObjID := GrouperOf(g, a, typ, func(ObjID) bool { return false })
	if err := byObjID.Resolve(none); err != nil {
		t.Fatal(err)
	}
	for id := range g.Len() {
		byObjID.Add(id, g.SizeOf(ObjID(id)), a.Retained.At(ObjID(id)), floor)
	}
	got := byObjID.Groups(floor)
	for _, r := range got {
		if r.Holder >= 0 && dist[r.Holder] > MaxHolderDepth {
			t.Fatalf("a group of holder %d at depth %d", r.Holder, dist[r.Holder])
		}
	}
	order := func(x, y Group) int {
		flags := func(r Group) int { return b2i(r.Root) | b2i(r.Self)<<1 | b2i(r.Storage)<<2 | b2i(r.Open)<<3 }
		return cmp.Or(cmp.Compare(x.Holder, y.Holder), cmp.Compare(x.TypeID, y.TypeID), cmp.Compare(flags(x), flags(y)))
	}
	slices.SortFunc(want, order)
	slices.SortFunc(got, order)
	if !slices.Equal(got, want) {
		t.Errorf("%d groups, want %d (%d deeper holders left out)", len(got), len(want), deep)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// buildAnalyzed builds b's graph and analyses it.
func buildAnalyzed(t *testing.T, b *Builder) (*Graph, *Analysis) {
	t.Helper()
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	a, err := g.Analyze()
	if err != nil {
		t.Fatal(err)
	}
	return g, a
}
