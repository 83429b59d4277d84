package v8

import (
	"slices"

	"github.com/memsee/memsee/internal/heap/graph"
)

// chunkBits sets the size of a column's chunks: 512K values, a huge page (2 MiB) of 32-bit
// ones, so that most of an arena's chunks (column) are faulted in a huge page at a time.
const chunkBits = 19

// column is a growable array kept in fixed-size chunks, so that growing it never copies what
// it holds (no moment with the old and the new array both alive, as append has), and a header
// that promises a billion nodes costs nothing until they come.
//
// With an arena, the chunks after the first are mapped outside the Go heap, and a chunk let go
// (free) goes back to the system at once. In the Go heap it would stay resident until the
// runtime's scavenger returned it, long after the sink had grown into fresh memory beside it:
// the hand-over of a V8 load held both (docs/architecture.md, "A load's peak").
type column[T uint8 | uint32 | uint64] struct {
	chunks [][]T
	n      int
	freed  int          // chunks let go (free)
	arena  *graph.Arena // where chunks after the first are mapped; nil: the Go heap
}

func (c *column[T]) push(v T) {
	k := c.n >> chunkBits
	if k == len(c.chunks) {
		c.newChunk()
	}
	c.chunks[k] = append(c.chunks[k], v)
	c.n++
}

// newChunk adds the chunk the next value goes into.
func (c *column[T]) newChunk() {
	if len(c.chunks) == 0 {
		c.chunks = append(c.chunks, make([]T, 0, 256)) // small files stay small; the first chunk grows by append
		return
	}
	ch := graph.ArenaMake[T](c.arena, 1<<chunkBits)
	if ch == nil {
		ch = make([]T, 0, 1<<chunkBits)
	}
	c.chunks = append(c.chunks, ch)
}

// room returns the chunk the next values go into, with room for one at least: the caller
// appends to it within its capacity, and hands it back to fill. A loop that adds many values
// spares push's checks for each.
func (c *column[T]) room() []T {
	k := c.n >> chunkBits
	if k == len(c.chunks) {
		c.newChunk()
	} else if ch := c.chunks[k]; len(ch) == cap(ch) {
		c.chunks[k] = slices.Grow(ch, 1) // the first chunk, growing
	}
	ch := c.chunks[k]
	return ch[:len(ch):min(cap(ch), 1<<chunkBits)] // the first chunk grows past no chunk's end
}

// fill takes back the chunk room returned, with the values appended to it.
func (c *column[T]) fill(ch []T) {
	k := c.n >> chunkBits
	c.n += len(ch) - len(c.chunks[k])
	c.chunks[k] = ch
}

// freeChunk lets the arena (or the collector, for a chunk of the Go heap) have chunk k, in
// whatever order: a column read out of order frees a chunk once nothing reads it.
func (c *column[T]) freeChunk(k int) {
	if k < len(c.chunks) {
		graph.ArenaRelease(c.arena, c.chunks[k])
		c.chunks[k] = nil
	}
}

func (c *column[T]) at(i int) T { return c.chunks[i>>chunkBits][i&(1<<chunkBits-1)] }

func (c *column[T]) set(i int, v T) { c.chunks[i>>chunkBits][i&(1<<chunkBits-1)] = v }

// free lets the collector have the chunks that hold only values below i: a column read in
// order frees what it has read, so that what the reader hands on can use its memory.
func (c *column[T]) free(i int) {
	for k := min(i>>chunkBits, len(c.chunks)); c.freed < k; c.freed++ {
		c.freeChunk(c.freed)
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
