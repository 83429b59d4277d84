package loader

import (
	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/graph"
	"github.com/memsee/memsee/internal/spill"
)

// spilled is what storeGraph keeps in a temporary file (package spill) rather than in memory,
// from the step that last needs it at random to the writing of the pages, which reads it back
// in oid order: the edge names from when the format's naming pass is done (graphSink.renumber), the edges' kinds
// and the shortest paths from when the analysis is. Over the dominators that spares 4 bytes
// per edge; over the writing, 5 per edge and 12 per object (the paths' arrays and the half of
// the dominators' memory that IDom no longer shares with ParentEdge).
type spilled struct {
	f      *spill.File
	names  spill.Section[uint32]        // edge index -> name id, as graphSink.edgeName
	kinds  spill.Section[heap.EdgeKind] // edge index -> kind (Graph.Kinds)
	dist   spill.Section[uint32]        // ObjID -> Analysis.Dist
	parent spill.Section[graph.ObjID]   // ObjID -> Analysis.Parent
	via    spill.Section[uint32]        // ObjID -> the name id of the edge from its parent (viaNames)
	// The objects whose parent edge is named by a key (keyItem, keyAttr): their via is then
	// the key object, which graph.KeyNamer spells. attr has those named as an attribute.
	keyed, attr elements
}

// bufferLen is how many elements a reader of the spilled arrays reads at a time.
const bufferLen = 1 << 14

// spillAnalysis moves to f what the writing of the pages alone reads of g and a: the edges'
// kinds, the distances, the parents and their edges' names. a.IDom moves to memory of its
// own, so that the dominators' arrays are all freed.
func (sp *spilled) spillAnalysis(s *graphSink, g *graph.Graph, a *graph.Analysis) (err error) {
	if sp.kinds, err = spill.Write(sp.f, g.Kinds); err != nil {
		return err
	}
	if sp.dist, err = spill.Write(sp.f, a.Dist); err != nil {
		return err
	}
	if sp.parent, err = spill.Write(sp.f, a.Parent); err != nil {
		return err
	}
	g.Kinds, a.Dist, a.Parent = nil, nil, nil
	collect(g.Len()) // the distances' and parents' memory, for the window of viaNames and IDom's copy
	if err := sp.viaNames(s, g, a.ParentEdge); err != nil {
		return err
	}
	if sp.via, err = spill.Write(sp.f, a.ParentEdge); err != nil {
		return err
	}
	a.ParentEdge = nil
	a.IDom = append(make([]graph.ObjID, 0, len(a.IDom)), a.IDom...)
	collect(g.Len())
	return nil
}

// viaNames turns pe, ObjID -> the edge from its parent (graph.Analysis.ParentEdge), into
// ObjID -> that edge's name id (0 for none), in place. The names are read from the file a
// window at a time: they are in edge order, and the parents' edges in no order. A name
// spelled by a key becomes the key object (the target of the edge before), its object marked
// in sp.keyed.
func (sp *spilled) viaNames(s *graphSink, g *graph.Graph, pe []uint32) error {
	n, m := len(pe), sp.names.Len()
	done := make(elements, (n+63)/64)
	win := make([]uint32, min(max(m/8, 1<<20), m))
	for lo := 0; lo < m; lo += len(win) {
		k, err := sp.names.ReadAt(win, lo)
		if err != nil {
			return err
		}
		l, h := uint32(lo), uint32(lo+k)
		for id, e := range pe {
			if e-l >= h-l || done.has(id) { // outside [lo, lo+k), in one comparison
				continue
			}
			name := win[e-l]
			if (name == keyItem || name == keyAttr) && s.keys != nil {
				if sp.keyed == nil {
					sp.keyed, sp.attr = make(elements, (n+63)/64), make(elements, (n+63)/64)
				}
				sp.keyed.set(id)
				if name == keyAttr {
					sp.attr.set(id)
				}
				name = uint32(g.Edges[e-1])
			}
			pe[id] = name
			done.set(id)
		}
	}
	for id := range pe {
		if !done.has(id) {
			pe[id] = 0 // a root, or an object no root reaches
		}
	}
	return nil
}

// viaText spells the name of the edge by which object id is reached from its parent, whose
// spilled via is v.
func (sp *spilled) viaText(s *graphSink, id graph.ObjID, v uint32) string {
	if sp.keyed != nil && sp.keyed.has(int(id)) {
		return s.keys.KeyText(s.view, graph.ObjID(v), sp.attr.has(int(id)))
	}
	if v == keyItem || v == keyAttr {
		return "" // spelled by a key, and the format has no KeyNamer
	}
	return s.spell(v)
}

// asidePermuted writes *p, one entry per object, to f in the new numbering rn made, and drops
// it; back reads it back.
func asidePermuted[T spill.Element](f *spill.File, rn *graph.Renumbering, p *[]T) (back func() error, err error) {
	old := *p
	w := spill.NewWriter[T](f, bufferLen)
	for id := range len(old) {
		if err := w.Add(old[rn.Old(graph.ObjID(id))]); err != nil {
			return nil, err
		}
	}
	*p = nil
	return aside(w, p)
}

// aside closes w, whose array is *p's to be, and returns what reads it into *p.
func aside[T spill.Element](w *spill.Writer[T], p *[]T) (back func() error, err error) {
	sec, err := w.Close()
	if err != nil {
		return nil, err
	}
	return func() (err error) {
		*p, err = sec.Load()
		return err
	}, nil
}

// addTo adds the value of the next object to c, as c.add does, but writes the value, when it
// has one, to w rather than to c.vals: aside reads them into c.vals later.
func addTo[T spill.Element](c *sparse[T], v T, w *spill.Writer[T]) error {
	if v == c.def {
		c.add(v)
		return nil
	}
	c.addCount(v)
	return w.Add(v)
}
