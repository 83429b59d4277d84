package graph

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMoveInPlace checks moveInPlace against a copy into a new slice, on numberings that cut
// n objects into runs and move some of the runs elsewhere, as few or as many as chainOf allows.
func TestMoveInPlace(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	inPlace, refused := 0, 0
	for run := range 2000 {
		n := 1 + r.IntN(200)
		// The runs of the old order, then some of them moved to random places.
		var runs [][2]int // old start, length
		for at := 0; at < n; {
			k := 1 + r.IntN(min(n-at, 1+r.IntN(40)))
			runs = append(runs, [2]int{at, k})
			at += k
		}
		for range r.IntN(1 + len(runs)/(1+r.IntN(8))) {
			i, j := r.IntN(len(runs)), r.IntN(len(runs))
			x := runs[i]
			runs = slices.Insert(slices.Delete(runs, i, i+1), j, x)
		}
		old := make([]ObjID, 0, n)
		for _, x := range runs {
			for k := range x[1] {
				old = append(old, ObjID(x[0]+k))
			}
		}
		bs := blocksOf(old)
		if bs == nil {
			continue // more runs than blocksOf takes
		}
		chain, _ := chainOf(bs, n)
		if chain == nil {
			refused++
			continue
		}
		inPlace++
		s := make([]int, n)
		for i := range s {
			s[i] = 1000 + i
		}
		want := make([]int, n)
		for i, o := range old {
			want[i] = s[o]
		}
		moveInPlace(s, bs, chain, make([]int, asideOf(bs, chain)))
		if !slices.Equal(s, want) {
			t.Fatalf("run %d: old %v: got %v, want %v", run, old, s, want)
		}
		// The chain is a longest rising one: no run left out could join it.
		last := -1
		for i, b := range bs {
			if chain[i] {
				if int(b.old) <= last {
					t.Fatalf("run %d: the chain falls at run %d (%v)", run, i, bs)
				}
				last = int(b.old)
			}
		}
	}
	if inPlace < 100 || refused < 100 {
		t.Errorf("%d numberings moved in place, %d refused: the test does not reach both", inPlace, refused)
	}
}

// TestChainOfRefusesMany checks that a numbering that reverses its runs is not moved in place:
// all but one run would be set aside.
func TestChainOfRefusesMany(t *testing.T) {
	var bs []block
	for i := range 32 {
		bs = append(bs, block{new: uint32(i * 4), old: uint32((31 - i) * 4), n: 4})
	}
	if chain, _ := chainOf(bs, 128); chain != nil {
		t.Errorf("chainOf(reversed runs) = %v, want nil", chain)
	}
}
