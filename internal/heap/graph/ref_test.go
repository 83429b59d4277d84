package graph

// A slow, obviously correct model of the package, written from the definitions rather than from
// the code under test: dumps are plain Go values, dominance is "removing v disconnects w from the
// super-root", retained size is the sum over the dominated objects.

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/memsee/memsee/internal/heap"
)

// dumpEdge is a reference as a reader sees it: a target address and a kind.
type dumpEdge struct {
	to   uint64
	kind heap.EdgeKind
}

// dumpObject is an object as a reader sees it.
type dumpObject struct {
	addr  uint64
	size  uint64
	edges []dumpEdge
}

// dump is a whole file's worth of objects and root addresses, in file order.
type dump struct {
	objects []dumpObject
	roots   []uint64
}

// build feeds d to a Builder the way a reader of a record-per-object format does.
func (d *dump) build() (*Graph, error) {
	b := NewBuilder(len(d.objects), 0)
	for _, o := range d.objects {
		id, err := b.AddObject(o.addr, o.size)
		if err != nil {
			return nil, err
		}
		for _, e := range o.edges {
			b.AddEdge(id, e.to, e.kind)
		}
	}
	for _, r := range d.roots {
		b.AddRoot(r)
	}
	return b.Build()
}

// model is d resolved by hand: objects by index, edges with dangling ones left out.
type model struct {
	n      int
	size   []uint64
	out    [][]modelEdge // object -> its resolved edges, in dump order
	roots  []int         // distinct, in first-seen order
	isRoot []bool
}

type modelEdge struct {
	to   int
	kind heap.EdgeKind
}

func newModel(d *dump) *model {
	m := &model{n: len(d.objects)}
	index := make(map[uint64]int)
	for i, o := range d.objects {
		index[o.addr] = i
		m.size = append(m.size, o.size)
	}
	for _, o := range d.objects {
		var out []modelEdge
		for _, e := range o.edges {
			if t, ok := index[e.to]; ok {
				out = append(out, modelEdge{t, e.kind})
			}
		}
		m.out = append(m.out, out)
	}
	m.isRoot = make([]bool, m.n)
	for _, a := range d.roots {
		if i, ok := index[a]; ok && !m.isRoot[i] {
			m.isRoot[i] = true
			m.roots = append(m.roots, i)
		}
	}
	return m
}

// keeps is the edge rule, written out again from the package comment rather than shared.
func (m *model) keeps(from int, e modelEdge) bool {
	if e.to == from || e.kind == heap.EdgeWeak {
		return false
	}
	if e.kind == heap.EdgeShortcut && !m.isRoot[from] {
		return false
	}
	return true
}

// reach marks what starts reach through kept edges, never entering skip (-1: none), on top of
// what seen already holds.
func (m *model) reach(starts []int, skip int, seen []bool) {
	var stack []int
	for _, s := range starts {
		if s != skip && !seen[s] {
			seen[s] = true
			stack = append(stack, s)
		}
	}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, e := range m.out[v] {
			if m.keeps(v, e) && e.to != skip && !seen[e.to] {
				seen[e.to] = true
				stack = append(stack, e.to)
			}
		}
	}
}

// entries returns the children of the super-root besides the roots, as the package comment
// defines them: objects the roots do not reach and no kept edge enters, in index order; then,
// in index order, any object still not reached from the roots or an earlier entry.
func (m *model) entries() []int {
	seen := make([]bool, m.n)
	m.reach(m.roots, -1, seen)
	indeg := make([]int, m.n)
	for v := range m.n {
		for _, e := range m.out[v] {
			if m.keeps(v, e) {
				indeg[e.to]++
			}
		}
	}
	var starts []int
	for v := range m.n {
		if !seen[v] && indeg[v] == 0 {
			starts = append(starts, v)
			m.reach([]int{v}, -1, seen)
		}
	}
	for v := range m.n {
		if !seen[v] {
			starts = append(starts, v)
			m.reach([]int{v}, -1, seen)
		}
	}
	return starts
}

// truth is what Analyze must find, by brute force.
type truth struct {
	idom        []int // -1 for the super-root
	retained    []uint64
	dist        []int // -1 for unreachable
	unreachable int
}

func (m *model) truth() truth {
	top := append(slices.Clone(m.roots), m.entries()...) // the super-root's children
	// dom[v][w]: v dominates w, i.e. w is not reached from the super-root once v is removed.
	dom := make([][]bool, m.n)
	for v := range m.n {
		seen := make([]bool, m.n)
		m.reach(top, v, seen)
		dom[v] = make([]bool, m.n)
		for w := range m.n {
			dom[v][w] = !seen[w]
		}
	}
	t := truth{idom: make([]int, m.n), retained: make([]uint64, m.n), dist: make([]int, m.n)}
	for w := range m.n {
		// The immediate dominator is the strict dominator that all the others dominate: the
		// one with the most dominators.
		t.idom[w] = -1
		best := 0
		for v := range m.n {
			if v == w || !dom[v][w] {
				continue
			}
			c := 0
			for u := range m.n {
				if dom[u][v] {
					c++
				}
			}
			if c > best {
				best, t.idom[w] = c, v
			}
		}
		for u := range m.n {
			if dom[w][u] {
				t.retained[w] += m.size[u]
			}
		}
	}
	// Plain BFS for distances.
	for i := range t.dist {
		t.dist[i] = -1
	}
	var queue []int
	for _, r := range m.roots {
		t.dist[r] = 0
		queue = append(queue, r)
	}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, e := range m.out[v] {
			if m.keeps(v, e) && t.dist[e.to] < 0 {
				t.dist[e.to] = t.dist[v] + 1
				queue = append(queue, e.to)
			}
		}
	}
	for _, d := range t.dist {
		if d < 0 {
			t.unreachable++
		}
	}
	return t
}

// checkDump builds d, analyzes it, and compares every result with the model. It returns the
// graph and analysis for further checks.
func checkDump(t *testing.T, name string, d *dump) (*Graph, *Analysis) {
	t.Helper()
	g, err := d.build()
	if err != nil {
		t.Fatalf("%s: Build: %v", name, err)
	}
	checkBuilt(t, name, d, g)
	a, err := g.Analyze()
	if err != nil {
		t.Fatalf("%s: Analyze: %v", name, err)
	}
	// The shortest paths found beside the dominators, in arrays of their own, are the same.
	if b, err := g.AnalyzeBeside(nil); err != nil {
		t.Fatalf("%s: AnalyzeBeside: %v", name, err)
	} else if !slices.Equal(a.Dist, b.Dist) || !slices.Equal(a.Parent, b.Parent) || !slices.Equal(a.ParentEdge, b.ParentEdge) ||
		!slices.Equal(a.IDom, b.IDom) || !slices.Equal(retainedOf(a), retainedOf(b)) || a.Unreachable != b.Unreachable {
		t.Errorf("%s: AnalyzeBeside differs from Analyze", name)
	}
	m := newModel(d)
	want := m.truth()
	if a.Unreachable != want.unreachable {
		t.Errorf("%s: Unreachable: got %d, want %d", name, a.Unreachable, want.unreachable)
	}
	for w := range m.n {
		wantIDom := SuperRoot
		if want.idom[w] >= 0 {
			wantIDom = ObjID(want.idom[w])
		}
		if a.IDom[w] != wantIDom {
			t.Errorf("%s: IDom[%d]: got %d, want %d", name, w, a.IDom[w], wantIDom)
		}
		if a.Retained.At(ObjID(w)) != want.retained[w] {
			t.Errorf("%s: Retained[%d]: got %d, want %d", name, w, a.Retained.At(ObjID(w)), want.retained[w])
		}
		checkPath(t, name, g, a, m, want, w)
	}
	return g, a
}

// checkPath checks Dist against plain BFS, and that Parent and ParentEdge step back along a
// kept edge to an object one closer to the roots.
func checkPath(t *testing.T, name string, g *Graph, a *Analysis, m *model, want truth, w int) {
	t.Helper()
	dist, p, e := a.Dist[w], a.Parent[w], a.ParentEdge[w]
	switch {
	case want.dist[w] < 0:
		if dist != Unreached || p != SuperRoot || e != NoEdge {
			t.Errorf("%s: object %d is unreachable: got Dist %d, Parent %d, ParentEdge %d", name, w, dist, p, e)
		}
	case want.dist[w] == 0:
		if dist != 0 || p != SuperRoot || e != NoEdge {
			t.Errorf("%s: object %d is a root: got Dist %d, Parent %d, ParentEdge %d", name, w, dist, p, e)
		}
	default:
		if int(dist) != want.dist[w] {
			t.Errorf("%s: Dist[%d]: got %d, want %d", name, w, dist, want.dist[w])
			return
		}
		if int(p) >= m.n || e < g.EdgeStart[p] || e >= g.EdgeStart[p+1] {
			t.Errorf("%s: object %d: ParentEdge %d is not an edge of Parent %d", name, w, e, p)
			return
		}
		k := int(e - g.EdgeStart[p])
		if int(g.Edges[e]) != w || !m.keeps(int(p), m.out[p][k]) {
			t.Errorf("%s: object %d: ParentEdge %d goes to %d (kind %d), not through a kept edge to it", name, w, e, g.Edges[e], g.Kinds[e])
		}
		if int(a.Dist[p])+1 != want.dist[w] {
			t.Errorf("%s: object %d at distance %d has Parent %d at distance %d", name, w, want.dist[w], p, a.Dist[p])
		}
	}
}

// checkBuilt compares the graph with the dump: addresses, sizes, edges in order with dangling
// ones dropped and listed, roots resolved, deduplicated and counted.
func checkBuilt(t *testing.T, name string, d *dump, g *Graph) {
	t.Helper()
	if g.Len() != len(d.objects) {
		t.Fatalf("%s: Len: got %d, want %d", name, g.Len(), len(d.objects))
	}
	index := make(map[uint64]ObjID)
	for i, o := range d.objects {
		index[o.addr] = ObjID(i)
		if g.Addr.At(ObjID(i)) != o.addr || g.SizeOf(ObjID(i)) != o.size {
			t.Errorf("%s: object %d: got addr %#x size %d, want %#x %d", name, i, g.Addr.At(ObjID(i)), g.SizeOf(ObjID(i)), o.addr, o.size)
		}
	}
	var dropped []uint32
	k := uint32(0)
	seq := uint32(0)
	for i, o := range d.objects {
		if g.EdgeStart[i] != k {
			t.Errorf("%s: EdgeStart[%d]: got %d, want %d", name, i, g.EdgeStart[i], k)
			return
		}
		for _, e := range o.edges {
			to, ok := index[e.to]
			if !ok {
				dropped = append(dropped, seq)
			} else {
				if g.Edges[k] != to || g.Kinds[k] != e.kind {
					t.Errorf("%s: edge %d: got ->%d kind %d, want ->%d kind %d", name, k, g.Edges[k], g.Kinds[k], to, e.kind)
				}
				k++
			}
			seq++
		}
	}
	if g.EdgeStart[len(d.objects)] != k || len(g.Edges) != int(k) || len(g.Kinds) != int(k) {
		t.Errorf("%s: %d edges (EdgeStart ends at %d, %d kinds), want %d", name, len(g.Edges), g.EdgeStart[len(d.objects)], len(g.Kinds), k)
	}
	if g.Dangling != len(dropped) || !slices.Equal(g.Dropped, dropped) {
		t.Errorf("%s: Dangling %d, Dropped %v; want %d, %v", name, g.Dangling, g.Dropped, len(dropped), dropped)
	}
	var roots []ObjID
	lost := 0
	for _, a := range d.roots {
		id, ok := index[a]
		switch {
		case !ok:
			lost++
		case !slices.Contains(roots, id):
			roots = append(roots, id)
		}
	}
	if g.LostRoots != lost || !slices.Equal(g.Roots, roots) {
		t.Errorf("%s: Roots %v, LostRoots %d; want %v, %d", name, g.Roots, g.LostRoots, roots, lost)
	}
	for i := range g.Len() {
		if g.IsRoot(ObjID(i)) != slices.Contains(roots, ObjID(i)) {
			t.Errorf("%s: IsRoot(%d): got %v", name, i, g.IsRoot(ObjID(i)))
		}
	}
}

// shape says what kind of random dump to make.
type shape struct {
	minN, maxN int
	edgesPer   float64 // mean out-degree
	weak       float64 // fraction of weak edges
	shortcut   float64 // fraction of shortcut edges
	self       float64 // fraction of self edges
	dangling   float64 // fraction of edges to addresses no object has
	roots      int     // at most this many roots
	lostRoots  bool    // add roots at unknown addresses, and repeated roots
	local      bool    // prefer edges to nearby objects: long chains and deep dominator trees
	narrow     bool    // addresses within 4 GiB of one another, as Addrs keeps in 4 bytes each
}

// randomDump makes a dump of the given shape. Addresses are distinct random values, some
// small, some with only high bits set; or, for a narrow shape, within 4 GiB of a random base,
// some dense near it, and the address no object has may be outside those 4 GiB.
func randomDump(r *rand.Rand, s shape) *dump {
	n := s.minN + r.IntN(s.maxN-s.minN+1)
	d := &dump{}
	used := make(map[uint64]bool)
	near := []uint64{0, 1 << 40, r.Uint64() >> 1}[r.IntN(3)]
	newAddr := func() uint64 {
		for {
			var a uint64
			switch k := r.IntN(3); {
			case s.narrow && k == 0:
				a = near + uint64(r.IntN(4*n))
			case s.narrow:
				a = near + uint64(r.Uint32())
			case k == 0:
				a = uint64(r.IntN(4 * n)) // small and dense, 0 included
			case k == 1:
				a = uint64(r.IntN(64)) << 40
			default:
				a = r.Uint64()
			}
			if !used[a] {
				used[a] = true
				return a
			}
		}
	}
	for range n {
		d.objects = append(d.objects, dumpObject{addr: newAddr(), size: uint64(1 + r.IntN(100))})
	}
	missing := newAddr() // an address no object has
	if s.narrow && r.IntN(2) == 0 && near > 0 {
		missing = []uint64{near - 1, near + 1<<33, near + 1<<32}[r.IntN(3)]
	}
	m := int(s.edgesPer * float64(n))
	for range m {
		from := r.IntN(n)
		to := r.IntN(n)
		if s.local {
			to = min(n-1, from+1+r.IntN(3))
			if r.IntN(4) == 0 {
				to = r.IntN(n)
			}
		}
		kind := heap.EdgeKind(r.IntN(int(heap.EdgeClass) + 1))
		if kind == heap.EdgeWeak || kind == heap.EdgeShortcut {
			kind = heap.EdgeField
		}
		switch x := r.Float64(); {
		case x < s.weak:
			kind = heap.EdgeWeak
		case x < s.weak+s.shortcut:
			kind = heap.EdgeShortcut
		}
		ta := d.objects[to].addr
		switch x := r.Float64(); {
		case x < s.self:
			ta = d.objects[from].addr
		case x < s.self+s.dangling:
			ta = missing
		}
		o := &d.objects[from]
		o.edges = append(o.edges, dumpEdge{ta, kind})
		if r.IntN(20) == 0 { // a multi-edge
			o.edges = append(o.edges, dumpEdge{ta, kind})
		}
	}
	nr := r.IntN(s.roots + 1)
	for range nr {
		d.roots = append(d.roots, d.objects[r.IntN(n)].addr)
	}
	if s.lostRoots {
		d.roots = append(d.roots, missing)
		if len(d.roots) > 0 {
			d.roots = append(d.roots, d.roots[0])
		}
		r.Shuffle(len(d.roots), func(i, j int) { d.roots[i], d.roots[j] = d.roots[j], d.roots[i] })
	}
	return d
}

func (d *dump) String() string {
	s := fmt.Sprintf("roots %#x\n", d.roots)
	for i, o := range d.objects {
		s += fmt.Sprintf("  %d: %#x size %d ->", i, o.addr, o.size)
		for _, e := range o.edges {
			s += fmt.Sprintf(" %#x/%d", e.to, e.kind)
		}
		s += "\n"
	}
	return s
}
