package loader

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/graph"
	"github.com/memsee/memsee/internal/store"
	"github.com/memsee/memsee/internal/store/page"
)

// graphSink keeps what the graph work and the store need of each object in flat slices
// (ObjID -> ...), and hands addresses and edges to a graph.Builder.
type graphSink struct {
	begun bool
	snap  heap.Snapshot
	rules heap.GraphRules // what the format asks of the graph work
	namer graph.Namer     // the format's naming pass, if it has one
	keys  graph.KeyNamer  // spells the edges the pass named by their key (keyItem, keyAttr)
	view  graph.Dump      // the sink as the format's passes see it, once the graph is built
	// newValue is the naming pass's SetValues (object id -> its value), until the values
	// move to the oid order and are rewritten by it (orderValues).
	newValue func(id graph.ObjID) string
	b        *graph.Builder
	// arena, when set, holds the per-object arrays of a dump whose reader does not say how
	// many objects it has (graph.Arena): set by the load, which frees it at its end.
	arena   *graph.Arena
	inArena bool // the per-object arrays are in arena

	types    []string          // local type index -> name
	typeIdx  map[string]uint32 // name -> local type index
	typeHot  stringCache       // in front of typeIdx
	typeOf   []uint32          // ObjID -> local type index
	length   sparse[int32]     // ObjID -> Len (-1: none; lengths past 2^31-1 are kept as that)
	valueEnd sparse[uint32]    // ObjID -> end of its value in values, 0 for none; its start is the end before
	values   []byte            // every object's value, one after the other
	// While the file is read the values go to chunks, which grow without copying what they
	// hold (no reader knows how long its values are in all); trim joins them into values.
	// In the arena (inArena) they go to values, which grows in place.
	valueChunks byteChunks
	bytes       uint64 // shallow bytes of every object

	// Allocation sites, when the dump has them (heap.Object.Site); nil siteOf otherwise, so
	// that a dump without sites costs nothing.
	siteOf  []uint32          // ObjID -> site index + 1, 0 for none
	sites   []string          // site index -> "file:line"
	siteIdx map[string]uint32 // "file:line" -> site index + 1
	bornOf  []uint32          // ObjID -> heap.Object.Born (0: unknown), nil when no object has one

	// Each edge's name: 0 none, elemBit|i, keyItem, keyAttr, else names[id]. In AddEdge
	// order, then by edge index in names until they go to a file (spillEdges); a short dump's
	// then move to edgeName, in the order of the graph it is renumbered to.
	names    chunks
	edgeName []uint32
	nameEnd  []uint32          // name id -> end of its name in nameText; its start is the previous end
	nameText []byte            // every name, one after the other: no pointers for the collector to scan
	nameIdx  map[string]uint32 // name -> name id; nil once the file is read
	nameHot  stringCache       // in front of nameIdx, for the names readers hand over
	// The name id of a reader's Edge.NameID, for the kind in byReaderKind (kind+1; 0: none).
	byReaderID   []uint32
	byReaderKind []uint8

	budget *memoryBudget // checked every checkEvery objects and between the phases
	paced  bool          // the load sets the collector's pace (pacedFrom)
	edge   heap.Edge     // the reference addEdge is adding

	roots     []rootRecord
	userRoots []uint64 // addresses of the roots paths should start from where they can (V8's global)

	// Formats whose every object's first reference is to its class (rules.ClassEdge), which
	// its type already says (JVM dumps). The graph leaves it out (classes are roots: it changes no path, dominator
	// or retained size) and the pages get it back when they are written, which spares 13 to
	// 22 bytes per object in the graph work. classOf is a type's class object's address;
	// implicitClass has a bit for each object whose <class> was left out.
	classOf       []uint64               // local type index -> class address, 0 while unknown
	implicitClass []uint64               // ObjID -> bit
	classObjects  map[uint64]graph.ObjID // the class objects (of type rules.ClassType), by address
}

type rootRecord struct {
	addr       uint64
	kind, name string
}

// Edge names that are not name ids. A dict value's edge is named by the key before it, spelled
// only when written: interning one name per dict entry would cost more memory than the graph.
const (
	elemBit = 1 << 31   // elemBit|i: element i, [17]
	keyItem = 1<<31 - 1 // named by the key before it, as an item: ['key']
	keyAttr = 1<<31 - 2 // named by the key before it, as an attribute: .key
	maxName = 1<<31 - 3 // name ids stay below this
)

func newGraphSink() *graphSink {
	return &graphSink{typeIdx: map[string]uint32{}, nameEnd: []uint32{0}, nameIdx: map[string]uint32{"": 0},
		length: newSparse[int32](-1), valueEnd: newSparse[uint32](0)}
}

func (s *graphSink) Begin(snap heap.Snapshot) error {
	if s.begun {
		return errors.New("reader began twice")
	}
	s.begun, s.snap = true, snap
	if snap.Held && s.paced {
		setGCPercent(handOverGC)
		// What the reader needed only to read is garbage now, and the hand-over grows the sink
		// into arrays that the spans it leaves may not fit: give them back to the system
		// first, so that they do not stay resident under the hand-over's peak.
		debug.FreeOSMemory()
	}
	s.rules = heap.GraphRulesOf(snap.Format)
	if h, ok := heap.Lookup(snap.Format); ok {
		s.namer, _ = h.(graph.Namer)
		s.keys, _ = h.(graph.KeyNamer)
	}
	n := max(snap.Records, 0)
	m := n * 5 / 2 // references per object in the dumps memsee was measured on
	if snap.Edges > 0 {
		m = snap.Edges
	}
	s.b = graph.NewBuilder(n, m)
	if snap.EdgesByIndex {
		s.b.TargetsByIndex()
	}
	if n == 0 && !snap.Held && s.b.UseArena(s.arena) {
		// Unknown size: the arrays grow in place, with no guess to make (presize).
		s.typeOf = graph.ArenaMake[uint32](s.arena, graph.MaxObjects)
		s.length.vals = graph.ArenaMake[int32](s.arena, graph.MaxObjects)
		s.valueEnd.vals = graph.ArenaMake[uint32](s.arena, graph.MaxObjects)
		s.values = graph.ArenaMake[byte](s.arena, math.MaxUint32)
		if s.inArena = s.typeOf != nil && s.length.vals != nil && s.valueEnd.vals != nil && s.values != nil; s.inArena {
			return nil
		}
		// No mapping for the sink's own (not expected once the Builder's were had): those
		// grow in the Go heap.
		graph.ArenaRelease(s.arena, s.typeOf)
		graph.ArenaRelease(s.arena, s.length.vals)
		graph.ArenaRelease(s.arena, s.valueEnd.vals)
		graph.ArenaRelease(s.arena, s.values)
		s.length.vals, s.valueEnd.vals, s.values = nil, nil, nil
	}
	if snap.HeldOffHeap {
		// The per-object arrays are in the Go heap; the edges' targets and the values' chunks
		// wait in the arena all the same, for Build and trim to give them back as they copy
		// them (Builder.ChunksIn, byteChunks).
		s.b.ChunksIn(s.arena)
		s.valueChunks.arena = s.arena
	}
	s.typeOf = make([]uint32, 0, n)
	s.length.reserve(n)
	s.valueEnd.reserve(n)
	return nil
}

// releaseReplaced gives old back to the arena a when it is not the array now is: what took its
// place made it garbage, which the collector does not see in an arena.
func releaseReplaced[T any](a *graph.Arena, old, now []T) {
	if cap(old) > 0 && (cap(now) == 0 || unsafe.SliceData(old) != unsafe.SliceData(now)) {
		graph.ArenaRelease(a, old)
	}
}

// perObject returns a new per-object array of the sink, n zeros long, with room for the rest of
// the objects as typeOf has it: in the arena, when the per-object arrays are there.
func (s *graphSink) perObject(n int) []uint32 {
	if s.inArena {
		if a := graph.ArenaMake[uint32](s.arena, graph.MaxObjects); a != nil {
			return a[:n]
		}
		return make([]uint32, n, n+n/4+1)
	}
	return make([]uint32, n, cap(s.typeOf))
}

func (s *graphSink) Sample(*heap.Sample) error {
	return errors.New("profile samples in an object graph")
}

func (s *graphSink) Object(o *heap.Object) error {
	if n := len(s.typeOf); n == cap(s.typeOf) && n >= checkEvery {
		// Full, before the guess said it would be: room made by the guess, rather than by
		// append's quarter more (and a copy at the end to give back what the dump did not fill).
		s.presize(true)
	}
	id, err := s.b.AddObject(o.Addr, uint64(max(o.Size, 0)))
	if err != nil {
		return err
	}
	t, ok := s.typeHot.get(o.Type)
	if !ok {
		if t, ok = s.typeIdx[o.Type]; !ok {
			t = uint32(len(s.types))
			s.types = append(s.types, o.Type)
			s.typeIdx[o.Type] = t
		}
		s.typeHot.put(o.Type, t)
	}
	if len(s.typeOf)%checkEvery == checkEvery-1 {
		if err := s.budget.check(); err != nil {
			return err
		}
		s.presize(false)
	}
	s.typeOf = append(s.typeOf, t)
	s.length.add(int32(min(o.Len, math.MaxInt32)))
	end := uint32(0)
	if s.inArena {
		if len(o.Value) > 0 && len(s.values)+len(o.Value) <= math.MaxUint32 {
			s.values = append(s.values, o.Value...) // in place, in the arena
			end = uint32(len(s.values))
		}
	} else if len(o.Value) > 0 && s.valueChunks.n+len(o.Value) <= math.MaxUint32 {
		s.valueChunks.add(o.Value)
		end = uint32(s.valueChunks.n)
	}
	s.valueEnd.add(end)
	s.bytes += uint64(max(o.Size, 0))
	if o.Site != "" || s.siteOf != nil {
		s.addSite(o.Site)
	}
	if o.Born > 0 || s.bornOf != nil {
		if s.bornOf == nil {
			s.bornOf = s.perObject(len(s.typeOf) - 1)
		}
		s.bornOf = append(s.bornOf, uint32(min(max(o.Born, 0), math.MaxUint32)))
	}
	edges := o.Edges
	if s.rules.ClassEdge != "" {
		if o.Type == s.rules.ClassType {
			if s.classObjects == nil {
				s.classObjects = map[uint64]graph.ObjID{}
			}
			s.classObjects[o.Addr] = id
		}
		if len(edges) > 0 && s.classImplied(id, t, edges[0]) {
			edges = edges[1:]
		}
	}
	for i := range edges {
		s.edge = edges[i] // the reader's: the rules change a copy, one that does not escape
		s.addEdge(id, o.Addr, &s.edge)
	}
	if o.More != nil {
		o.More(func(e heap.Edge) bool { s.edge = e; s.addEdge(id, o.Addr, &s.edge); return true })
	}
	return nil
}

// presize makes room in the per-object slices for the whole dump, as the part of the file read
// so far tells its size, when the reader did not say (heap.Snapshot.Records) and the slices
// are in the Go heap, not in an arena (graph.Arena), where they grow in place.
// Growing them by append copies each several times, clears the slack it adds (a quarter of the
// slice, resident from then on), and briefly holds an old and a new copy of each: slices of
// hundreds of MB at 10M objects. The guess can be far off early on (the file is read ahead of
// the parse, and the first records of some formats are not objects, or unlike the rest), so
// a slice grows to the guess at most twice as large at a time, over the checks that follow (or
// as soon as it is full, when the guess was low: full);
// the room it has past what it holds is not resident until it is written, unless the memory
// is reused (then it is cleared). The per-edge slices grow by append: in a JVM dump the first
// part holds far more references per byte than the rest, and a guess from it made the peak of
// a JVM load higher (BENCHMARKS.md, "Measurements behind the loader's choices").
//
// A reader that said how many objects it sends had the per-object slices made that long at
// Begin; the values of the sparse columns grow as the share of those objects sent so far says.
func (s *graphSink) presize(full bool) {
	if s.inArena {
		return // the arrays grow in place
	}
	var read float64
	switch {
	case s.snap.Records > 0:
		read = float64(len(s.typeOf)) / float64(s.snap.Records)
	case s.budget != nil && s.budget.in != nil && s.budget.in.Size > 0:
		read = float64(s.budget.in.RawRead()) / float64(s.budget.in.Size)
	}
	if read <= 0 || read >= 1 {
		return
	}
	more := 1.0625 // a sixteenth more, for the guess's errors
	if s.rules.DenserLater && s.snap.Records <= 0 {
		// An eighth more from the part of the file read: a sixteenth fell short by every step,
		// down to the end of the file, where the per-object arrays were copied once more when
		// full, at the peak of the read. Room left unfilled goes back at trim, after the read.
		more = 1.125
	}
	guess := func(n, room int) int {
		want := int(min(float64(n)*more/read, math.MaxUint32))
		return max(min(want, 2*room), room)
	}
	if s.snap.Records > 0 {
		s.length.growVals(guess(len(s.length.vals), cap(s.length.vals)))
		s.valueEnd.growVals(guess(len(s.valueEnd.vals), cap(s.valueEnd.vals)))
		return
	}
	if objects := guess(len(s.typeOf), cap(s.typeOf)); objects > cap(s.typeOf)*9/8 || full && objects > cap(s.typeOf) {
		s.b.Reserve(objects)
		s.typeOf = graph.Reserve(s.typeOf, objects)
		s.length.reserve(objects)
		s.valueEnd.reserve(objects)
		if s.siteOf != nil {
			s.siteOf = graph.Reserve(s.siteOf, objects)
		}
		if s.bornOf != nil {
			s.bornOf = graph.Reserve(s.bornOf, objects)
		}
	}
}

// room returns the bytes presize set aside for the rest of the file and not yet filled: mapped,
// but sized for the whole file already, so the memory budget does not scale them as it scales
// what the part read so far used (memoryBudget.room).
func (s *graphSink) room() int64 {
	r := graph.RoomOf(s.typeOf) + s.length.room() + s.valueEnd.room() + graph.RoomOf(s.siteOf) + graph.RoomOf(s.bornOf)
	if s.b != nil {
		r += s.b.Room()
	}
	return r
}

// trim gives back the room presize made that the dump did not fill. Room never written is not
// resident, but the collector counts it as heap: it would raise the heap's goal, and the limit
// holdHeap sets, by as much, and let the writing of the pages grow into it.
func (s *graphSink) trim() {
	s.typeOf = graph.Clip(s.typeOf)
	s.length.clip()
	s.valueEnd.clip()
	s.siteOf, s.bornOf = graph.Clip(s.siteOf), graph.Clip(s.bornOf)
	if !s.inArena { // in the arena they are in one array already
		s.values = s.valueChunks.join(nil)
	}
}

// renumber moves the sink's per-object and per-edge data to the numbering rn made of g
// (storeGraph numbers the objects by oid), in place where it can. The edge names are in a
// file meanwhile for a large dump (spillEdges), already in the new order; otherwise they move
// as graph.PermuteEdges moves them.
func (s *graphSink) renumber(rn *graph.Renumbering, g *graph.Graph) error {
	if rn.Same() {
		return nil
	}
	var err error
	if s.edgeName != nil { // nil while in a file, in the new order already (spillEdges)
		if s.edgeName, err = graph.PermuteEdges(rn, g, s.edgeName); err != nil {
			return err
		}
	}
	n := g.Len()
	ids := [][]uint32{s.typeOf}
	for _, more := range [][]uint32{s.siteOf, s.bornOf} {
		if more != nil {
			ids = append(ids, more)
		}
	}
	if err := graph.PermuteObjects(rn, ids...); err != nil {
		return err
	}
	length := newSparse[int32](-1)
	length.reserve(n)
	length.growVals(len(s.length.vals)) // as many as before
	for id := range n {
		length.add(s.length.get(int(rn.Old(graph.ObjID(id)))))
	}
	length.clip()
	graph.ArenaRelease(s.arena, s.length.vals)
	s.length = length
	if len(s.implicitClass) > 0 {
		implicit := make([]uint64, (n+63)/64)
		for id := range n {
			if s.hasImplicitClass(rn.Old(graph.ObjID(id))) {
				implicit[id>>6] |= 1 << (id & 63)
			}
		}
		s.implicitClass = implicit
	}
	return nil
}

// orderValues moves the values to the order old gives (object old[i] becomes object i), with
// what the naming pass's SetValues made of them, in one pass. It comes before the graph is
// renumbered, for SetValues' function reads the graph in file order. When dir is not "" and
// the values are long enough to spill, they go to a scratch file there (writeValues), which it
// returns, rather than to a new copy in memory.
func (s *graphSink) orderValues(old []graph.ObjID, dir string) *spilled {
	same := true
	for i, id := range old {
		if int(id) != i {
			same = false
			break
		}
	}
	if same {
		old = nil
	}
	if s.newValue == nil && (same || len(s.values) == 0) {
		return nil
	}
	if dir != "" && worthSpilling(len(s.values)) {
		if sp := s.writeValues(dir, old); sp != nil {
			return sp
		}
	}
	s.rewriteValues(old)
	return nil
}

// addSite records the allocation site of the object just added; the objects before the first
// that has one have none.
func (s *graphSink) addSite(site string) {
	if s.siteOf == nil {
		s.siteOf = s.perObject(len(s.typeOf) - 1)
		s.siteIdx = map[string]uint32{}
	}
	var id uint32
	if site != "" {
		var ok bool
		if id, ok = s.siteIdx[site]; !ok {
			s.sites = append(s.sites, site)
			id = uint32(len(s.sites))
			s.siteIdx[site] = id
		}
	}
	s.siteOf = append(s.siteOf, id)
}

// addEdge adds one reference of object id (at addr), as the format's rules spell it.
func (s *graphSink) addEdge(id graph.ObjID, addr uint64, e *heap.Edge) {
	if s.rules.Edge != nil {
		s.rules.Edge(addr, e)
	}
	s.b.AddEdge(id, e.To, e.Kind)
	s.names.add(s.nameID(e))
}

// classImplied reports whether e, the first reference of object id of local type t, is its
// <class> reference to the class its type names, and if so marks it as left out of the graph.
func (s *graphSink) classImplied(id graph.ObjID, t uint32, e heap.Edge) bool {
	if e.Kind != heap.EdgeClass || e.Name != s.rules.ClassEdge || e.To == 0 {
		return false
	}
	for int(t) >= len(s.classOf) {
		s.classOf = append(s.classOf, 0)
	}
	switch s.classOf[t] {
	case 0:
		s.classOf[t] = e.To
	case e.To:
	default:
		return false // a second class of the same name (another class loader): kept as it is
	}
	w := int(id >> 6)
	for w >= len(s.implicitClass) {
		s.implicitClass = append(s.implicitClass, 0)
	}
	s.implicitClass[w] |= 1 << (id & 63)
	return true
}

// hasImplicitClass reports whether object id's <class> reference was left out of the graph.
func (s *graphSink) hasImplicitClass(id graph.ObjID) bool {
	w := int(id >> 6)
	return w < len(s.implicitClass) && s.implicitClass[w]&(1<<(id&63)) != 0
}

func (s *graphSink) nameID(e *heap.Edge) uint32 {
	if e.Kind == heap.EdgeElement && e.Name != "" {
		if i, ok := index(e.Name); ok {
			return elemBit | i
		}
	}
	if text := s.rules.EdgeText; text != nil {
		if e.NameID == 0 || e.NameID >= math.MaxUint32 {
			return s.intern(text(*e))
		}
		// Most names come with one kind: remember the name id of the last kind seen for each
		// of the reader's ids, which spares spelling and hashing the name for every edge.
		k := int(e.NameID)
		if k < len(s.byReaderID) && s.byReaderKind[k] == uint8(e.Kind)+1 {
			return s.byReaderID[k]
		}
		id := s.intern(text(*e))
		if k >= len(s.byReaderID) {
			s.byReaderID = slices.Grow(s.byReaderID, k+1-len(s.byReaderID))[:k+1]
			s.byReaderKind = slices.Grow(s.byReaderKind, k+1-len(s.byReaderKind))[:k+1]
		}
		s.byReaderID[k], s.byReaderKind[k] = id, uint8(e.Kind)+1
		return id
	}
	if e.Name == "" {
		return 0
	}
	id, ok := s.nameHot.get(e.Name)
	if !ok {
		id = s.intern(e.Name)
		s.nameHot.put(e.Name, id)
	}
	return id
}

// index reads an element index: decimal digits, below 2^31. Unlike strconv it allocates
// nothing when s is not one, which most names of a format's internal edges are not.
func index(s string) (uint32, bool) {
	if s == "" || len(s) > 10 {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if v >= 1<<31 {
		return 0, false
	}
	return uint32(v), true
}

// intern returns the name id of a name.
func (s *graphSink) intern(name string) uint32 {
	id, ok := s.nameIdx[name]
	if !ok && (len(s.nameEnd) >= maxName || len(s.nameText)+len(name) > math.MaxUint32) {
		return 0 // past four billion names: leave the rest unnamed
	}
	if !ok {
		id = uint32(len(s.nameEnd))
		s.nameText = append(s.nameText, name...)
		s.nameEnd = append(s.nameEnd, uint32(len(s.nameText)))
		s.nameIdx[name] = id
	}
	return id
}

func (s *graphSink) Root(r heap.Root) error {
	if r.Kind == "user" {
		s.userRoots = append(s.userRoots, r.Addr)
	}
	s.b.AddRoot(r.Addr)
	s.roots = append(s.roots, rootRecord{r.Addr, r.Kind, r.Name})
	return nil
}

// orderRoots puts first in g.Roots the roots paths start from before the others: the user
// roots, or else the roots of a kind not in rules.LaterRoots.
func (s *graphSink) orderRoots(g *graph.Graph) {
	if len(s.userRoots) > 0 {
		rootsFirst(g, s.userRoots)
	} else if len(s.rules.LaterRoots) > 0 {
		rootsFirst(g, s.earlierRoots())
	}
}

// earlierRoots returns the addresses of the roots of a kind not in rules.LaterRoots, which
// paths start from first (rootsFirst): a root recorded under several kinds is one of them if
// any of its kinds is not a later one.
func (s *graphSink) earlierRoots() []uint64 {
	var out []uint64
	for _, r := range s.roots {
		if !slices.Contains(s.rules.LaterRoots, r.kind) {
			out = append(out, r.addr)
		}
	}
	return out
}

// value returns the value of object id. The string shares s.values' memory, which is never
// written again once the file is read: the store copies it.
func (s *graphSink) value(id graph.ObjID) string {
	i, ok := s.valueEnd.index(int(id))
	if !ok {
		return ""
	}
	start := uint32(0)
	if i > 0 {
		start = s.valueEnd.vals[i-1]
	}
	b := s.values[start:s.valueEnd.vals[i]]
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// edgeText spells the name of edge e of g, whose name id is id (graphSink.edgeName).
func (s *graphSink) edgeText(g *graph.Graph, e, id uint32, keys *keyTexts) string {
	switch {
	case id&elemBit != 0:
		return string(appendIndex(nil, id&^elemBit))
	case id == keyItem || id == keyAttr:
		if s.keys == nil {
			return ""
		}
		key, attr := g.Edges[e-1], id == keyAttr
		if keys == nil {
			return s.keys.KeyText(s.view, key, attr)
		}
		k := &keys[(uint32(key)*2+b2u(attr))%uint32(len(keys))]
		if k.key != uint32(key)+1 || k.attr != attr {
			*k = keyText{uint32(key) + 1, attr, s.keys.KeyText(s.view, key, attr)}
		}
		return k.text
	}
	return s.name(id)
}

// keyTexts remembers, for one page builder, how the format spelled the names of references
// named after their key (graph.KeyNamer): the keys of a program's dicts are mostly a few
// objects (the names of a class's attributes), which the objects of a page share, and
// spelling them each time made a string per reference.
type keyTexts [1 << 12]keyText

// keyText is a key's spelling: key is its ObjID+1 (0: none).
type keyText struct {
	key  uint32
	attr bool
	text string
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// appendIndex appends element i as a path spells it: [17].
func appendIndex(b []byte, i uint32) []byte {
	return append(strconv.AppendUint(append(b, '['), uint64(i), 10), ']')
}

// name returns name id. The string shares s.nameText's memory, whose bytes are never written
// again (an append that outgrows it copies them to a new array).
func (s *graphSink) name(id uint32) string {
	if id == 0 {
		return ""
	}
	b := s.nameText[s.nameEnd[id-1]:s.nameEnd[id]]
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// ref sets r to edge e of g, whose name id is id, as the store keeps it: an element's index is
// kept as a number, not spelled.
func (s *graphSink) ref(r *store.NewRef, g *graph.Graph, e, id uint32, to int64, keys *keyTexts) {
	*r = store.NewRef{OID: to, Kind: g.Kinds[e], Index: -1}
	switch {
	case id&elemBit != 0:
		r.Index = int64(id &^ elemBit)
	case id == keyItem || id == keyAttr:
		r.Name = s.edgeText(g, e, id, keys)
	case id != 0:
		r.Name, r.NameKey = s.name(id), id
	}
}

// storeSites queues the allocation sites of a dump that has them (or births: GraphWriter.Sites
// then writes each object's site and birth): each site's objects, their
// bytes, and what they retain together (graph.GroupRetained: an object retained through
// another of the same site counts once).
func storeSites(w *store.GraphWriter, s *graphSink, g *graph.Graph, a *graph.Analysis) error {
	if s.siteOf == nil { // births, and no sites
		w.Sites(nil)
		return nil
	}
	retained, err := graph.GroupRetained(a.IDom, a.Retained, s.siteOf, len(s.sites)+1)
	if err != nil {
		return err
	}
	stats := make([]store.SiteStat, len(s.sites))
	for i, site := range s.sites {
		stats[i] = store.SiteStat{ID: int64(i + 1), Site: site, Retained: int64(retained[i+1])}
	}
	for id, site := range s.siteOf {
		if site > 0 {
			stats[site-1].Count++
			stats[site-1].Bytes += int64(g.SizeOf(graph.ObjID(id)))
		}
	}
	w.Sites(stats)
	s.siteIdx = nil
	return nil
}

// rankedReferrer is a referrer of an object, and what it retains.
type rankedReferrer struct {
	retained uint64
	oid      uint32
}

// pageReferrers is the referrers of the objects of one page, as gathered and not yet ranked:
// object k of the page has from[end[k]:end[k+1]]. from and end are the window's
// (referrers.pages), which a later window reuses: whoever builds the page sends on built once
// it is done with them.
type pageReferrers struct {
	from, end []uint32
	built     chan<- struct{}
}

// referrers finds each object's referrers a window of pages at a time, rather than as a
// reverse CSR over every edge (4 bytes per edge and 4 per object, at the peak of the load).
// A window is a run of pages that at most a budget of the edges point into; its referrers are
// gathered in a pass over every edge, a sequential read, which also counts the next window's.
// Objects are numbered by oid by then (ObjID == oid: see storeGraph).
type referrers struct {
	edgeStart []uint32    // oid -> its first edge, as graph.Graph.EdgeStart
	targets   []uint32    // edge index -> its target's oid
	retained  graph.Sizes // oid -> retained size
}

// referrerWindow is the referrers of the objects with oids in [lo, hi): object k's (oid lo+k)
// are from[end[k]:end[k+1]], in oid order.
type referrerWindow struct {
	lo, hi    int
	end, from []uint32
	built     chan struct{} // a page's builder sends once done with the page
}

// windows returns the first oid of each window and, last, the number of objects: each
// window's objects have at most budget referrers in all, but for a single page with more.
func (r *referrers) windows(budget int) []int {
	n := len(r.edgeStart) - 1
	pages := (n + page.Size - 1) / page.Size
	in := make([]int, pages) // page -> edges into it
	for _, t := range r.targets {
		in[t/page.Size]++
	}
	starts := []int{0}
	sum := 0
	for p, c := range in {
		if sum > 0 && sum+c > budget {
			starts = append(starts, p*page.Size)
			sum = 0
		}
		sum += c
	}
	return append(starts, n)
}

// count sets end (hi-lo+1 long) to 0 and then end[k+1] to the number of referrers of oid lo+k.
func (r *referrers) count(end []uint32, lo, hi int) {
	clear(end)
	l, h := uint32(lo), uint32(hi)
	for _, t := range r.targets {
		if t-l < h-l { // lo <= t < hi, in one comparison
			end[t-l+1]++
		}
	}
}

// gather collects the referrers of w's objects into w.from, grouped by object, from the counts
// in w.end (as count leaves them). In the same pass it counts, into next, the referrers of
// the window after it, [w.hi, nextHi), as count would.
func (r *referrers) gather(w *referrerWindow, next []uint32, nextHi int) {
	end := w.end[1:]
	for k := 1; k < len(end); k++ {
		end[k] += end[k-1]
	}
	total := uint32(0)
	if len(end) > 0 {
		total = end[len(end)-1]
	}
	w.from = slices.Grow(w.from[:0], int(total))[:total]
	clear(next)
	l, span, spans := uint32(w.lo), uint32(w.hi-w.lo), uint32(nextHi-w.lo)
	from := w.from
	// Sources last to first, each object's end moving down to its start as its referrers are
	// put in: they end up in oid order, and end (shifted by one) holds the starts.
	for src := len(r.edgeStart) - 2; src >= 0; src-- {
		for e := r.edgeStart[src+1]; e > r.edgeStart[src]; e-- {
			if d := r.targets[e-1] - l; d < spans { // lo <= target < nextHi, in one comparison
				if d < span {
					end[d]--
					from[end[d]] = uint32(src)
				} else {
					next[d-span+1]++
				}
			}
		}
	}
	copy(w.end, end)
	w.end[len(end)] = total
}

// pages sends on out, page by page in oid order, the referrers of each page's objects,
// gathered a window at a time. Two windows' referrers are kept at once: the next window is
// gathered while the builders build this one's pages, so that they do not wait for it. A
// window's memory is reused two windows on, once each of its pages is built. Their ranking
// (ranker.rank) is left to the builders of the pages, so that it runs on every core: on this
// goroutine alone, the page workers waited for it for about a third of the time the pages
// took. It stops early when stop is closed.
func (r *referrers) pages(budget int, out chan<- *pageReferrers, stop <-chan struct{}) {
	win := r.windows(budget)
	ready := make(chan *referrerWindow) // to the goroutine that sends their pages
	go func() {
		for w := range ready {
			for plo := w.lo; plo < w.hi; plo += page.Size {
				p := &pageReferrers{from: w.from, end: w.end[plo-w.lo : min(plo+page.Size, w.hi)-w.lo+1], built: w.built}
				select {
				case out <- p:
				case <-stop:
					return
				}
			}
		}
	}()
	defer close(ready)
	var (
		sent [2]*referrerWindow // window w-2, whose memory window w takes once its pages are built
		end  []uint32           // window w's ends, counted while window w-1 is gathered
	)
	sized := func(b []uint32, n int) []uint32 { return slices.Grow(b[:0], n)[:n] }
	if len(win) > 1 {
		end = sized(nil, win[1]-win[0]+1)
		r.count(end, win[0], win[1])
	}
	for w := 0; w+1 < len(win); w++ {
		lo, hi := win[w], win[w+1]
		var from, spare []uint32
		if old := sent[w%2]; old != nil {
			// Window w-2's pages still read its referrers, and its ends, which the next
			// window's count goes into.
			for plo := old.lo; plo < old.hi; plo += page.Size {
				select {
				case <-old.built:
				case <-stop:
					return
				}
			}
			from, spare = old.from, old.end
		}
		cur := &referrerWindow{lo: lo, hi: hi, end: end, from: from,
			built: make(chan struct{}, (hi-lo+page.Size-1)/page.Size)} // never blocks a builder
		next, nextHi := []uint32(nil), hi
		if w+2 < len(win) {
			nextHi = win[w+2]
			next = sized(spare, nextHi-hi+1)
		}
		r.gather(cur, next, nextHi)
		sent[w%2], end = cur, next
		select {
		case ready <- cur:
		case <-stop:
			return
		}
	}
}

// ranker ranks the referrers of one object after another, each once, the largest retained
// first: refs reads the first N of an object that a million objects refer to without ranking
// them all. Its memory is kept from one object to the next.
type ranker struct {
	short     []rankedReferrer // a short list, or a long one with a retained size past 32 bits
	keys, tmp []uint64         // a long list, and room to sort it by radix (sortWords)
}

// rank appends to out the referrers in from, each once (an object may refer to another twice),
// the largest retained first, then by oid. Most objects have one to three referrers: those
// are sorted by insertion. A longer list is sorted as one word per referrer, what it retains
// (complemented, for the largest first) above its oid, where every retained size fits in 32
// bits: slices.Sort then compares words in line, where slices.SortFunc calls a function per
// comparison (half the ranking of a meliae dump, whose strings and ints have thousands of
// referrers). The words take half the memory of rankedReferrers. A list of radixMin or more
// is sorted by radix (sortWords).
func (k *ranker) rank(out, from []uint32, retained *graph.Sizes) []uint32 {
	out = slices.Grow(out, len(from)) // at once: a popular object's list grown by append was copied again and again
	if len(from) > shortReferrers {
		keys := slices.Grow(k.keys[:0], len(from))
		// Whether the referrers are in oid order, as referrers.gather gathers them, and the
		// words already sorted: the referrers of one hidden class often retain as much.
		byOid, sortedAlready := true, true
		prevSrc, prevKey := uint32(0), uint64(0)
		for _, src := range from {
			r := retained.At(graph.ObjID(src))
			if r > math.MaxUint32 {
				keys = nil
				break
			}
			key := (math.MaxUint32-r)<<32 | uint64(src)
			byOid = byOid && src >= prevSrc
			sortedAlready = sortedAlready && key >= prevKey
			prevSrc, prevKey = src, key
			keys = append(keys, key)
		}
		if keys != nil {
			sorted := keys
			switch {
			case sortedAlready:
			case len(keys) >= radixMin:
				k.tmp = slices.Grow(k.tmp[:0], len(keys))[:len(keys)]
				sorted = sortWords(keys, k.tmp, byOid)
			default:
				slices.Sort(keys)
			}
			prev := uint64(0)
			for i, key := range sorted {
				if i == 0 || key != prev {
					out = append(out, uint32(key))
				}
				prev = key
			}
			k.keys, k.tmp = keepShort(keys), keepShort(k.tmp)
			return out
		}
		k.keys = nil // a list this long is rare: its memory goes to the rankedReferrers
	}
	ranked := slices.Grow(k.short[:0], len(from))
	for _, src := range from {
		ranked = append(ranked, rankedReferrer{retained.At(graph.ObjID(src)), src})
	}
	if len(ranked) <= shortReferrers {
		for i := 1; i < len(ranked); i++ {
			for j := i; j > 0 && ranked[j].before(ranked[j-1]); j-- {
				ranked[j], ranked[j-1] = ranked[j-1], ranked[j]
			}
		}
	} else {
		slices.SortFunc(ranked, func(x, y rankedReferrer) int {
			if x.retained != y.retained {
				return cmp.Compare(y.retained, x.retained)
			}
			return cmp.Compare(x.oid, y.oid)
		})
	}
	for i, rr := range ranked {
		if i == 0 || rr != ranked[i-1] {
			out = append(out, rr.oid)
		}
	}
	if len(ranked) <= shortReferrers {
		k.short = ranked
	} else {
		k.short = nil
	}
	return out
}

// before reports whether r ranks before q: it retains more, or as much with a lower oid.
func (r rankedReferrer) before(q rankedReferrer) bool {
	return r.retained > q.retained || r.retained == q.retained && r.oid < q.oid
}

// keepReferrers is the longest list of referrers whose memory a page builder keeps for the
// next object's (ranker.rank's keys, the ranked list): a popular object has millions, and
// two builders holding their memory until the last page raised a V8 load's peak.
const keepReferrers = 1 << 16

// keepShort returns s to be kept for the next object's referrers, or nil when it has room for
// more than keepReferrers.
func keepShort[T any](s []T) []T {
	if cap(s) > keepReferrers {
		return nil
	}
	return s
}

// radixMin is the shortest list of referrers ranker.rank sorts by radix (sortWords), rather
// than by comparison (slices.Sort), which took most of the ranking of a V8 load: a hidden
// class has a referrer in each of its objects, a million of them.
const radixMin = 256

// sortWords sorts words into order, by radix (a byte a pass, least significant first, a pass
// skipped where every word has the same byte), through tmp, as long as words, and returns
// whichever of the two holds them sorted. Where words are already in order by their low 32
// bits (lowInOrder), only their high 32 bits are sorted: each pass keeps the order of words
// whose byte is the same.
func sortWords(words, tmp []uint64, lowInOrder bool) []uint64 {
	if len(words) == 0 {
		return words
	}
	var counts [8][256]int
	for _, w := range words {
		counts[4][byte(w>>32)]++
		counts[5][byte(w>>40)]++
		counts[6][byte(w>>48)]++
		counts[7][byte(w>>56)]++
		if !lowInOrder {
			counts[0][byte(w)]++
			counts[1][byte(w>>8)]++
			counts[2][byte(w>>16)]++
			counts[3][byte(w>>24)]++
		}
	}
	first := 0
	if lowInOrder {
		first = 4
	}
	src, dst := words, tmp[:len(words)]
	for d := first; d < 8; d++ {
		c, shift := &counts[d], uint(8*d)
		if c[byte(src[0]>>shift)] == len(src) {
			continue // one byte for every word
		}
		at := 0
		for b, n := range c {
			c[b] = at
			at += n
		}
		for _, w := range src {
			b := byte(w >> shift)
			dst[c[b]] = w
			c[b]++
		}
		src, dst = dst, src
	}
	return src
}

// shortReferrers is the longest list of referrers ranker.rank sorts by insertion: as
// slices.SortFunc itself does below 12 elements, which then costs a call per comparison.
const shortReferrers = 12

// windowBudget is how many referrers a window of referrers.pages holds: a sixteenth of the
// edges, and no fewer than 512K (2 MB) so that small dumps take a few passes. Two windows are
// held at a time (referrers.pages): an eighth of the edges in all.
func windowBudget(edges int) int { return max(edges/16, 1<<19) }

// pageNames gives the page builders the names of their edges (graphSink.edgeName): from memory,
// or from the scratch file they wait in (spillEdges), a page's at a time. The page builders
// call it side by side.
type pageNames struct {
	all  []uint32 // every edge's name, when in memory
	file *spilled // else the file, in edge order
	readErr
}

// of returns the names of the edges [lo, hi), read into *buf when they come from the file
// (readErr.read).
func (x *pageNames) of(buf *[]uint32, lo, hi uint32) []uint32 {
	if x.file == nil {
		return x.all[lo:hi]
	}
	return x.read(x.file, buf, lo, hi)
}

// gather returns, for each object, the name of the edge it is reached over (at: its index among
// the edges, or NoEdge): from memory, or from the file in a few reads (spilled.gather).
func (x *pageNames) gather(at []uint32) ([]uint32, error) {
	if x.file != nil {
		return x.file.gather(at)
	}
	out := make([]uint32, len(at))
	pickAt(out, at, x.all, 0)
	return out, nil
}

// pageColumns gives the page builders per-object columns that only the pages read (an object's
// parent on a shortest path, the edge from it and that edge's name): from memory, or from the
// scratch file they wait in while the pages are written (spillColumns), a page's at a time. The
// page builders call it side by side.
type pageColumns struct {
	mem  [][]uint32 // the columns, when in memory
	file *spilled   // else the file, page by page
	readErr
}

// of sets cols[j] to column j's values for the objects [lo, hi) of one page, read into *buf
// when they come from the file (readErr.read).
func (c *pageColumns) of(buf *[]uint32, cols [][]uint32, lo, hi int) {
	if c.file == nil {
		for j, m := range c.mem {
			cols[j] = m[lo:hi]
		}
		return
	}
	vals := c.read(c.file, buf, uint32(len(cols)*lo), uint32(len(cols)*hi))
	for j := range cols {
		cols[j] = vals[j*(hi-lo) : (j+1)*(hi-lo)]
	}
}

// readErr keeps the first error of the reads of a scratch file that page builders make side by
// side, for the load to fail with after the pages.
type readErr struct {
	mu  sync.Mutex
	err error
}

func (r *readErr) keep(err error) {
	r.mu.Lock()
	if r.err == nil {
		r.err = err
	}
	r.mu.Unlock()
}

// read returns the values [lo, hi) of f, read into *buf. A read that fails is kept, and gives
// zeros, for the load to fail after the pages.
func (r *readErr) read(f *spilled, buf *[]uint32, lo, hi uint32) []uint32 {
	vals, err := f.readAt(*buf, lo, hi)
	if err != nil {
		r.keep(err)
		vals = make([]uint32, hi-lo)
	}
	*buf = vals
	return vals
}

// pageAddrs gives the page builders the addresses of their objects: from memory, or from the
// scratch file they wait in (parkStaying), a page's at a time. The page builders call it side
// by side.
type pageAddrs struct {
	mem  graph.Addrs       // the addresses, when in memory
	file *io.SectionReader // else their words in the file, narrow or wide (graph.Addrs.Words)
	wide bool
	base uint64
	readErr
}

// of returns the addresses of the objects [lo, hi), read into *buf and *words when they come
// from the file. A read that fails is kept, as readErr.read keeps one, and gives zeros.
func (x *pageAddrs) of(buf *[]uint64, words *[]byte, lo, hi int) []uint64 {
	out := slices.Grow((*buf)[:0], hi-lo)[:hi-lo]
	*buf = out
	if x.file == nil {
		for i := range out {
			out[i] = x.mem.At(graph.ObjID(lo + i))
		}
		return out
	}
	size := 4
	if x.wide {
		size = 8
	}
	b := slices.Grow((*words)[:0], size*(hi-lo))[:size*(hi-lo)]
	*words = b
	if err := readScratch(x.file, b, int64(size*lo)); err != nil {
		x.keep(err)
		clear(out)
		return out
	}
	for i := range out {
		if x.wide {
			out[i] = binary.NativeEndian.Uint64(b[8*i:])
		} else {
			out[i] = x.base + uint64(binary.NativeEndian.Uint32(b[4*i:]))
		}
	}
	return out
}

// graphResult is what storeGraph reports back.
type graphResult struct {
	objects, dangling, unreachable int
	bytes                          uint64
}

// storeGraph does the graph work for the objects s collected and writes the snapshot, telling
// progress each phase as it begins and each page as it is written.
func storeGraph(ctx context.Context, l *store.Load, path string, s *graphSink, snap store.NewSnapshot, progress func(Progress)) (int64, graphResult, error) {
	var res graphResult
	progress(Progress{Phase: PhaseGraph})
	// The heap grows in steps from here to the rows: the graph, the dominators' scratch, the
	// results. Each step starts from a collected heap (runtime.GC below), so that it reuses the
	// memory of what the last one dropped rather than growing the heap while that memory waits
	// for the collector. Most of the heap is slices without pointers, which are cheap to
	// collect (BENCHMARKS.md, "Measurements behind the loader's choices").
	Collect(len(s.typeOf)) // what the reader dropped at the end of the file, for trim's copies to reuse
	s.trim()
	if s.paced {
		runtime.GC()              // the slices the parse outgrew
		defer holdHeap(s.arena)() // the graph work and the writing reuse what the parse freed
	}
	// Oids number the objects in address order, so that the table and its address index are
	// written in key order. The order depends on the addresses alone, so a second core works
	// it out while this one runs the format's naming pass. For a format without one, it works
	// it out while this one builds the graph, if the heap holds free already what both need
	// (a reader that held the whole dump, as Go's does, has freed it), so that the order's
	// arrays do not raise the peak. (Beside Build, whose lookups take both cores, a meliae
	// dump's phase was slower: BENCHMARKS.md.)
	ordered := make(chan addressOrder, 1)
	startOrder := func(addr graph.Addrs) { ordered <- orderByAddress(addr) }
	beside := s.namer == nil && heapFree() >= int64(s.b.Len())*(orderBytes+buildBytes)
	if beside {
		go startOrder(s.b.Addresses())
	}
	// Build reads the addresses, the edges and the sizes alone. When the heap has not the room
	// free for its index and its edges, the values wait in a file meanwhile, so that Build
	// takes their memory rather than adding to the peak (a Python dump's, at its read's end).
	aside := parking{arena: s.arena}
	defer aside.close()
	if buildRoom() < int64(s.b.Len())*buildBytes {
		parkArray(&aside, &s.values)
		aside.park(l.ScratchDir())
	}
	g, err := s.b.Build()
	if err == nil {
		err = aside.unpark()
	}
	if err != nil {
		var dup *graph.DuplicateError
		if errors.As(err, &dup) {
			return 0, res, &heap.FormatError{File: path, Offset: -1,
				Err: fmt.Errorf("two objects have the address %#x (objects %d and %d of the file)", dup.Addr, dup.First+1, dup.Second+1)}
		}
		return 0, res, err
	}
	s.b = nil
	s.names.dropDangling(g.Dropped)
	n := g.Len()
	if n == 0 {
		return 0, res, &heap.FormatError{File: path, Offset: -1, Err: errors.New("no objects in the dump")}
	}
	runtime.GC() // the Builder's edge chunks and address table, before the order's arrays
	if !beside {
		go startOrder(g.Addr)
	}

	s.view = dumpView{s, g}
	if s.namer != nil {
		s.namer.NameGraph(s.view)
	}
	// Names are all interned by now; the maps for interning them go, so that the collector
	// no longer scans them while rows are written. The types' stays, small: a format's
	// KeyText asks it while the pages spell keys (a Ruby Symbol's, `[:name]`).
	s.nameIdx, s.byReaderID, s.byReaderKind = nil, nil, nil
	s.typeHot, s.nameHot = stringCache{}, stringCache{}

	if s.rules.UnreferencedRoots {
		// A format without GC roots (meliae's): what its reader sent are roots, and so is
		// every object nothing refers to (not even weakly), as the original memsee had it.
		referenced := make(elements, (n+63)/64)
		for _, t := range g.Edges {
			referenced.set(int(t))
		}
		var extra []graph.ObjID
		for id := 0; id < n; id++ {
			if !referenced.has(id) {
				extra = append(extra, graph.ObjID(id))
			}
		}
		g.AddRoots(extra...)
	}

	// The class objects whose instances' <class> references were left out must be roots, as
	// the reader makes every class, for leaving them out to change nothing.
	classID := make([]graph.ObjID, len(s.classOf)) // local type index -> class object, or SuperRoot
	for t, addr := range s.classOf {
		classID[t] = graph.SuperRoot
		if id, ok := s.classObjects[addr]; ok && addr != 0 {
			classID[t] = id
			if !g.IsRoot(id) {
				g.AddRoots(id)
			}
		}
	}
	s.classObjects = nil

	s.orderRoots(g)

	// From here on the objects are numbered by oid, in g and in the sink: the analysis and the
	// pages then read every array in sequence, and the order (8 bytes per object) is gone by
	// the peak of the load. The graph keeps the file order for the analysis (EntryOrder), for
	// the choices it makes in ObjID order to stay as they were; it goes after the analysis.
	Collect(n) // what the naming pass replaced
	order := <-ordered
	// The addresses sorted to find the order are the addresses by oid: the graph takes them
	// after Renumber, which then has none to move, and those in file order go now.
	sortedAddrs := order.sorted.Len() > 0
	if sortedAddrs {
		narrow, wide, _ := g.Addr.Words()
		graph.ArenaRelease(s.arena, narrow)
		graph.ArenaRelease(s.arena, wide)
		g.Addr = graph.Addrs{}
	}
	order.invert()
	for t, id := range classID {
		if id != graph.SuperRoot {
			classID[t] = graph.ObjID(order.oid[id])
		}
	}
	// The edge names wait in a file, in oid order, while the graph is renumbered and analysed:
	// only the pages read them. They go before the values move to the oid order, so as not to
	// be held beside both copies of the values, unless what the naming pass made of the values
	// reads them (GraphRules.ValuesReadNames: a JVM dump's strings find their arrays by the
	// field's name).
	var names *spilled
	spill := func() {
		names = spillEdges(l.ScratchDir(), &s.names, g.EdgeStart, order.perm)
		if names == nil {
			s.edgeName = s.names.flat()
		}
		s.names = chunks{}
		Collect(n) // the edge names
	}
	defer func() { names.close() }()
	valuesReadNames := s.newValue != nil && s.rules.ValuesReadNames
	if !valuesReadNames {
		spill()
	}
	// The values, in oid order now, wait in a file until the pages: Renumber and the analysis
	// do not read them. Long ones go there as they are put in that order, rather than to a
	// second copy beside the first (a Ruby dump's, whose strings are its values).
	valueFile := s.orderValues(order.perm, l.ScratchDir())
	defer valueFile.close()
	if valuesReadNames {
		spill()
	}
	values := parking{arena: s.arena}
	defer values.close()
	parkArray(&values, &s.valueEnd.vals)
	parkArray(&values, &s.values)
	values.park(l.ScratchDir())
	Collect(n) // the values in file order
	start, kinds := g.EdgeStart, g.Kinds
	rn, err := g.Renumber(order.perm, order.oid)
	if err != nil {
		return 0, res, err
	}
	if sortedAddrs {
		g.Addr = order.sorted
	}
	order = addressOrder{}
	Collect(n) // the edges in file order
	if err := s.renumber(rn, g); err != nil {
		return 0, res, err
	}
	rn = nil
	// The edges' starts and kinds in file order, where Renumber did not move them in place.
	releaseReplaced(s.arena, start, g.EdgeStart)
	releaseReplaced(s.arena, kinds, g.Kinds)
	start, kinds = nil, nil
	Collect(n) // the sink's edge names and values in file order, and the order
	if err := s.budget.check(); err != nil {
		return 0, res, err
	}
	// The analysis reads the edges and the sizes alone: the types, the addresses and the
	// lengths wait in files while it runs, as the values do. The groups (types, sites, births)
	// come back first, for the per-type totals, which need the dominators whole; the rest comes
	// back once the dominators have gone to a file for the pages, so that both are never held.
	groups, contents := parking{arena: s.arena}, parking{arena: s.arena}
	for _, ids := range []*[]uint32{&s.typeOf, &s.siteOf, &s.bornOf} {
		parkArray(&groups, ids)
	}
	// The addresses stay in the file: the pages read them a page at a time. The roots, the
	// only others to look an address up, find their objects first.
	rootIDs := make([]int64, len(s.roots))
	for i, r := range s.roots {
		// Several roots may share an address; the graph maps each address once.
		rootIDs[i] = -1
		if id, ok := g.Addr.Search(r.addr); ok {
			rootIDs[i] = int64(id)
		}
	}
	narrow, wide, base := g.Addr.Words()
	addrs := &pageAddrs{mem: g.Addr, wide: wide != nil, base: base}
	var addrWords int
	if addrs.wide {
		addrWords = parkStaying(&contents, &wide)
	} else {
		addrWords = parkStaying(&contents, &narrow)
	}
	parkArray(&contents, &s.length.vals)
	defer groups.close()
	defer contents.close()
	groups.park(l.ScratchDir())
	if contents.park(l.ScratchDir()) {
		g.Addr, addrs.mem = graph.Addrs{}, graph.Addrs{}
		addrs.file = contents.parked(addrWords)
	}
	Collect(n)
	// The shortest paths need not wait for the dominators: they are found on the second core
	// beside them when what both need fits in what the heap holds free (the parked arrays
	// gone) and what the process's resident memory is below its peak so far, so that the
	// peak of the load does not rise for them.
	analyze := g.AnalyzeSteps
	if heapFree()+residentRoom() >= int64(n)*(dominatorBytes+graph.BesideBytes)+4*int64(g.NumEdges()) {
		analyze = g.AnalyzeBeside
	}
	a, err := analyze(func(st graph.Step) {
		switch st {
		case graph.StepDominators:
			progress(Progress{Phase: PhaseDominators})
		case graph.StepRetained:
			// The depth-first search, the only reader of the file order, is over: its 4 bytes
			// per object go before the retained sizes and the paths take theirs.
			g.EntryOrder = nil
			Collect(n)
			progress(Progress{Phase: PhaseRetained})
		case graph.StepShortestPaths:
			progress(Progress{Phase: PhaseShortestPaths})
		}
	})
	if err != nil {
		return 0, res, err
	}
	runtime.GC() // the paths' queue, before the edge names come back
	// The pages read the names of their edges from the file, a page at a time; the names of
	// the edges the objects were reached over, anywhere in it, are read beforehand.
	pn := &pageNames{all: s.edgeName, file: names}
	via, err := pn.gather(a.ParentEdge)
	if err != nil {
		return 0, res, err
	}
	// Only the pages read the paths' columns, in oid order: they wait in a file, read back a
	// page at a time, while the per-type totals and the pages take their memory.
	paths := &pageColumns{mem: [][]uint32{graph.AsUint32s(a.Parent), a.ParentEdge, via}}
	if paths.file = spillColumns(l.ScratchDir(), paths.mem...); paths.file != nil {
		defer paths.file.close()
		paths.mem, a.Parent, a.ParentEdge, via = nil, nil, nil, nil
		Collect(n)
	}
	if err := groups.unpark(); err != nil {
		return 0, res, err
	}

	toOID := func(id graph.ObjID) int64 {
		if id == graph.SuperRoot {
			return -1
		}
		return int64(id)
	}

	typeID := make([]int64, len(s.types))
	for i, t := range s.types {
		if typeID[i], err = l.Type(ctx, t); err != nil {
			return 0, res, err
		}
	}
	// The per-type totals come before the writing, not beside it on the second core: the 8
	// bytes per object GroupRetained needs would then add to the peak of the load, as they did
	// for V8 and JVM loads.
	grouped, err := graph.GroupRetained(a.IDom, a.Retained, s.typeOf, len(s.types))
	if err != nil {
		return 0, res, err
	}
	stats := make([]store.TypeStat, len(s.types))
	for i := range stats {
		stats[i] = store.TypeStat{Type: typeID[i], Retained: int64(grouped[i])}
	}
	for id := 0; id < n; id++ {
		st := &stats[s.typeOf[id]]
		st.Count++
		st.Bytes += int64(g.SizeOf(graph.ObjID(id)))
	}

	snap.Objects, snap.Bytes = int64(n), int64(s.bytes)
	if snap.Meta == nil {
		snap.Meta = map[string]string{}
	}
	w, err := l.AddGraph(ctx, snap)
	if err != nil {
		return 0, res, err
	}
	if s.siteOf != nil || s.bornOf != nil {
		if err := storeSites(w, s, g, a); err != nil {
			return 0, res, err
		}
	}
	// The pages read the dominators and the distances a page at a time too, and the holdings
	// read them whole after the pages: they wait in a file meanwhile, so that a page of
	// millions of referrers (a Python dump's interned names) is built in their memory.
	late := &pageColumns{mem: [][]uint32{graph.AsUint32s(a.IDom), a.Dist}}
	if late.file = spillColumns(l.ScratchDir(), late.mem...); late.file != nil {
		defer late.file.close()
		late.mem, a.IDom, a.Dist = nil, nil, nil
		Collect(n)
	}
	if err := cmp.Or(contents.unpark(), values.unpark()); err != nil {
		return 0, res, err
	}
	if valueFile != nil {
		if err := s.readValues(valueFile); err != nil {
			return 0, res, err
		}
	}
	if err := s.budget.check(); err != nil {
		return 0, res, err
	}
	// The referrers of each page's objects are gathered on a second core, a few pages ahead.
	referrersOf, stop := make(chan *pageReferrers, 16), make(chan struct{})
	defer close(stop)
	refs := &referrers{edgeStart: g.EdgeStart, targets: graph.AsUint32s(g.Edges), retained: a.Retained}
	go refs.pages(windowBudget(g.NumEdges()), referrersOf, stop)
	pages := (int64(n) + page.Size - 1) / page.Size
	progress(Progress{Phase: PhaseWrite, Total: pages})
	elem := make(elements, (n+63)/64) // for the holdings, after the pages; a page sets only its own words
	// The <class> references the graph left out are named by a key of their own, one past the
	// last name id, so that a page finds their name by key rather than by hashing it.
	classKey := uint32(0)
	if len(s.nameEnd) < maxName {
		classKey = uint32(len(s.nameEnd))
	}
	newFill := func() pageFill {
		var (
			index     []byte // an element's [i], spelled here for the page to copy
			rank      ranker
			ranked    []uint32
			kids      []uint32 // a large collection's, to rank
			keys      = new(keyTexts)
			ref       store.NewRef
			nameBuf   []uint32 // the page's edges' names, when read from the file
			colBuf    []uint32 // the page's paths' columns, when read from the file
			cols      [3][]uint32
			lateBuf   []uint32 // the page's dominators and distances, when read from the file
			lateCol   [2][]uint32
			addrBuf   []uint64 // the page's addresses
			addrWords []byte   // and their words, when read from the file
		)
		return func(pw *store.PageWriter, p int64, refsOf *pageReferrers) {
			var o store.NewObject
			lo := int(p) * page.Size
			hi := min(lo+page.Size, n)
			first := g.EdgeStart[lo]
			pageName := pn.of(&nameBuf, first, g.EdgeStart[hi]) // from the page's first edge on
			paths.of(&colBuf, cols[:], lo, hi)
			parent, parentEdge, via := cols[0], cols[1], cols[2]
			late.of(&lateBuf, lateCol[:], lo, hi)
			idom, dist := lateCol[0], lateCol[1]
			addr := addrs.of(&addrBuf, &addrWords, lo, hi)
			for i := lo; i < hi; i++ {
				id := graph.ObjID(i)
				o = store.NewObject{
					OID:      int64(i),
					Addr:     int64(addr[i-lo]),
					Type:     typeID[s.typeOf[id]],
					Size:     int64(g.SizeOf(id)),
					Len:      int64(s.length.get(i)),
					Value:    s.value(id),
					Distance: -1,
					Parent:   toOID(graph.ObjID(parent[i-lo])),
					IDom:     toOID(graph.ObjID(idom[i-lo])),
					Retained: int64(a.Retained.At(id)),
				}
				if s.siteOf != nil {
					o.Site = int64(s.siteOf[id])
				}
				if s.bornOf != nil {
					o.Born = int64(s.bornOf[id])
				}
				if d := dist[i-lo]; d != graph.Unreached {
					o.Distance = int64(d)
				}
				if e := parentEdge[i-lo]; e != graph.NoEdge {
					if name := via[i-lo]; name&elemBit != 0 {
						// As edgeText spells it, without a string per object: pw.Object copies it.
						index = appendIndex(index[:0], name&^elemBit)
						o.Via = unsafe.String(&index[0], len(index))
					} else {
						o.Via = s.edgeText(g, e, name, keys)
					}
					if o.Via != "" && o.Via[0] == '[' {
						elem.set(int(id))
					}
				}
				class := graph.SuperRoot
				if s.hasImplicitClass(id) {
					if class = classID[s.typeOf[id]]; class != graph.SuperRoot {
						pw.Ref(&store.NewRef{OID: int64(class), Kind: heap.EdgeClass, Index: -1, Name: s.rules.ClassEdge, NameKey: classKey})
					}
				}
				elo, ehi := g.EdgeRange(id)
				for e := elo; e < ehi; e++ {
					s.ref(&ref, g, e, pageName[e-first], int64(g.Edges[e]), keys)
					pw.Ref(&ref)
				}
				ranked = rank.rank(ranked[:0], refsOf.from[refsOf.end[i-lo]:refsOf.end[i-lo+1]], &a.Retained)
				pw.Referrers(ranked)
				if int(ehi-elo)+int(b2u(class != graph.SuperRoot)) >= store.RankKidsFrom {
					// A large collection: its kids ranked as its referrers are.
					kids = append(kids[:0], graph.AsUint32s(g.Edges[elo:ehi])...)
					if class != graph.SuperRoot {
						kids = append(kids, uint32(class))
					}
					ranked = rank.rank(ranked[:0], kids, &a.Retained)
					pw.RankedKids(ranked)
					kids = keepShort(kids)
				}
				ranked = keepShort(ranked)
				pw.Object(&o)
			}
			refsOf.built <- struct{}{}
		}
	}
	err = writePages(ctx, w, pages, referrersOf, newFill, func(p int64) {
		if p+1 < pages {
			progress(Progress{Phase: PhaseWrite, Done: p + 1, Total: pages})
		}
	})
	if err == nil {
		err = cmp.Or(pn.err, paths.err, late.err, addrs.err)
	}
	if err != nil {
		return 0, res, err
	}
	// Roots: the reader's, then the ones the graph work added.
	seen := make(map[int]bool, len(s.roots))
	for i, r := range s.roots {
		if id := rootIDs[i]; id >= 0 {
			w.Root(id, r.kind, r.name)
			seen[int(id)] = true
		}
	}
	for _, id := range g.Roots {
		if !seen[int(id)] {
			w.Root(int64(id), "unreferenced", "")
		}
	}
	// The holdings need the types, the dominators, the distances and the sizes: the edges,
	// their names, the values and the paths go first, so that the Grouper's arrays take
	// their memory rather than add to the peak.
	graph.ArenaRelease(s.arena, g.Kinds)
	s.edgeName, s.values, s.valueEnd, s.length, pn, paths = nil, nil, sparse[uint32]{}, sparse[int32]{}, nil, nil
	g.Edges, g.Kinds, a.Parent, a.ParentEdge, refs = nil, nil, nil, nil, nil
	runtime.GC()
	if late.file != nil {
		cols, err := late.file.columns(2, n)
		if err != nil {
			return 0, res, err
		}
		a.IDom, a.Dist = graph.AsObjIDs(cols[0]), cols[1]
	}
	if err := storeHoldings(w, s, g, a, typeID, elem); err != nil {
		return 0, res, err
	}
	w.Close(stats)
	progress(Progress{Phase: PhaseWrite, Done: pages, Total: pages})
	res = graphResult{objects: n, dangling: g.Dangling, unreachable: a.Unreachable, bytes: s.bytes}
	if s.rules.OmittedTargets {
		res.dangling = 0
	}
	return w.Snapshot(), res, nil
}

// Collect runs the collector between two steps of the work on a graph of so many objects
// (between the graph work's steps here, after a load in memsee load), so that the next step
// reuses the memory the last one dropped, where the graph is large enough for that to
// matter: below 65,536 objects (a few MB) a collection costs more time than it is worth, and
// a command's tests load hundreds of small dumps.
func Collect(objects int) {
	if objects >= 1<<16 {
		runtime.GC()
	}
}

// addressOrder numbers objects in address order.
type addressOrder struct {
	perm   []graph.ObjID // oid -> ObjID
	oid    []uint32      // ObjID -> oid
	sorted graph.Addrs   // the addresses by oid, when sorting made them (none when a run was merged)
}

// orderByAddress returns the address order of the objects at addr (ObjID -> address), which
// are all different (graph.Builder.Build refuses a repeated one), but for its inverse (invert).
func orderByAddress(addr graph.Addrs) addressOrder {
	// The order of the words is the order of the addresses.
	narrow, wide, base := addr.Words()
	if wide != nil {
		o, sorted := orderOf(wide)
		if sorted != nil {
			o.sorted = graph.AddrsOfWords(nil, sorted, 0)
		}
		return o
	}
	o, sorted := orderOf(narrow)
	if sorted != nil {
		o.sorted = graph.AddrsOfWords(sorted, nil, base)
	}
	return o
}

// orderOf is orderByAddress on the words of the addresses, but for the inverse; it returns the
// words sorted too, when it sorted them all.
func orderOf[T uint32 | uint64](addr []T) (addressOrder, []T) {
	n := len(addr)
	perm := make([]graph.ObjID, n)
	var keys []T
	if lo, hi, ok := graph.InOrderButFew(addr); ok {
		mergeRun(addr, lo, hi, perm) // V8's node ids, a JVM's heap
	} else {
		for i := range perm {
			perm[i] = graph.ObjID(i)
		}
		keys = slices.Clone(addr)
		sortPairs(keys, perm)
	}
	return addressOrder{perm: perm}, keys
}

// invert sets o.oid, the inverse of o.perm. It is left to the load to do once the addresses in
// file order are gone, so that its 4 bytes per object take their memory.
func (o *addressOrder) invert() {
	o.oid = make([]uint32, len(o.perm))
	for i, id := range o.perm {
		o.oid[id] = uint32(i)
	}
}

// buildRoom is what the heap holds free for Build (heapFree). A variable for the tests, which
// make it none, for the values to wait in a file around Build.
var buildRoom = heapFree

// orderBytes is what orderByAddress needs per object (the addresses sorted, the order and its
// inverse); buildBytes about what graph.Builder.Build does (its address table, and room for
// the edges as they are resolved).
const (
	orderBytes = 16
	buildBytes = 16
)

// dominatorBytes is what graph.Graph.AnalyzeSteps needs per object while it computes the
// dominators, beside 4 bytes per edge at most.
const dominatorBytes = 20

// mergeRun sets perm to the address order of the objects at addr, most of which are in the
// increasing run addr[lo:hi]: the others are sorted, and merged with the run.
func mergeRun[T uint32 | uint64](addr []T, lo, hi int, perm []graph.ObjID) {
	keys := append(slices.Clone(addr[:lo]), addr[hi:]...)
	ids := make([]graph.ObjID, 0, len(keys))
	for i := range lo {
		ids = append(ids, graph.ObjID(i))
	}
	for i := hi; i < len(addr); i++ {
		ids = append(ids, graph.ObjID(i))
	}
	sortPairs(keys, ids)
	k, j := 0, 0 // the next of the others, of the run
	for i := range perm {
		if j == hi-lo || k < len(keys) && keys[k] < addr[lo+j] {
			perm[i] = ids[k]
			k++
		} else {
			perm[i] = graph.ObjID(lo + j)
			j++
		}
	}
}

// holdHeap is called when the graph work begins, the parse over, and returns a function that
// undoes what it did. From here on the heap grows in a few large arrays (the graph, the
// analysis, the side arrays), most of which stay live until the end, and the writing makes
// little garbage; at the load's GOGC of 25 the heap could still grow by a quarter of what is
// live before it is collected. So it sets a soft memory limit at
// what is mapped now, which includes the memory the parse has freed: the graph work and the
// writes reuse that memory, and the collector runs before the heap grows past it. The arrays
// the load keeps in a, outside the Go heap (graph.Arena), go back to the system as they are
// released: the limit rises by what they held, for the heap to take their place. The limit is
// at least withRoom of what is live, and follows the live heap up (checked every holdEvery):
// each step of the analysis, and the writing's own memory (the referrers' windows, the pages
// being built, the rows queued, the holdings) grow it, and a limit at what is live makes the
// collector run without pause (hundreds of collections in a V8 or a meliae load's write
// phase, in some runs, with a fixed limit). (Returning the free memory to the system here,
// with debug.FreeOSMemory, made a V8 load slower for the same peak, which comes earlier, at
// the end of the hand-over (BENCHMARKS.md); a held dump's hand-over does return it, at its
// start, where what the reader needed only to read would otherwise stay resident:
// graphSink.Begin.) It never raises a limit the user set with GOMEMLIMIT. While another load
// runs in the process, the live heap is both loads' and no limit drawn from it fits this one:
// holdHeap then does nothing.
func holdHeap(a *graph.Arena) (undo func()) {
	if !aloneInProcess() {
		return func() {}
	}
	prev := debug.SetMemoryLimit(-1) // the load's budget's limit: reads it without changing it
	start := max(mapped(), withRoom(liveHeap()))
	given := a.Released()
	limit := start
	setMemoryLimit(min(prev, limit))
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(holdEvery)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if want := max(withRoom(liveHeap()), start+a.Released()-given); want > limit {
					limit = want
					setMemoryLimit(min(prev, limit))
				}
			}
		}
	}()
	return func() {
		close(stop)
		<-done
		setMemoryLimit(prev)
	}
}

// withRoom is the least memory limit holdHeap sets for a live heap of live bytes: a
// sixty-fourth and 16 MiB more.
func withRoom(live int64) int64 { return live + live/64 + 16<<20 }

// holdEvery is how often holdHeap's limit looks at the live heap.
const holdEvery = 20 * time.Millisecond
