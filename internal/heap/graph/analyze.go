package graph

import "unsafe"

// Analysis is what Analyze computes for every object of a Graph. All slices are indexed by
// ObjID and have Graph.Len() entries.
type Analysis struct {
	// Dist is ObjID -> the number of essential edges on a shortest path from a GC root: 0 for
	// the roots, Unreached for objects no root reaches.
	Dist []uint32
	// Parent is ObjID -> the object it is reached from on one shortest path (found by BFS, the
	// first in root and edge order); SuperRoot for roots and unreached objects.
	Parent []ObjID
	// ParentEdge is ObjID -> the index in Graph.Edges of the edge from Parent, so the caller can
	// name it; NoEdge for roots and unreached objects.
	ParentEdge []uint32
	// IDom is ObjID -> immediate dominator: SuperRoot for the roots and for the entries of the
	// unreachable part (see the package comment).
	IDom []ObjID
	// Retained is ObjID -> retained size: the sum of the shallow sizes of the objects it
	// dominates, itself included. It is what would be freed if the object were. Four bytes
	// per object but for the few objects that retain 4 GiB or more.
	Retained Sizes
	// Unreachable is the number of objects no GC root reaches through essential edges (those
	// with Dist == Unreached).
	Unreachable int

	touched uint32 // see lookahead
}

// Analyze computes the shortest paths from the GC roots, the dominator tree and the retained
// sizes. It returns an error only if g does not keep the invariants Build establishes.
//
// Objects the roots do not reach are not dropped: the super-root gets a virtual edge to each
// entry of that part (first its objects without an essential in-edge, in ObjID order, then, in
// ObjID order, an object of each cycle left over; Graph.EntryOrder's order when it has one),
// and dominators below the entries are computed as usual. So a garbage list's head retains the whole list, and summing Retained over
// the children of SuperRoot gives the total of Size.
//
// Memory: the results take 20 bytes per object. While it computes dominators Analyze needs
// 20 bytes per object plus 4 per essential edge and a bit per edge, most of which then becomes
// the results. It allocates nothing per object and does not recurse.
//
// Analyze only reads g, so the caller may read g meanwhile, to write the references out, say.
func (g *Graph) Analyze() (*Analysis, error) {
	return g.AnalyzeSteps(nil)
}

// Step is a part of Analyze, in the order it takes them.
type Step int

// The steps of Analyze.
const (
	StepDominators    Step = iota // the dominator tree
	StepRetained                  // retained sizes, up the dominator tree
	StepShortestPaths             // shortest paths from the roots
)

// AnalyzeSteps is Analyze, calling step, when it is not nil, as each step begins: a long
// analysis can say what it is doing.
func (g *Graph) AnalyzeSteps(step func(Step)) (*Analysis, error) { return g.analyze(step, false) }

// AnalyzeBeside is AnalyzeSteps with the shortest paths found on a second core while this one
// computes the dominators, in arrays of their own: 16 bytes per object more while both run
// (BesideBytes), for the time of the shortest paths. Its Analysis is AnalyzeSteps'.
func (g *Graph) AnalyzeBeside(step func(Step)) (*Analysis, error) { return g.analyze(step, true) }

// BesideBytes is what AnalyzeBeside needs per object beyond what AnalyzeSteps does, while the
// dominators and the shortest paths are both computed.
const BesideBytes = 16

func (g *Graph) analyze(step func(Step), beside bool) (*Analysis, error) {
	if err := g.check(); err != nil {
		return nil, err
	}
	if step == nil {
		step = func(Step) {}
	}
	n := g.Len()
	a := &Analysis{}
	var paths chan uint32
	if beside {
		a.Dist, a.Parent, a.ParentEdge = make([]uint32, n), make([]ObjID, n), make([]uint32, n)
		paths = make(chan uint32, 1)
		go func() {
			queue := make([]uint32, n)
			paths <- g.shortestPaths(a.Dist, a.Parent, a.ParentEdge, queue)
		}()
	}
	step(StepDominators)
	d := g.dominators()
	a.Unreachable = d.unreachable
	vertex, idom := d.vertex, d.parent

	step(StepRetained)
	// Retained sizes bottom-up: in reverse DFS preorder every vertex comes before its
	// immediate dominator, which is a DFS-tree ancestor of it.
	a.Retained = Sizes{small: make([]uint32, n)}
	for id := range ObjID(n) {
		a.Retained.Set(id, g.SizeOf(id))
	}
	for w := n; w >= 1; w-- {
		if p := idom[w]; p != 0 {
			v, c := ObjID(vertex[p]), ObjID(vertex[w])
			a.Retained.Set(v, a.Retained.At(v)+a.Retained.At(c))
		}
	}

	// IDom by ObjID, in the first half of the link forest's memory; or, when the shortest
	// paths have arrays of their own, in semi's, so that the forest goes with the rest.
	if beside {
		a.IDom = AsObjIDs(d.semi[:n:n])
	} else {
		a.IDom = AsObjIDs(d.forest[:n:n])
	}
	for w := 1; w <= n; w++ {
		p := SuperRoot
		if idom[w] != 0 {
			p = ObjID(vertex[idom[w]])
		}
		a.IDom[vertex[w]] = p
	}

	step(StepShortestPaths)
	if beside {
		a.touched = d.touched + <-paths
		return a, nil
	}
	// Shortest paths, in the arrays the dominator computation leaves: vertex is the BFS queue.
	a.Dist = d.semi[:n:n]
	a.Parent = AsObjIDs(idom[:n:n])
	a.ParentEdge = d.forest[n+1 : 2*n+1 : 2*n+1]
	a.touched = d.touched + g.shortestPaths(a.Dist, a.Parent, a.ParentEdge, vertex)
	return a, nil
}

// AsObjIDs reuses the memory of a []uint32 as a []ObjID. Go converts between slice types only
// when their element types are identical, not merely of the same underlying type, and a copy
// would cost 4 bytes per object at the peak of the load.
func AsObjIDs(s []uint32) []ObjID { return reslice[uint32, ObjID](s) }

// AsUint32s reuses the memory of a []ObjID as a []uint32, as AsObjIDs does the other way: for
// a caller that renumbers the objects in place (the loader turns edge targets into oids).
func AsUint32s(s []ObjID) []uint32 { return reslice[ObjID, uint32](s) }

func reslice[From, To ~uint32](s []From) []To {
	if len(s) == 0 {
		return []To{}
	}
	return unsafe.Slice((*To)(unsafe.Pointer(&s[0])), len(s))
}

// shortestPaths is a breadth-first search from the roots over essential edges: from the first
// FirstRoots of them, then from the others for what those did not reach. queue needs room for
// every object. It returns a value the caller must keep (see lookahead).
func (g *Graph) shortestPaths(dist []uint32, parent []ObjID, parentEdge []uint32, queue []uint32) (touched uint32) {
	for i := range dist {
		dist[i] = Unreached
		parent[i] = SuperRoot
		parentEdge[i] = NoEdge
	}
	head, tail := 0, 0
	first := min(max(g.FirstRoots, 0), len(g.Roots))
	for _, tier := range [][]ObjID{g.Roots[:first], g.Roots[first:]} {
		for _, r := range tier {
			if dist[r] == Unreached {
				dist[r] = 0
				queue[tail] = uint32(r)
				tail++
			}
		}
		for ; head < tail; head++ {
			if head+lookahead < tail {
				if i := g.EdgeStart[queue[head+lookahead]]; int(i) < len(g.Edges) {
					touched += uint32(g.Edges[i])
				}
			}
			v := ObjID(queue[head])
			dv := dist[v] + 1
			for e := g.EdgeStart[v]; e < g.EdgeStart[v+1]; e++ {
				if !g.Essential(v, e) {
					continue
				}
				if w := g.Edges[e]; dist[w] == Unreached {
					dist[w] = dv
					parent[w] = v
					parentEdge[w] = e
					queue[tail] = uint32(w)
					tail++
				}
			}
		}
	}
	return touched
}
