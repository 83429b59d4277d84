package loader

import (
	"bufio"
	"math"

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

// Value is object id's value, as the naming pass's SetValues made it: while the values wait
// to be rewritten, SetValues' function spells the value of the object asked for, reading the
// values as they were (as it does in the rewrite).
func (d dumpView) Value(id graph.ObjID) string {
	if f := d.s.newValue; f != nil {
		d.s.newValue = nil
		defer func() { d.s.newValue = f }()
		return f(id)
	}
	return d.s.value(id)
}

// SetValues keeps value for when the values move to the oid order (orderValues), which then
// rewrites them in the same pass.
func (d dumpView) SetValues(value func(id graph.ObjID) string) {
	d.s.flushValues() // a second SetValues reads the values the first made
	d.s.newValue = value
}

func (d dumpView) NameID(name string) (uint32, bool) {
	id, ok := d.s.nameIdx[name]
	return id, ok
}

func (d dumpView) EdgeNameID(e uint32) uint32 {
	if int(e) >= d.s.names.len() {
		// Asked by a SetValues function after the names went to their file (storeGraph).
		panic("loader: a naming pass's SetValues read an edge's name: its format must set GraphRules.ValuesReadNames")
	}
	id := d.s.names.at(e)
	if id&elemBit != 0 || id >= maxName {
		return 0
	}
	return id
}

func (d dumpView) SetEdgeName(e uint32, name string) { d.s.names.set(e, d.s.intern(name)) }

func (d dumpView) SetKeyName(e uint32, attr bool) {
	id := uint32(keyItem)
	if attr {
		id = keyAttr
	}
	d.s.names.set(e, id)
}

func (d dumpView) RenameEdges(kinds []heap.EdgeKind, rename func(name string) string) {
	s, g := d.s, d.g
	var want [256]bool
	for _, k := range kinds {
		want[uint8(k)] = true
	}
	renamed := make(map[uint32]uint32) // name id -> the id of its new name
	for e := range uint32(s.names.len()) {
		id := s.names.at(e)
		if !want[uint8(g.Kinds[e])] || id == 0 || id&elemBit != 0 || id >= maxName {
			continue
		}
		to, ok := renamed[id]
		if !ok {
			to = s.intern(rename(s.name(id)))
			renamed[id] = to
		}
		s.names.set(e, to)
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

// flushValues rewrites the values as the naming pass's SetValues asked, if it did.
func (s *graphSink) flushValues() {
	if s.newValue != nil {
		s.rewriteValues(nil)
	}
}

// rewriteValues makes the values of the objects anew, in one pass: object i's is that of
// object old[i] (i's own when old is nil), as newValue, if set, spells it. newValue reads the
// values as they were; it is cleared.
func (s *graphSink) rewriteValues(old []graph.ObjID) {
	// Room for the values as they are and a little more: what a naming pass spells anew is
	// about as long (V8's scope names), and then Clip need not copy them all. A pass that
	// makes them longer (HPROF's strings take their arrays' text) goes on in chunks once out
	// is full, joined to it at the end: grown by append, out was copied time and again.
	var out []byte
	ends := newSparse[uint32](0)
	// In the arena, out and the ends grow in place, with no room to guess. But where the Go
	// heap holds free already what they take at first (what was collected just before: the
	// edge names, spilled), they go there: the arena's would be fresh memory beside it.
	room := int64(len(s.values)) + int64(len(s.values))/64 + 1<<20 + 4*int64(len(s.valueEnd.vals))
	if s.inArena && heapFree() < room {
		out = graph.ArenaMake[byte](s.arena, math.MaxUint32)
		if ends.vals = graph.ArenaMake[uint32](s.arena, graph.MaxObjects); ends.vals == nil {
			graph.ArenaRelease(s.arena, out)
			out = nil
		}
	}
	if out == nil {
		out = make([]byte, 0, len(s.values)+len(s.values)/64+1<<20)
		ends.growVals(len(s.valueEnd.vals) + len(s.valueEnd.vals)/64) // as out
	}
	var more byteChunks
	s.eachValue(old, &ends, func(v string) uint32 {
		if len(out)+more.n+len(v) > 1<<32-1 {
			return 0
		}
		if more.n == 0 && len(v) <= cap(out)-len(out) {
			out = append(out, v...)
		} else {
			more.add(v)
		}
		return uint32(len(out) + more.n)
	})
	if more.n > 0 {
		out = more.join(out)
	}
	s.takeValues(graph.Clip(out), ends) // out's room would stay to the end
}

// eachValue gives put, in turn, the value of each object i that has one: that of object
// old[i] (i's own when old is nil), as newValue, if set, spells it; put returns the end of the
// values so far, or 0 when it left the value out (past 4 GiB in all). It adds each object's
// end to ends.
func (s *graphSink) eachValue(old []graph.ObjID, ends *sparse[uint32], put func(v string) uint32) {
	n := len(s.typeOf)
	value := s.value
	if s.newValue != nil {
		value = s.newValue
	}
	ends.reserve(n)
	for i := range n {
		id := graph.ObjID(i)
		if old != nil {
			id = old[i]
		}
		end := uint32(0)
		if v := value(id); v != "" {
			end = put(v)
		}
		ends.add(end)
	}
}

// takeValues makes values and ends the sink's values, those before them let go, and clears
// newValue: they are what it made.
func (s *graphSink) takeValues(values []byte, ends sparse[uint32]) {
	ends.clip()
	graph.ArenaRelease(s.arena, s.valueEnd.vals)
	graph.ArenaRelease(s.arena, s.values)
	s.values, s.valueEnd, s.newValue = values, ends, nil
}

// writeValues is rewriteValues with the values written, one after another, to a new scratch
// file in dir rather than made anew in memory beside those they are made from: the caller
// reads them back (readValues) once it needs them. The sink's values are nil meanwhile, and
// their ends are in memory. It returns nil, and changes nothing, when the file cannot be
// written.
func (s *graphSink) writeValues(dir string, old []graph.ObjID) *spilled {
	ends := newSparse[uint32](0)
	ends.growVals(len(s.valueEnd.vals) + len(s.valueEnd.vals)/64)
	size := 0
	f := writeScratch(dir, func(w *bufio.Writer) {
		s.eachValue(old, &ends, func(v string) uint32 {
			if size+len(v) > 1<<32-1 {
				return 0
			}
			w.WriteString(v)
			size += len(v)
			return uint32(size)
		})
	})
	if f == nil {
		return nil
	}
	s.takeValues(nil, ends)
	return &spilled{f: f, n: size}
}

// readValues reads back the values writeValues wrote to sp, and closes it.
func (s *graphSink) readValues(sp *spilled) error {
	defer sp.close()
	values := make([]byte, sp.n)
	if err := readScratch(sp.f, values, 0); err != nil {
		return err
	}
	s.values = values
	return nil
}
