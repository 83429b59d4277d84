package v8

import "strconv"

// chunkBits sets the size of a column's chunks: 64K values.
const chunkBits = 16

// column is a growable array kept in fixed-size chunks, so that growing it never copies what
// it holds (no moment with the old and the new array both alive, as append has), and a header
// that promises a billion nodes costs nothing until they come.
type column[T uint8 | uint32 | uint64] struct {
	chunks [][]T
	n      int
	freed  int // chunks let go (free)
}

func (c *column[T]) push(v T) {
	k := c.n >> chunkBits
	if k == len(c.chunks) {
		size := 1 << chunkBits
		if k == 0 {
			size = 256 // small files stay small; the first chunk grows by append
		}
		c.chunks = append(c.chunks, make([]T, 0, size))
	}
	c.chunks[k] = append(c.chunks[k], v)
	c.n++
}

func (c *column[T]) at(i int) T { return c.chunks[i>>chunkBits][i&(1<<chunkBits-1)] }

func (c *column[T]) set(i int, v T) { c.chunks[i>>chunkBits][i&(1<<chunkBits-1)] = v }

// free lets the collector have the chunks that hold only values below i: a column read in
// order frees what it has read, so that what the reader hands on can use its memory.
func (c *column[T]) free(i int) {
	for k := min(i>>chunkBits, len(c.chunks)); c.freed < k; c.freed++ {
		c.chunks[c.freed] = nil
	}
}

// stringTable holds the decoded strings of a snapshot back to back in blocks of up to 1 MiB,
// which costs 8 bytes a string besides the text (a Go string costs 16 and an allocation).
type stringTable struct {
	blocks [][]byte
	refs   column[uint64] // string index -> block<<40 | offset<<20 | length
}

const blockBits = 20

// add appends a string of at most maxString bytes.
func (t *stringTable) add(b []byte) {
	k := len(t.blocks) - 1
	if k < 0 || cap(t.blocks[k])-len(t.blocks[k]) < len(b) {
		k++
		size := 1 << blockBits
		if k < 8 {
			size = 4096 << k // small files stay small
		}
		t.blocks = append(t.blocks, make([]byte, 0, max(size, len(b))))
	}
	off := len(t.blocks[k])
	t.blocks[k] = append(t.blocks[k], b...)
	t.refs.push(uint64(k)<<40 | uint64(off)<<blockBits | uint64(len(b)))
}

// text returns string i. It must not be changed.
func (t *stringTable) text(i uint32) []byte {
	r := t.refs.at(int(i))
	k, off, n := r>>40, r>>blockBits&(1<<blockBits-1), r&(1<<blockBits-1)
	return t.blocks[k][off : off+n]
}

// indexNames hands out the decimal names of element and hidden edges without allocating: the
// numbers 0, 1, 2... are written one after another in one string, and the name of index i is
// a substring of it.
type indexNames struct {
	s string
	n uint32 // names 0..n-1 are in s; n is a power of ten
}

// maxIndexNames bounds the shared string (about 5.9 MB); larger indexes are allocated.
const maxIndexNames = 1000000

func (x *indexNames) name(i uint32) string {
	if i >= x.n {
		if i >= maxIndexNames {
			return strconv.FormatUint(uint64(i), 10)
		}
		x.grow(i)
	}
	// Numbers of d digits start at 10^(d-1) (0 for d = 1), at offset start.
	start, width, first := uint32(0), uint32(1), uint32(0)
	for lim := uint32(10); i >= lim; lim *= 10 {
		start += (lim - first) * width
		first = lim
		width++
	}
	start += (i - first) * width
	return x.s[start : start+width]
}

func (x *indexNames) grow(i uint32) {
	n := uint32(1000)
	for n <= i {
		n *= 10
	}
	b := make([]byte, 0, n*7)
	for j := uint32(0); j < n; j++ {
		b = strconv.AppendUint(b, uint64(j), 10)
	}
	x.s, x.n = string(b), n
}
