package heap

import (
	"testing"
	"time"
)

func TestParseStamp(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time // zero: not a stamp
	}{
		{"20261129T184512.345Z", time.Date(2026, 11, 29, 18, 45, 12, 345e6, time.UTC)},
		{"20261129T184512.000Z", time.Date(2026, 11, 29, 18, 45, 12, 0, time.UTC)},
		{"20261129T184512Z", time.Date(2026, 11, 29, 18, 45, 12, 0, time.UTC)},
		{"20261129T184512.34Z", time.Time{}},
		{"20261129T184512.3456Z", time.Time{}},
		{"20261129T184512", time.Time{}},
		{"20261129T184512+0100", time.Time{}},
		{"20261129T184512.345+01", time.Time{}},
		{"20261129-184512", time.Time{}},
		{"20261329T184512Z", time.Time{}},
		{"2026112xT184512Z", time.Time{}},
		{"", time.Time{}},
	}
	for _, tt := range tests {
		got, ok := ParseStamp(tt.in)
		if ok != !tt.want.IsZero() || !got.Equal(tt.want) {
			t.Errorf("ParseStamp(%q): got %v, %v; want %v", tt.in, got, ok, tt.want)
		}
	}
	// What the dumpers write reads back.
	at := time.Date(2026, 1, 2, 3, 4, 5, 678901234, time.UTC)
	if got, ok := ParseStamp(at.Format(StampLayout)); !ok || !got.Equal(at.Truncate(time.Millisecond)) {
		t.Errorf("ParseStamp(Format(StampLayout)): got %v, %v; want %v", got, ok, at.Truncate(time.Millisecond))
	}
}
