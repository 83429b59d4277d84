package loader

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortPairs checks sortPairs against a comparison sort of the same pairs, for lengths
// around where it turns to insertion sort and keys that differ in few or many bytes.
func TestSortPairs(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	keys := []struct {
		name string
		key  func(i int) uint64
	}{
		{"anywhere", func(int) uint64 { return rng.Uint64() }},
		{"in one byte", func(int) uint64 { return 0x7f00_0000_0000 | uint64(rng.IntN(256)) }},
		{"two far apart bytes", func(int) uint64 { return uint64(rng.IntN(4))<<56 | uint64(rng.IntN(4)) }},
		{"aligned, in a few GB", func(int) uint64 { return 0x7f00_0000_0000 + 16*uint64(rng.IntN(1<<28)) }},
		{"many equal", func(int) uint64 { return uint64(rng.IntN(3)) << 40 }},
		{"in order", func(i int) uint64 { return 0xc000_0000_00 + 8*uint64(i) }},
		{"reversed", func(i int) uint64 { return math.MaxUint64 - 24*uint64(i) }},
		{"all equal", func(int) uint64 { return 42 }},
	}
	for _, tk := range keys {
		for _, n := range []int{0, 1, 2, smallSort - 1, smallSort, smallSort + 1, 1000, 70_000} {
			key := make([]uint64, n)
			val := make([]int32, n)
			for i := range key {
				key[i], val[i] = tk.key(i), int32(i)
			}
			type pair struct {
				k uint64
				v int32
			}
			want := make([]pair, n)
			for i := range want {
				want[i] = pair{key[i], val[i]}
			}
			byPair := func(x, y pair) int { return cmp.Or(cmp.Compare(x.k, y.k), cmp.Compare(x.v, y.v)) }
			slices.SortFunc(want, byPair)
			sortPairs(key, val)
			if !slices.IsSorted(key) {
				t.Fatalf("%s, %d keys: not sorted", tk.name, n)
			}
			got := make([]pair, n)
			for i := range got {
				got[i] = pair{key[i], val[i]}
			}
			slices.SortFunc(got, byPair) // equal keys' values in any order
			if !slices.Equal(got, want) {
				t.Fatalf("%s, %d keys: the pairs changed", tk.name, n)
			}
		}
	}
}
