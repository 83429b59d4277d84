package graph

import "fmt"

// Renumbering is how Graph.Renumber moved the objects of a graph to a new numbering: what a caller needs to move its own per-object data (PermuteObjects) and
// per-edge data (PermuteEdges) the same way.
type Renumbering struct {
	old   []ObjID  // new ObjID -> old ObjID
	start []uint32 // old ObjID -> its first edge in the old edge order; n+1 entries
	same  bool     // the new numbering is the old one: nothing moves
	// blocks, when not nil, are the runs of objects that keep their order, in the new order:
	// for a numbering that moves a few objects (V8's and JVM dumps' address orders), objects
	// and edges move a run at a time. (A target's new ObjID is still read from newID: found by
	// bisection among the runs of a JVM dump, it took longer.)
	blocks []block
	// chain, when not nil, marks the blocks that slide in place (chainOf), aside how many
	// objects the others hold, edges the blocks' edges (in the new edge order), and
	// edgesAside how many edges the others hold.
	chain      []bool
	aside      int
	edges      []block
	edgesAside int
}

// block is a run of objects that moves whole: old..old+n-1 become new..new+n-1.
type block struct{ new, old, n uint32 }

// maxBlocks is the most runs (as a share of the objects, 1/maxBlocks) for which Renumber
// moves runs rather than objects.
const maxBlocks = 8

// blocksOf returns the runs of old (new ObjID -> old ObjID), or nil when there are more than
// a maxBlocks-th of the objects.
func blocksOf(old []ObjID) []block {
	runs := 0 // counted first: a numbering at random would otherwise fill an eighth of a block per object
	for i, o := range old {
		if i == 0 || o != old[i-1]+1 {
			if runs++; runs > len(old)/maxBlocks {
				return nil
			}
		}
	}
	bs := make([]block, 0, runs)
	for i, o := range old {
		if i > 0 && o == old[i-1]+1 {
			bs[len(bs)-1].n++
			continue
		}
		bs = append(bs, block{new: uint32(i), old: uint32(o), n: 1})
	}
	return bs
}

// Old returns the old ObjID of the object now numbered id.
func (r *Renumbering) Old(id ObjID) ObjID {
	if r.same {
		return id
	}
	return r.old[id]
}

// Same reports whether the new numbering is the old one: nothing moved.
func (r *Renumbering) Same() bool { return r.same }

// Renumber numbers the objects of g anew: the object old[i] becomes object i. old must hold
// every ObjID once, and newID be its inverse (newID[old[i]] == i). Every slice of g moves
// with its objects (but for a g with no addresses, whose caller holds them elsewhere meanwhile:
// it has none after), and every ObjID it holds (edge targets, roots) becomes the new one; an
// object's edges keep their order, and the roots theirs. EntryOrder becomes the old ObjID
// order, so that Analyze finds what it found before, renumbered. Graph.Dropped, in the old
// edge order, no longer applies and is cleared: a caller brings its per-edge data into edge
// order (DropDangling) first. It returns what the caller needs to move its own data likewise
// (PermuteObjects, PermuteEdges); newID becomes g.EntryOrder.
//
// The objects' slices move in place, through a scratch slice (8 bytes per object). The edges'
// move to new slices: 4 bytes per edge for the targets (then 1 for the kinds) beside the old
// ones until those are collected, and 4 bytes per object for the new EdgeStart. A numbering
// that keeps most objects in order moves both in place, with room for the few others only
// (moveInPlace). The Renumbering holds old and the old EdgeStart (8 bytes per object) until
// it is dropped.
func (g *Graph) Renumber(old []ObjID, newID []uint32) (*Renumbering, error) {
	n := g.Len()
	if err := g.check(); err != nil {
		return nil, err
	}
	if len(old) != n || len(newID) != n {
		return nil, fmt.Errorf("graph: renumbering %d objects by %d and %d ids", n, len(old), len(newID))
	}
	same := true
	for i, o := range old {
		if int(o) >= n || newID[o] != uint32(i) {
			return nil, fmt.Errorf("graph: renumbering: object %d is not the inverse of %d", o, i)
		}
		same = same && int(o) == i
	}
	g.Dropped = nil
	if same {
		return &Renumbering{same: true}, nil
	}
	r := &Renumbering{old: old, start: g.EdgeStart, blocks: blocksOf(old)}
	if r.blocks != nil {
		r.chain, r.aside = chainOf(r.blocks, n)
	}

	// The ObjIDs held, then the slices by object.
	renumber(AsUint32s(g.Edges), newID)
	for i, id := range g.Roots {
		g.Roots[i] = ObjID(newID[id])
	}
	if len(g.Big) > 0 {
		big := make(map[ObjID]uint64, len(g.Big))
		for id, size := range g.Big {
			big[ObjID(newID[id])] = size
		}
		g.Big = big
	}
	if g.EntryOrder == nil {
		g.EntryOrder = AsObjIDs(newID)
	} else {
		for k, id := range g.EntryOrder {
			g.EntryOrder[k] = ObjID(newID[id])
		}
	}
	permute(r, g.Size)
	g.Addr.permute(r)
	g.isRoot = rootSet(n, g.Roots)

	// The edges, object after object in the new order.
	start := make([]uint32, n+1)
	for i, o := range old {
		start[i+1] = start[i] + r.start[o+1] - r.start[o]
	}
	if r.chain != nil {
		r.edges = edgeBlocks(r.blocks, r.start, start)
		r.edgesAside = asideOf(r.edges, r.chain)
	}
	g.Edges = permuteEdges(r, start, g.Edges)
	g.Kinds = permuteEdges(r, start, g.Kinds)
	g.EdgeStart = start
	return r, nil
}

// renumber replaces each ObjID in ids by newID's, on both cores: a lookup per edge, at
// random.
func renumber(ids []uint32, newID []uint32) {
	half := len(ids) / 2
	done := make(chan struct{})
	go func() {
		for i, id := range ids[half:] {
			ids[half+i] = newID[id]
		}
		close(done)
	}()
	for i, id := range ids[:half] {
		ids[i] = newID[id]
	}
	<-done
}

// PermuteObjects moves each of ss, one entry per object in the old numbering, to the new one,
// in place. It needs a scratch slice of the length of one, which slices moved in one call
// share.
func PermuteObjects[T any](r *Renumbering, ss ...[]T) error {
	if r.same {
		return nil
	}
	for _, s := range ss {
		if len(s) != len(r.old) {
			return fmt.Errorf("graph: renumbering %d entries for %d objects", len(s), len(r.old))
		}
	}
	permute(r, ss...)
	return nil
}

// permute is PermuteObjects for slices of the right length. Each slice is gathered into one
// scratch slice (the new entry i from the old entry old[i]) and copied back: the reads are at
// random, but none waits for another, where following the permutation's cycles in place
// waits for each read before the next and was five times slower at 10M objects in random
// order. Both cores gather, each half of the slice.
func permute[T any](r *Renumbering, ss ...[]T) {
	if len(ss) == 0 {
		return
	}
	n := len(r.old)
	if r.chain != nil {
		aside := make([]T, r.aside)
		for _, s := range ss {
			moveInPlace(s, r.blocks, r.chain, aside)
		}
		return
	}
	tmp := make([]T, n)
	if r.blocks != nil {
		for _, s := range ss {
			for _, b := range r.blocks {
				copy(tmp[b.new:b.new+b.n], s[b.old:b.old+b.n])
			}
			copy(s, tmp)
		}
		return
	}
	half := n / 2
	for _, s := range ss {
		done := make(chan struct{})
		go func() {
			for i, o := range r.old[half:] {
				tmp[half+i] = s[o]
			}
			close(done)
		}()
		for i, o := range r.old[:half] {
			tmp[i] = s[o]
		}
		<-done
		copy(s, tmp)
	}
}

// PermuteEdges returns s, one entry per edge in the old edge order, in the new edge order
// (Graph.EdgeStart after Renumber): s itself, moved in place, when the numbering keeps most
// objects in order and their edges are most of the edges; else a new slice, s left as it was.
func PermuteEdges[T any](r *Renumbering, g *Graph, s []T) ([]T, error) {
	if r.same {
		return s, nil
	}
	if len(s) != int(r.start[len(r.old)]) || len(g.EdgeStart) != len(r.old)+1 {
		return nil, fmt.Errorf("graph: renumbering %d entries for %d edges", len(s), r.start[len(r.old)])
	}
	return permuteEdges(r, g.EdgeStart, s), nil
}

// permuteEdges is PermuteEdges, start being the new EdgeStart.
func permuteEdges[T any](r *Renumbering, start []uint32, s []T) []T {
	if r.chain != nil && r.edgesAside <= len(s)/maxAside {
		moveInPlace(s, r.edges, r.chain, make([]T, r.edgesAside))
		return s
	}
	out := make([]T, len(s))
	if r.blocks != nil {
		for _, b := range r.blocks {
			copy(out[start[b.new]:start[b.new+b.n]], s[r.start[b.old]:r.start[b.old+b.n]])
		}
		return out
	}
	for i, o := range r.old {
		copy(out[start[i]:start[i+1]], s[r.start[o]:r.start[o+1]])
	}
	return out
}
