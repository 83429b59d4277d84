package godump

// column is a slice that grows in fixed chunks: appending never copies what it holds, and it
// never holds more than one chunk it does not use. A 10M-object dump's pointers take 360 MB;
// a slice grown by append would copy them several times over and could keep twice that.
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
