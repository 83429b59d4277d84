package page

import (
	"encoding/binary"
	"iter"
)

// Object is one object of a page, as a reader sees it: -1 stands for none in Len, Distance,
// Parent, IDom and Gen. Builder.Add writes the fields up to Retained; it counts NRefs and
// NReferrers itself from what Builder.Ref and Builder.Referrer were given, and Gen is in a
// blob of its own (AppendGen).
type Object struct {
	Addr       int64 // the dump's address, or the V8 node id
	Type       int64 // an id of the type table
	Size       int64 // shallow size in bytes
	Len        int64 // elements or characters
	Value      string
	Distance   int64 // references from the nearest root
	Parent     int64 // the oid before it on a shortest path from a root
	Via        string
	IDom       int64 // the oid of its immediate dominator; none for the super-root
	Retained   int64 // bytes of its dominator subtree, itself included
	NRefs      int   // its references
	NReferrers int   // distinct objects that refer to it
	Gen        int64 // the id of the snapshot it was first seen in
}

// Objects is a decoded objects blob (object_page.objects), with its gen blob if it has one:
// a column per field, each read in place, value i being object i of the page.
type Objects struct {
	N                               int // objects in the page
	Addr, Type, Size, Len, Distance Ints
	Parent, IDom, Retained          Ints
	NRefs, NReferrers               Ints
	Value, Via                      Texts
	Gen                             Ints // valid when HasGen
	HasGen                          bool // the page's generations have been marked

	buf *[]byte // the array a packed page was unpacked into, which Release gives back
}

// Compact moves the columns p holds into an array of their own, as long as they are, their
// values one after the other (a packed page's planes undone, so that At is a load or two), and
// gives back the memory the page was unpacked into (Release): a page decoded of a few columns
// (DecodeObjectsOf) and kept holds the others' bytes too until then.
func (p *Objects) Compact() { p.CompactInto(nil) }

// CompactInto is Compact, the array taken from take (empty, with room for n bytes) where take
// is not nil: an allocator of the caller's, whose memory must outlive every read of p.
func (p *Objects) CompactInto(take func(n int) []byte) {
	if p.buf == nil {
		return
	}
	ints := []*Ints{&p.Addr, &p.Type, &p.Size, &p.Len, &p.Distance, &p.Parent, &p.IDom, &p.Retained, &p.NRefs,
		&p.NReferrers, &p.Gen, &p.Value.ends, &p.Via.ends}
	texts := []*[]byte{&p.Value.data, &p.Via.data}
	n := 0
	for _, c := range ints {
		n += len(c.data)
	}
	for _, c := range texts {
		n += len(*c)
	}
	var all []byte
	if take != nil {
		all = take(n)[:n]
	} else {
		all = make([]byte, n)
	}
	for _, c := range ints {
		if c.data == nil {
			continue
		}
		to := all[:len(c.data):len(c.data)]
		all = all[len(c.data):]
		if c.stride != 0 {
			unplane(to, c.data, c.width, c.stride)
			c.stride = 0
		} else {
			copy(to, c.data)
		}
		c.data = to
	}
	for _, c := range texts {
		if *c != nil {
			to := all[:len(*c):len(*c)]
			all = all[len(*c):]
			copy(to, *c)
			*c = to
		}
	}
	unpacked.Put(p.buf)
	p.buf = nil
}

// Release gives back the memory the page was unpacked into, for the pages decoded after it,
// and empties p. Nothing read from p may be used after it: its columns, and the bytes a
// Texts.View returned, are that memory. A page not released is collected as any value is.
func (p *Objects) Release() {
	if p.buf != nil {
		unpacked.Put(p.buf)
	}
	*p = Objects{}
}

// DecodeObjects decodes an objects blob and, unless gen is nil, the gen blob that goes with
// it. It checks every column against the bytes it has, so that each value below N reads.
func DecodeObjects(b, gen []byte) (*Objects, error) {
	return decodeObjects(b, gen, AllColumns)
}

// Columns is a set of the columns of an objects blob, for DecodeObjectsOf.
type Columns uint16

// The columns, one bit each.
const (
	ColAddr Columns = 1 << iota
	ColType
	ColSize
	ColLen
	ColDistance
	ColParent
	ColIDom
	ColRetained
	ColNRefs
	ColNReferrers
	ColValue
	ColVia
	ColGen // the gen blob's column, when there is one

	AllColumns = ColGen<<1 - 1
)

// DecodeObjectsOf decodes the columns cols of an objects blob (and of its gen blob, as
// DecodeObjects), for a caller that reads a few columns: the others are skipped, not checked,
// and read as zero (a text as empty, Gen as none: HasGen is false); a blob whose skipped text
// column is damaged may decode. Each value of a column in cols reads as DecodeObjects reads it.
// A caller that keeps the page and reads it by index many times compacts it (Compact,
// CompactInto), which lays its values out one after the other.
func DecodeObjectsOf(b, gen []byte, cols Columns) (*Objects, error) {
	return decodeObjects(b, gen, cols)
}

// decodeObjects is DecodeObjects, of the columns cols.
func decodeObjects(b, gen []byte, cols Columns) (*Objects, error) {
	r := reader{b: b}
	p := &Objects{N: r.header()}
	p.buf = r.buf
	n := p.N
	ints := func(c Columns) Ints { return r.column(n, cols&c != 0) }
	p.Addr, p.Type, p.Size, p.Len, p.Distance = ints(ColAddr), ints(ColType), ints(ColSize), ints(ColLen), ints(ColDistance)
	p.Parent, p.IDom, p.Retained = ints(ColParent), ints(ColIDom), ints(ColRetained)
	p.NRefs, p.NReferrers = ints(ColNRefs), ints(ColNReferrers)
	p.Value, p.Via = r.textColumn(n, cols&ColValue != 0), r.textColumn(n, cols&ColVia != 0)
	if r.err == nil && len(r.b) != 0 {
		r.err = ErrDamaged
	}
	if gen != nil && cols&ColGen != 0 && r.err == nil {
		g := reader{b: gen}
		p.Gen, p.HasGen = g.ints(n), true
		if g.err != nil || len(g.b) != 0 {
			r.err = ErrDamaged
		}
	}
	return p, r.err
}

// Object returns object i of the page, every field read.
func (p *Objects) Object(i int) Object {
	o := Object{
		Addr:       int64(p.Addr.At(i)),
		Type:       int64(p.Type.At(i)),
		Size:       int64(p.Size.At(i)),
		Len:        p.Len.OrNone(i),
		Value:      p.Value.At(i),
		Distance:   p.Distance.OrNone(i),
		Parent:     p.Parent.OrNone(i),
		Via:        p.Via.At(i),
		IDom:       p.IDom.OrNone(i),
		Retained:   int64(p.Retained.At(i)),
		NRefs:      int(p.NRefs.At(i)),
		NReferrers: int(p.NReferrers.At(i)),
		Gen:        -1,
	}
	if p.HasGen {
		o.Gen = p.Gen.OrNone(i)
	}
	return o
}

// All yields each object of the page with its index in the page, in oid order. A scan that
// needs a field or two reads the columns instead: All reads every field, texts included.
func (p *Objects) All() iter.Seq2[int, Object] {
	return func(yield func(int, Object) bool) {
		for i := 0; i < p.N; i++ {
			if !yield(i, p.Object(i)) {
				return
			}
		}
	}
}

// AppendObjects appends the objects blob (object_page.objects) of the page built so far to b.
func (p *Builder) AppendObjects(b []byte) []byte {
	b = append(b, VersionPlain)
	b = binary.AppendUvarint(b, uint64(p.n))
	for _, c := range [][]uint64{p.addr, p.typ, p.size, p.length, p.dist, p.parent, p.idom, p.retained, p.nrefs, p.nreferrer} {
		b = AppendInts(b, c)
	}
	b = appendTexts(b, p.valueEnd, p.values)
	return appendTexts(b, p.viaEnd, p.vias)
}
