package page

import (
	"encoding/binary"
	"slices"
)

// PackObjects appends to dst the objects blob of the page built so far as Packer.Objects packs
// what AppendObjects writes, byte for byte, without writing the plain blob and reading it
// back: the columns go to their planes from the builder's own. k holds the body between
// pages; a page that packing would not make smaller, or that is too large to pack, is
// appended plain.
func (p *Builder) PackObjects(k *Packer, dst []byte) []byte {
	b := binary.AppendUvarint(k.body[:0], uint64(p.n))
	for _, c := range [][]uint64{p.addr, p.typ, p.size, p.length, p.dist, p.parent, p.idom, p.retained, p.nrefs, p.nreferrer} {
		b = appendIntPlanes(b, c)
	}
	b = appendTextsPlanes(b, p.valueEnd, p.values)
	k.body = appendTextsPlanes(b, p.viaEnd, p.vias)
	return k.compressOr(dst, p.AppendObjects)
}

// PackEdges appends to dst the refs blob of the page built so far as Packer.Edges packs what
// AppendEdges writes, byte for byte, as PackObjects does for the objects blob.
func (p *Builder) PackEdges(k *Packer, dst []byte) []byte {
	b := binary.AppendUvarint(k.body[:0], uint64(p.n))
	b = appendIntPlanes(b, p.refEnd)
	b = appendIntPlanes(b, p.dst)
	b = appendIntPlanes(b, p.kind)
	b = appendIntPlanes(b, p.name)
	b = binary.AppendUvarint(b, uint64(len(p.nameEnd)))
	b = appendTextsPlanes(b, p.nameEnd, p.names)
	b = appendIntPlanes(b, p.referrerEnd)
	b = appendIntPlanes(b, p.referrer)
	b = appendIntPlanes(b, p.rankedEnd)
	k.body = appendIntPlanes(b, p.ranked)
	return k.compressOr(dst, p.AppendEdges)
}

// appendIntPlanes appends vs as an integer column stored in planes (appendPlanes), in the
// width and base AppendInts picks for them.
func appendIntPlanes[T uint8 | uint32 | uint64](dst []byte, vs []T) []byte {
	lo, width := intsHeader(vs)
	dst = append(dst, byte(width))
	dst = binary.AppendUvarint(dst, lo)
	n := len(vs)
	dst = slices.Grow(dst, width*n)
	planes := dst[len(dst) : len(dst)+width*n]
	// Every plane in one pass over the values.
	switch width {
	case 1:
		for i, v := range vs {
			planes[i] = byte(uint64(v) - lo)
		}
	case 2:
		p0, p1 := planes[:n], planes[n:2*n]
		for i, v := range vs {
			d := uint64(v) - lo
			p0[i], p1[i] = byte(d), byte(d>>8)
		}
	case 4:
		p0, p1, p2, p3 := planes[:n], planes[n:2*n], planes[2*n:3*n], planes[3*n:4*n]
		for i, v := range vs {
			d := uint64(v) - lo
			p0[i], p1[i], p2[i], p3[i] = byte(d), byte(d>>8), byte(d>>16), byte(d>>24)
		}
	case 8:
		for i, v := range vs {
			d := uint64(v) - lo
			for k := range 8 {
				planes[k*n+i] = byte(d >> (8 * k))
			}
		}
	}
	return dst[:len(dst)+width*n]
}

// widthOf returns the bytes AppendInts stores each value of a column in, for the span of its
// values (the largest less the smallest).
func widthOf(span uint64) int {
	switch {
	case span == 0:
		return 0
	case span <= 0xff:
		return 1
	case span <= 0xffff:
		return 2
	case span <= 0xffffffff:
		return 4
	}
	return 8
}

// appendTextsPlanes appends a text column as appendTextPlanes does: its ends in planes.
func appendTextsPlanes(dst []byte, ends []uint64, data []byte) []byte {
	dst = appendIntPlanes(dst, ends)
	dst = binary.AppendUvarint(dst, uint64(len(data)))
	return append(dst, data...)
}

// compressOr appends the packed blob of k.body to dst, as compress does, or what plain
// appends when that is no longer than the plain blob (its version byte and a body of the
// same length as k.body: planes take the bytes a plain column takes) or the body is too long
// to be unpacked again.
func (k *Packer) compressOr(dst []byte, plain func([]byte) []byte) []byte {
	plainLen, start := 1+len(k.body), len(dst)
	dst, ok := k.packed(dst)
	if !ok || len(dst)-start >= plainLen {
		return plain(dst[:start])
	}
	return dst
}
