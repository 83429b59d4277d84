package analysis

import (
	"testing"
	"unsafe"

	"github.com/memsee/memsee/internal/heap/graph"
)

// TestSlab takes pieces of a slab, small and larger than its arrays, and checks that each is
// empty with the room asked for, that none overlaps another, that they come from the arena
// where the system has one, and that what was written to each reads back.
func TestSlab(t *testing.T) {
	s := newSlab()
	defer s.free()
	sizes := []int{1, 100, 4096, slabSize - 5000, 3000, slabSize + 1, 7, 0, 2 * slabSize}
	pieces := make([][]byte, len(sizes))
	for i, n := range sizes {
		b := s.take(n)
		if len(b) != 0 || cap(b) != n {
			t.Fatalf("take(%d): len %d cap %d", n, len(b), cap(b))
		}
		if n > 0 && !s.heap && !graph.InArena(b) {
			t.Errorf("take(%d): not in the arena", n)
		}
		pieces[i] = b[:n]
		if n > 0 {
			pieces[i][0], pieces[i][n-1] = byte(i+1), byte(i+1) // its ends: the whole would fault in 200 MB
		}
	}
	for i, b := range pieces {
		if n := len(b); n > 0 && (b[0] != byte(i+1) || b[n-1] != byte(i+1)) {
			t.Fatalf("piece %d (%d bytes) reads %d and %d at its ends, written %d", i, n, b[0], b[n-1], i+1)
		}
		lo := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
		for k, o := range pieces[:i] {
			olo := uintptr(unsafe.Pointer(unsafe.SliceData(o)))
			if len(b) > 0 && len(o) > 0 && lo < olo+uintptr(len(o)) && olo < lo+uintptr(len(b)) {
				t.Fatalf("pieces %d and %d overlap", k, i)
			}
		}
	}
}
