package loader

import (
	"bufio"

	"github.com/memsee/memsee/internal/heap/graph"
)

// chunks is a growing array of uint32 kept in chunks of a fixed size, so that appending never
// copies what it holds: an array grown by append is copied each time it is full (a quarter
// more room at a time when large), which held the old array and the new one at once and made
// the goroutine that adds the edges copy every name several times over. The edge names wait
// in it from the read of the file until they go to a scratch file in the order of the pages
// (spillEdges) or, for a short dump, into one array (flat).
type chunks struct {
	c [][]uint32
	n int
}

const (
	chunkBits = 16
	chunkLen  = 1 << chunkBits
	chunkMask = chunkLen - 1
)

// add appends v.
func (c *chunks) add(v uint32) {
	if c.n&chunkMask == 0 && c.n>>chunkBits == len(c.c) {
		c.c = append(c.c, make([]uint32, chunkLen))
	}
	c.c[c.n>>chunkBits][c.n&chunkMask] = v
	c.n++
}

// len returns how many values c holds.
func (c *chunks) len() int { return c.n }

// at returns value i.
func (c *chunks) at(i uint32) uint32 { return c.c[i>>chunkBits][i&chunkMask] }

// set sets value i to v.
func (c *chunks) set(i, v uint32) { c.c[i>>chunkBits][i&chunkMask] = v }

// truncate keeps the first n values, and lets the chunks past them go.
func (c *chunks) truncate(n int) {
	keep := (n + chunkMask) >> chunkBits
	clear(c.c[keep:])
	c.c = c.c[:keep]
	c.n = n
}

// each calls f with the values [lo, hi) in order, a chunk's part at a time.
func (c *chunks) each(lo, hi uint32, f func([]uint32)) {
	for lo < hi {
		off := lo & chunkMask
		n := min(hi-lo, chunkLen-off)
		f(c.c[lo>>chunkBits][off : off+n])
		lo += n
	}
}

// write writes the values [lo, hi) to w, as bytesOf lays them out.
func (c *chunks) write(w *bufio.Writer, lo, hi uint32) {
	c.each(lo, hi, func(v []uint32) { w.Write(bytesOf(v)) })
}

// flat returns the values in one array and empties c, letting each chunk go once copied.
func (c *chunks) flat() []uint32 {
	out := make([]uint32, 0, c.n)
	for i := range c.c {
		out = append(out, c.c[i][:min(c.n-len(out), chunkLen)]...)
		c.c[i] = nil
	}
	*c = chunks{}
	return out
}

// dropDangling removes the values at the indices in dropped (ascending), as
// graph.DropDangling does for an array indexed by edge.
func (c *chunks) dropDangling(dropped []uint32) {
	if len(dropped) == 0 {
		return
	}
	k, d := uint32(0), 0
	for i := uint32(0); int(i) < c.n; i++ {
		if d < len(dropped) && dropped[d] == i {
			d++
			continue
		}
		c.set(k, c.at(i))
		k++
	}
	c.truncate(int(k))
}

// byteChunks is bytes appended in chunks, which grow without copying what they hold: the first
// small, for small dumps, each next twice as large up to the last. With an arena, the chunks are
// its arrays, and join gives each back to the system as it copies it: in the Go heap they
// would stay resident beside the joined copy until the collector and the scavenger had them.
type byteChunks struct {
	c     [][]byte
	n     int          // bytes in all
	arena *graph.Arena // where the chunks are; nil for the Go heap
}

const (
	firstValueChunk = 4 << 10
	maxValueChunk   = 4 << 20
)

// add appends v.
func (b *byteChunks) add(v string) {
	b.n += len(v)
	for len(v) > 0 {
		k := len(b.c) - 1
		if k < 0 || len(b.c[k]) == cap(b.c[k]) {
			size := firstValueChunk
			if k >= 0 {
				size = min(2*cap(b.c[k]), maxValueChunk)
			}
			b.c = append(b.c, graph.MakeIn[byte](b.arena, 0, size))
			k++
		}
		c := b.c[k]
		n := copy(c[len(c):cap(c)], v)
		b.c[k] = c[:len(c)+n]
		v = v[n:]
	}
}

// join returns head followed by the bytes of b, in an array of their length, and empties b,
// letting each chunk go once copied. It returns head itself when b is empty.
func (b *byteChunks) join(head []byte) []byte {
	if b.n == 0 && head != nil {
		return head
	}
	out := make([]byte, 0, len(head)+b.n)
	out = append(out, head...)
	for i, c := range b.c {
		out = append(out, c...)
		graph.ArenaRelease(b.arena, c)
		b.c[i] = nil
	}
	*b = byteChunks{arena: b.arena}
	return out
}
