package page

import (
	"errors"
	"testing"
)

// TestSites: a site column reads back what was written, and one of the wrong length or with
// bytes left over is ErrDamaged.
func TestSites(t *testing.T) {
	sites := []uint64{0, 3, 1, 0, 700, 2}
	b := AppendSites(nil, sites)
	tests := []struct {
		name string
		b    []byte
		n    int
		ok   bool
	}{
		{"as written", b, len(sites), true},
		{"fewer values than objects", b, len(sites) + 1, false},
		{"bytes left over", append(append([]byte(nil), b...), 0), len(sites), false},
		{"cut", b[:len(b)-1], len(sites), false},
		{"empty", nil, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := DecodeSites(tt.b, tt.n)
			if !tt.ok {
				if !errors.Is(err, ErrDamaged) {
					t.Errorf("DecodeSites(%s): %v, want ErrDamaged", tt.name, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeSites(%s): %v", tt.name, err)
			}
			for i, want := range sites {
				if got := c.At(i); got != want {
					t.Errorf("DecodeSites(%s): site %d is %d, want %d", tt.name, i, got, want)
				}
			}
		})
	}
}
