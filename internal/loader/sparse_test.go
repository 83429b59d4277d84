package loader

import (
	"math/rand/v2"
	"testing"
)

// TestSparse checks a sparse column against the slice it stands for, whatever share of the
// objects has a value of its own, reserved ahead or not, clipped or not.
func TestSparse(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		share   float64 // of the objects with a value other than the default
		reserve bool
	}{
		{"empty", 0, 0, false},
		{"one, default", 1, 0, false},
		{"one, a value", 1, 1, false},
		{"none", 1000, 0, false},
		{"all", 1000, 1, true},
		{"a few", 5000, 0.05, false},
		{"half, reserved", 5000, 0.5, true},
		{"a word and one", 65, 0.5, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(i), 9))
			c := newSparse[int32](-1)
			if tt.reserve {
				c.reserve(tt.n)
			}
			want := make([]int32, tt.n)
			for k := range want {
				want[k] = -1
				if rng.Float64() < tt.share {
					want[k] = int32(rng.IntN(1000)) // -1 never: the default is told apart by the bit
				}
				c.add(want[k])
				if tt.reserve && k == tt.n/2 {
					c.reserve(tt.n)
				}
			}
			check := func(when string) {
				t.Helper()
				if c.n != tt.n {
					t.Fatalf("%s: %d objects, want %d", when, c.n, tt.n)
				}
				kept := 0
				for k, w := range want {
					if got := c.get(k); got != w {
						t.Fatalf("%s: object %d is %d, want %d", when, k, got, w)
					}
					if _, ok := c.index(k); ok != (w != -1) {
						t.Fatalf("%s: object %d has a value of its own: %v, want %v", when, k, ok, w != -1)
					}
					if w != -1 {
						kept++
					}
				}
				if len(c.vals) != kept {
					t.Fatalf("%s: %d values kept, want %d", when, len(c.vals), kept)
				}
			}
			check("as added")
			c.clip()
			check("clipped")
			if c.room() != 0 && cap(c.vals)-len(c.vals) > cap(c.vals)/16 {
				t.Errorf("clipped, %d bytes of room left", c.room())
			}
		})
	}
}
