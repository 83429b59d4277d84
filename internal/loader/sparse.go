package loader

import (
	"math/bits"

	"github.com/memsee/memsee/internal/heap/graph"
)

// sparse is a column of the graph sink (ObjID -> T) whose values are mostly one default: a bit
// per object says which objects have another value, and only those values are kept, in ObjID
// order; a count per 64 objects finds one in a step. It costs 0.19 bytes per object, and a T
// per object with a value of its own, where a slice costs a T per object. The lengths are such
// a column (only arrays, strings and containers have one; no object of a Go heap dump has),
// and so are the ends of the values (only strings and a few more have a value).
type sparse[T comparable] struct {
	def  T
	n    int      // objects added
	has  []uint64 // bit set, ObjID -> has a value other than def
	rank []uint32 // word of has -> how many of vals the objects before it have
	vals []T      // the values other than def, in ObjID order
}

func newSparse[T comparable](def T) sparse[T] { return sparse[T]{def: def} }

// add adds the value of the next object.
func (c *sparse[T]) add(v T) {
	w := c.n >> 6
	if w == len(c.has) {
		c.has = append(c.has, 0)
		c.rank = append(c.rank, uint32(len(c.vals)))
	}
	if v != c.def {
		c.has[w] |= 1 << (c.n & 63)
		if len(c.vals) == cap(c.vals) && cap(c.vals) >= 1<<16 {
			// Twice as large, not the quarter more append makes room for past its size: a
			// column rebuilt after the read (rewriteValues) copies its values half as often.
			c.vals = graph.Reserve(c.vals, 2*cap(c.vals))
		}
		c.vals = append(c.vals, v)
	}
	c.n++
}

// index returns where the value of object id is in vals, if it has one.
func (c *sparse[T]) index(id int) (int, bool) {
	w, bit := id>>6, uint64(1)<<(id&63)
	if c.has[w]&bit == 0 {
		return 0, false
	}
	return int(c.rank[w]) + bits.OnesCount64(c.has[w]&(bit-1)), true
}

// get returns the value of object id.
func (c *sparse[T]) get(id int) T {
	if i, ok := c.index(id); ok {
		return c.vals[i]
	}
	return c.def
}

// reserve makes room for objects in all, and for values as the objects added so far have
// them (graph.Reserve, as presize does for the slices).
func (c *sparse[T]) reserve(objects int) {
	words := (objects + 63) / 64
	c.has, c.rank = graph.Reserve(c.has, words), graph.Reserve(c.rank, words)
	if c.n > 0 {
		c.vals = graph.Reserve(c.vals, int(float64(len(c.vals))*float64(objects)/float64(c.n)))
	}
}

// growVals makes room for want values in all, where that is an eighth more than there is room
// for (as presize grows its slices).
func (c *sparse[T]) growVals(want int) {
	if want > cap(c.vals)*9/8 {
		c.vals = graph.Reserve(c.vals, want)
	}
}

// room returns the bytes reserve set aside that no object has filled yet.
func (c *sparse[T]) room() int64 {
	return graph.RoomOf(c.has) + graph.RoomOf(c.rank) + graph.RoomOf(c.vals)
}

// clip gives back the room the file did not fill (graph.Clip).
func (c *sparse[T]) clip() {
	c.has, c.rank, c.vals = graph.Clip(c.has), graph.Clip(c.rank), graph.Clip(c.vals)
}
