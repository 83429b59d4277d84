package v8

import (
	"testing"
	"time"
)

// TestNameTime reads the names Node.js v20 gave snapshots here (v8.writeHeapSnapshot() with
// no file name): the second was written with TZ=Asia/Kolkata, at the same instant as the
// first, so read in that zone it gives the same UTC time.
func TestNameTime(t *testing.T) {
	kolkata := time.FixedZone("IST", 5*3600+1800)
	at := time.Date(2026, 11, 29, 22, 39, 11, 0, time.UTC)
	tests := []struct {
		name string
		loc  *time.Location
		want time.Time // zero: not a name Node writes
	}{
		{"Heap.20261129.223911.17788.0.001.heapsnapshot", time.UTC, at},
		{"Heap.20261129.223911.17788.0.002.heapsnapshot", time.UTC, at},
		{"Heap.20261130.040911.17842.0.001.heapsnapshot", kolkata, at},
		{"Heap.20261129.223911.17788.0.001.heapsnapshot.gz", time.UTC, at},
		{"Heap.20261129.223911.17788.3.1000.heapsnapshot", time.UTC, at}, // a worker's 1000th
		{"heap1.heapsnapshot", time.UTC, time.Time{}},
		{"heap1.heapsnapshot.gz", time.UTC, time.Time{}},
		{"Heap.20261129.223911.17788.0.001.json", time.UTC, time.Time{}},
		{"Heap.20261329.223911.17788.0.001.heapsnapshot", time.UTC, time.Time{}}, // month 13
		{"Heap.20261129.22391.17788.0.001.heapsnapshot", time.UTC, time.Time{}},
		{"Heap.20261129.223911.17788.0.heapsnapshot", time.UTC, time.Time{}},
		{"Heap.20261129.223911.x.0.001.heapsnapshot", time.UTC, time.Time{}},
		{"Heap.20261129.223911.-1.0.001.heapsnapshot", time.UTC, time.Time{}},
		{"Heap..223911.17788.0.001.heapsnapshot", time.UTC, time.Time{}},
		{"", time.UTC, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Reader{}.NameTime(tt.name, tt.loc)
			if ok != !tt.want.IsZero() || !got.Equal(tt.want) {
				t.Errorf("NameTime(%s): got %v, %v; want %v, %v", tt.name, got, ok, tt.want, !tt.want.IsZero())
			}
		})
	}
}
