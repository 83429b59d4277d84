package loader

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/memsee/memsee/internal/heap/graph"
)

// TestHoldHeapFollowsTheLiveHeap checks that the write phase's memory limit rises with the
// live heap, rather than staying where the collector would run without pause, and that undo
// gives the limit back.
func TestHoldHeapFollowsTheLiveHeap(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	runtime.GC()
	undo := holdHeap(nil)
	first := debug.SetMemoryLimit(-1)
	if live := liveHeap(); first < withRoom(live) {
		t.Fatalf("limit %d for %d live, want at least %d", first, live, withRoom(live))
	}
	grown := make([]byte, first-liveHeap()+64<<20) // live past the first limit
	for i := range grown {
		grown[i] = 1
	}
	runtime.GC()
	deadline := time.Now().Add(2 * time.Second)
	for debug.SetMemoryLimit(-1) < withRoom(liveHeap()) && time.Now().Before(deadline) {
		time.Sleep(holdEvery)
	}
	if got, live := debug.SetMemoryLimit(-1), liveHeap(); got < withRoom(live) {
		t.Errorf("limit %d with %d live, want at least %d", got, live, withRoom(live))
	}
	runtime.KeepAlive(grown)
	undo()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("limit %d after undo, want %d", got, before)
	}
}

// TestHoldHeapTakesWhatTheArenaReleased checks that the memory limit rises by what an arena's
// released arrays held, for the heap to take their place: it would otherwise stay at what the
// heap had mapped when the graph work began, and the collector would run without pause.
func TestHoldHeapTakesWhatTheArenaReleased(t *testing.T) {
	a := graph.NewArena()
	defer a.Free()
	s := graph.ArenaMake[uint64](a, 1<<26)
	if s == nil {
		t.Skip("no arena on this system")
	}
	s = s[:8<<20] // 64 MiB, written
	for i := range s {
		s[i] = uint64(i)
	}
	runtime.GC()
	undo := holdHeap(a)
	defer undo()
	first := debug.SetMemoryLimit(-1)
	graph.ArenaRelease(a, s)
	want := first + int64(len(s))*8
	deadline := time.Now().Add(2 * time.Second)
	for debug.SetMemoryLimit(-1) < want && time.Now().Before(deadline) {
		time.Sleep(holdEvery)
	}
	if got := debug.SetMemoryLimit(-1); got < want {
		t.Errorf("limit %d after releasing %d bytes from %d, want at least %d", got, len(s)*8, first, want)
	}
}
