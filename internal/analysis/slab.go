package analysis

import "github.com/memsee/memsee/internal/heap/graph"

// slabSize is the size of each array a slab takes from its arena.
const slabSize = 64 << 20

// A slab hands out pieces of large arrays of an arena (graph.Arena), for the pages PathsOfType
// keeps: each kept page's columns are a piece (page.Objects.CompactInto), and all go back
// together when the walk ends (free). Taken one at a time from the Go heap, each piece was
// fresh memory faulted in a small page at a time, and made the collector's heap larger by
// what the walk keeps; an arena's arrays are mapped for huge pages where the system has them.
// Off Linux, or when no mapping can be had, the pieces come from the Go heap.
type slab struct {
	arena *graph.Arena
	cur   []byte // the array handing out pieces: its length is what it has handed out
	heap  bool   // the arena gave no array: the pieces come from the Go heap
}

func newSlab() *slab { return &slab{arena: graph.NewHugeArena()} }

// take returns an empty slice with room for n bytes, that stays valid until free.
func (s *slab) take(n int) []byte {
	if cap(s.cur)-len(s.cur) < n && !s.heap {
		s.cur = graph.ArenaMake[byte](s.arena, max(n, slabSize))
		s.heap = s.cur == nil
	}
	if s.heap {
		return make([]byte, 0, n)
	}
	at := len(s.cur)
	s.cur = s.cur[:at+n]
	return s.cur[at : at : at+n]
}

// free gives back every array the slab took: nothing it handed out may be read afterwards.
func (s *slab) free() {
	s.cur = nil
	s.arena.Free()
}
