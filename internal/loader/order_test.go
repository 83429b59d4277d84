package loader

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/memsee/memsee/internal/heap/graph"
)

// TestOrderByAddress checks the oids, and the addresses by oid when it sorts them all, against a
// comparison sort by address, for addresses as
// the formats have them: in order (V8's ids), shuffled, in regions, anywhere.
func TestOrderByAddress(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	tests := []struct {
		name string
		addr func(n int) []uint64
	}{
		{"none", func(int) []uint64 { return nil }},
		{"one", func(int) []uint64 { return []uint64{42} }},
		{"in order", func(n int) []uint64 {
			a := make([]uint64, n)
			for i := range a {
				a[i] = 0xc000000000 + 16*uint64(i)
			}
			return a
		}},
		{"in order but for a few, as V8's embedder nodes", func(n int) []uint64 {
			a := make([]uint64, n)
			for i := range a {
				a[i] = 1 + 2*uint64(i)
			}
			// The first and the last few out of place: smaller, larger, in between.
			a[0] = 1 << 41
			for i, p := range rng.Perm(n)[:n/20] {
				a[n-n/20+i] = 2*uint64(p) + 2
			}
			a[n-1] = 1 << 40
			return a
		}},
		{"shuffled, in a few GB", func(n int) []uint64 {
			a := make([]uint64, n)
			for i, p := range rng.Perm(n) {
				a[i] = 0x7f0000000000 + 8*uint64(p)
			}
			return a
		}},
		{"runs, as a JVM dump's regions", func(n int) []uint64 {
			a := make([]uint64, n)
			for i := range a {
				a[i] = uint64(i%7)<<32 + 24*uint64(i)
			}
			return a
		}},
		{"across the whole range", func(n int) []uint64 {
			a := make([]uint64, n)
			seen := map[uint64]bool{}
			for i := range a {
				for a[i] = rng.Uint64(); seen[a[i]]; a[i] = rng.Uint64() {
				}
				seen[a[i]] = true
			}
			a[0], a[1] = 0, math.MaxUint64
			return a
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := tt.addr(5000)
			want := make([]graph.ObjID, len(addr))
			for i := range want {
				want[i] = graph.ObjID(i)
			}
			slices.SortFunc(want, func(x, y graph.ObjID) int {
				if addr[x] < addr[y] {
					return -1
				}
				return 1
			})
			got := orderByAddress(graph.AddrsOf(addr))
			got.invert()
			if !slices.Equal(got.perm, want) {
				t.Fatalf("perm differs from a sort by address")
			}
			if n := got.sorted.Len(); n != 0 && n != len(addr) {
				t.Fatalf("%d addresses sorted, want none or %d", n, len(addr))
			}
			for i, id := range got.perm {
				if got.sorted.Len() > 0 && got.sorted.At(graph.ObjID(i)) != addr[id] {
					t.Fatalf("sorted address %d is %#x, want %#x", i, got.sorted.At(graph.ObjID(i)), addr[id])
				}
				if got.oid[id] != uint32(i) {
					t.Fatalf("oid[%d] = %d, want %d", id, got.oid[id], i)
				}
			}
		})
	}
}
