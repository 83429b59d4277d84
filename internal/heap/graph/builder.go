package graph

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/memsee/memsee/internal/heap"
)

// ErrTooLarge is returned when a dump has more objects or edges than 32-bit ordinals can number
// (about four billion).
var ErrTooLarge = errors.New("too many objects or references for memsee's 32-bit ids")

// DuplicateError is returned by Build when two objects have the same address. A reader whose
// format can legally repeat an address must drop or rename one before adding it.
type DuplicateError struct {
	Addr          uint64
	First, Second ObjID // the two objects, First < Second
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("two objects have address %#x (objects %d and %d, counting from 0 in file order)", e.Addr, e.First, e.Second)
}

// Edge targets are kept as addresses until Build, in chunks so that adding edges never copies
// the ones already added (grown by append, the targets and a larger copy of them would be held
// at once), and so that Build can free them one by one as it resolves them. While every address
// fits in 32 bits (V8's node ids do), the chunks hold 32-bit values: half the memory, at the
// peak of a V8 load, which comes at the end of the parse.
const (
	firstChunk = 1 << 10
	maxChunk   = 1 << 20
)

// Builder collects the objects, edges and roots of one dump, in file order, and turns them into
// a Graph. Until Build it holds 12 or 16 bytes per object (Addrs: 4 or 8 for the address) and 5
// or 9 per edge (the target address and the kind), plus 8 per root.
//
// Objects are numbered in the order AddObject is called. Edges are added with AddEdge after
// their source object, sources in non-decreasing ObjID order: either right after each
// AddObject (meliae, HPROF, Go heap dumps, where an object record carries its references), or
// all objects first and then all edges grouped by source (V8, whose edges array follows its
// nodes array). Targets and roots are addresses, resolved by Build, so a reference may point to
// an object that comes later in the file, or to none at all.
//
// A Builder is not safe for concurrent use. The zero value is not usable; call NewBuilder.
type Builder struct {
	addr      Addrs    // ObjID -> address
	size      []uint32 // ObjID -> shallow size, or BigSize (then in big)
	big       map[ObjID]uint64
	edgeStart []uint32        // ObjID -> AddEdge-order index of its first edge; valid up to cur
	kinds     []heap.EdgeKind // AddEdge-order index -> kind
	narrow    [][]uint32      // AddEdge-order targets, chunk after chunk, while all fit 32 bits
	chunks    [][]uint64      // the same once one does not: narrow is then nil
	wide      bool            // chunks holds the targets
	chunkIn   *Arena          // where the chunks are (UseArena, ChunksIn); nil for the Go heap
	byIndex   bool            // targets are ObjIDs, not addresses (TargetsByIndex)
	nedges    int
	cur       ObjID    // the object edges are being added to
	roots     []uint64 // root addresses, in AddRoot order
	err       error    // the first misuse, returned by Build
	built     bool
}

// NewBuilder returns a Builder. objects and edges are the expected numbers of objects and edges
// (0 when unknown); a good guess saves the copies of growing slices, which briefly double them.
func NewBuilder(objects, edges int) *Builder {
	b := &Builder{}
	if objects > 0 && objects <= maxObjects {
		b.addr.reserve(objects)
		b.size = make([]uint32, 0, objects)
		b.edgeStart = make([]uint32, 0, objects+1)
	}
	if edges > 0 && edges <= maxEdges {
		b.kinds = make([]heap.EdgeKind, 0, edges)
	}
	return b
}

// Reserve makes room for objects in all, counting those added so far, where that is more than
// there is room for: a reader that learns the size of its dump as it goes (from the part of the
// file read so far) spares the copies of slices grown by append, and their slack. Build gives
// back what is left unused.
func (b *Builder) Reserve(objects int) {
	if b.built {
		return
	}
	objects = min(objects, maxObjects)
	b.addr.reserve(objects)
	b.size = Reserve(b.size, objects)
	b.edgeStart = Reserve(b.edgeStart, objects+1)
}

// UseArena puts the Builder's per-object arrays and the kinds of its edges in a, where they
// grow in place (Arena), and reports whether it did: all of them or none. It must be called
// before the first AddObject.
func (b *Builder) UseArena(a *Arena) bool {
	if a == nil || b.built || b.addr.Len() > 0 || b.nedges > 0 {
		return false
	}
	narrow := ArenaMake[uint32](a, maxObjects)
	size := ArenaMake[uint32](a, maxObjects)
	start := ArenaMake[uint32](a, maxObjects+1)
	kinds := ArenaMake[heap.EdgeKind](a, maxEdges)
	if narrow == nil || size == nil || start == nil || kinds == nil {
		ArenaRelease(a, narrow)
		ArenaRelease(a, size)
		ArenaRelease(a, start)
		ArenaRelease(a, kinds)
		return false
	}
	b.addr = Addrs{narrow: narrow, arena: a}
	b.size, b.edgeStart, b.kinds = size, start, kinds
	b.chunkIn = a
	return true
}

// ChunksIn puts the chunks of the edges' targets in a, where the Builder's per-object arrays
// stay in the Go heap (a reader that says its size has them made whole): Build then gives each
// chunk back to the system as soon as it has copied it into the graph's edges, which in the Go
// heap would have stayed resident beside them, at the peak of a V8 load. It must be called
// before the first AddEdge; a nil a leaves the chunks in the Go heap.
func (b *Builder) ChunksIn(a *Arena) {
	if b.nedges == 0 && !b.built {
		b.chunkIn = a
	}
}

// Room returns the bytes Reserve set aside that no object has filled yet.
func (b *Builder) Room() int64 {
	return b.addr.Room() + RoomOf(b.size) + RoomOf(b.edgeStart)
}

// RoomOf returns the bytes of s's capacity past its length: none for an array of an Arena,
// whose room is address space, not memory.
func RoomOf[T any](s []T) int64 {
	if InArena(s) {
		return 0
	}
	var zero T
	return int64(cap(s)-len(s)) * int64(unsafe.Sizeof(zero))
}

// Clip returns s copied into an array of its length when more than a sixteenth of its
// capacity is unused, unless s is an array of an Arena (its room is not memory).
func Clip[T any](s []T) []T {
	if cap(s)-len(s) <= cap(s)/16 || InArena(s) {
		return s
	}
	return append(make([]T, 0, len(s)), s...)
}

// Reserve returns s with room for n elements in all. A large array new from the system is
// zeroed already and stays out of the resident set until it is written; the runtime clears
// only memory it reuses.
func Reserve[T any](s []T, n int) []T {
	if n <= cap(s) {
		return s
	}
	t := make([]T, len(s), n)
	copy(t, s)
	return t
}

// Len returns the number of objects added so far.
func (b *Builder) Len() int { return b.addr.Len() }

// Addresses returns the addresses of the objects added so far (ObjID -> address), which the
// caller must not change: Build's Graph.Addr holds the same.
func (b *Builder) Addresses() Addrs { return b.addr }

// AddObject adds the next object and returns its ObjID. It fails only when the dump has too
// many objects; a repeated address is reported by Build, which is where addresses are indexed.
func (b *Builder) AddObject(addr, size uint64) (ObjID, error) {
	if b.built {
		return 0, errBuilt
	}
	if b.addr.Len() >= maxObjects {
		return 0, fmt.Errorf("object %d: %w", b.addr.Len(), ErrTooLarge)
	}
	id := ObjID(b.addr.Len())
	b.addr.push(addr)
	if size >= BigSize {
		if b.big == nil {
			b.big = map[ObjID]uint64{}
		}
		b.big[id] = size
		size = BigSize
	}
	b.size = append(b.size, uint32(size))
	b.edgeStart = append(b.edgeStart, 0) // set when id gets its first edge, or by Build
	return id, nil
}

// TargetsByIndex says that the to of every AddEdge is the target's ObjID, the place of its
// AddObject (0 for the first), rather than its address: a reader whose references name objects
// by their place (a V8 snapshot's). Build then needs no index of the addresses for the edges,
// only for the roots, which are still addresses. A to that no object has is a dangling edge,
// as an unknown address is. It must be called before the first AddEdge.
func (b *Builder) TargetsByIndex() {
	if b.nedges > 0 && !b.byIndex && b.err == nil {
		b.err = errors.New("graph: TargetsByIndex after AddEdge")
	}
	b.byIndex = true
}

// AddEdge adds a reference of kind from object from to the object at address to. from must
// have been added, and must not be smaller than the source of the previous AddEdge; a misuse,
// or too many edges, is remembered and returned by Build. The index of an edge in AddEdge order
// (0 for the first call, 1 for the next...) is what Graph.Dropped lists.
func (b *Builder) AddEdge(from ObjID, to uint64, kind heap.EdgeKind) {
	if b.err != nil || b.built {
		return
	}
	if int(from) >= b.addr.Len() || from < b.cur {
		b.err = fmt.Errorf("graph: edge %d added from object %d (of %d) after edges of object %d: edges must follow their source, sources in order", b.nedges, from, b.addr.Len(), b.cur)
		return
	}
	if b.nedges >= maxEdges {
		b.err = fmt.Errorf("edge %d: %w", b.nedges, ErrTooLarge)
		return
	}
	for b.cur < from {
		b.cur++
		b.edgeStart[b.cur] = uint32(b.nedges)
	}
	if b.byIndex {
		to = min(to, math.MaxUint32) // no ObjID: dangling
	} else if !b.wide && to > math.MaxUint32 {
		b.widen()
	}
	if b.wide {
		b.chunks = appendChunked(b.chunks, to, b.chunkIn)
	} else {
		b.narrow = appendChunked(b.narrow, uint32(to), b.chunkIn)
	}
	b.kinds = append(b.kinds, kind)
	b.nedges++
}

// appendChunked appends v to the last chunk of chunks, starting a chunk twice the size of the
// last one (up to maxChunk) when it is full: in a when it is not nil, so that Build gives each
// back to the system as soon as it is resolved (in the Go heap, the memory of the chunks
// resolved stays resident beside the edges they become).
func appendChunked[T uint32 | uint64](chunks [][]T, v T, a *Arena) [][]T {
	last := len(chunks) - 1
	if last < 0 || len(chunks[last]) == cap(chunks[last]) {
		c := firstChunk
		if last >= 0 {
			c = min(2*cap(chunks[last]), maxChunk)
		}
		chunks = append(chunks, MakeIn[T](a, 0, c))
		last++
	}
	chunks[last] = append(chunks[last], v)
	return chunks
}

// widen moves the targets to 64-bit chunks, for the first address that needs more than 32
// bits, freeing each narrow chunk as it is copied.
func (b *Builder) widen() {
	b.chunks = make([][]uint64, len(b.narrow))
	for i, c := range b.narrow {
		w := MakeIn[uint64](b.chunkIn, len(c), cap(c))
		for j, v := range c {
			w[j] = uint64(v)
		}
		ArenaRelease(b.chunkIn, c)
		b.chunks[i], b.narrow[i] = w, nil
	}
	b.narrow, b.wide = nil, true
}

// AddRoot adds the object at address addr to the GC roots. Adding a root twice is harmless;
// a root whose address no object has is dropped by Build and counted in Graph.LostRoots.
func (b *Builder) AddRoot(addr uint64) {
	b.roots = append(b.roots, addr)
}

var errBuilt = errors.New("graph: Builder used after Build")

// Build resolves the addresses and returns the Graph. Edges to addresses no object has are
// dropped and counted (Graph.Dangling, Graph.Dropped), as are roots (Graph.LostRoots). It
// returns a *DuplicateError if two objects share an address, and the first misuse of AddEdge if
// there was one. The Builder's memory passes to the Graph or is released; the Builder cannot be
// used again.
func (b *Builder) Build() (*Graph, error) {
	if b.built {
		return nil, errBuilt
	}
	b.built = true
	if b.err != nil {
		return nil, b.err
	}
	n := b.addr.Len()
	// Room Reserve made that the dump did not fill goes back: the collector would count it
	// for as long as the graph lives.
	b.addr.clip()
	g := &Graph{Addr: b.addr, Size: Clip(b.size), Big: b.big}
	start := b.edgeStart
	if cap(start)-n > cap(start)/16 && !InArena(start) {
		start = append(make([]uint32, 0, n+1), start...)
	}
	for i := int(b.cur) + 1; i < n; i++ {
		start[i] = uint32(b.nedges)
	}
	start = append(start, uint32(b.nedges))
	kinds, narrow, chunks, rootAddrs, byIndex, chunkIn := Clip(b.kinds), b.narrow, b.chunks, b.roots, b.byIndex, b.chunkIn
	*b = Builder{built: true}

	edges := make([]ObjID, len(kinds))
	var err error
	if words, wide, base := g.Addr.Words(); wide != nil {
		err = resolve(g, wide, base, rootAddrs, byIndex, narrow, chunks, edges, chunkIn)
	} else {
		err = resolve(g, words, base, rootAddrs, byIndex, narrow, chunks, edges, chunkIn)
	}
	if err != nil {
		return nil, err
	}
	// Compact edges, kinds and start in place over the dangling edges (the write index k never
	// passes the read index e).
	var e, k uint32 // read index (AddEdge order), write index (edge index)
	for obj := range n {
		end := start[obj+1]
		start[obj] = k
		for ; e < end; e++ {
			to := edges[e]
			if to == SuperRoot {
				g.Dropped = append(g.Dropped, e)
				continue
			}
			edges[k] = to
			kinds[k] = kinds[e]
			k++
		}
	}
	start[n] = k
	g.Dangling = len(g.Dropped)
	if g.Dangling > len(kinds)/8 {
		// Many edges dropped: give the slack back rather than carry it for the whole load.
		edges = append([]ObjID(nil), edges[:k]...)
		inArena := kinds
		kinds = append([]heap.EdgeKind(nil), kinds[:k]...)
		ArenaRelease(g.Addr.arena, inArena)
	}
	g.EdgeStart, g.Edges, g.Kinds = start, edges[:k:k], kinds[:k:k]
	return g, nil
}

// useRuns lets Build index addresses in order by their run (runIndex) when targets are
// addresses; the tests turn it off to compare with the table.
var useRuns = true

// addrIndex finds objects by address: through the run of addresses in order and a table of the
// rest (run, when not nil), or through a table of every address.
type addrIndex struct {
	table addrTable
	run   *runIndex
}

// resolve indexes the addresses of g, words counted from base (Addrs.Words), which also finds
// two objects with one address; then makes g's roots of rootAddrs, the first of each, and
// resolves the targets of the edges (narrow, then chunks) into edges, in AddEdge order, freeing
// each chunk when done (releaseChunk, to a when it is there), and those an error left as it
// returns. The lookups only read the index, and each chunk has its own part of edges: every
// core takes chunks in turn.
func resolve[T addrWord](g *Graph, words []T, base uint64, rootAddrs []uint64, byIndex bool, narrow [][]uint32, chunks [][]uint64, edges []ObjID, a *Arena) error {
	defer func() {
		for c := range narrow {
			releaseChunk(a, narrow, c)
		}
		for c := range chunks {
			releaseChunk(a, chunks, c)
		}
	}()
	n := len(words)
	ix, err := newAddrIndex(words, byIndex)
	if err != nil {
		var dup *DuplicateError
		if errors.As(err, &dup) {
			dup.Addr += base
		}
		return err
	}
	g.isRoot = make([]uint64, (n+63)/64)
	for _, a := range rootAddrs {
		k, ok := keyOf[T](base, a)
		var id ObjID
		if ok {
			id, ok = lookup(ix, words, k)
		}
		if !ok {
			g.LostRoots++
			continue
		}
		if g.isRoot[id>>6]&(1<<(id&63)) == 0 {
			g.isRoot[id>>6] |= 1 << (id & 63)
			g.Roots = append(g.Roots, id)
		}
	}
	if byIndex {
		indexChunks(narrow, edges, n, a)
	} else {
		resolveChunks(ix, words, base, narrow, edges, a)
		resolveChunks(ix, words, base, chunks, edges, a)
	}
	return nil
}

// newAddrIndex indexes addr (ObjID -> address), which finds two objects with one address (a
// *DuplicateError). Addresses in order but for a few are indexed by their run: for the roots
// alone (byIndex) by bisection; for every target when the run's buckets can be cut.
func newAddrIndex[T addrWord](addr []T, byIndex bool) (addrIndex, error) {
	if byIndex || useRuns {
		run, ok, err := newRunIndex(addr)
		if err != nil {
			return addrIndex{}, err
		}
		if ok && (byIndex || buckets(&run, addr)) {
			return addrIndex{run: &run}, nil
		}
	}
	t, err := newAddrTable(addr)
	return addrIndex{table: t}, err
}

// lookup returns the object whose word in addr is a.
func lookup[T addrWord](ix addrIndex, addr []T, a T) (ObjID, bool) {
	if ix.run != nil {
		return lookupRun(*ix.run, addr, a)
	}
	return lookupTable(ix.table, addr, a)
}

// resolveChunks looks the addresses of chunks up in ix, into edges, chunk after chunk from the
// start of edges, freeing each chunk when done (giving it back to a if it is a's). The lookups
// only read, and each chunk has its own part of edges: every core takes chunks in turn.
func resolveChunks[T addrWord, K uint32 | uint64](ix addrIndex, addr []T, base uint64, chunks [][]K, edges []ObjID, a *Arena) {
	at := make([]int, len(chunks)) // chunk -> its first index in edges
	for c := 1; c < len(chunks); c++ {
		at[c] = at[c-1] + len(chunks[c-1])
	}
	var (
		next atomic.Int64
		wg   sync.WaitGroup
	)
	for range min(runtime.GOMAXPROCS(0), len(chunks)) {
		wg.Go(func() {
			for c := int(next.Add(1) - 1); c < len(chunks); c = int(next.Add(1) - 1) {
				if ix.run != nil {
					lookupAllRun(ix.run, addr, base, chunks[c], edges[at[c]:at[c]+len(chunks[c])])
				} else {
					lookupAll(ix.table, addr, base, chunks[c], edges[at[c]:at[c]+len(chunks[c])])
				}
				releaseChunk(a, chunks, c)
			}
		})
	}
	wg.Wait()
}

// releaseChunk gives back chunk c of chunks, to a when it is a's, else to the collector.
func releaseChunk[K uint32 | uint64](a *Arena, chunks [][]K, c int) {
	ArenaRelease(a, chunks[c])
	chunks[c] = nil
}

// indexChunks copies the targets of chunks, ObjIDs (TargetsByIndex), into edges, SuperRoot for
// those no object has (n or more), freeing each chunk when done (as resolveChunks does).
func indexChunks(chunks [][]uint32, edges []ObjID, n int, a *Arena) {
	at := 0
	for c, chunk := range chunks {
		for i, v := range chunk {
			if int(v) < n {
				edges[at+i] = ObjID(v)
			} else {
				edges[at+i] = SuperRoot
			}
		}
		at += len(chunk)
		releaseChunk(a, chunks, c)
	}
}

// DropDangling removes from s, per-edge data of the caller in AddEdge order (one entry per
// AddEdge call), the entries of the edges Build dropped, so that s[e] belongs to g.Edges[e]. It
// works in place and returns the shortened slice. Indices past the end of s are ignored.
func DropDangling[E any](g *Graph, s []E) []E {
	if len(g.Dropped) == 0 {
		return s
	}
	k := 0
	d := 0
	for i := range s {
		if d < len(g.Dropped) && int(g.Dropped[d]) == i {
			d++
			continue
		}
		s[k] = s[i]
		k++
	}
	clear(s[k:]) // let the collector have what the dropped tail pointed to
	return s[:k]
}

// addrTable maps addresses to ObjIDs: open addressing with linear probing, each slot holding
// ObjID+1 (0 = empty) and the key read back from Graph.Addr's words. At a load factor of 2/3
// it costs 6 bytes per object, a sixth of a Go map[uint64]uint32, and it lives only during
// Build.
type addrTable struct {
	// slots are n+n/2 for n objects: a load factor of 2/3, not the half to a third of a size
	// rounded up to a power of two (whose top bits of the hash would pick the slot), which at
	// 104M objects was a gigabyte, at the peak of the load (BENCHMARKS.md).
	slots []uint32
}

// slot returns the first slot for the hash h: its top bits, scaled to the table's size.
func (t addrTable) slot(h uint64) uint64 {
	i, _ := bits.Mul64(h, uint64(len(t.slots)))
	return i
}

// next returns the slot after i, the first after the last.
func (t addrTable) next(i uint64) uint64 {
	if i++; i == uint64(len(t.slots)) {
		return 0
	}
	return i
}

func newAddrTable[T addrWord](addr []T) (addrTable, error) {
	n := len(addr)
	t := addrTable{slots: make([]uint32, max(n+n/2, 16))}
	workers := 1
	if n >= parallelTableMin {
		workers = runtime.GOMAXPROCS(0)
	}
	if err := insertAll(t, addr, workers); err != nil {
		if workers == 1 {
			return addrTable{}, err
		}
		// Which pair meets first depends on the cores' timing: the one reported is the pair
		// whose second object comes first, as one core inserting in ObjID order finds it.
		clear(t.slots)
		return addrTable{}, insertAll(t, addr, 1)
	}
	return t, nil
}

// parallelTableMin is the fewest objects whose table is filled on every core.
const parallelTableMin = 1 << 16

// insertAll puts every object of addr in t, each of workers a share of them side by side
// (slots claimed by compare-and-swap, as in a lock-free hash set), and returns a repeated
// address one of them finds. An insertion is a cache miss for its slot, and another for the
// address of the object already in it, if any: the objects go in batches whose slots, and
// then their occupants' addresses, are loaded before any is inserted, so that the processor
// waits for the misses of a batch at once rather than one after the other (as lookupAll
// does). With one worker the objects go in in ObjID order.
func insertAll[T addrWord](t addrTable, addr []T, workers int) error {
	var (
		wg    sync.WaitGroup
		found atomic.Pointer[DuplicateError]
	)
	share := (len(addr) + workers - 1) / workers
	for lo := 0; lo < len(addr); lo += share {
		wg.Go(func() {
			if err := insertRange(t, addr, lo, min(lo+share, len(addr)), &found); err != nil {
				found.CompareAndSwap(nil, err)
			}
		})
	}
	wg.Wait()
	if err := found.Load(); err != nil {
		return err
	}
	return nil
}

// insertRange inserts the objects [lo, hi) of addr into t (insertAll), stopping at a repeated
// address or once another worker has found one (stop).
func insertRange[T addrWord](t addrTable, addr []T, lo, hi int, stop *atomic.Pointer[DuplicateError]) *DuplicateError {
	const batch = 16
	var idx [batch]uint64
	touched := T(0)
	for ; lo < hi; lo += batch {
		if stop.Load() != nil {
			return nil
		}
		b := addr[lo:min(lo+batch, hi)]
		for j, a := range b {
			idx[j] = t.slot(hashAddr(uint64(a)))
		}
		for j := range b {
			if s := atomic.LoadUint32(&t.slots[idx[j]]); s != 0 {
				touched += addr[s-1]
			}
		}
		for j, a := range b {
			id := uint32(lo+j) + 1
			for i := idx[j]; ; i = t.next(i) {
				s := atomic.LoadUint32(&t.slots[i])
				if s == 0 {
					if atomic.CompareAndSwapUint32(&t.slots[i], 0, id) {
						break
					}
					s = atomic.LoadUint32(&t.slots[i]) // another worker took it first
				}
				if addr[s-1] == a {
					first, second := ObjID(min(s, id)-1), ObjID(max(s, id)-1)
					return &DuplicateError{Addr: uint64(a), First: first, Second: second}
				}
			}
		}
	}
	cacheTouched.Add(uint64(touched))
	return nil
}

// cacheTouched keeps the values insertRange loads only to bring them into the cache, so that the
// loads are not left out.
var cacheTouched atomic.Uint64

func lookupTable[T addrWord](t addrTable, addr []T, a T) (ObjID, bool) {
	return probe(t, addr, a, t.slot(hashAddr(uint64(a))))
}

// probe looks a up from slot i on.
func probe[T addrWord](t addrTable, addr []T, a T, i uint64) (ObjID, bool) {
	for {
		s := t.slots[i]
		if s == 0 {
			return 0, false
		}
		if addr[s-1] == a {
			return ObjID(s - 1), true
		}
		i = t.next(i)
	}
}

// lookupAll sets out[i] to the ObjID at address keys[i], or to SuperRoot if there is none.
// Each lookup is two dependent cache misses (the slot, then the address it names), so the
// keys go in batches: all the slots of a batch are loaded, then all the addresses, which lets
// the processor wait for many misses at once instead of one after the other. A key not in its
// first slot takes the ordinary probe.
func lookupAll[T addrWord, K uint32 | uint64](t addrTable, addr []T, base uint64, keys []K, out []ObjID) {
	const batch = 32
	var (
		idx   [batch]uint64
		words [batch]T
		in    [batch]bool // whether the address can be an object's (keyOf)
		slots [batch]uint32
	)
	for len(keys) > 0 {
		ks := keys[:min(batch, len(keys))]
		o := out[:len(ks)]
		for j, a := range ks {
			words[j], in[j] = keyOf[T](base, uint64(a))
			idx[j] = t.slot(hashAddr(uint64(words[j])))
		}
		for j := range ks {
			slots[j] = t.slots[idx[j]]
		}
		for j := range ks {
			w := words[j]
			if !in[j] {
				o[j] = SuperRoot
				continue
			}
			if s := slots[j]; s != 0 && addr[s-1] == w {
				o[j] = ObjID(s - 1)
				continue
			}
			id, ok := probe(t, addr, w, idx[j])
			if !ok {
				id = SuperRoot
			}
			o[j] = id
		}
		keys, out = keys[len(ks):], out[len(ks):]
	}
}

// hashAddr is Fibonacci hashing: multiplying by 2^64/φ spreads the aligned addresses and the
// arithmetic progressions of ids (V8's are odd numbers counting up) over the top bits.
func hashAddr(a uint64) uint64 { return a * 0x9E3779B97F4A7C15 }
