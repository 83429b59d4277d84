package graph

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

// spanAddrs returns n addresses as a Go or a Python heap lays them out: runs of objects of one
// size at increasing addresses (a span, an arena pool), the runs in no order, spread over more
// than 4 GiB.
func spanAddrs(n int, seed uint64) []uint64 {
	r := rand.New(rand.NewPCG(seed, 1))
	addr := make([]uint64, 0, n)
	spans := n/64 + 1
	order := r.Perm(spans)
	for _, s := range order {
		base := 0x7f0000000000 + uint64(s)<<13
		if s%3 == 0 {
			base = 0x55000000 + uint64(s)<<13 // another mapping, far below
		}
		size := uint64(16 << r.IntN(5))
		for k := uint64(0); k < 8192/size && len(addr) < n; k++ {
			addr = append(addr, base+k*size)
		}
	}
	return addr
}

// TestAddrTable checks that every address is found at its object, addresses no object has are
// not, and a repeated address is reported as the same pair whatever the run, at sizes below
// and above the one from which the table is built on every core.
func TestAddrTable(t *testing.T) {
	for _, n := range []int{1, 100, parallelTableMin - 1, parallelTableMin + 1000, 3 * parallelTableMin} {
		addr := spanAddrs(n, uint64(n))
		tab, err := newAddrTable(addr)
		if err != nil {
			t.Fatal(err)
		}
		for id, a := range addr {
			if got, ok := lookupTable(tab, addr, a); !ok || got != ObjID(id) {
				t.Fatalf("%d objects: address %#x found at %d (%v), want %d", n, a, got, ok, id)
			}
			if _, ok := lookupTable(tab, addr, a+1); ok {
				t.Fatalf("%d objects: address %#x found", n, a+1)
			}
		}
		if n < 100 {
			continue
		}
		// Two pairs: the one whose second object comes first is reported, every time.
		for range 3 {
			dup := append([]uint64(nil), addr...)
			dup[n-10] = dup[n/2]
			dup[n-20] = dup[n/3]
			_, err := newAddrTable(dup)
			var de *DuplicateError
			if !errors.As(err, &de) || de.First != ObjID(n/3) || de.Second != ObjID(n-20) || de.Addr != addr[n/3] {
				t.Fatalf("%d objects: %v, want objects %d and %d at %#x", n, err, n/3, n-20, addr[n/3])
			}
		}
	}
}

func BenchmarkAddrTable(b *testing.B) {
	for _, n := range []int{1_000_000, 10_000_000} {
		addr := spanAddrs(n, 7)
		b.Run(fmt.Sprintf("objects=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := newAddrTable(addr); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
		})
	}
}

// TestAddrTableWraps checks that a run of taken slots goes on from the last slot to the
// first: addresses whose first slot is the last one of the table are all found.
func TestAddrTableWraps(t *testing.T) {
	tab := addrTable{slots: make([]uint32, 16)}
	var addr []uint64
	for a := uint64(8); len(addr) < 3; a += 8 {
		if tab.slot(hashAddr(a)) == uint64(len(tab.slots)-1) {
			addr = append(addr, a)
		}
	}
	if err := insertAll(tab, addr, 1); err != nil {
		t.Fatal(err)
	}
	if tab.slots[0] == 0 || tab.slots[1] == 0 {
		t.Fatalf("slots %v: the run did not wrap", tab.slots)
	}
	for i, a := range addr {
		if id, ok := lookupTable(tab, addr, a); !ok || int(id) != i {
			t.Errorf("address %#x: object %d, %v; want %d", a, id, ok, i)
		}
	}
	if _, ok := lookupTable(tab, addr, 4); ok {
		t.Error("an address no object has was found")
	}
}
