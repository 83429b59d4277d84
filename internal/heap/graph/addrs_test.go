package graph

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// checkAddrs checks a against want, the addresses pushed, and that a is narrow exactly when
// they span less than 4 GiB.
func checkAddrs(t *testing.T, name string, a *Addrs, want []uint64) {
	t.Helper()
	if a.Len() != len(want) {
		t.Fatalf("%s: Len %d, want %d", name, a.Len(), len(want))
	}
	for i, w := range want {
		if got := a.At(ObjID(i)); got != w {
			t.Fatalf("%s: At(%d) = %#x, want %#x", name, i, got, w)
		}
	}
	if got := addrSlice(a); !slices.Equal(got, want) && len(want) > 0 {
		t.Fatalf("%s: addresses %#x, want %#x", name, got, want)
	}
	narrow, wide, base := a.Words()
	fits := len(want) == 0 || slices.Max(want)-slices.Min(want) <= math.MaxUint32
	if fits != (wide == nil) || len(narrow)+len(wide) != len(want) {
		t.Fatalf("%s: %d narrow and %d wide words from base %#x; addresses span %v 4 GiB", name, len(narrow), len(wide), base, map[bool]string{true: "less than", false: "more than"}[fits])
	}
	if fits {
		for i, w := range narrow {
			if base+uint64(w) != want[i] {
				t.Fatalf("%s: word %d is %#x from base %#x, want address %#x", name, i, w, base, want[i])
			}
		}
	}
}

// addrSlice returns a's addresses in a new slice (ObjID -> address).
func addrSlice(a *Addrs) []uint64 {
	s := make([]uint64, a.Len())
	for i := range s {
		s[i] = a.At(ObjID(i))
	}
	return s
}

func TestAddrsPush(t *testing.T) {
	const top = math.MaxUint64
	tests := []struct {
		name  string
		addrs []uint64
	}{
		{"none", nil},
		{"one at zero", []uint64{0}},
		{"one at the top", []uint64{top}},
		{"V8 ids", []uint64{1, 3, 5, 7, 9, 11}},
		{"rising past the first base's room", []uint64{1 << 40, 1<<40 + 1<<31, 1<<40 + 3<<30, 1<<40 + math.MaxUint32}},
		{"falling past it", []uint64{1<<40 + math.MaxUint32, 1<<40 + 3<<30, 1<<40 + 1<<31, 1 << 40}},
		{"both ways", []uint64{1 << 40, 1<<40 + 1<<31 + 7, 1<<40 - 1<<30, 1<<40 + 5<<29, 1<<40 - 3<<29}},
		{"just 4 GiB apart", []uint64{1 << 36, 1<<36 + math.MaxUint32}},
		{"just more", []uint64{1 << 36, 1<<36 + math.MaxUint32 + 1, 1<<36 + 12}},
		{"more, falling", []uint64{1 << 36, 1<<36 - 1<<31, 1<<36 - 1<<32, 1<<36 - 1<<32 - 1}},
		{"the ends of the range", []uint64{top - 5, top, top - math.MaxUint32}},
		{"both ends", []uint64{0, top}},
		{"Python's arenas", []uint64{0x7f0012345670, 0x55d0aa001230, 0x7f0012345690}},
	}
	for _, tt := range tests {
		var a Addrs
		for _, x := range tt.addrs {
			a.push(x)
		}
		checkAddrs(t, tt.name, &a, tt.addrs)
		b := AddrsOf(tt.addrs)
		checkAddrs(t, tt.name+", AddrsOf", &b, tt.addrs)
	}
}

// TestAddrsRandom pushes random addresses, in windows of 4 GiB and just over, in random order
// and sorted, with room reserved or not, and checks every address and the bisection of the
// sorted ones against the slice of them.
func TestAddrsRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 9))
	for run := range 2000 {
		n := 1 + r.IntN(200)
		base := r.Uint64()
		span := []uint64{1 << 10, math.MaxUint32, math.MaxUint32 + 1, 1 << 40}[r.IntN(4)]
		base = min(base, math.MaxUint64-span)
		want := make([]uint64, n)
		for i := range want {
			want[i] = base + r.Uint64N(span)
		}
		sorted := r.IntN(2) == 0
		if sorted {
			slices.Sort(want)
			want = slices.Compact(want)
		}
		var a Addrs
		if r.IntN(2) == 0 {
			a.reserve(n)
		}
		for _, x := range want {
			a.push(x)
		}
		checkAddrs(t, "random", &a, want)
		if !sorted {
			continue
		}
		for _, x := range []uint64{want[0] - 1, want[0], want[len(want)-1], want[len(want)-1] + 1, want[r.IntN(len(want))], base + r.Uint64N(span), 0, math.MaxUint64} {
			i, found := slices.BinarySearch(want, x)
			id, ok := a.Search(x)
			if ok != found || ok && int(id) != i {
				t.Fatalf("run %d: Search(%#x) = %d, %v; want %d, %v", run, x, id, ok, i, found)
			}
		}
	}
}
