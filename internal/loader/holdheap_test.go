package loader

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
)

// TestHoldHeap checks the soft memory limit the writing of the pages runs under: what is
// mapped, never above a limit that was already set, raised by keepPace to a quarter over
// what is live once that comes within an eighth of it; undo puts the limit back.
func TestHoldHeap(t *testing.T) {
	tests := []struct {
		name  string
		prev  int64 // the limit before
		limit func(l int64) int64
		want  func(l int64) int64 // after keepPace
	}{
		{"far above what is live", math.MaxInt64, func(l int64) int64 { return 2 * l }, func(l int64) int64 { return 2 * l }},
		{"near what is live", math.MaxInt64, func(l int64) int64 { return l + l/16 }, func(l int64) int64 { return l + l/4 }},
		{"near, under the user's limit", 1 << 62, func(l int64) int64 { return l }, func(l int64) int64 { return l + l/4 }},
		{"at the user's limit", 1 << 20, func(l int64) int64 { return 1 << 20 }, func(l int64) int64 { return 1 << 20 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer debug.SetMemoryLimit(debug.SetMemoryLimit(tt.prev))
			h := holdHeap()
			if got := debug.SetMemoryLimit(-1); got > tt.prev || got <= 0 {
				t.Errorf("holdHeap(%s): limit %d, want what is mapped, under %d", tt.name, got, tt.prev)
			}
			runtime.GC()
			l := live()
			h.limit = tt.limit(l)
			debug.SetMemoryLimit(h.limit)
			h.keepPace()
			if got, want := debug.SetMemoryLimit(-1), tt.want(l); got != want {
				t.Errorf("keepPace(%s): limit %d, want %d (live %d)", tt.name, got, want, l)
			}
			h.undo()
			if after := debug.SetMemoryLimit(-1); after != tt.prev {
				t.Errorf("undo(%s): limit %d, want %d", tt.name, after, tt.prev)
			}
		})
	}
}
