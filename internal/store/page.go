package store

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"slices"
	"strconv"
)

// The objects of a graph snapshot are kept a page at a time: the objects with oids
// p*pageSize .. p*pageSize+pageSize-1 are one row of object_page (what show, path and leaks
// read: address, type, sizes, path parent, dominator, value) and one row of edge_page (the
// references both ways, with their kinds and names). A row per object cost SQLite about a
// microsecond per object to write, most of a 5M-object load; a page of 1,024 costs about the
// same as one such row, and its columns pack into a few bytes per object.
//
// A page is a sequence of columns, each the values of one field for every object (or every
// reference) of the page, in oid order:
//
//   - an integer column is a width byte (0, 1, 2, 4 or 8), the smallest value as a uvarint,
//     then each value minus the smallest in width bytes, little-endian. Width 0 means every
//     value is the smallest. Reading value i is one load: no column is decoded to be read.
//   - a text column is an integer column of end offsets, the byte count as a uvarint, then the
//     bytes of every value one after the other.
//
// None (NULL) is stored as 0 and every other value as itself plus one where a field may be
// none (len, distance, parent, idom, gen).
const (
	pageBits    = 10
	pageSize    = 1 << pageBits
	pageVersion = 1
)

// errBadPage is returned for a page that does not decode: the database was damaged or written
// by something else.
var errBadPage = errors.New("damaged object page")

// ints is an integer column of a page.
type ints struct {
	width int
	base  uint64
	data  []byte
}

func (c ints) at(i int) uint64 {
	switch c.width {
	case 0:
		return c.base
	case 1:
		return c.base + uint64(c.data[i])
	case 2:
		return c.base + uint64(binary.LittleEndian.Uint16(c.data[2*i:]))
	case 4:
		return c.base + uint64(binary.LittleEndian.Uint32(c.data[4*i:]))
	}
	return c.base + binary.LittleEndian.Uint64(c.data[8*i:])
}

// orNone reads a column stored as value+1, 0 for none, as -1 for none.
func (c ints) orNone(i int) int64 { return int64(c.at(i)) - 1 }

// texts is a text column of a page.
type texts struct {
	ends ints
	data []byte
}

func (c texts) at(i int) string {
	start := uint64(0)
	if i > 0 {
		start = c.ends.at(i - 1)
	}
	return string(c.data[start:c.ends.at(i)])
}

// appendInts appends vs as an integer column.
func appendInts[T uint8 | uint32 | uint64](dst []byte, vs []T) []byte {
	if len(vs) == 0 {
		dst = append(dst, 0)
		return binary.AppendUvarint(dst, 0)
	}
	lo, hi := uint64(vs[0]), uint64(vs[0])
	for _, v := range vs {
		lo, hi = min(lo, uint64(v)), max(hi, uint64(v))
	}
	width := 0
	switch span := hi - lo; {
	case span == 0:
	case span <= 0xff:
		width = 1
	case span <= 0xffff:
		width = 2
	case span <= 0xffffffff:
		width = 4
	default:
		width = 8
	}
	dst = append(dst, byte(width))
	dst = binary.AppendUvarint(dst, lo)
	dst = slices.Grow(dst, width*len(vs))
	switch width {
	case 1:
		for _, v := range vs {
			dst = append(dst, byte(uint64(v)-lo))
		}
	case 2:
		for _, v := range vs {
			dst = binary.LittleEndian.AppendUint16(dst, uint16(uint64(v)-lo))
		}
	case 4:
		for _, v := range vs {
			dst = binary.LittleEndian.AppendUint32(dst, uint32(uint64(v)-lo))
		}
	case 8:
		for _, v := range vs {
			dst = binary.LittleEndian.AppendUint64(dst, uint64(v)-lo)
		}
	}
	return dst
}

// appendTexts appends a text column: ends are the end offsets of the values in data.
func appendTexts(dst []byte, ends []uint64, data []byte) []byte {
	dst = appendInts(dst, ends)
	dst = binary.AppendUvarint(dst, uint64(len(data)))
	return append(dst, data...)
}

// pageReader reads the columns of a page in order, checking each against what is left.
type pageReader struct {
	b   []byte
	err error
}

func (r *pageReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errBadPage
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *pageReader) ints(n int) ints {
	if r.err != nil || len(r.b) == 0 {
		r.err = errBadPage
		return ints{}
	}
	c := ints{width: int(r.b[0])}
	r.b = r.b[1:]
	c.base = r.uvarint()
	if c.width != 0 && c.width != 1 && c.width != 2 && c.width != 4 && c.width != 8 {
		r.err = errBadPage
	}
	hi, size := bits.Mul64(uint64(n), uint64(c.width))
	if r.err != nil || hi != 0 || size > uint64(len(r.b)) {
		r.err = errBadPage
		return ints{}
	}
	c.data, r.b = r.b[:size], r.b[size:]
	return c
}

// texts reads a text column of n values, checking that the ends rise within the bytes.
func (r *pageReader) texts(n int) texts {
	ends := r.ints(n)
	size := r.uvarint()
	if r.err != nil || size > uint64(len(r.b)) {
		r.err = errBadPage
		return texts{}
	}
	c := texts{ends: ends, data: r.b[:size]}
	r.b = r.b[size:]
	if !rising(ends, n, size) {
		r.err = errBadPage
	}
	return c
}

// rising reports whether the first n values of c rise (or stay) and end at most at limit.
func rising(c ints, n int, limit uint64) bool {
	prev := uint64(0)
	for i := 0; i < n; i++ {
		v := c.at(i)
		if v < prev || v > limit {
			return false
		}
		prev = v
	}
	return true
}

func (r *pageReader) header() int {
	if len(r.b) == 0 || r.b[0] != pageVersion {
		r.err = errBadPage
		return 0
	}
	r.b = r.b[1:]
	n := r.uvarint()
	if n > pageSize {
		r.err = errBadPage
	}
	return int(n)
}

// objectPage is a decoded object_page row.
type objectPage struct {
	n                          int
	addr, typ, size, len, dist ints
	parent, idom, retained     ints
	nrefs, nreferrers, gen     ints
	value, via                 texts
	hasGen                     bool
}

func decodeObjectPage(b, gen []byte) (*objectPage, error) {
	r := pageReader{b: b}
	p := &objectPage{n: r.header()}
	n := p.n
	p.addr, p.typ, p.size, p.len, p.dist = r.ints(n), r.ints(n), r.ints(n), r.ints(n), r.ints(n)
	p.parent, p.idom, p.retained = r.ints(n), r.ints(n), r.ints(n)
	p.nrefs, p.nreferrers = r.ints(n), r.ints(n)
	p.value, p.via = r.texts(n), r.texts(n)
	if r.err == nil && len(r.b) != 0 {
		r.err = errBadPage
	}
	if gen != nil && r.err == nil {
		g := pageReader{b: gen}
		p.gen, p.hasGen = g.ints(n), true
		if g.err != nil || len(g.b) != 0 {
			r.err = errBadPage
		}
	}
	return p, r.err
}

// edgePage is a decoded edge_page row: the references from and to each object of a page.
type edgePage struct {
	n           int
	refEnd      ints  // object -> end of its references in dst, kind and name
	dst         ints  // reference -> target oid
	kind        ints  // reference -> heap.EdgeKind
	name        ints  // reference -> refName
	nnames      int   // values in names
	names       texts // the page's reference names, each once
	referrerEnd ints  // object -> end of its referrers in referrer
	referrer    ints  // referrer oids, each object's once each, the largest retained first
}

// A reference's name is 0 when it has none, 2*i+1 for element index i (spelled [i] when
// read), and 2*k+2 for the page's name k.
func elemName(i uint32) uint32 { return 2*i + 1 }
func textName(k int) uint32    { return 2*uint32(k) + 2 }

func decodeEdgePage(b []byte) (*edgePage, error) {
	r := pageReader{b: b}
	p := &edgePage{n: r.header()}
	n := p.n
	p.refEnd = r.ints(n)
	var nref uint64
	if n > 0 && r.err == nil {
		nref = p.refEnd.at(n - 1)
	}
	if nref > 1<<31 {
		r.err = errBadPage
	}
	p.dst, p.kind, p.name = r.ints(int(nref)), r.ints(int(nref)), r.ints(int(nref))
	nnames := r.uvarint()
	if nnames > nref {
		r.err = errBadPage // each name is some reference's
	}
	p.nnames = int(nnames)
	p.names = r.texts(p.nnames)
	p.referrerEnd = r.ints(n)
	var nreferrer uint64
	if n > 0 && r.err == nil {
		nreferrer = p.referrerEnd.at(n - 1)
	}
	if nreferrer > 1<<31 {
		r.err = errBadPage
	}
	p.referrer = r.ints(int(nreferrer))
	if r.err == nil && (len(r.b) != 0 || !rising(p.refEnd, n, nref) || !rising(p.referrerEnd, n, nreferrer)) {
		r.err = errBadPage
	}
	return p, r.err
}

func (p *edgePage) refRange(i int) (lo, hi int) {
	if i > 0 {
		lo = int(p.refEnd.at(i - 1))
	}
	return lo, int(p.refEnd.at(i))
}

func (p *edgePage) referrerRange(i int) (lo, hi int) {
	if i > 0 {
		lo = int(p.referrerEnd.at(i - 1))
	}
	return lo, int(p.referrerEnd.at(i))
}

// refText spells reference j as a path shows it: .field, [17], ['key'].
func (p *edgePage) refText(j int) string {
	v := p.name.at(j)
	switch {
	case v == 0:
		return ""
	case v&1 == 1:
		return "[" + strconv.FormatUint(v>>1, 10) + "]"
	case int(v/2-1) < p.nnames:
		return p.names.at(int(v/2 - 1))
	}
	return ""
}
