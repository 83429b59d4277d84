package godump

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestAddrOrder checks addrOrder against a plain []uint64, narrow (the addresses within 4 GiB
// of the first) and wide: every address reads back, and search counts what BinarySearch does,
// over random ranges and at the edges of the narrow range.
func TestAddrOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 1))
	for _, tt := range []struct {
		name        string
		first, span uint64
		wantNarrow  bool
	}{
		{"a Go heap", 0xc000000000, 1 << 30, true},
		{"exactly 4 GiB - 1 apart", 0xc000000000, math.MaxUint32, true},
		{"4 GiB apart", 0xc000000000, 1 << 32, false},
		{"a heap in two arenas far apart", 0x7f0000000000, 1 << 40, false},
		{"from address 1", 1, 1 << 20, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := 1000
			plain := make([]uint64, n)
			plain[0], plain[n-1] = tt.first, tt.first+tt.span
			for i := 1; i < n-1; i++ {
				plain[i] = tt.first + 1 + rng.Uint64N(tt.span-1)
			}
			slices.Sort(plain)
			plain = slices.Compact(plain)
			n = len(plain)
			a := newAddrOrder(n, plain[0], plain[n-1])
			if (a.narrow != nil) != tt.wantNarrow {
				t.Fatalf("narrow %v, want %v", a.narrow != nil, tt.wantNarrow)
			}
			for k, v := range plain {
				a.set(k, v)
			}
			if a.len() != n {
				t.Fatalf("len %d, want %d", a.len(), n)
			}
			for k, v := range plain {
				if got := a.at(k); got != v {
					t.Fatalf("at(%d) = %#x, want %#x", k, got, v)
				}
			}
			probes := []uint64{0, plain[0] - 1, plain[0], plain[0] + 1, plain[n-1], plain[n-1] + 1,
				plain[0] + math.MaxUint32, plain[0] + math.MaxUint32 + 1, plain[0] + 1<<33, math.MaxUint64}
			for range 2000 {
				probes = append(probes, plain[rng.IntN(n)]+rng.Uint64N(3)-1)
			}
			for _, x := range probes {
				lo := rng.IntN(n)
				hi := lo + rng.IntN(n-lo+1)
				for _, r := range [][2]int{{0, n}, {lo, hi}} {
					want, _ := slices.BinarySearch(plain[r[0]:r[1]], x)
					if got := a.search(r[0], r[1], x); got != want {
						t.Fatalf("search(%d, %d, %#x) = %d, want %d", r[0], r[1], x, got, want)
					}
				}
			}
		})
	}
}
