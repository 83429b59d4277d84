package page

import (
	"strconv"

	"github.com/memsee/memsee/internal/heap"
)

// Ref is one reference of an object, as Builder.Ref takes it.
type Ref struct {
	OID   int64 // the oid it points to
	Kind  heap.EdgeKind
	Index int64  // for an element without a Name: its index; -1 when none
	Name  string // how a path spells it: .field, ['key']; "" for an element with an Index
	// NameKey, when not 0, is the caller's id for Name: the same key always has the same
	// Name, and the builder finds a page's names by key instead of hashing them.
	NameKey uint32
}

// Builder collects the columns of one page, an object at a time, for AppendObjects and
// AppendEdges. An object's references and referrers come first (Ref, Referrer), then the
// object (Add). Reset begins the next page and keeps the memory of this one; the zero Builder
// must be Reset before use.
type Builder struct {
	n                                        int
	addr, typ, size, length, dist            []uint64
	parent, idom, retained, nrefs, nreferrer []uint64
	valueEnd, viaEnd                         []uint64
	values, vias                             []byte

	refEnd          []uint64
	dst, name       []uint32 // oids; names as elemName and textName make them
	kind            []uint8
	nameIdx         map[string]int // names without a key -> index in names
	num             uint32         // pages begun, this one included: stamps keyPage
	keyPage, keyIdx []uint32       // NameKey -> the page that has it (num), its index there
	nameEnd         []uint64
	names           []byte
	referrerEnd     []uint64
	referrer        []uint32 // oids
	rankedEnd       []uint64
	ranked          []uint32 // oids
}

// Len returns how many objects the page holds so far; a full page holds Size.
func (p *Builder) Len() int { return p.n }

// Reset empties the page for the next one.
func (p *Builder) Reset() {
	p.n = 0
	p.num++
	for _, c := range []*[]uint64{&p.addr, &p.typ, &p.size, &p.length, &p.dist, &p.parent, &p.idom, &p.retained,
		&p.nrefs, &p.nreferrer, &p.valueEnd, &p.viaEnd, &p.refEnd, &p.nameEnd, &p.referrerEnd, &p.rankedEnd} {
		*c = (*c)[:0]
	}
	p.dst, p.name, p.kind, p.referrer, p.ranked = p.dst[:0], p.name[:0], p.kind[:0], p.referrer[:0], p.ranked[:0]
	// A page of objects that millions refer to grows these to tens of megabytes: let the next
	// page start small again rather than keep them.
	if cap(p.referrer) > 1<<20 {
		p.referrer = nil
	}
	if cap(p.ranked) > 1<<20 {
		p.ranked = nil
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

// Add adds an object, with the references and referrers given since the last. Its oid is the
// page's next; NRefs, NReferrers and Gen are not read.
func (p *Builder) Add(o *Object) {
	p.n++
	p.addr = append(p.addr, uint64(o.Addr))
	p.typ = append(p.typ, uint64(o.Type))
	p.size = append(p.size, uint64(o.Size))
	p.length = append(p.length, PlusOne(o.Len))
	p.dist = append(p.dist, PlusOne(o.Distance))
	p.parent = append(p.parent, PlusOne(o.Parent))
	p.idom = append(p.idom, PlusOne(o.IDom))
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
	p.rankedEnd = append(p.rankedEnd, uint64(len(p.ranked)))
	p.nrefs = append(p.nrefs, uint64(len(p.dst))-refsBefore)
	p.nreferrer = append(p.nreferrer, uint64(len(p.referrer))-referrersBefore)
}

// Referrer adds an object that refers to the object Add adds next: each once, the largest
// retained first.
func (p *Builder) Referrer(oid uint32) { p.referrer = append(p.referrer, oid) }

// Referrers adds objects that refer to the object Add adds next, as Referrer does one by one.
func (p *Builder) Referrers(oids []uint32) { p.referrer = append(p.referrer, oids...) }

// RankedKids adds the objects that the object Add adds next refers to, each once, the largest
// retained first: for an object with many references, whose kids a reader would otherwise read
// every one of to rank them. An object given none has its kids ranked when they are read.
func (p *Builder) RankedKids(oids []uint32) { p.ranked = append(p.ranked, oids...) }

// Ref adds a reference of the object Add adds next, in the dump's order.
func (p *Builder) Ref(r *Ref) {
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

// refTextName returns the name of a reference named n, which has no key.
func (p *Builder) refTextName(n string) uint32 {
	k, ok := p.nameIdx[n]
	if !ok {
		k = p.addName(n)
		if len(p.nameIdx) < maxNameIdx {
			p.nameIdx[n] = k
		}
	}
	return textName(k)
}

// maxNameIdx bounds the names a page finds again by their text. Past it a name is added again
// each time: a page of a dict of a million keys, each its own name, would otherwise hold a
// string and a map entry for each, hundreds of megabytes, to save nothing.
const maxNameIdx = 1 << 12

// addName adds a name to the page's names and returns its index.
func (p *Builder) addName(name string) int {
	p.names = append(p.names, name...)
	p.nameEnd = append(p.nameEnd, uint64(len(p.names)))
	return len(p.nameEnd) - 1
}
