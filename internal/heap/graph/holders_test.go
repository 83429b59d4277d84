package graph

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// resolveHolders against the definition, walked naively, on random dominator trees with
// random storage: long chains of storage (linked lists), storage under the super-root, none.
func TestResolveHoldersBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 500 {
		n := 1 + r.IntN(200)
		idom := make([]ObjID, n)
		internal := make([]bool, n)
		share := r.Float64()
		for o := range n {
			// A tree whose edges run any way through the numbering: a random permutation
			// orders it, each object dominated by one earlier in that order, or by the super-root.
			internal[o] = r.Float64() < share
		}
		order := r.Perm(n)
		for k, o := range order {
			if k > 0 && r.IntN(8) > 0 {
				idom[o] = ObjID(order[r.IntN(k)]) + 1
			}
		}
		want := make([]ObjID, n)
		for o := range n {
			h := idom[o]
			for h > 0 && internal[h-1] {
				h = idom[h-1]
			}
			want[o] = h
		}
		flag := make([]uint8, n)
		for o, in := range internal {
			if in {
				flag[o] = fInternal
			}
		}
		got := resolveHolders(slices.Clone(idom), flag)
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: idom %v internal %v: got %v, want %v", trial, idom, internal, got, want)
		}
	}
}
