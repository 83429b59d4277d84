package godump

import (
	"testing"
	"time"
)

// TestNameTime reads names memsee's Go dumper wrote (writeHeapDump in dumper.go.txt), and
// names it does not write.
func TestNameTime(t *testing.T) {
	at := time.Date(2026, 11, 29, 22, 41, 56, 0, time.UTC)
	tests := []struct {
		name string
		want time.Time // zero: not a name the dumper writes
	}{
		{"heap-4869-20261129T231605.976Z-1.dump", time.Date(2026, 11, 29, 23, 16, 5, 976e6, time.UTC)},
		{"heap-4869-20261129T231606.016Z-2.dump", time.Date(2026, 11, 29, 23, 16, 6, 16e6, time.UTC)},
		{"heap-4869-20261129T231606.016Z-2.dump.gz", time.Date(2026, 11, 29, 23, 16, 6, 16e6, time.UTC)},
		{"heap-2030-20261129T224156Z-1.dump", at}, // the dumper's names to the second
		{"heap-2030-20261129T224156Z-2.dump", at},
		{"heap-2030-20261129T224156Z-2.dump.gz", at},
		{"heap1.dump.gz", time.Time{}},
		{"heap-1234567.dump", time.Time{}},                      // the dumper's old names: no time
		{"heap-2030-20261129T224156Z-1.dump.part", time.Time{}}, // not renamed yet
		{"heap-2030-20261129T224156-1.dump", time.Time{}},
		{"heap-2030-20261129T224156Z-1.json.gz", time.Time{}},
		{"heap-2030-20261129T226156Z-1.dump", time.Time{}}, // minute 61
		{"heap-2030-20261129T224156Z-x.dump", time.Time{}},
		{"", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Reader{}.NameTime(tt.name, time.UTC)
			if ok != !tt.want.IsZero() || !got.Equal(tt.want) {
				t.Errorf("NameTime(%s): got %v, %v; want %v, %v", tt.name, got, ok, tt.want, !tt.want.IsZero())
			}
		})
	}
}
