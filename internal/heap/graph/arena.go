package graph

import (
	"cmp"
	"slices"
	"sync"
	"unsafe"
)

// An Arena holds arrays outside the Go heap: for a reader that does not say how many objects
// its dump holds, and for a query's arrays as large as a snapshot (NewHugeArena). Each array
// is a mapping of address space as large as it could ever grow (for the per-object arrays,
// maxObjects elements), of which only the pages written become memory: it grows in place by
// append, never copied. Grown in the Go heap, a per-object array is copied each time it is
// made larger, the old and the new held at once, the new one cleared or faulted in while the
// collector waits to stop the goroutine copying it; and when the guess of the final size
// falls short near the end of the file, the last copy comes at the peak of the read.
//
// The memory goes back when the arrays are released (Arena.Release, Arena.Free): the pages
// are dropped and the mapping kept for the next array of its size, so that an array read
// after its release reads zeros rather than faulting. An Arena is safe for concurrent use.
// Where the system has no such mappings (or refuses one), Make returns nil and the caller
// keeps its array in the Go heap.
type Arena struct {
	huge     bool // its arrays are mapped for huge pages (NewHugeArena)
	mu       sync.Mutex
	held     map[uintptr][]byte // the mappings handed out, not yet released, by address
	released int64              // the bytes the arrays released held, as long as they were
}

// NewArena returns an empty Arena.
func NewArena() *Arena { return &Arena{} }

// NewHugeArena returns an empty Arena whose arrays the system is asked to back with huge pages
// (2 MiB on x86-64) where it has them: a fault brings in a huge page rather than a small one,
// hundreds of times fewer faults for an array written from end to end, for up to a huge page
// more memory per array than it fills. For arrays that are filled whole and soon, not for
// those whose peak matters more than their speed.
func NewHugeArena() *Arena { return &Arena{huge: true} }

// arenaMaps is every mapping made, by address (InArena), and those released, by size and
// kind, to hand out again.
var arenaMaps struct {
	sync.Mutex
	spans []span // sorted by lo
	free  map[mapKind][][]byte
}

// mapKind is what a mapping is: its size, and whether it is mapped for huge pages.
type mapKind struct {
	size int
	huge bool
}

type span struct{ lo, hi uintptr }

// ArenaMake returns an empty slice in a with room for n elements, or nil when a is nil or no
// mapping can be had. T must hold no pointers: the collector does not see the arena.
func ArenaMake[T any](a *Arena, n int) []T {
	if a == nil || n <= 0 {
		return nil
	}
	var zero T
	size := n * int(unsafe.Sizeof(zero))
	if size/n != int(unsafe.Sizeof(zero)) || size <= 0 {
		return nil
	}
	m := takeMapping(mapKind{size, a.huge})
	if m == nil {
		return nil
	}
	a.mu.Lock()
	if a.held == nil {
		a.held = map[uintptr][]byte{}
	}
	a.held[uintptr(unsafe.Pointer(unsafe.SliceData(m)))] = m
	a.mu.Unlock()
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(m))), n)[:0]
}

// MakeIn returns a slice of length n and capacity c in a, or in the Go heap where a is nil or
// has no mapping to give.
func MakeIn[T any](a *Arena, n, c int) []T {
	if s := ArenaMake[T](a, c); s != nil {
		return s[:n]
	}
	return make([]T, n, c)
}

// takeMapping returns a mapping of kind k, one released before if there is one.
func takeMapping(k mapKind) []byte {
	arenaMaps.Lock()
	defer arenaMaps.Unlock()
	if free := arenaMaps.free[k]; len(free) > 0 {
		m := free[len(free)-1]
		arenaMaps.free[k] = free[:len(free)-1]
		return m
	}
	m := mapMemory(k.size, k.huge)
	if m == nil {
		return nil
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(m)))
	s := span{lo, lo + uintptr(len(m))}
	i, _ := slices.BinarySearchFunc(arenaMaps.spans, lo, func(s span, lo uintptr) int { return cmp.Compare(s.lo, lo) })
	arenaMaps.spans = slices.Insert(arenaMaps.spans, i, s)
	return m
}

// InArena says whether s is an array of an Arena (its first element, or where it would be).
func InArena[T any](s []T) bool {
	if cap(s) == 0 {
		return false
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	arenaMaps.Lock()
	defer arenaMaps.Unlock()
	i, _ := slices.BinarySearchFunc(arenaMaps.spans, p, func(s span, p uintptr) int { return cmp.Compare(s.lo, p+1) })
	return i > 0 && p < arenaMaps.spans[i-1].hi
}

// ArenaRelease gives back the array s of a (s as long as it was filled): its memory goes to
// the system, its mapping to the next ArenaMake of its size. s must not be written afterwards.
// A slice that is not a's is ignored.
func ArenaRelease[T any](a *Arena, s []T) {
	if a == nil || cap(s) == 0 {
		return
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	var zero T
	a.mu.Lock()
	m, ok := a.held[p] // an array starts its mapping: a reader frees thousands one by one
	if !ok {
		// Resliced: its mapping is the one that holds it.
		for lo, h := range a.held {
			if p >= lo && p < lo+uintptr(len(h)) {
				m, ok = h, true
				break
			}
		}
	}
	if ok {
		delete(a.held, uintptr(unsafe.Pointer(unsafe.SliceData(m))))
		a.released += int64(len(s)) * int64(unsafe.Sizeof(zero))
	}
	a.mu.Unlock()
	if m != nil {
		putMapping(m, mapKind{len(m), a.huge})
	}
}

// Released returns the memory the arrays released so far (ArenaRelease) held, counted by
// their lengths: what went back to the system. 0 for a nil Arena.
func (a *Arena) Released() int64 {
	if a == nil {
		return 0
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.released
}

// Free releases every array of a.
func (a *Arena) Free() {
	if a == nil {
		return
	}
	a.mu.Lock()
	held := a.held
	a.held = nil
	a.mu.Unlock()
	for _, m := range held {
		putMapping(m, mapKind{len(m), a.huge})
	}
}

// putMapping drops the pages of m, of kind k, and keeps m for takeMapping. A mapping whose
// pages could not be dropped (not expected) is left as it is, never handed out again.
func putMapping(m []byte, k mapKind) {
	if !dropPages(m) {
		return
	}
	arenaMaps.Lock()
	defer arenaMaps.Unlock()
	if arenaMaps.free == nil {
		arenaMaps.free = map[mapKind][][]byte{}
	}
	arenaMaps.free[k] = append(arenaMaps.free[k], m)
}
