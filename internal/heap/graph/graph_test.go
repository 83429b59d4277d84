package graph

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/memsee/memsee/internal/heap"
)

func TestAnalyzeRandom(t *testing.T) {
	tests := []struct {
		name  string
		shape shape
		runs  int
	}{
		{"sparse", shape{minN: 5, maxN: 40, edgesPer: 1, roots: 3}, 300},
		{"dense", shape{minN: 5, maxN: 40, edgesPer: 3, roots: 2}, 300},
		{"one root", shape{minN: 5, maxN: 40, edgesPer: 2, roots: 1}, 300},
		{"no roots", shape{minN: 5, maxN: 30, edgesPer: 1.5, roots: 0}, 200},
		{"many roots", shape{minN: 5, maxN: 40, edgesPer: 2, roots: 15, lostRoots: true}, 200},
		{"weak", shape{minN: 5, maxN: 40, edgesPer: 2.5, weak: 0.3, roots: 3}, 300},
		{"shortcuts", shape{minN: 5, maxN: 40, edgesPer: 2.5, shortcut: 0.3, roots: 4}, 300},
		{"self loops and dangling", shape{minN: 5, maxN: 40, edgesPer: 2, self: 0.15, dangling: 0.15, roots: 3, lostRoots: true}, 300},
		{"mixed", shape{minN: 5, maxN: 40, edgesPer: 2, weak: 0.1, shortcut: 0.1, self: 0.05, dangling: 0.05, roots: 3, lostRoots: true}, 500},
		{"deep", shape{minN: 20, maxN: 40, edgesPer: 1.3, weak: 0.05, roots: 1, local: true}, 300},
		{"deep with cycles", shape{minN: 20, maxN: 40, edgesPer: 2.5, shortcut: 0.05, roots: 2, local: true}, 300},
		{"mixed, addresses within 4 GiB", shape{minN: 5, maxN: 40, edgesPer: 2, weak: 0.1, shortcut: 0.1, self: 0.05, dangling: 0.1, roots: 3, lostRoots: true, narrow: true}, 500},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, seed := range []uint64{1, 2, 3} {
				r := rand.New(rand.NewPCG(seed, uint64(i)))
				for run := range tt.runs / 3 {
					d := randomDump(r, tt.shape)
					name := fmt.Sprintf("%s seed %d run %d", tt.name, seed, run)
					checkDump(t, name, d)
					if t.Failed() {
						t.Logf("%s:\n%s", name, d)
						return
					}
				}
			}
		})
	}
}

// retainedOf returns a's retained sizes as a slice.
func retainedOf(a *Analysis) []uint64 {
	out := make([]uint64, a.Retained.Len())
	for id := range out {
		out[id] = a.Retained.At(ObjID(id))
	}
	return out
}

// obj and ref keep the hand-written cases short: objects are at address 100+i.
func obj(size uint64, refs ...dumpEdge) dumpObject { return dumpObject{size: size, edges: refs} }
func ref(to int) dumpEdge                          { return dumpEdge{to: 100 + uint64(to), kind: heap.EdgeField} }
func refK(to int, k heap.EdgeKind) dumpEdge        { return dumpEdge{to: 100 + uint64(to), kind: k} }

func handDump(objects []dumpObject, roots ...int) *dump {
	d := &dump{objects: objects}
	for i := range d.objects {
		d.objects[i].addr = 100 + uint64(i)
	}
	for _, r := range roots {
		d.roots = append(d.roots, 100+uint64(r))
	}
	return d
}

const S = -1 // the super-root, in the want columns below

func TestAnalyzeCases(t *testing.T) {
	// Expected values are worked out by hand from the definitions.
	tests := []struct {
		name        string
		dump        *dump
		idom        []int
		retained    []uint64
		dist        []int // -1: unreached
		unreachable int
	}{
		{
			// Lengauer and Tarjan's Figure 1: R=0, A..L = 1..12.
			name: "LT paper",
			dump: handDump([]dumpObject{
				obj(1, ref(1), ref(2), ref(3)), // R -> A B C
				obj(1, ref(4)),                 // A -> D
				obj(1, ref(1), ref(4), ref(5)), // B -> A D E
				obj(1, ref(6), ref(7)),         // C -> F G
				obj(1, ref(12)),                // D -> L
				obj(1, ref(8)),                 // E -> H
				obj(1, ref(9)),                 // F -> I
				obj(1, ref(9), ref(10)),        // G -> I J
				obj(1, ref(5), ref(11)),        // H -> E K
				obj(1, ref(11)),                // I -> K
				obj(1, ref(9)),                 // J -> I
				obj(1, ref(9), ref(0)),         // K -> I R
				obj(1, ref(8)),                 // L -> H
			}, 0),
			//          R  A  B  C  D  E  F  G  H  I  J  K  L
			idom:     []int{S, 0, 0, 0, 0, 0, 3, 3, 0, 0, 7, 0, 4},
			retained: []uint64{13, 1, 1, 4, 2, 1, 1, 2, 1, 1, 1, 1, 1},
			dist:     []int{0, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 3},
		},
		{
			name: "diamond",
			dump: handDump([]dumpObject{
				obj(1, ref(1), ref(2)), obj(2, ref(3)), obj(4, ref(3)), obj(8),
			}, 0),
			idom:     []int{S, 0, 0, 0},
			retained: []uint64{15, 2, 4, 8},
			dist:     []int{0, 1, 1, 2},
		},
		{
			name: "weak edge does not retain",
			dump: handDump([]dumpObject{
				obj(1, ref(1), refK(2, heap.EdgeWeak)), obj(2, refK(2, heap.EdgeWeak)), obj(4),
			}, 0),
			idom:        []int{S, 0, S},
			retained:    []uint64{3, 2, 4},
			dist:        []int{0, 1, -1},
			unreachable: 1,
		},
		{
			name: "shortcut counts only from a root",
			dump: handDump([]dumpObject{
				obj(1, ref(1), refK(2, heap.EdgeShortcut)), // root: its shortcut is followed
				obj(2, ref(3), refK(4, heap.EdgeShortcut)), // not a root: its shortcut is not
				obj(4, ref(3)),
				obj(8, ref(4)),
				obj(16),
			}, 0),
			idom:     []int{S, 0, 0, 0, 3},
			retained: []uint64{31, 2, 4, 24, 16},
			dist:     []int{0, 1, 1, 2, 3},
		},
		{
			name: "self edges and multi-edges",
			dump: handDump([]dumpObject{
				obj(1, ref(0), ref(1), ref(1)), obj(2, ref(1), ref(2)), obj(4, ref(2)),
			}, 0),
			idom:     []int{S, 0, 1},
			retained: []uint64{7, 6, 4},
			dist:     []int{0, 1, 2},
		},
		{
			name: "garbage list hangs off the super-root by its head",
			dump: handDump([]dumpObject{
				obj(1),
				obj(2, ref(2)), // 1 -> 2 -> 3 -> 1 is a cycle, entered only from 4
				obj(4, ref(3)),
				obj(8, ref(1)),
				obj(16, ref(2)), // the head: nothing points to it
			}, 0),
			idom:        []int{S, 3, 4, 2, S},
			retained:    []uint64{1, 2, 14, 10, 30},
			dist:        []int{0, -1, -1, -1, -1},
			unreachable: 4,
		},
		{
			name: "garbage cycle is entered at its first object",
			dump: handDump([]dumpObject{
				obj(1), obj(2, ref(2)), obj(4, ref(3)), obj(8, ref(1), ref(4)), obj(16),
			}, 0),
			idom:        []int{S, S, 1, 2, 3},
			retained:    []uint64{1, 30, 28, 24, 16},
			dist:        []int{0, -1, -1, -1, -1},
			unreachable: 4,
		},
		{
			// The unreachable 3 hangs off the super-root, so it holds 1 and 2 as a root would.
			name: "garbage pointing at live objects acts as a root",
			dump: handDump([]dumpObject{
				obj(1, ref(1)), obj(2, ref(2)), obj(4), obj(8, ref(2), ref(1)),
			}, 0),
			idom:        []int{S, S, S, S},
			retained:    []uint64{1, 2, 4, 8},
			dist:        []int{0, 1, 2, -1},
			unreachable: 1,
		},
		{
			name: "two roots share a child",
			dump: handDump([]dumpObject{
				obj(1, ref(2)), obj(2, ref(2), ref(0)), obj(4, ref(3)), obj(8),
			}, 0, 1, 0),
			idom:     []int{S, S, S, 2},
			retained: []uint64{1, 2, 12, 8},
			dist:     []int{0, 0, 1, 2},
		},
		{
			name: "no roots: everything is unreachable",
			dump: handDump([]dumpObject{
				obj(1, ref(1)), obj(2), obj(4, ref(1)),
			}),
			idom:        []int{S, S, S},
			retained:    []uint64{1, 2, 4},
			dist:        []int{-1, -1, -1},
			unreachable: 3,
		},
		{
			name:     "empty",
			dump:     handDump(nil),
			idom:     []int{},
			retained: []uint64{},
			dist:     []int{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := tt.dump.build()
			if err != nil {
				t.Fatalf("Build(%s): %v", tt.name, err)
			}
			a, err := g.Analyze()
			if err != nil {
				t.Fatalf("Analyze(%s): %v", tt.name, err)
			}
			idom := make([]int, len(a.IDom))
			for i, p := range a.IDom {
				idom[i] = int(p)
				if p == SuperRoot {
					idom[i] = S
				}
			}
			dist := make([]int, len(a.Dist))
			for i, d := range a.Dist {
				dist[i] = int(d)
				if d == Unreached {
					dist[i] = -1
				}
			}
			if !slices.Equal(idom, tt.idom) {
				t.Errorf("IDom(%s): got %v, want %v", tt.name, idom, tt.idom)
			}
			if got := retainedOf(a); !slices.Equal(got, tt.retained) {
				t.Errorf("Retained(%s): got %v, want %v", tt.name, got, tt.retained)
			}
			if !slices.Equal(dist, tt.dist) {
				t.Errorf("Dist(%s): got %v, want %v", tt.name, dist, tt.dist)
			}
			if a.Unreachable != tt.unreachable {
				t.Errorf("Unreachable(%s): got %d, want %d", tt.name, a.Unreachable, tt.unreachable)
			}
			// And the brute-force model agrees.
			checkDump(t, tt.name, tt.dump)
		})
	}
}

// groupTruth is GroupRetained by definition: an object counts for its group unless one of its
// proper dominators is in the same group.
func groupTruth(idom []int, retained []uint64, group []uint32, ngroups int) []uint64 {
	out := make([]uint64, ngroups)
	for v := range idom {
		covered := false
		for d := idom[v]; d >= 0; d = idom[d] {
			if group[d] == group[v] {
				covered = true
				break
			}
		}
		if !covered {
			out[group[v]] += retained[v]
		}
	}
	return out
}

func TestGroupRetainedRandom(t *testing.T) {
	tests := []struct {
		name    string
		shape   shape
		ngroups int
	}{
		{"two groups, deep", shape{minN: 10, maxN: 40, edgesPer: 1.5, roots: 2, local: true}, 2},
		{"one group", shape{minN: 5, maxN: 40, edgesPer: 2, roots: 3}, 1},
		{"many groups", shape{minN: 5, maxN: 40, edgesPer: 2, weak: 0.1, roots: 3}, 12},
		{"with garbage", shape{minN: 5, maxN: 40, edgesPer: 1, roots: 1, local: true}, 3},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, uint64(i)))
			for run := range 200 {
				d := randomDump(r, tt.shape)
				want := newModel(d).truth() // brute-force idom and retained, not the package's
				n := len(d.objects)
				group := make([]uint32, n)
				for v := range group {
					group[v] = uint32(r.IntN(tt.ngroups))
				}
				idom := make([]ObjID, n)
				for v, p := range want.idom {
					idom[v] = SuperRoot
					if p >= 0 {
						idom[v] = ObjID(p)
					}
				}
				got, err := GroupRetained(idom, SizesOf(want.retained), group, tt.ngroups+1) // one empty group
				if err != nil {
					t.Fatalf("GroupRetained(%s run %d): %v", tt.name, run, err)
				}
				w := groupTruth(want.idom, want.retained, group, tt.ngroups+1)
				if !slices.Equal(got, w) {
					t.Fatalf("GroupRetained(%s run %d): got %v, want %v\n%s", tt.name, run, got, w, d)
				}
			}
		})
	}
}

func TestGroupRetainedCases(t *testing.T) {
	tests := []struct {
		name     string
		idom     []ObjID
		retained []uint64
		group    []uint32
		ngroups  int
		want     []uint64
		wantErr  bool
	}{
		{
			// A list of group 0 nodes under a root of group 1: only the head counts.
			name:     "list",
			idom:     []ObjID{SuperRoot, 0, 1, 2},
			retained: []uint64{10, 9, 6, 3},
			group:    []uint32{1, 0, 0, 0},
			ngroups:  2,
			want:     []uint64{9, 10},
		},
		{
			// Group 0 nodes separated by a group 1 node still nest: 2 is under 0.
			name:     "interleaved",
			idom:     []ObjID{SuperRoot, 0, 1, SuperRoot},
			retained: []uint64{7, 5, 2, 4},
			group:    []uint32{0, 1, 0, 0},
			ngroups:  2,
			want:     []uint64{11, 5},
		},
		{
			name:     "siblings both count",
			idom:     []ObjID{SuperRoot, 0, 0},
			retained: []uint64{7, 2, 4},
			group:    []uint32{0, 1, 1},
			ngroups:  2,
			want:     []uint64{7, 6},
		},
		{name: "empty", ngroups: 3, want: []uint64{0, 0, 0}},
		{name: "lengths differ", idom: []ObjID{SuperRoot}, retained: []uint64{1, 2}, group: []uint32{0}, ngroups: 1, wantErr: true},
		{name: "group out of range", idom: []ObjID{SuperRoot}, retained: []uint64{1}, group: []uint32{1}, ngroups: 1, wantErr: true},
		{name: "idom out of range", idom: []ObjID{SuperRoot, 5}, retained: []uint64{1, 1}, group: []uint32{0, 0}, ngroups: 1, wantErr: true},
		{
			// Not a tree (a cycle no path from the super-root enters): must end, not loop.
			name:     "idom cycle",
			idom:     []ObjID{SuperRoot, 2, 1},
			retained: []uint64{1, 2, 4},
			group:    []uint32{0, 0, 0},
			ngroups:  1,
			want:     []uint64{1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := GroupRetained(tt.idom, SizesOf(tt.retained), tt.group, tt.ngroups)
			if tt.wantErr {
				if err == nil {
					t.Errorf("GroupRetained(%s): got %v, want an error", tt.name, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("GroupRetained(%s): %v", tt.name, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("GroupRetained(%s): got %v, want %v", tt.name, got, tt.want)
			}
		})
	}
}

func TestBuilder(t *testing.T) {
	t.Run("forward refs, dangling edges and lost roots", func(t *testing.T) {
		d := &dump{
			objects: []dumpObject{
				{addr: 0x30, size: 1, edges: []dumpEdge{{0x10, heap.EdgeField}, {0x99, heap.EdgeElement}, {0x20, heap.EdgeWeak}}},
				{addr: 0x20, size: 2, edges: []dumpEdge{{0x98, heap.EdgeField}}},
				{addr: 0x10, size: 3, edges: []dumpEdge{{0x30, heap.EdgeContext}, {0x30, heap.EdgeContext}, {0x97, heap.EdgeField}}},
			},
			roots: []uint64{0x77, 0x10, 0x30, 0x10},
		}
		g, err := d.build()
		if err != nil {
			t.Fatal(err)
		}
		checkBuilt(t, "forward refs", d, g) // the general comparison; and spelled out:
		if want := []ObjID{2, 1, 0, 0}; !slices.Equal(g.Edges, want) {
			t.Errorf("Edges: got %v, want %v", g.Edges, want)
		}
		if want := []uint32{0, 2, 2, 4}; !slices.Equal(g.EdgeStart, want) {
			t.Errorf("EdgeStart: got %v, want %v", g.EdgeStart, want)
		}
		if want := []uint32{1, 3, 6}; g.Dangling != 3 || !slices.Equal(g.Dropped, want) {
			t.Errorf("Dangling %d, Dropped %v: want 3, %v", g.Dangling, g.Dropped, want)
		}
		if want := []ObjID{2, 0}; g.LostRoots != 1 || !slices.Equal(g.Roots, want) {
			t.Errorf("Roots %v, LostRoots %d: want %v, 1", g.Roots, g.LostRoots, want)
		}
		names := []string{"a", "b", "c", "d", "e", "f", "g"} // one per AddEdge call
		if got, want := DropDangling(g, names), []string{"a", "c", "e", "f"}; !slices.Equal(got, want) {
			t.Errorf("DropDangling: got %v, want %v", got, want)
		}
	})
	t.Run("duplicate address", func(t *testing.T) {
		b := NewBuilder(0, 0)
		for _, a := range []uint64{5, 6, 7, 6} {
			if _, err := b.AddObject(a, 1); err != nil {
				t.Fatal(err)
			}
		}
		_, err := b.Build()
		var dup *DuplicateError
		if !errors.As(err, &dup) || dup.Addr != 6 || dup.First != 1 || dup.Second != 3 {
			t.Fatalf("Build: got %v, want a DuplicateError for address 6, objects 1 and 3", err)
		}
	})
	t.Run("all objects first, then edges by source", func(t *testing.T) {
		b := NewBuilder(4, 3)
		for i := range uint64(4) {
			b.AddObject(10+i, 1)
		}
		b.AddEdge(1, 13, heap.EdgeField)
		b.AddEdge(1, 10, heap.EdgeHidden)
		b.AddEdge(3, 11, heap.EdgeField)
		g, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		if want := []uint32{0, 0, 2, 2, 3}; !slices.Equal(g.EdgeStart, want) {
			t.Errorf("EdgeStart: got %v, want %v", g.EdgeStart, want)
		}
		if want := []ObjID{3, 0, 1}; !slices.Equal(g.Edges, want) {
			t.Errorf("Edges: got %v, want %v", g.Edges, want)
		}
		if want := []heap.EdgeKind{heap.EdgeField, heap.EdgeHidden, heap.EdgeField}; !slices.Equal(g.Kinds, want) {
			t.Errorf("Kinds: got %v, want %v", g.Kinds, want)
		}
	})
	t.Run("many edges across chunks", func(t *testing.T) {
		// More edges than the first chunks hold, a third of them dangling.
		d := &dump{}
		for i := range 3000 {
			o := dumpObject{addr: uint64(i) * 16, size: 1}
			for j := range 3 {
				o.edges = append(o.edges, dumpEdge{uint64(i*7+j) * 16, heap.EdgeField})
			}
			d.objects = append(d.objects, o)
		}
		g, err := d.build()
		if err != nil {
			t.Fatal(err)
		}
		checkBuilt(t, "many edges", d, g)
	})
	t.Run("addresses past 32 bits after chunks of narrow ones", func(t *testing.T) {
		// The targets are kept in 32 bits until the first that needs more (Builder.widen),
		// after several chunks, some dangling; then both kinds follow.
		d := &dump{}
		const high = 1 << 40
		for i := range 3000 {
			o := dumpObject{addr: uint64(i) * 16, size: 1}
			if i%2 == 1 {
				o.addr += high
			}
			for j := range 3 {
				to := uint64(i*7+j) % 3000 * 16
				if i > 2500 && (i+j)%2 == 1 {
					to += high
				}
				o.edges = append(o.edges, dumpEdge{to, heap.EdgeField})
			}
			d.objects = append(d.objects, o)
		}
		g, err := d.build()
		if err != nil {
			t.Fatal(err)
		}
		checkBuilt(t, "narrow, then wide", d, g)
	})
	misuse := []struct {
		name string
		do   func(b *Builder)
	}{
		{"edge before any object", func(b *Builder) { b.AddEdge(0, 1, heap.EdgeField) }},
		{"edge from an object not added", func(b *Builder) { b.AddObject(1, 1); b.AddEdge(1, 1, heap.EdgeField) }},
		{"edges out of source order", func(b *Builder) {
			b.AddObject(1, 1)
			b.AddObject(2, 1)
			b.AddEdge(1, 1, heap.EdgeField)
			b.AddEdge(0, 2, heap.EdgeField)
		}},
	}
	for _, tt := range misuse {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBuilder(0, 0)
			tt.do(b)
			if g, err := b.Build(); err == nil {
				t.Errorf("Build after %s: got a graph of %d objects, want an error", tt.name, g.Len())
			}
		})
	}
	t.Run("used after Build", func(t *testing.T) {
		b := NewBuilder(0, 0)
		b.AddObject(1, 1)
		if _, err := b.Build(); err != nil {
			t.Fatal(err)
		}
		if _, err := b.AddObject(2, 1); err == nil {
			t.Error("AddObject after Build: got no error")
		}
		b.AddEdge(0, 1, heap.EdgeField) // must not panic
		b.AddRoot(1)
		if _, err := b.Build(); err == nil {
			t.Error("second Build: got no error")
		}
	})
}

func TestAnalyzeRejectsBrokenGraph(t *testing.T) {
	good := func() *Graph {
		g, err := handDump([]dumpObject{obj(1, ref(1)), obj(2)}, 0).build()
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	tests := []struct {
		name   string
		mutate func(g *Graph)
	}{
		{"edge out of range", func(g *Graph) { g.Edges[0] = 7 }},
		{"root out of range", func(g *Graph) { g.Roots = append(g.Roots, 2) }},
		{"short EdgeStart", func(g *Graph) { g.EdgeStart = g.EdgeStart[:2] }},
		{"EdgeStart past Edges", func(g *Graph) { g.EdgeStart[2] = 5 }},
		{"EdgeStart decreasing", func(g *Graph) { g.EdgeStart[1] = 0; g.EdgeStart[0] = 1 }},
		{"sizes missing", func(g *Graph) { g.Size = g.Size[:1] }},
		{"kinds missing", func(g *Graph) { g.Kinds = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := good()
			tt.mutate(g)
			if _, err := g.Analyze(); err == nil {
				t.Errorf("Analyze(%s): got no error", tt.name)
			}
		})
	}
}

// TestDeepChain runs a two-million-long list, once plain and once with an edge from its tail
// back to its second node, which makes compress walk a path as long as the list. Recursion
// anywhere would overflow the goroutine stack or take far too long.
func TestDeepChain(t *testing.T) {
	const n = 2_000_000
	for _, back := range []bool{false, true} {
		t.Run(fmt.Sprintf("back edge %v", back), func(t *testing.T) {
			b := NewBuilder(n, n)
			for i := range uint64(n) {
				id, _ := b.AddObject(i*8, 2)
				if i+1 < n {
					b.AddEdge(id, (i+1)*8, heap.EdgeField)
				} else if back {
					b.AddEdge(id, 8, heap.EdgeField)
				}
			}
			b.AddRoot(0)
			_, a := buildAnalyzed(t, b)
			for i := range n {
				wantIDom := ObjID(i - 1)
				if i == 0 {
					wantIDom = SuperRoot
				}
				if a.IDom[i] != wantIDom || a.Retained.At(ObjID(i)) != uint64(2*(n-i)) || a.Dist[i] != uint32(i) {
					t.Fatalf("object %d: IDom %d, Retained %d, Dist %d; want %d, %d, %d", i, a.IDom[i], a.Retained.At(ObjID(i)), a.Dist[i], wantIDom, 2*(n-i), i)
				}
			}
			// Alternating groups: only the first two objects count; the rest are under them.
			group := make([]uint32, n)
			for i := range group {
				group[i] = uint32(i % 2)
			}
			got, err := GroupRetained(a.IDom, a.Retained, group, 2)
			if err != nil {
				t.Fatal(err)
			}
			if want := []uint64{2 * n, 2 * (n - 1)}; !slices.Equal(got, want) {
				t.Errorf("GroupRetained: got %v, want %v", got, want)
			}
		})
	}
}

// FuzzAnalyze decodes the input into a small dump and checks the package against the model.
func FuzzAnalyze(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{3, 0, 1, 0, 2, 1, 0, 0, 1, 2, 6, 2, 2, 5})
	f.Add([]byte{8, 1, 0, 1, 1, 2, 0, 2, 3, 0, 3, 4, 6, 4, 0, 0, 5, 6, 5, 6, 7, 7, 1, 5})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 {
			return
		}
		n := int(b[0])%24 + 1
		d := &dump{}
		for i := range n {
			d.objects = append(d.objects, dumpObject{addr: uint64(i) * 0x1000, size: uint64(i%5 + 1)})
		}
		b = b[1:]
		if len(b) > 0 { // roots: a count, then that many object numbers (n: an unknown address)
			nr := int(b[0]) % 4
			b = b[1:]
			for ; nr > 0 && len(b) > 0; nr-- {
				d.roots = append(d.roots, uint64(int(b[0])%(n+1))*0x1000)
				b = b[1:]
			}
		}
		for len(b) >= 3 { // edges: from, to (n: dangling), kind
			from, to, kind := int(b[0])%n, int(b[1])%(n+1), heap.EdgeKind(b[2]%8)
			d.objects[from].edges = append(d.objects[from].edges, dumpEdge{uint64(to) * 0x1000, kind})
			b = b[3:]
		}
		checkDump(t, "fuzz", d)
	})
}

// TestAnalyzeReadOnly checks that Analyze leaves the graph as it was, so that a caller may read
// it meanwhile (run with -race), and that it gives the same answer twice.
func TestAnalyzeReadOnly(t *testing.T) {
	b := NewBuilder(0, 0)
	heapLike(b, 20_000, 3)
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	before := *g
	before.Edges, before.Kinds, before.EdgeStart = slices.Clone(g.Edges), slices.Clone(g.Kinds), slices.Clone(g.EdgeStart)
	before.Size, before.Roots = slices.Clone(g.Size), slices.Clone(g.Roots)
	done := make(chan int)
	go func() {
		essential := 0
		for v := range ObjID(g.Len()) {
			lo, hi := g.EdgeRange(v)
			for e := lo; e < hi; e++ {
				if g.Essential(v, e) {
					essential++
				}
			}
		}
		done <- essential
	}()
	a1, err := g.Analyze()
	if err != nil {
		t.Fatal(err)
	}
	<-done
	a2, err := g.Analyze()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g.Edges, before.Edges) || !slices.Equal(g.Kinds, before.Kinds) || !slices.Equal(g.EdgeStart, before.EdgeStart) ||
		!slices.Equal(g.Size, before.Size) || !slices.Equal(g.Roots, before.Roots) {
		t.Error("Analyze changed the graph")
	}
	if !slices.Equal(a1.IDom, a2.IDom) || !slices.Equal(retainedOf(a1), retainedOf(a2)) || !slices.Equal(a1.Dist, a2.Dist) ||
		!slices.Equal(a1.Parent, a2.Parent) || !slices.Equal(a1.ParentEdge, a2.ParentEdge) || a1.Unreachable != a2.Unreachable {
		t.Error("Analyze gave two different answers for one graph")
	}
	// Retained of the super-root's children adds up to the whole heap.
	var top, total uint64
	for v, p := range a1.IDom {
		total += g.SizeOf(ObjID(v))
		if p == SuperRoot {
			top += a1.Retained.At(ObjID(v))
		}
	}
	if top != total {
		t.Errorf("Retained of the super-root's children: got %d, want the sum of sizes %d", top, total)
	}
}

func TestAddRoots(t *testing.T) {
	b := NewBuilder(0, 0)
	for a := uint64(1); a <= 3; a++ {
		b.AddObject(a, 10)
	}
	b.AddEdge(0, 2, heap.EdgeField) // ObjID 0 (address 1) -> address 2 (ObjID 1)
	b.AddRoot(1)                    // ObjID 0; ObjID 2 is unreachable until AddRoots
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	g.AddRoots(0, 2, 2) // 0 is a root already; 2 twice
	if len(g.Roots) != 2 || !g.IsRoot(2) || g.IsRoot(1) {
		t.Fatalf("AddRoots: roots %v", g.Roots)
	}
	a, err := g.Analyze()
	if err != nil {
		t.Fatal(err)
	}
	if a.Dist[2] != 0 || a.IDom[2] != SuperRoot || a.Retained.At(2) != 10 || a.Unreachable != 0 {
		t.Errorf("after AddRoots: dist %d, idom %d, retained %d, unreachable %d", a.Dist[2], a.IDom[2], a.Retained.At(2), a.Unreachable)
	}
}

// With FirstRoots, an object that a system root reaches in one hop and a user root in three is
// reached through the user root; what only the system root reaches still gets its distance from
// it. Dominators do not depend on the order.
func TestFirstRoots(t *testing.T) {
	// Addresses: 1 system root, 2 user root, 3 and 4 on the user's way, 5 shared, 6 system only.
	b := NewBuilder(0, 0)
	for a := uint64(1); a <= 6; a++ {
		b.AddObject(a, 10)
	}
	b.AddEdge(0, 5, heap.EdgeInternal) // system -> shared
	b.AddEdge(0, 6, heap.EdgeInternal) // system -> system only
	b.AddEdge(1, 3, heap.EdgeField)    // user -> 3 -> 4 -> shared
	b.AddEdge(2, 4, heap.EdgeField)
	b.AddEdge(3, 5, heap.EdgeField)
	b.AddRoot(1)
	b.AddRoot(2)
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	plain, err := g.Analyze()
	if err != nil {
		t.Fatal(err)
	}
	if plain.Dist[4] != 1 || plain.Parent[4] != 0 {
		t.Fatalf("without tiers: shared at %d from %d, want 1 from the system root", plain.Dist[4], plain.Parent[4])
	}
	g.Roots = []ObjID{1, 0}
	g.FirstRoots = 1
	a, err := g.Analyze()
	if err != nil {
		t.Fatal(err)
	}
	if a.Dist[4] != 3 || a.Parent[4] != 3 || a.Dist[5] != 1 || a.Parent[5] != 0 {
		t.Errorf("user root first: shared at %d from %d (want 3 from 3), system-only at %d from %d (want 1 from 0)",
			a.Dist[4], a.Parent[4], a.Dist[5], a.Parent[5])
	}
	for id := range plain.IDom {
		if a.IDom[id] != plain.IDom[id] || a.Retained.At(ObjID(id)) != plain.Retained.At(ObjID(id)) {
			t.Errorf("object %d: dominators changed with the root order", id)
		}
	}
}

// TestAnalyzeSteps: AnalyzeSteps tells its steps in order, once each, and computes what
// Analyze does.
func TestAnalyzeSteps(t *testing.T) {
	b := NewBuilder(3, 2)
	for i := range uint64(3) {
		b.AddObject(10+i, 8)
	}
	b.AddEdge(0, 11, heap.EdgeField)
	b.AddEdge(1, 12, heap.EdgeField)
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	g.AddRoots(0)
	var steps []Step
	a, err := g.AnalyzeSteps(func(s Step) { steps = append(steps, s) })
	if err != nil {
		t.Fatal(err)
	}
	if want := []Step{StepDominators, StepRetained, StepShortestPaths}; !slices.Equal(steps, want) {
		t.Errorf("steps %v, want %v", steps, want)
	}
	if want := []uint64{24, 16, 8}; !slices.Equal(retainedOf(a), want) {
		t.Errorf("Retained %v, want %v", retainedOf(a), want)
	}
	if want := []uint32{0, 1, 2}; !slices.Equal(a.Dist, want) {
		t.Errorf("Dist %v, want %v", a.Dist, want)
	}
}

// TestBigSizes checks that sizes of 4 GiB and more, which Graph.Size keeps aside, come back
// whole from SizeOf and count whole in what their dominators retain.
func TestBigSizes(t *testing.T) {
	sizes := []uint64{16, BigSize - 1, BigSize, 5 << 30, 1 << 62}
	b := NewBuilder(0, 0)
	for i, s := range sizes {
		if _, err := b.AddObject(uint64(0x1000+16*i), s); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i < len(sizes); i++ {
		b.AddEdge(0, uint64(0x1000+16*i), heap.EdgeField)
	}
	b.AddRoot(0x1000)
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	var sum uint64
	for i, want := range sizes {
		if got := g.SizeOf(ObjID(i)); got != want {
			t.Errorf("object %d: size %d, want %d", i, got, want)
		}
		sum += want
	}
	a, err := g.Analyze()
	if err != nil {
		t.Fatal(err)
	}
	if a.Retained.At(0) != sum {
		t.Errorf("the root retains %d, want %d", a.Retained.At(0), sum)
	}
}
