package loader

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/memsee/memsee/internal/heap/graph"
)

// ranker.rank orders and dedups a list of referrers as the general sort does (retained
// descending, then oid ascending, duplicates dropped), on random lists of every length around
// the bounds between insertion, the sort of words and their sort by radix, with few distinct
// values so that ties and duplicates are common, and with retained sizes past 32 bits; each
// list as drawn (as a collection's kids come) and in oid order (as referrers are gathered).
// One ranker ranks every list, as the ranking of a load does, after what it appends to.
func TestRanker(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name               string
		lengths            []int
		objects            int    // referrers drawn below this
		retainedBelow      uint64 // each object's retained size drawn below this
		retainedPast32Bits bool   // one object retains 2^32
	}{
		{"empty and one", []int{0, 1}, 10, 10, false},
		{"short, many ties", []int{2, 3, 4, 5}, 4, 3, false},
		{"short, distinct", []int{2, 3, 7, shortReferrers}, 1 << 12, 1 << 40, false},
		{"about the bound", []int{shortReferrers - 1, shortReferrers, shortReferrers + 1}, 8, 4, false},
		{"long", []int{50, 1000}, 200, 20, false},
		{"long, retained up to 32 bits", []int{shortReferrers + 1, 100}, 1 << 16, 1 << 32, false},
		{"long, a retained size past 32 bits", []int{shortReferrers + 1, 100}, 8, 1 << 34, true},
		{"about the radix bound", []int{radixMin - 1, radixMin, radixMin + 1}, 300, 1 << 20, false},
		{"radix, many ties", []int{radixMin, 3000}, 1 << 20, 5, false},
		{"radix, retained sizes of 4 bytes", []int{2000}, 1 << 16, 1 << 31, false},
		{"radix, one retained size", []int{1000}, 1 << 16, 1, false},
		{"radix, a retained size past 32 bits", []int{radixMin, 1000}, 1 << 10, 1 << 36, true},
	}
	var k ranker
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			size := make([]uint64, tt.objects)
			for i := range size {
				size[i] = r.Uint64N(tt.retainedBelow)
			}
			if tt.retainedPast32Bits {
				size[0] = 1 << 32
			}
			retained := graph.SizesOf(size)
			for _, n := range tt.lengths {
				for try := range 200 {
					from := make([]uint32, n)
					for i := range from {
						from[i] = uint32(r.IntN(tt.objects))
					}
					if try%2 == 1 {
						slices.Sort(from)
					}
					if tt.retainedPast32Bits && n > 0 {
						from[0] = 0
					}
					want := slices.Clone(from)
					slices.SortFunc(want, func(x, y uint32) int {
						return cmp.Or(cmp.Compare(size[y], size[x]), cmp.Compare(x, y))
					})
					want = append([]uint32{7}, slices.Compact(want)...)
					if got := k.rank([]uint32{7}, from, &retained); !slices.Equal(got, want) {
						t.Fatalf("rank(%v):\n got %v\nwant %v", from, got, want)
					}
				}
			}
		})
	}
}
