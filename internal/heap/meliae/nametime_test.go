package meliae

import (
	"testing"
	"time"
)

// TestNameTime reads names memsee's Python dumper wrote (dump_to_directory), and names it
// does not write.
func TestNameTime(t *testing.T) {
	at := time.Date(2026, 11, 29, 22, 41, 52, 0, time.UTC) // the dumper's names to the second
	at2 := time.Date(2026, 11, 29, 23, 16, 4, 816e6, time.UTC)
	tests := []struct {
		name string
		want time.Time // zero: not a name the dumper writes
	}{
		{"heap-4791-20261129T231604.707Z-1.json.gz", time.Date(2026, 11, 29, 23, 16, 4, 707e6, time.UTC)},
		{"heap-4791-20261129T231604.816Z-2.json.gz", at2},
		{"heap-4791-20261129T231604.816Z-2.json", at2}, // gunzip'd
		{"heap-1658-20261129T224152Z-1.json.gz", at},
		{"heap-1658-20261129T224152Z-2.json.gz", at},
		{"heap-1658-20261129T224152Z-12.json.gz", at},
		{"shop1.json.gz", time.Time{}},
		{"heap-1658-20261129-224152-1.json.gz", time.Time{}}, // the old local-time names: no zone
		{"heap-1658-20261129T224152-1.json.gz", time.Time{}},
		{"heap-1658-20261129T224152+0100-1.json.gz", time.Time{}},
		{"heap-4791-20261129T231604.81Z-2.json.gz", time.Time{}},
		{"heap-1658-20261129T254152Z-1.json.gz", time.Time{}}, // hour 25
		{"heap-x-20261129T224152Z-1.json.gz", time.Time{}},
		{"heap-1658-20261129T224152Z.json.gz", time.Time{}},
		{"heap-1658-20261129T224152Z-1.dump", time.Time{}},
		{"heap--20261129T224152Z-1.json", time.Time{}},
		{".heap-1658-20261129T224152Z-1.json.gz.0a1b2c.tmp", time.Time{}},
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
