package v8

import (
	"fmt"
	"slices"
	"testing"

	"github.com/memsee/memsee/internal/heap/graph"
)

// A column frees the chunks wholly below the index it is given, and only those: the values
// from that index on read as they were written, whichever order the frees come in; in the Go
// heap and in an arena, which gets back what was freed.
func TestColumnFree(t *testing.T) {
	const chunk = 1 << chunkBits
	for _, tc := range []struct {
		name  string
		n     int   // values pushed
		frees []int // free(i) in this order
		chunk int   // chunks nil after them
	}{
		{"none", 3 * chunk, nil, 0},
		{"within the first chunk", 3 * chunk, []int{chunk - 1}, 0},
		{"the first chunk", 3 * chunk, []int{chunk}, 1},
		{"step by step", 3*chunk + 5, []int{1, chunk + 1, 2*chunk - 1, 2 * chunk}, 2},
		{"backwards frees nothing more", 3 * chunk, []int{2 * chunk, chunk, 0}, 2},
		{"past the end", 2*chunk + 7, []int{10 * chunk}, 3},
		{"empty", 0, []int{chunk}, 0},
	} {
		for _, arena := range []*graph.Arena{nil, graph.NewHugeArena()} {
			t.Run(fmt.Sprintf("%s/arena=%v", tc.name, arena != nil), func(t *testing.T) {
				defer arena.Free()
				c := column[uint32]{arena: arena}
				for i := range tc.n {
					c.push(uint32(i) * 3)
				}
				low := 0
				for _, i := range tc.frees {
					c.free(i)
					low = max(low, i)
				}
				for k, ch := range c.chunks {
					if (ch == nil) != (k < tc.chunk) {
						t.Errorf("chunk %d nil: %v; want the first %d nil", k, ch == nil, tc.chunk)
					}
				}
				for i := low &^ (chunk - 1); i < tc.n; i++ {
					if got := c.at(i); got != uint32(i)*3 {
						t.Fatalf("value %d after freeing: %d, want %d", i, got, i*3)
					}
				}
				// The chunks after the first are the arena's: those freed went back to it (counted
				// by the values they held).
				want := int64(0)
				for k := 1; k < tc.chunk; k++ {
					want += int64(min(chunk, tc.n-k*chunk)) * 4
				}
				if arena != nil && arena.Released() != want && graph.ArenaMake[byte](arena, 1) != nil {
					t.Errorf("the arena got back %d bytes, want %d", arena.Released(), want)
				}
			})
		}
	}
}

// The types and names of a chunk of nodes go once emit has passed the chunk and every
// concatenated string that reads a node of it as a part, through other concatenated strings
// too: those made early hold back their chunk, and only it.
func TestNamesRelease(t *testing.T) {
	const chunk = 1 << chunkBits
	n := 2*chunk + 10
	p := &parser{nodeKinds: []nodeKind{kindString, kindConsString}}
	for range n {
		p.ntype.push(0)
	}
	a, b := chunk+7, 2*chunk+5 // b's first part is a, whose first part is node 5
	p.ntype.set(a, 1)
	p.ntype.set(b, 1)
	p.cons = []consParts{{node: uint32(a), first: 5, second: -1}, {node: uint32(b), first: int64(a), second: -1}}
	got := p.namesRelease()
	want := []chunkRelease{{chunk: 0, at: b}, {chunk: 1, at: b}, {chunk: 2, at: n - 1}}
	if !slices.Equal(got, want) {
		t.Errorf("release %v, want %v", got, want)
	}
	// Without concatenated strings, each chunk goes at its end.
	p.cons = nil
	want = []chunkRelease{{chunk: 0, at: chunk - 1}, {chunk: 1, at: 2*chunk - 1}, {chunk: 2, at: n - 1}}
	if got := p.namesRelease(); !slices.Equal(got, want) {
		t.Errorf("release with no concatenated strings %v, want %v", got, want)
	}
}
