package godump

import (
	"math"
	"slices"
)

// column is a slice that grows in fixed chunks: appending never copies what it holds, and it
// never holds more than one chunk it does not use. A slice grown by append would copy a large
// dump's pointers several times over and could keep twice their memory.
type column[T any] struct {
	chunks [][]T
	n      int
	freed  int // chunks below this one are dropped
}

const (
	chunkShift = 16
	chunkLen   = 1 << chunkShift
	chunkMask  = chunkLen - 1
)

func (c *column[T]) add(v T) {
	if c.n&chunkMask == 0 {
		c.chunks = append(c.chunks, make([]T, chunkLen))
	}
	c.chunks[c.n>>chunkShift][c.n&chunkMask] = v
	c.n++
}

func (c *column[T]) len() int { return c.n }

func (c *column[T]) at(i int) T { return c.chunks[i>>chunkShift][i&chunkMask] }

func (c *column[T]) set(i int, v T) { c.chunks[i>>chunkShift][i&chunkMask] = v }

// free drops the chunks wholly below index i; at and set must not be called below it again.
func (c *column[T]) free(i int) {
	for k := c.freed; k < len(c.chunks) && (k+1)<<chunkShift <= i; k++ {
		c.chunks[k] = nil
		c.freed = k + 1
	}
}

// addrOrder holds the objects' addresses in address order: as 4-byte offsets from the first
// while all lie within 4 GiB of it (any Go heap under 4 GiB), as 8-byte addresses otherwise.
type addrOrder struct {
	base   uint64
	narrow []uint32 // nil when wide
	wide   []uint64
}

// newAddrOrder makes room for n addresses from first to last, both included.
func newAddrOrder(n int, first, last uint64) addrOrder {
	if last-first <= math.MaxUint32 {
		return addrOrder{base: first, narrow: make([]uint32, n)}
	}
	return addrOrder{wide: make([]uint64, n)}
}

func (a *addrOrder) len() int { return max(len(a.narrow), len(a.wide)) }

func (a *addrOrder) at(k int) uint64 {
	if a.narrow != nil {
		return a.base + uint64(a.narrow[k])
	}
	return a.wide[k]
}

// set stores address v, which lies within the range newAddrOrder was given, at place k.
func (a *addrOrder) set(k int, v uint64) {
	if a.narrow != nil {
		a.narrow[k] = uint32(v - a.base)
		return
	}
	a.wide[k] = v
}

// search returns how many of the addresses at places lo to hi (excluded) are below x, as
// slices.BinarySearch does on a slice of them.
func (a *addrOrder) search(lo, hi int, x uint64) int {
	if a.narrow == nil {
		k, _ := slices.BinarySearch(a.wide[lo:hi], x)
		return k
	}
	switch {
	case x <= a.base:
		return 0
	case x-a.base > math.MaxUint32:
		return hi - lo
	}
	k, _ := slices.BinarySearch(a.narrow[lo:hi], uint32(x-a.base))
	return k
}
