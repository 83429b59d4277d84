package page

import (
	"encoding/binary"
	"math/bits"
	"slices"
)

// Ints is an integer column of a decoded page: a width, a base, and each value minus the base
// in width bytes, little-endian: one value after the other, or, in a packed page, in planes
// (the first byte of every value, then the second byte of every value, and so on). Its bytes
// are the page's own, not copied.
type Ints struct {
	width  int
	base   uint64
	data   []byte
	stride int // in planes: the column's length, the distance between a value's bytes; else 0
}

// At returns value i of the column. i must be below the column's length.
func (c Ints) At(i int) uint64 {
	if c.stride != 0 {
		v := uint64(0)
		for k := range c.width {
			v |= uint64(c.data[k*c.stride+i]) << (8 * k)
		}
		return c.base + v
	}
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

// AppendAll appends the first n values of the column to dst, as n At calls would, in one loop
// (a plane at a time, in planes).
func (c Ints) AppendAll(dst []uint64, n int) []uint64 {
	dst = slices.Grow(dst, n)
	out := dst[len(dst) : len(dst)+n]
	for i := range out {
		out[i] = c.base
	}
	switch {
	case c.width == 0:
	case c.stride != 0:
		for k := range c.width {
			plane := c.data[k*c.stride : k*c.stride+n]
			for i, b := range plane {
				out[i] += uint64(b) << (8 * k)
			}
		}
	case c.width == 1:
		for i, b := range c.data[:n] {
			out[i] += uint64(b)
		}
	case c.width == 2:
		d := c.data[:2*n]
		for i := range out {
			out[i] += uint64(binary.LittleEndian.Uint16(d[2*i:]))
		}
	case c.width == 4:
		d := c.data[:4*n]
		for i := range out {
			out[i] += uint64(binary.LittleEndian.Uint32(d[4*i:]))
		}
	default:
		d := c.data[:8*n]
		for i := range out {
			out[i] += binary.LittleEndian.Uint64(d[8*i:])
		}
	}
	return dst[:len(dst)+n]
}

// OrNone reads value i of a column stored as value+1, 0 for none, as -1 for none.
func (c Ints) OrNone(i int) int64 { return int64(c.At(i)) - 1 }

// Texts is a text column of a decoded page: the end offsets of its values, and their bytes.
type Texts struct {
	ends Ints
	data []byte
}

// At returns value i of the column. i must be below the column's length.
func (c Texts) At(i int) string { return string(c.View(i)) }

// View returns value i of the column as the page's own bytes, without a copy: the caller
// reads them and keeps none. i must be below the column's length.
func (c Texts) View(i int) []byte {
	start, end := uint64(0), c.ends.At(i)
	if i > 0 {
		start = c.ends.At(i - 1)
	}
	return c.data[start:end:end]
}

// Rows is a text column decoded to read many of its values: its ends whole, rather than
// the two of a value read from their planes at each View.
type Rows struct {
	ends []uint64
	data []byte
}

// Rows returns the first n values of c as Rows, in the memory of r's.
func (c Texts) Rows(r Rows, n int) Rows {
	return Rows{ends: c.ends.AppendAll(r.ends[:0], n), data: c.data}
}

// View is Texts.View.
func (r Rows) View(i int) []byte {
	start, end := uint64(0), r.ends[i]
	if i > 0 {
		start = r.ends[i-1]
	}
	return r.data[start:end:end]
}

// First returns the first byte of value i of the column, 0 for an empty value, without
// copying the value.
func (c Texts) First(i int) byte {
	if v := c.View(i); len(v) > 0 {
		return v[0]
	}
	return 0
}

// PlusOne stores a value that may be none (-1) as value+1, none as 0.
func PlusOne(v int64) uint64 { return uint64(max(v, -1) + 1) }

// intsHeader returns the base and the width of the integer column of vs: their least, and the
// fewest bytes that hold each less it (0 when there are none).
func intsHeader[T uint8 | uint32 | uint64](vs []T) (lo uint64, width int) {
	if len(vs) == 0 {
		return 0, 0
	}
	lo, hi := uint64(vs[0]), uint64(vs[0])
	for _, v := range vs {
		lo, hi = min(lo, uint64(v)), max(hi, uint64(v))
	}
	return lo, widthOf(hi - lo)
}

// AppendInts appends vs to dst as an integer column, in the smallest width that holds them.
func AppendInts[T uint8 | uint32 | uint64](dst []byte, vs []T) []byte {
	lo, width := intsHeader(vs)
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

// AppendGen appends the gen blob of a page: an integer column of each object's generation
// (the id of the snapshot it was first seen in) plus one, 0 for none.
func AppendGen(dst []byte, gen []uint64) []byte { return AppendInts(dst, gen) }

// appendPlanes appends c as an integer column whose values are stored in planes: the first
// byte of each of its n values, then the second, up to its width.
func appendPlanes(dst []byte, c Ints, n int) []byte {
	dst = append(dst, byte(c.width))
	dst = binary.AppendUvarint(dst, c.base)
	if c.width <= 1 || c.stride != 0 {
		return append(dst, c.data[:n*c.width]...) // one plane, or planes already
	}
	dst = slices.Grow(dst, n*c.width)
	for k := range c.width {
		for i := k; i < n*c.width; i += c.width {
			dst = append(dst, c.data[i])
		}
	}
	return dst
}

// appendTexts appends a text column: ends are the end offsets of the values in data.
func appendTexts(dst []byte, ends []uint64, data []byte) []byte {
	dst = AppendInts(dst, ends)
	dst = binary.AppendUvarint(dst, uint64(len(data)))
	return append(dst, data...)
}

// reader reads the columns of a page in order, checking each against what is left.
type reader struct {
	b      []byte
	err    error
	planes bool    // a packed page's: integer columns are stored in planes
	buf    *[]byte // the array a packed page was unpacked into (unpack)
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = ErrDamaged
		return 0
	}
	r.b = r.b[n:]
	return v
}

// ints reads an integer column of n values.
func (r *reader) ints(n int) Ints {
	if r.err != nil || len(r.b) == 0 {
		r.err = ErrDamaged
		return Ints{}
	}
	c := Ints{width: int(r.b[0])}
	r.b = r.b[1:]
	c.base = r.uvarint()
	if c.width != 0 && c.width != 1 && c.width != 2 && c.width != 4 && c.width != 8 {
		r.err = ErrDamaged
	}
	hi, size := bits.Mul64(uint64(n), uint64(c.width))
	if r.err != nil || hi != 0 || size > uint64(len(r.b)) {
		r.err = ErrDamaged
		return Ints{}
	}
	c.data, r.b = r.b[:size], r.b[size:]
	if r.planes && c.width > 1 {
		c.stride = n
	}
	return c
}

// texts reads a text column of n values, checking that the ends rise within the bytes.
func (r *reader) texts(n int) Texts {
	ends := r.ints(n)
	size := r.uvarint()
	if r.err != nil || size > uint64(len(r.b)) {
		r.err = ErrDamaged
		return Texts{}
	}
	c := Texts{ends: ends, data: r.b[:size]}
	r.b = r.b[size:]
	if !rising(ends, n, size) {
		r.err = ErrDamaged
	}
	return c
}

// column reads an integer column of n values; when keep is not set, it reads past it and
// returns the zero column, which reads 0 at every index.
func (r *reader) column(n int, keep bool) Ints {
	c := r.ints(n)
	if !keep {
		return Ints{}
	}
	return c
}

// textColumn reads a text column of n values as column reads an integer column: one not kept
// is read past, its end offsets unchecked, and reads empty at every index.
func (r *reader) textColumn(n int, keep bool) Texts {
	if keep {
		return r.texts(n)
	}
	r.ints(n)
	size := r.uvarint()
	if r.err != nil || size > uint64(len(r.b)) {
		r.err = ErrDamaged
		return Texts{}
	}
	r.b = r.b[size:]
	return Texts{}
}

// unplane lays out to, n values of width bytes, one value after the other, from src, the same
// values in planes (Ints).
func unplane(to, src []byte, width, n int) {
	switch width {
	case 2:
		p0, p1, to := src[:n], src[n:2*n], to[:2*n]
		for i := range n {
			binary.LittleEndian.PutUint16(to[2*i:], uint16(p0[i])|uint16(p1[i])<<8)
		}
	case 4:
		p0, p1, p2, p3, to := src[:n], src[n:2*n], src[2*n:3*n], src[3*n:4*n], to[:4*n]
		for i := range n {
			binary.LittleEndian.PutUint32(to[4*i:], uint32(p0[i])|uint32(p1[i])<<8|uint32(p2[i])<<16|uint32(p3[i])<<24)
		}
	case 8:
		to := to[:8*n]
		for i := range n {
			v := uint64(0)
			for k := range 8 {
				v |= uint64(src[k*n+i]) << (8 * k)
			}
			binary.LittleEndian.PutUint64(to[8*i:], v)
		}
	}
}

// rising reports whether the first n values of c rise (or stay) and end at most at limit.
func rising(c Ints, n int, limit uint64) bool {
	prev := uint64(0)
	for i := 0; i < n; i++ {
		v := c.At(i)
		if v < prev || v > limit {
			return false
		}
		prev = v
	}
	return true
}

// header reads the version byte and the object count that begin an objects or refs blob. A
// packed blob is unpacked first, and its columns are read from the plain bytes.
func (r *reader) header() int {
	if len(r.b) == 0 {
		r.err = ErrDamaged
		return 0
	}
	switch r.b[0] {
	case VersionPlain:
		r.b = r.b[1:]
	case VersionPacked:
		if r.b, r.buf, r.err = unpack(r.b[1:]); r.err != nil {
			return 0
		}
		r.planes = true
	default:
		r.err = ErrDamaged
		return 0
	}
	n := r.uvarint()
	if n > Size {
		r.err = ErrDamaged
	}
	return int(n)
}
