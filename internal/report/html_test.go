package report

import (
	"strings"
	"testing"

	"github.com/memsee/memsee/internal/store"
)

func TestNiceCeil(t *testing.T) {
	tests := []struct {
		name string
		in   int64
		want int64
	}{
		{"empty", 0, 1024},
		{"bytes", 700, 800},
		{"one KiB", 1024, 1024},
		{"just over a KiB", 1025, 1536},
		{"5.1 MiB", 5_347_737, 6 << 20},
		{"3.6 MiB", 3_774_873, 4 << 20},
		{"671 MiB", 703_594_496, 800 << 20},
		{"exactly 2 GiB", 2 << 30, 2 << 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := niceCeil(tt.in); got != tt.want || got < tt.in {
				t.Errorf("niceCeil(%d) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

// snaps are n snapshots of growing heaps, as a process's would be.
func snaps(bytes ...int64) []store.Snapshot {
	out := make([]store.Snapshot, len(bytes))
	for i, b := range bytes {
		out[i] = store.Snapshot{ID: int64(i + 1), Label: "heap" + string(rune('1'+i)), Bytes: b}
	}
	return out
}

func TestTimelineChart(t *testing.T) {
	tests := []struct {
		name      string
		bytes     []int64
		limit     int64
		wantYMax  int64
		wantLimit string // "on", "off" or "" for none
	}{
		{"no limit", []int64{1 << 20, 2 << 20, 3 << 20}, 0, 3 << 20, ""},
		{"limit on the scale", []int64{1 << 20, 2 << 20, 3 << 20}, 8 << 20, 8 << 20, "on"},
		{"limit above the scale", []int64{1 << 20, 2 << 20, 3 << 20}, 2 << 30, 3 << 20, "off"},
		{"one snapshot", []int64{5 << 20}, 0, 5 << 20, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := timelineChart(HTMLProcess{Snapshots: snaps(tt.bytes...), Limit: tt.limit})
			if c.YMax != tt.wantYMax {
				t.Errorf("YMax %d, want %d", c.YMax, tt.wantYMax)
			}
			if len(c.Lines) != 1 || len(c.Lines[0].Dots) != len(tt.bytes) {
				t.Fatalf("lines %+v: want one with a dot per snapshot", c.Lines)
			}
			var pts []string
			for i, d := range c.Lines[0].Dots {
				if d.Bytes != tt.bytes[i] {
					t.Errorf("dot %d: %d bytes, want %d", i, d.Bytes, tt.bytes[i])
				}
				want := c.Top + c.PlotH*(1-float64(tt.bytes[i])/float64(c.YMax))
				if d.Y < want-0.06 || d.Y > want+0.06 || d.Y < c.Top || d.Y > c.Bottom {
					t.Errorf("dot %d at y=%v, want %.2f within the plot", i, d.Y, want)
				}
				pts = append(pts, ftoa(d.X)+","+ftoa(d.Y))
			}
			if got := c.Lines[0].Points; got != strings.Join(pts, " ") {
				t.Errorf("points %q do not join the dots %q", got, pts)
			}
			switch {
			case tt.wantLimit == "" && c.Limit != 0:
				t.Errorf("a limit line with no limit")
			case tt.wantLimit == "on" && (c.LimitOff || c.LimitY != c.y(tt.limit)):
				t.Errorf("limit at %v (off %v), want on the scale at %v", c.LimitY, c.LimitOff, c.y(tt.limit))
			case tt.wantLimit == "off" && (!c.LimitOff || !strings.Contains(c.LimitText, "above the scale")):
				t.Errorf("limit %q off=%v: want it noted above the scale", c.LimitText, c.LimitOff)
			}
		})
	}
}

func TestChartLabelsThinned(t *testing.T) {
	tests := []struct {
		n, max int
	}{{2, 2}, {10, 10}, {11, 7}, {40, 11}, {100, 11}}
	for _, tt := range tests {
		bytes := make([]int64, tt.n)
		c := newChart("t", snaps(bytes...), 1)
		if len(c.XTicks) > tt.max || c.XTicks[len(c.XTicks)-1].At != c.x(tt.n-1, tt.n) || c.XTicks[0].At != c.Left {
			t.Errorf("%d snapshots: %d labels (want at most %d, the first and the last among them)", tt.n, len(c.XTicks), tt.max)
		}
	}
}
