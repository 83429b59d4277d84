package loader

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestHoldHeapFollowsTheLiveHeap checks that the write phase's memory limit rises with the
// live heap, rather than staying where the collector would run without pause, and that undo
// gives the limit back.
func TestHoldHeapFollowsTheLiveHeap(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	runtime.GC()
	undo := holdHeap()
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
