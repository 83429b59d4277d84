package page

import (
	"encoding/binary"
	"strconv"
)

// Edges is a decoded refs blob (edge_page.refs): the references from and to each object of a
// page. Object i's references are [Refs(i)) of Target, Kind and Name; its referrers are
// [Referrers(i)) of Referrer; the objects it refers to, ranked, [RankedKids(i)) of Ranked.
type Edges struct {
	N           int   // objects in the page
	RefEnd      Ints  // object -> end of its references in Target, Kind and Name
	Target      Ints  // reference -> the oid it points to
	Kind        Ints  // reference -> its heap.EdgeKind
	Name        Ints  // reference -> its name: 0 none, 2i+1 element i, 2k+2 Names[k]
	NNames      int   // values in Names
	Names       Texts // the page's reference names, each once
	ReferrerEnd Ints  // object -> end of its referrers in Referrer
	Referrer    Ints  // referrer oids, each object's once each, the largest retained first
	// RankedEnd and Ranked are the objects each object refers to, each once, the largest
	// retained first, for an object with many references (a large collection): kids then
	// reads the first N without reading every one to rank them. Other objects have none, and
	// so has every object of a page stored before they were (hasRanked is false).
	RankedEnd Ints // object -> end of its ranked kids in Ranked
	Ranked    Ints // kid oids
	hasRanked bool // the blob has the two columns
}

// A reference's name is 0 when it has none, 2*i+1 for element index i (spelled [i] when
// read), and 2*k+2 for the page's name k.
func elemName(i uint32) uint32 { return 2*i + 1 }
func textName(k int) uint32    { return 2*uint32(k) + 2 }

// DecodeEdges decodes a refs blob. It checks every column against the bytes it has and that
// the ends rise, so that every reference and referrer of every object reads.
func DecodeEdges(b []byte) (*Edges, error) {
	r := reader{b: b}
	p := &Edges{N: r.header()}
	n := p.N
	var nref, nreferrer, nranked uint64
	p.RefEnd, nref = r.ends(n, 1<<31)
	p.Target, p.Kind, p.Name = r.ints(int(nref)), r.ints(int(nref)), r.ints(int(nref))
	nnames := r.uvarint()
	if nnames > nref {
		r.err = ErrDamaged // each name is some reference's
	}
	p.NNames = int(nnames)
	p.Names = r.texts(p.NNames)
	p.ReferrerEnd, nreferrer = r.ends(n, 1<<31)
	p.Referrer = r.ints(int(nreferrer))
	if p.hasRanked = r.err == nil && len(r.b) > 0; p.hasRanked { // a page stored before ends here
		p.RankedEnd, nranked = r.ends(n, nref) // each is some reference's target
		p.Ranked = r.ints(int(nranked))
	}
	if r.err == nil && (len(r.b) != 0 || !rising(p.RefEnd, n, nref) || !rising(p.ReferrerEnd, n, nreferrer) ||
		p.hasRanked && !rising(p.RankedEnd, n, nranked)) {
		r.err = ErrDamaged
	}
	return p, r.err
}

// ends reads a column of n objects' end offsets into the column after it, and returns it and
// the last, the length of that column: damaged past limit.
func (r *reader) ends(n int, limit uint64) (Ints, uint64) {
	c := r.ints(n)
	var total uint64
	if n > 0 && r.err == nil {
		total = c.At(n - 1)
	}
	if total > limit {
		r.err = ErrDamaged
	}
	return c, total
}

// span returns object i's range of the column whose ends are ends.
func span(ends Ints, i int) (lo, hi int) {
	if i > 0 {
		lo = int(ends.At(i - 1))
	}
	return lo, int(ends.At(i))
}

// Refs returns the range of object i's references in Target, Kind and Name.
func (p *Edges) Refs(i int) (lo, hi int) { return span(p.RefEnd, i) }

// Referrers returns the range of object i's referrers in Referrer.
func (p *Edges) Referrers(i int) (lo, hi int) { return span(p.ReferrerEnd, i) }

// RankedKids returns the range of object i's ranked kids in Ranked: empty when the page does
// not rank them (an object of few references, or a page stored before kids were ranked).
func (p *Edges) RankedKids(i int) (lo, hi int) {
	if !p.hasRanked {
		return 0, 0
	}
	return span(p.RankedEnd, i)
}

// RefName spells reference j as a path shows it: .field, [17], ['key']; "" when unnamed.
func (p *Edges) RefName(j int) string {
	v := p.Name.At(j)
	switch {
	case v == 0:
		return ""
	case v&1 == 1:
		return "[" + strconv.FormatUint(v>>1, 10) + "]"
	case int(v/2-1) < p.NNames:
		return p.Names.At(int(v/2 - 1))
	}
	return ""
}

// AppendEdges appends the refs blob (edge_page.refs) of the page built so far to b.
func (p *Builder) AppendEdges(b []byte) []byte { return p.appendEdges(b, true) }

// appendEdges is AppendEdges, and without the ranked kids when ranked is not set: the blob a
// memsee before schema 8 wrote, for the tests that read one.
func (p *Builder) appendEdges(b []byte, ranked bool) []byte {
	b = append(b, VersionPlain)
	b = binary.AppendUvarint(b, uint64(p.n))
	b = AppendInts(b, p.refEnd)
	b = AppendInts(b, p.dst)
	b = AppendInts(b, p.kind)
	b = AppendInts(b, p.name)
	b = binary.AppendUvarint(b, uint64(len(p.nameEnd)))
	b = appendTexts(b, p.nameEnd, p.names)
	b = AppendInts(b, p.referrerEnd)
	b = AppendInts(b, p.referrer)
	if !ranked {
		return b
	}
	b = AppendInts(b, p.rankedEnd)
	return AppendInts(b, p.ranked)
}
