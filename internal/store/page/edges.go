package page

import (
	"encoding/binary"
	"strconv"
)

// Edges is a decoded refs blob (edge_page.refs): the references from and to each object of a
// page. Object i's references are [Refs(i)) of Target, Kind and Name; its referrers are
// [Referrers(i)) of Referrer.
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
	if r.err == nil && (len(r.b) != 0 || !rising(p.RefEnd, n, nref) || !rising(p.ReferrerEnd, n, nreferrer)) {
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
func (p *Builder) AppendEdges(b []byte) []byte {
	b = append(b, VersionPlain)
	b = binary.AppendUvarint(b, uint64(p.n))
	b = AppendInts(b, p.refEnd)
	b = AppendInts(b, p.dst)
	b = AppendInts(b, p.kind)
	b = AppendInts(b, p.name)
	b = binary.AppendUvarint(b, uint64(len(p.nameEnd)))
	b = appendTexts(b, p.nameEnd, p.names)
	b = AppendInts(b, p.referrerEnd)
	return AppendInts(b, p.referrer)
}
