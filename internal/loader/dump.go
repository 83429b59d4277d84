package loader

import (
	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/graph"
)

// dumpView is what a format's naming pass (graph.Namer) sees of a graphSink: graph.Dump over
// the sink's arrays, without handing them out.
type dumpView struct {
	s *graphSink
	g *graph.Graph
}

var _ graph.Dump = dumpView{}

func (d dumpView) Graph() *graph.Graph { return d.g }

func (d dumpView) TypeIndex(name string) (uint32, bool) {
	t, ok := d.s.typeIdx[name]
	return t, ok
}

func (d dumpView) TypeOf(id graph.ObjID) uint32 { return d.s.typeOf[id] }
func (d dumpView) TypeName(t uint32) string     { return d.s.types[t] }
func (d dumpView) Len(id graph.ObjID) int64     { return int64(d.s.length.get(int(id))) }
func (d dumpView) Value(id graph.ObjID) string  { return d.s.value(id) }

func (d dumpView) SetValues(value func(id graph.ObjID) string) {
	d.s.rewriteValues(d.g.Len(), value)
}

func (d dumpView) NameID(name string) (uint32, bool) {
	id, ok := d.s.nameIdx[name]
	return id, ok
}

func (d dumpView) EdgeNameID(e uint32) uint32 {
	id := d.s.edgeName[e]
	if id&elemBit != 0 || id >= maxName {
		return 0
	}
	return id
}

func (d dumpView) SetEdgeName(e uint32, name string) { d.s.edgeName[e] = d.s.intern(name) }

func (d dumpView) SetKeyName(e uint32, attr bool) {
	d.s.edgeName[e] = keyItem
	if attr {
		d.s.edgeName[e] = keyAttr
	}
}

func (d dumpView) RenameEdges(kinds []heap.EdgeKind, rename func(name string) string) {
	s, g := d.s, d.g
	var want [256]bool
	for _, k := range kinds {
		want[uint8(k)] = true
	}
	renamed := make(map[uint32]uint32) // name id -> the id of its new name
	for e, id := range s.edgeName {
		if !want[uint8(g.Kinds[e])] || id == 0 || id&elemBit != 0 || id >= maxName {
			continue
		}
		to, ok := renamed[id]
		if !ok {
			to = s.intern(rename(s.name(id)))
			renamed[id] = to
		}
		s.edgeName[e] = to
	}
}

func (d dumpView) Roots() []heap.Root {
	out := make([]heap.Root, len(d.s.roots))
	for i, r := range d.s.roots {
		out[i] = heap.Root{Addr: r.addr, Kind: r.kind, Name: r.name}
	}
	return out
}

func (d dumpView) RenameRoot(i int, name string) { d.s.roots[i].name = name }

// rewriteValues replaces every object's value with value(id), in one pass over the values.
func (s *graphSink) rewriteValues(n int, value func(id graph.ObjID) string) {
	out := make([]byte, 0, len(s.values)+len(s.values)/2)
	ends := newSparse[uint32](0)
	for id := 0; id < n; id++ {
		end := uint32(0)
		if v := value(graph.ObjID(id)); v != "" && len(out)+len(v) <= 1<<32-1 {
			out = append(out, v...)
			end = uint32(len(out))
		}
		ends.add(end)
	}
	ends.clip()
	s.values, s.valueEnd = graph.Clip(out), ends // out's room for growth would stay to the end
}
