package loader

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// rankReferrers orders and dedups a list of referrers as the general sort does (retained
// descending, then oid ascending, duplicates dropped), on random lists of every length around
// the bound between insertion and the general sort, with few distinct values so that ties and
// duplicates are common.
func TestRankReferrers(t *testing.T) {
	want := func(in []rankedReferrer) []rankedReferrer {
		out := slices.Clone(in)
		slices.SortFunc(out, func(x, y rankedReferrer) int {
			return cmp.Or(cmp.Compare(y.retained, x.retained), cmp.Compare(x.oid, y.oid))
		})
		return slices.Compact(out)
	}
	r := rand.New(rand.NewPCG(1, 2))
	var keys []uint64 // kept from call to call, as the ranking does
	tests := []struct {
		name           string
		lengths        []int
		retained, oids uint64 // values drawn below these
	}{
		{"empty and one", []int{0, 1}, 10, 10},
		{"short, many ties", []int{2, 3, 4, 5}, 3, 4},
		{"short, distinct", []int{2, 3, 7, shortReferrers}, 1 << 40, 1 << 31},
		{"about the bound", []int{shortReferrers - 1, shortReferrers, shortReferrers + 1}, 4, 8},
		{"long", []int{50, 1000}, 20, 200},
		{"long, retained past 32 bits", []int{shortReferrers + 1, 100}, 1 << 34, 1 << 31},
		{"long, retained up to 32 bits", []int{shortReferrers + 1, 100}, 1<<32 + 1, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, n := range tt.lengths {
				for range 200 {
					in := make([]rankedReferrer, n)
					for i := range in {
						in[i] = rankedReferrer{r.Uint64N(tt.retained), uint32(r.Uint64N(tt.oids))}
					}
					w := want(in)
					if got := rankReferrers(slices.Clone(in), &keys); !slices.Equal(got, w) {
						t.Fatalf("rankReferrers(%v):\n got %v\nwant %v", in, got, w)
					}
				}
			}
		})
	}
}
