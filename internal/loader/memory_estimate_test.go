package loader

import (
	"os"
	"runtime"
	"runtime/debug"
	"testing"
)

// A load's memory scaled to the whole file: room set aside ahead for the rest (presized
// slices) is not scaled again. Without that, a 100M-object Python dump that fits was refused
// at a quarter of its file (6.2 GB used, 2.5 GB of it room, scaled to 24.7 GB).
func TestEstimate(t *testing.T) {
	const gb = 1 << 30
	tests := []struct {
		name       string
		used, room int64
		read       float64
		want       int64
	}{
		{"nothing read", 5 * gb, 0, 0, 0},
		{"no room: linear", 2 * gb, 0, 0.25, 8 * gb},
		{"room is not scaled", 6 * gb, 2 * gb, 0.25, 16 * gb},
		{"room past what is used", gb, 3 * gb, 0.5, 0},
		{"whole file", 3 * gb, gb, 1, 2 * gb},
	}
	for _, tt := range tests {
		if got := estimate(tt.used, tt.room, tt.read); got != tt.want {
			t.Errorf("%s: estimate(%d, %d, %v) = %d, want %d", tt.name, tt.used, tt.room, tt.read, got, tt.want)
		}
	}
}

// TestResidentRoom checks that memory taken and given back shows as room below the peak.
func TestResidentRoom(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc/self/status here: residentRoom is 0")
	}
	b := make([]byte, 64<<20)
	for i := range b {
		b[i] = 1
	}
	runtime.KeepAlive(b)
	b = nil
	debug.FreeOSMemory()
	if room := residentRoom(); room < 32<<20 {
		t.Errorf("room %d MiB below the peak after 64 MiB taken and given back, want at least 32", room>>20)
	}
}
