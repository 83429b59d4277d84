package graph

import (
	"fmt"
	"math"
	"slices"

	"github.com/memsee/memsee/internal/heap"
)

// ObjID is an object's dense ordinal, 0..n-1, in the order the objects were added to the
// Builder. The dump's own address or id is Graph.Addr.At(id).
type ObjID uint32

// SuperRoot stands for the synthetic super-root wherever an ObjID is expected: it is the Parent
// and the IDom of every GC root and of the entries of the unreachable part (see the package
// comment). It never indexes a slice.
const SuperRoot ObjID = math.MaxUint32

// NoEdge is the ParentEdge of objects that were not reached over an edge: roots and unreachable
// objects.
const NoEdge uint32 = math.MaxUint32

// Unreached is the Dist of objects that no GC root reaches through essential edges.
const Unreached uint32 = math.MaxUint32

// Limits that keep every index below the sentinels above, and the DFS numbers of the dominator
// computation (0..n, the super-root being 0) below its own "unvisited" mark.
const (
	maxObjects = math.MaxUint32 - 1 // so ObjIDs end at MaxUint32-3 and DFS numbers at MaxUint32-2
	maxEdges   = math.MaxUint32 - 1 // so EdgeStart values fit and edge indices never reach NoEdge
)

// MaxObjects is the most objects a Graph can have: the room an array per object needs in an
// Arena.
const MaxObjects = maxObjects

// Graph is an object graph in compact arrays. Build one with a Builder; Analyze computes the
// per-object results.
//
// The out-edges of object i are Edges[EdgeStart[i]:EdgeStart[i+1]]: objects in ObjID order,
// the edges of one object in the order they were added. An edge index e is therefore stable,
// and Edges, Kinds and any per-edge data of the caller are parallel slices indexed by it (use
// DropDangling to bring the caller's data, collected in AddEdge order, into this order).
type Graph struct {
	Addr Addrs // ObjID -> the dump's address or id of the object
	// Size is ObjID -> shallow size in bytes, or BigSize for objects of BigSize bytes or
	// more, whose sizes are in Big; read it with SizeOf. Four bytes per object less than a
	// []uint64, for sizes of 4 GB and more are rare.
	Size      []uint32
	Big       map[ObjID]uint64
	EdgeStart []uint32        // ObjID -> index in Edges of its first out-edge; n+1 entries, EdgeStart[n] = len(Edges)
	Edges     []ObjID         // edge index -> target object
	Kinds     []heap.EdgeKind // edge index -> kind of the reference
	Roots     []ObjID         // the GC roots, each once, in the order of their first AddRoot
	// FirstRoots is how many of Roots the path search starts from before the others: V8's
	// user roots (the global object), so that paths run through the program's objects rather
	// than the VM's internals where both reach an object, as DevTools has it.
	FirstRoots int
	// EntryOrder, when not nil, holds every ObjID once: the order in which Analyze picks the
	// entries of the cycles that no root reaches (see Analyze), ObjID order when nil.
	// Renumber sets it to the order before, so that renumbering changes no result.
	EntryOrder []ObjID
	Dangling   int      // edges dropped because no object had their target address
	Dropped    []uint32 // ascending AddEdge-order indices of the dropped (dangling) edges
	LostRoots  int      // AddRoot calls whose address no object had; those roots were dropped
	isRoot     []uint64 // bit set, ObjID -> whether it is in Roots
}

// BigSize marks, in Graph.Size, an object whose size is in Graph.Big.
const BigSize = math.MaxUint32

// Sizes is a size in bytes per object (ObjID -> size) in 4 bytes each, as Graph.Size and
// Graph.Big keep them: a size of BigSize or more is BigSize in small and kept in big. The
// zero Sizes has no objects.
type Sizes struct {
	small []uint32
	big   map[ObjID]uint64
}

// SizesOf returns the sizes of s (ObjID -> size).
func SizesOf(s []uint64) Sizes {
	z := Sizes{small: make([]uint32, len(s))}
	for id, v := range s {
		z.Set(ObjID(id), v)
	}
	return z
}

// Len returns the number of objects.
func (z *Sizes) Len() int { return len(z.small) }

// At returns the size of id.
func (z *Sizes) At(id ObjID) uint64 {
	if v := z.small[id]; v != BigSize {
		return uint64(v)
	}
	return z.big[id]
}

// Set sets the size of id.
func (z *Sizes) Set(id ObjID, v uint64) {
	if v < BigSize {
		if z.small[id] == BigSize {
			delete(z.big, id)
		}
		z.small[id] = uint32(v)
		return
	}
	if z.big == nil {
		z.big = map[ObjID]uint64{}
	}
	z.small[id], z.big[id] = BigSize, v
}

// SizeOf returns the shallow size of id.
func (g *Graph) SizeOf(id ObjID) uint64 { return g.sizes().At(id) }

// sizes is Size and Big as the Sizes they are.
func (g *Graph) sizes() *Sizes { return &Sizes{small: g.Size, big: g.Big} }

// Len returns the number of objects: as many as have a size. (Addr may be empty meanwhile: the
// analysis does not read the addresses, and a caller may keep them elsewhere while it runs.)
func (g *Graph) Len() int { return len(g.Size) }

// NumEdges returns the number of edges.
func (g *Graph) NumEdges() int { return len(g.Edges) }

// Children returns the targets of the out-edges of id, in edge order. The edge index of
// Children(id)[k] is EdgeStart[id]+k.
func (g *Graph) Children(id ObjID) []ObjID { return g.Edges[g.EdgeStart[id]:g.EdgeStart[id+1]] }

// EdgeRange returns the edge indices [lo, hi) of the out-edges of id.
func (g *Graph) EdgeRange(id ObjID) (lo, hi uint32) { return g.EdgeStart[id], g.EdgeStart[id+1] }

// IsRoot reports whether id is a GC root.
func (g *Graph) IsRoot(id ObjID) bool {
	w := int(id >> 6)
	return w < len(g.isRoot) && g.isRoot[w]&(1<<(id&63)) != 0
}

// Essential reports whether edge e, an out-edge of from, keeps its target alive. It is the one
// edge predicate of the package: the shortest-path search and both passes of the dominator
// computation use it, and a caller that walks paths should too. An edge is essential unless it
// is weak, or a self edge, or a shortcut edge whose source is not a root (V8 adds shortcut edges
// from its synthetic root to the global objects, and from other nodes as duplicates of longer
// paths that must not shorten them).
func (g *Graph) Essential(from ObjID, e uint32) bool {
	switch g.Kinds[e] {
	case heap.EdgeWeak:
		return false
	case heap.EdgeShortcut:
		if !g.IsRoot(from) {
			return false
		}
	}
	return g.Edges[e] != from
}

// check reports whether g keeps the invariants Build establishes, so that Analyze cannot index
// out of range on a Graph someone assembled or changed by hand. It also brings the root bit set
// in line with Roots, should they have been edited; it writes to g only then, so that a Graph
// from Build can be read by others while Analyze runs.
func (g *Graph) check() error {
	n := g.Len()
	if n > maxObjects {
		return fmt.Errorf("graph: %d objects, more than %d: %w", n, maxObjects, ErrTooLarge)
	}
	if a := g.Addr.Len(); a != n && a != 0 {
		return fmt.Errorf("graph: %d sizes for %d addresses", n, a)
	}
	if len(g.EdgeStart) != n+1 {
		return fmt.Errorf("graph: %d EdgeStart entries for %d objects, want n+1", len(g.EdgeStart), n)
	}
	m := len(g.Edges)
	if m > maxEdges {
		return fmt.Errorf("graph: %d edges, more than %d: %w", m, maxEdges, ErrTooLarge)
	}
	if len(g.Kinds) != m {
		return fmt.Errorf("graph: %d edge kinds for %d edges", len(g.Kinds), m)
	}
	if g.EdgeStart[0] != 0 || int(g.EdgeStart[n]) != m {
		return fmt.Errorf("graph: EdgeStart runs from %d to %d, want 0 to %d", g.EdgeStart[0], g.EdgeStart[n], m)
	}
	for i := range n {
		if g.EdgeStart[i] > g.EdgeStart[i+1] {
			return fmt.Errorf("graph: EdgeStart decreases at object %d", i)
		}
	}
	for e, to := range g.Edges {
		if int(to) >= n {
			return fmt.Errorf("graph: edge %d points to object %d of %d", e, to, n)
		}
	}
	for _, r := range g.Roots {
		if int(r) >= n {
			return fmt.Errorf("graph: root %d of %d objects", r, n)
		}
	}
	if g.EntryOrder != nil {
		if len(g.EntryOrder) != n {
			return fmt.Errorf("graph: %d objects in EntryOrder for %d objects", len(g.EntryOrder), n)
		}
		seen := make([]uint64, (n+63)/64)
		for _, id := range g.EntryOrder {
			if int(id) >= n || seen[id>>6]&(1<<(id&63)) != 0 {
				return fmt.Errorf("graph: EntryOrder has object %d twice, or past the end (%d objects)", id, n)
			}
			seen[id>>6] |= 1 << (id & 63)
		}
	}
	if s := rootSet(n, g.Roots); !slices.Equal(s, g.isRoot) {
		g.isRoot = s
	}
	return nil
}

// rootSet returns the bit set of roots for n objects.
func rootSet(n int, roots []ObjID) []uint64 {
	s := make([]uint64, (n+63)/64)
	for _, r := range roots {
		s[r>>6] |= 1 << (r & 63)
	}
	return s
}

// AddRoots makes more objects GC roots after Build, for roots that only the whole graph can
// tell, such as objects that nothing refers to (the Python convention). Objects that are roots
// already are left as they are.
func (g *Graph) AddRoots(ids ...ObjID) {
	for _, id := range ids {
		if int(id) >= g.Len() || g.IsRoot(id) {
			continue
		}
		for int(id>>6) >= len(g.isRoot) {
			g.isRoot = append(g.isRoot, 0)
		}
		g.isRoot[id>>6] |= 1 << (id & 63)
		g.Roots = append(g.Roots, id)
	}
}
