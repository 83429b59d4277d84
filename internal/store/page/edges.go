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
	p.RefEnd = r.ints(n)
	var nref uint64
	if n > 0 && r.err == nil {
		nref = p.RefEnd.At(n - 1)
	}
	if nref > 1<<31 {
		r.err = ErrDamaged
	}
	p.Target, p.Kind, p.Name = r.ints(int(nref)), r.ints(int(nref)), r.ints(int(nref))
	nnames := r.uvarint()
	if nnames > nref {
		r.err = ErrDamaged // each name is some reference's
	}
	p.NNames = int(nnames)
	p.Names = r.texts(p.NNames)
	p.ReferrerEnd = r.ints(n)
	var nreferrer uint64
	if n > 0 && r.err == nil {
		nreferrer = p.ReferrerEnd.At(n - 1)
	}
	if nreferrer > 1<<31 {
		r.err = ErrDamaged
	}
	p.Referrer = r.ints(int(nreferrer))
	var nranked uint64
	if p.hasRanked = r.err == nil && len(r.b) > 0; p.hasRanked { // a page stored before ends here
		p.RankedEnd = r.ints(n)
		if n > 0 && r.err == nil {
			nranked = p.RankedEnd.At(n - 1)
		}
		if nranked > nref {
			r.err = ErrDamaged // each is some reference's target
		}
		p.Ranked = r.ints(int(nranked))
	}
	if r.err == nil && (len(r.b) != 0 || !rising(p.RefEnd, n, nref) || !rising(p.ReferrerEnd, n, nreferrer) ||
		p.hasRanked && !rising(p.RankedEnd, n, nranked)) {
		r.err = ErrDamaged
	}
	return p, r.err
}

// Refs returns the range of object i's references in Target, Kind and Name.
func (p *Edges) Refs(i int) (lo, hi int) {
	if i > 0 {
		lo = int(p.RefEnd.At(i - 1))
	}
	return lo, int(p.RefEnd.At(i))
}

// Referrers returns the range of object i's referrers in Referrer.
func (p *Edges) Referrers(i int) (lo, hi int) {
	if i > 0 {
		lo = int(p.ReferrerEnd.At(i - 1))
	}
	return lo, int(p.ReferrerEnd.At(i))
}

// RankedKids returns the range of object i's ranked kids in Ranked: empty when the page does
// not rank them (an object of few references, or a page stored before kids were ranked).
func (p *Edges) RankedKids(i int) (lo, hi int) {
	if !p.hasRanked {
		return 0, 0
	}
	if i > 0 {
		lo = int(p.RankedEnd.At(i - 1))
	}
	return lo, int(p.RankedEnd.At(i))
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
