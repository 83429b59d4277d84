package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/memsee/memsee/internal/heap"
)

// GraphObject is one object as the store keeps it. Oids are dense, 0..n-1, in address order;
// -1 stands for none in Len, Distance, Parent and IDom. Its references and referrers go to
// the writer first (GraphWriter.Ref, Referrer), one at a time: an object may have millions.
type GraphObject struct {
	OID, Addr int64
	Type      int64 // from Load.Type
	Size      int64
	Len       int64
	Value     string
	Distance  int64
	Parent    int64
	Via       string
	IDom      int64
	Retained  int64
}

// Ref is one reference of an object.
type Ref struct {
	OID   int64
	Kind  heap.EdgeKind
	Index int64  // for an element without a Name: its index; -1 when none
	Name  string // how a path spells it: .field, ['key']; "" for an element with an Index
	// NameKey, when not 0, is the caller's id for Name: the same key always has the same
	// Name, and the writer finds a page's names by key instead of hashing them.
	NameKey uint32
}

// TypeStat is one type's totals in a snapshot.
type TypeStat struct {
	Type                   int64
	Count, Bytes, Retained int64
}

// GraphWriter adds the objects of one graph snapshot, which AddGraph has created, a page at a
// time (see page.go).
type GraphWriter struct {
	l     *Load
	snap  int64
	pages *batchInsert
	edges *batchInsert
	roots *batchInsert
	next  int64 // the oid the next object must have
	page  pageBuilder
	blob  []byte // a page being encoded, reused
}

// AddGraph adds an object-graph snapshot (s.Objects and s.Bytes as the caller counted them)
// and returns a writer for its objects.
func (l *Load) AddGraph(ctx context.Context, s NewSnapshot) (*GraphWriter, error) {
	id, err := l.addSnapshot(ctx, s)
	if err != nil {
		return nil, err
	}
	g := &GraphWriter{l: l, snap: id}
	g.pages = newBatchInsert(l.w, "object_page", "snapshot", "page", "objects")
	g.pages.before = l.types.rows
	g.edges = newBatchInsert(l.w, "edge_page", "snapshot", "page", "refs")
	g.roots = newBatchInsert(l.w, "root", "snapshot", "oid", "kind", "name")
	g.page.reset()
	return g, nil
}

// Snapshot returns the id of the snapshot being written.
func (g *GraphWriter) Snapshot() int64 { return g.snap }

// Ref adds a reference of the next object Object writes, in the dump's order.
func (g *GraphWriter) Ref(r Ref) { g.page.ref(r) }

// Referrer adds an object that refers to the next object Object writes: each once, the
// largest retained first.
func (g *GraphWriter) Referrer(oid int64) { g.page.referrer = append(g.page.referrer, uint32(oid)) }

// Object queues one object, with the references and referrers added since the last. Objects
// must come in oid order, from 0.
func (g *GraphWriter) Object(o *GraphObject) {
	if o.OID != g.next {
		panic(fmt.Sprintf("store: object %d written after object %d", o.OID, g.next-1)) // a bug in the caller
	}
	g.next++
	g.page.add(o)
	if g.page.n == pageSize {
		g.flushPage()
	}
}

// flushPage encodes the page built so far and queues its two rows.
func (g *GraphWriter) flushPage() {
	p := &g.page
	if p.n == 0 {
		return
	}
	num := (g.next - 1) >> pageBits
	g.blob = p.appendObjects(g.blob[:0])
	r := g.pages.rows
	r.int(g.snap)
	r.int(num)
	r.blob(g.blob)
	g.pages.flush()
	g.blob = p.appendEdges(g.blob[:0])
	r = g.edges.rows
	r.int(g.snap)
	r.int(num)
	r.blob(g.blob)
	g.edges.flush()
	p.reset()
}

// Root queues a root.
func (g *GraphWriter) Root(oid int64, kind, name string) {
	g.roots.add(g.snap, oid, kind, name)
}

// Close queues the per-type totals and the last rows.
func (g *GraphWriter) Close(stats []TypeStat) {
	g.flushPage()
	g.roots.flush()
	b := newBatchInsert(g.l.w, "type_stat", "snapshot", "type", "count", "bytes", "retained")
	b.before = g.l.types.rows
	for _, s := range stats {
		b.add(g.snap, s.Type, s.Count, s.Bytes, s.Retained)
	}
	b.flush()
}

// pageBuilder collects the columns of one page.
type pageBuilder struct {
	n                                        int
	addr, typ, size, length, dist            []uint64
	parent, idom, retained, nrefs, nreferrer []uint64
	valueEnd, viaEnd                         []uint64
	values, vias                             []byte

	refEnd          []uint64
	dst, name       []uint32 // oids; refName values (page.go)
	kind            []uint8
	nameIdx         map[string]int // names without a key -> index in names
	num             uint32         // pages begun, this one included: stamps keyPage
	keyPage, keyIdx []uint32       // NameKey -> the page that has it (num), its index there
	nameEnd         []uint64
	names           []byte
	referrerEnd     []uint64
	referrer        []uint32 // oids
}

func (p *pageBuilder) reset() {
	p.n = 0
	p.num++
	for _, c := range []*[]uint64{&p.addr, &p.typ, &p.size, &p.length, &p.dist, &p.parent, &p.idom, &p.retained,
		&p.nrefs, &p.nreferrer, &p.valueEnd, &p.viaEnd, &p.refEnd, &p.nameEnd, &p.referrerEnd} {
		*c = (*c)[:0]
	}
	p.dst, p.name, p.kind, p.referrer = p.dst[:0], p.name[:0], p.kind[:0], p.referrer[:0]
	// A page of objects that millions refer to grows these to tens of megabytes: let the next
	// page start small again rather than keep them.
	if cap(p.referrer) > 1<<20 {
		p.referrer = nil
	}
	if cap(p.dst) > 1<<20 {
		p.dst, p.name, p.kind = nil, nil, nil
	}
	p.values, p.vias, p.names = p.values[:0], p.vias[:0], p.names[:0]
	if p.nameIdx == nil {
		p.nameIdx = map[string]int{}
	}
	clear(p.nameIdx)
}

// plusOne stores a value that may be none (-1) as value+1, none as 0.
func plusOne(v int64) uint64 { return uint64(max(v, -1) + 1) }

func (p *pageBuilder) add(o *GraphObject) {
	p.n++
	p.addr = append(p.addr, uint64(o.Addr))
	p.typ = append(p.typ, uint64(o.Type))
	p.size = append(p.size, uint64(o.Size))
	p.length = append(p.length, plusOne(o.Len))
	p.dist = append(p.dist, plusOne(o.Distance))
	p.parent = append(p.parent, plusOne(o.Parent))
	p.idom = append(p.idom, plusOne(o.IDom))
	p.retained = append(p.retained, uint64(o.Retained))
	p.values = append(p.values, o.Value...)
	p.valueEnd = append(p.valueEnd, uint64(len(p.values)))
	p.vias = append(p.vias, o.Via...)
	p.viaEnd = append(p.viaEnd, uint64(len(p.vias)))
	var refsBefore, referrersBefore uint64
	if k := len(p.refEnd); k > 0 {
		refsBefore, referrersBefore = p.refEnd[k-1], p.referrerEnd[k-1]
	}
	p.refEnd = append(p.refEnd, uint64(len(p.dst)))
	p.referrerEnd = append(p.referrerEnd, uint64(len(p.referrer)))
	p.nrefs = append(p.nrefs, uint64(len(p.dst))-refsBefore)
	p.nreferrer = append(p.nreferrer, uint64(len(p.referrer))-referrersBefore)
}

// ref adds a reference of the object add adds next.
func (p *pageBuilder) ref(r Ref) {
	p.dst = append(p.dst, uint32(r.OID))
	p.kind = append(p.kind, uint8(r.Kind))
	var name uint32
	switch {
	case r.Name != "" && r.NameKey != 0:
		k := int(r.NameKey)
		if k >= len(p.keyPage) {
			grow := max(k+1, 2*len(p.keyPage)) - len(p.keyPage)
			p.keyPage = append(p.keyPage, make([]uint32, grow)...)
			p.keyIdx = append(p.keyIdx, make([]uint32, grow)...)
		}
		if p.keyPage[k] != p.num {
			p.keyPage[k], p.keyIdx[k] = p.num, uint32(p.addName(r.Name))
		}
		name = textName(int(p.keyIdx[k]))
	case r.Name != "":
		name = p.refTextName(r.Name)
	case r.Index >= 0 && r.Index < 1<<31:
		name = elemName(uint32(r.Index))
	case r.Index >= 0:
		name = p.refTextName("[" + strconv.FormatInt(r.Index, 10) + "]")
	}
	p.name = append(p.name, name)
}

// refTextName returns the refName of a name without a key.
func (p *pageBuilder) refTextName(n string) uint32 {
	k, ok := p.nameIdx[n]
	if !ok {
		k = p.addName(n)
		p.nameIdx[n] = k
	}
	return textName(k)
}

// addName adds a name to the page's names and returns its index.
func (p *pageBuilder) addName(name string) int {
	p.names = append(p.names, name...)
	p.nameEnd = append(p.nameEnd, uint64(len(p.names)))
	return len(p.nameEnd) - 1
}

func (p *pageBuilder) appendObjects(b []byte) []byte {
	b = append(b, pageVersion)
	b = binary.AppendUvarint(b, uint64(p.n))
	for _, c := range [][]uint64{p.addr, p.typ, p.size, p.length, p.dist, p.parent, p.idom, p.retained, p.nrefs, p.nreferrer} {
		b = appendInts(b, c)
	}
	b = appendTexts(b, p.valueEnd, p.values)
	return appendTexts(b, p.viaEnd, p.vias)
}

func (p *pageBuilder) appendEdges(b []byte) []byte {
	b = append(b, pageVersion)
	b = binary.AppendUvarint(b, uint64(p.n))
	b = appendInts(b, p.refEnd)
	b = appendInts(b, p.dst)
	b = appendInts(b, p.kind)
	b = appendInts(b, p.name)
	b = binary.AppendUvarint(b, uint64(len(p.nameEnd)))
	b = appendTexts(b, p.nameEnd, p.names)
	b = appendInts(b, p.referrerEnd)
	return appendInts(b, p.referrer)
}
