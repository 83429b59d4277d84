package graph

// Dominators by SEMI-NCA.
//
// The semidominators are computed as in
//
//	T. Lengauer and R. E. Tarjan, "A fast algorithm for finding dominators in a flowgraph",
//	ACM TOPLAS 1(1):121-141, 1979
//
// with its simple eval/link and path compression (what Chrome DevTools runs), and the immediate
// dominators are then derived from them by the SEMI-NCA rule of
//
//	L. Georgiadis, R. E. Tarjan and R. F. Werneck, "Finding dominators in practice",
//	Journal of Graph Algorithms and Applications 10(1):69-94, 2006
//
// which replaces LT's buckets and its final fix-up pass with one nearest-common-ancestor walk per
// vertex, and so needs one array fewer. The flowgraph is the object graph's essential edges
// (Graph.Essential, the same predicate for the forward DFS and the predecessor lists) plus the
// super-root r, vertex 0, with an edge to every GC root and to one entry of each part of the
// graph that the roots do not reach (see dfsAll).
//
// Vertices are named by their DFS preorder number, as in the papers: 0 is r, and v < w means v
// was visited first. Every array is a flat []uint32 of n+1 entries indexed by that number,
// except where a comment says ObjID. Nothing recurses: the DFS keeps its stack in the parent
// array and a per-vertex edge cursor, and compress reverses the ancestor pointers of the path it
// shortens instead of keeping a stack. A heap graph can be millions of vertices deep.
//
// Memory, for n objects and m' essential edges: five words per object (vertex, dfn/semi,
// parent/idom, and the link forest's ancestor and label, whose memory holds the DFS's edge
// cursors first) and the predecessor lists in CSR without the DFS-tree edges (n+1 + m'-n
// words): 20 bytes per object plus 4 per essential edge, and a bit per edge for a while.
// Analyze reuses the arrays for its results.

// unvisited marks an object the DFS has not numbered yet, and the end of a reversed path in
// compress. DFS numbers stop at n <= maxObjects < unvisited.
const unvisited = ^uint32(0)

// lt is the state of the dominator computation.
type lt struct {
	g *Graph
	n uint32 // objects; DFS numbers run 0..n, 0 being the super-root

	vertex []uint32 // DFS number -> ObjID; vertex[0] = SuperRoot
	// dfn is ObjID -> DFS number while numbering; once the predecessor lists hold DFS numbers
	// it is not needed, and its memory becomes semi.
	dfn  []uint32
	semi []uint32 // DFS number -> DFS number of its semidominator
	// parent is DFS number -> DFS number of its parent in the DFS tree; nca overwrites it in
	// place with the immediate dominator (also a DFS number).
	parent []uint32
	// forest is the link forest, two words per DFS number x: forest[2x] is x's ancestor
	// (meaningful once x is linked), and forest[2x+1] its label, the smallest semi on the forest
	// path from x up to, not including, the root of its tree. That is LT's label, holding the
	// semi value itself rather than the vertex that has it, which is all SEMI-NCA needs. The two
	// are read together, so side by side they cost one cache miss, not two.
	forest []uint32
	// cursor is DFS number -> next edge index to look at, while numbering; it lives in the
	// first half of forest, which is not in use yet.
	cursor []uint32

	predStart []uint32 // ObjID -> index in pred of its first predecessor; n+1 entries
	// pred holds the DFS numbers of the sources of essential edges, grouped by target, except
	// the DFS-tree edges: the tree parent is a predecessor of every vertex, and semidominators
	// starts from it anyway. Leaving the tree edges out saves a word per object.
	pred []uint32
	tree []uint64 // bit set, edge index -> the DFS went down this edge; until fillPreds

	unreachable int    // objects not reached from the GC roots
	touched     uint32 // see lookahead
}

// dominators computes the dominator tree of g. On return vertex maps DFS numbers to objects,
// parent holds the immediate dominator of every DFS number (0 for the super-root's children),
// and semi and forest (as two halves) are spare arrays of n+1 words for the caller to reuse.
func (g *Graph) dominators() *lt {
	n := uint32(g.Len())
	d := &lt{
		g:      g,
		n:      n,
		vertex: make([]uint32, n+1),
		dfn:    make([]uint32, n+1),
		parent: make([]uint32, n+1),
		forest: make([]uint32, 2*(n+1)),
		tree:   make([]uint64, (len(g.Edges)+63)/64),
	}
	d.cursor = d.forest[:n+1]
	d.dfsAll()
	d.cursor = nil // the DFS is over: forest is free
	d.countPreds()
	d.fillPreds()
	d.tree = nil
	d.semidominators()
	d.nca()
	return d
}

// dfsAll numbers every object in depth-first preorder from the super-root: first everything the
// GC roots reach, in root order; then the part the roots do not reach, starting from its objects
// without an essential in-edge (the heads of garbage structures), in ObjID order; then, in ObjID
// order, from whatever remains (cycles that only reach each other). Each of these starts is a
// child of the super-root in the DFS tree, and the super-root has a virtual edge to it. "ObjID
// order" is Graph.EntryOrder's when it has one.
func (d *lt) dfsAll() {
	g := d.g
	for i := range d.dfn {
		d.dfn[i] = unvisited
	}
	d.vertex[0] = uint32(SuperRoot)
	next := uint32(1)
	for _, r := range g.Roots {
		if d.dfn[r] == unvisited {
			next = d.dfs(r, next)
		}
	}
	d.unreachable = int(d.n - (next - 1))
	if d.unreachable == 0 {
		return
	}
	// An essential edge into an unreached object comes from an unreached object, so a look at
	// the edges of those finds which have one.
	entered := make([]uint64, (d.n+63)/64) // bit set, ObjID -> has an essential in-edge
	for v := range ObjID(d.n) {
		if d.dfn[v] != unvisited {
			continue
		}
		for e := g.EdgeStart[v]; e < g.EdgeStart[v+1]; e++ {
			if g.Essential(v, e) {
				to := g.Edges[e]
				entered[to>>6] |= 1 << (to & 63)
			}
		}
	}
	order := func(yield func(ObjID) bool) { // ObjID order, or g.EntryOrder
		if g.EntryOrder != nil {
			for _, v := range g.EntryOrder {
				if !yield(v) {
					return
				}
			}
			return
		}
		for v := range ObjID(d.n) {
			if !yield(v) {
				return
			}
		}
	}
	for v := range order {
		if d.dfn[v] == unvisited && entered[v>>6]&(1<<(v&63)) == 0 {
			next = d.dfs(v, next)
		}
	}
	for v := range order {
		if d.dfn[v] == unvisited {
			next = d.dfs(v, next)
		}
	}
}

// dfs numbers the unvisited objects reachable from start through essential edges, start first
// with number next and DFS-tree parent 0, and returns the next free number. The stack is the
// parent chain, and cursor[x] says where the scan of x's edges resumes.
func (d *lt) dfs(start ObjID, next uint32) uint32 {
	g := d.g
	number := func(v ObjID, p uint32) uint32 {
		x := next
		next++
		d.vertex[x] = uint32(v)
		d.dfn[v] = x
		d.parent[x] = p
		d.cursor[x] = g.EdgeStart[v]
		return x
	}
	top := number(start, 0)
	x := top
	for {
		v := ObjID(d.vertex[x])
		e, end := d.cursor[x], g.EdgeStart[v+1]
		for ; e < end; e++ {
			if g.Essential(v, e) && d.dfn[g.Edges[e]] == unvisited {
				break
			}
		}
		if e < end {
			d.cursor[x] = e + 1
			d.tree[e>>6] |= 1 << (e & 63)
			x = number(g.Edges[e], x)
			continue
		}
		if x == top {
			return next
		}
		x = d.parent[x]
	}
}

// isPred reports whether edge e, an out-edge of v, goes into the predecessor lists: it is
// essential, and not the DFS-tree edge.
func (d *lt) isPred(v ObjID, e uint32) bool {
	return d.tree[e>>6]&(1<<(e&63)) == 0 && d.g.Essential(v, e)
}

// countPreds counts the in-edges of every object that go into the predecessor lists, laid out
// so that fillPreds can fill the lists in one pass without a cursor array of its own: on return
// predStart[v+1] is the first index of v's list (the number of such in-edges of all objects
// before v), and predStart[0] = 0.
func (d *lt) countPreds() {
	g, n := d.g, d.n
	ps := make([]uint32, n+1)
	total := uint32(0)
	for v := range n {
		for e := g.EdgeStart[v]; e < g.EdgeStart[v+1]; e++ {
			if d.isPred(ObjID(v), e) {
				if to := g.Edges[e]; to+2 <= ObjID(n) {
					ps[to+2]++
				}
				total++
			}
		}
	}
	for i := 1; i < len(ps); i++ {
		ps[i] += ps[i-1]
	}
	d.predStart = ps
	d.pred = make([]uint32, total)
}

// fillPreds writes the DFS number of the source of every such edge into the list of its
// target. Afterwards the predecessors of object v are pred[predStart[v]:predStart[v+1]].
func (d *lt) fillPreds() {
	g, n, ps := d.g, d.n, d.predStart
	for v := range n {
		x := d.dfn[v]
		for e := g.EdgeStart[v]; e < g.EdgeStart[v+1]; e++ {
			if d.isPred(ObjID(v), e) {
				to := g.Edges[e]
				d.pred[ps[to+1]] = x
				ps[to+1]++
			}
		}
	}
}

// semidominators computes semi for every vertex, last DFS number first (LT step 2). For a
// vertex w, sdom(w) is the smallest v such that some path from v to w runs, apart from its
// ends, through vertices greater than w. Among w's predecessors v, a v < w is itself such a
// start; a v > w has been processed and linked, and eval(v) gives the smallest semi on its
// forest path. The roots and the other children of the super-root have it as a predecessor,
// and so have semi 0 without looking further.
func (d *lt) semidominators() {
	g := d.g
	d.semi = d.dfn // dfn is dead: the predecessor lists hold DFS numbers now
	d.dfn = nil
	for w := d.n; w >= 1; w-- {
		if w > lookahead {
			d.touched += d.touchPreds(d.vertex[w-lookahead])
		}
		v := d.vertex[w]
		sd := d.parent[w] // the tree edge: an in-edge that pred leaves out
		if sd == 0 || g.IsRoot(ObjID(v)) {
			sd = 0
		} else {
			for _, p := range d.pred[d.predStart[v]:d.predStart[v+1]] {
				c := p // not yet processed: eval(p) = p, and its semi is itself
				if p > w {
					c = d.eval(p, w)
				}
				sd = min(sd, c)
			}
		}
		d.semi[w] = sd
		d.link(d.parent[w], w)
	}
	d.pred, d.predStart = nil, nil
}

// lookahead is how many vertices ahead the semidominator and BFS loops touch the memory they
// will need. Go has no prefetch instruction; a load whose value is kept does the same job, and
// lets the processor wait for several cache misses at once instead of one after the other
// (BENCHMARKS.md, "Measurements behind the loader's choices").
const lookahead = 8

// touchPreds loads the start of v's predecessor list, and returns a word of it for the caller
// to keep so the load is not optimized away.
func (d *lt) touchPreds(v uint32) uint32 {
	if i := d.predStart[v]; int(i) < len(d.pred) {
		return d.pred[i]
	}
	return 0
}

// link adds the edge v -> w of the DFS tree to the link forest (LT's simple LINK).
func (d *lt) link(v, w uint32) {
	d.forest[2*int(w)] = v
	d.forest[2*int(w)+1] = d.semi[w]
}

// eval returns the smallest semi on the forest path from v up to, not including, the root of
// its tree (LT's simple EVAL). While w is being processed, exactly the vertices greater than w
// are linked, so a vertex is a forest root iff its number is at most w.
func (d *lt) eval(v, w uint32) uint32 {
	d.compress(v, w)
	return d.forest[2*int(v)+1]
}

// compress shortens the forest path from v: every vertex on it below the last linked one gets
// the forest root as its ancestor and the smallest label of the path above it as its label
// (LT's COMPRESS). LT recurses up the path; here the first loop climbs it reversing the
// ancestor pointers, and the second walks back down the reversed pointers, so the path needs
// no stack however long it is.
func (d *lt) compress(v, w uint32) {
	f := d.forest // f[2x]: ancestor of x, f[2x+1]: label of x
	prev, x := unvisited, v
	for f[2*int(x)] > w { // x's ancestor is linked: x is not the last vertex below the root
		next := f[2*int(x)]
		f[2*int(x)] = prev
		prev, x = x, next
	}
	root, best := f[2*int(x)], f[2*int(x)+1]
	for y := prev; y != unvisited; {
		next := f[2*int(y)]
		if f[2*int(y)+1] > best {
			f[2*int(y)+1] = best
		} else {
			best = f[2*int(y)+1]
		}
		f[2*int(y)] = root
		y = next
	}
}

// nca turns parent into idom in increasing DFS order (SEMI-NCA): idom(w) is the nearest common
// ancestor of parent(w) and sdom(w) in the dominator tree built so far, which is the first
// vertex on the idom chain up from parent(w) that is not greater than sdom(w). All of that
// chain is smaller than w, so already final.
func (d *lt) nca() {
	idom, semi := d.parent, d.semi
	for w := uint32(1); w <= d.n; w++ {
		x := idom[w]
		for x > semi[w] {
			x = idom[x]
		}
		idom[w] = x
	}
}
