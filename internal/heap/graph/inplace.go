package graph

import "sort"

// Moving runs in place. A numbering that keeps most objects in order (V8's and JVM dumps'
// address orders) moves them a run (block) at a time; most runs then keep their order in both
// numberings, and those can slide to their new places within the slice itself, so that
// renumbering needs no second copy of the edges or of an object's array, only room for the
// few runs that do not keep their order.

// maxAside is the largest share (1/maxAside) of a slice that moving in place sets aside: a
// numbering that moves more is moved through a new slice.
const maxAside = 16

// chainOf marks the runs (in the new order, as blocksOf returns them) that move in place: a
// longest chain of runs whose old places rise with their new ones, and returns how many
// objects the other runs hold (asideOf). It returns nil when those are more than a
// maxAside-th of n.
func chainOf(bs []block, n int) (chain []bool, aside int) {
	// Patience sorting: tails[k] is the run ending the best chain of k+1 runs found so far
	// (the one whose old place is least), prev links each run to the one before it in its chain.
	tails := make([]int32, 0, 16)
	prev := make([]int32, len(bs))
	for i, b := range bs {
		k := sort.Search(len(tails), func(k int) bool { return bs[tails[k]].old > b.old })
		prev[i] = -1
		if k > 0 {
			prev[i] = tails[k-1]
		}
		if k == len(tails) {
			tails = append(tails, int32(i))
		} else {
			tails[k] = int32(i)
		}
	}
	chain = make([]bool, len(bs))
	aside = n
	if len(tails) > 0 {
		for i := tails[len(tails)-1]; i >= 0; i = prev[i] {
			chain[i] = true
			aside -= int(bs[i].n)
		}
	}
	if aside > n/maxAside {
		return nil, 0
	}
	return chain, aside
}

// moveInPlace moves s as bs say (bs in the new order, each moving s[old:old+n] to
// s[new:new+n], together covering s), the runs chain marks sliding within s and the others
// going through aside (at least their length). A run of the chain that moves left cannot land
// on a run of the chain before it that has not moved yet, which moves right (it would have to
// start left of where that one ends); so those that move left move first, first to last, and
// then those that move right, last to first.
func moveInPlace[T any](s []T, bs []block, chain []bool, aside []T) {
	at := 0
	for i, b := range bs {
		if !chain[i] {
			at += copy(aside[at:], s[b.old:b.old+b.n])
		}
	}
	for i, b := range bs {
		if chain[i] && b.new < b.old {
			copy(s[b.new:b.new+b.n], s[b.old:b.old+b.n])
		}
	}
	for i := len(bs) - 1; i >= 0; i-- {
		if b := bs[i]; chain[i] && b.new > b.old {
			copy(s[b.new:b.new+b.n], s[b.old:b.old+b.n])
		}
	}
	at = 0
	for i, b := range bs {
		if !chain[i] {
			at += copy(s[b.new:b.new+b.n], aside[at:at+int(b.n)])
		}
	}
}

// asideOf returns how many entries moveInPlace sets aside.
func asideOf(bs []block, chain []bool) int {
	k := 0
	for i, b := range bs {
		if !chain[i] {
			k += int(b.n)
		}
	}
	return k
}

// edgeBlocks returns the runs of edges that the runs of objects bs move: oldStart and newStart
// are EdgeStart before and after.
func edgeBlocks(bs []block, oldStart, newStart []uint32) []block {
	es := make([]block, len(bs))
	for i, b := range bs {
		es[i] = block{new: newStart[b.new], old: oldStart[b.old], n: oldStart[b.old+b.n] - oldStart[b.old]}
	}
	return es
}
