package graph

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/memsee/memsee/internal/heap"
)

// buildByIndex feeds d to a Builder with TargetsByIndex, each edge's target given as the
// place of the object at its address, and an address no object has as a place past the end
// (or past 32 bits).
func (d *dump) buildByIndex() (*Graph, error) {
	place := make(map[uint64]uint64, len(d.objects))
	for i, o := range d.objects {
		if _, ok := place[o.addr]; !ok {
			place[o.addr] = uint64(i)
		}
	}
	b := NewBuilder(len(d.objects), 0)
	b.TargetsByIndex()
	missing := uint64(len(d.objects))
	for _, o := range d.objects {
		id, err := b.AddObject(o.addr, o.size)
		if err != nil {
			return nil, err
		}
		for _, e := range o.edges {
			to, ok := place[e.to]
			if !ok {
				to = missing
				missing = missing*3 + 1<<31 // past the end, then past 32 bits
			}
			b.AddEdge(id, to, e.kind)
		}
	}
	for _, r := range d.roots {
		b.AddRoot(r)
	}
	return b.Build()
}

// TestTargetsByIndex builds random dumps by address and by index, with their addresses in
// order and not, and finds the same graph (edges, dangling ones, roots, lost roots) or the same
// error for two objects with one address.
func TestTargetsByIndex(t *testing.T) {
	shapes := []shape{
		{minN: 1, maxN: 40, edgesPer: 2, roots: 3},
		{minN: 5, maxN: 40, edgesPer: 2, self: 0.1, dangling: 0.2, roots: 5, lostRoots: true},
		{minN: 20, maxN: 60, edgesPer: 3, weak: 0.1, roots: 0},
	}
	for i, s := range shapes {
		r := rand.New(rand.NewPCG(uint64(i), 7))
		for run := range 200 {
			d := randomDump(r, s)
			if run%3 != 2 { // in address order: the roots found by bisection
				slices.SortFunc(d.objects, func(x, y dumpObject) int {
					if x.addr < y.addr {
						return -1
					}
					return 1
				})
			}
			if run%3 == 1 { // but for a few, moved to the end, as V8's embedder nodes are
				for range r.IntN(len(d.objects)/fewOutOfRun + 1) {
					i := r.IntN(len(d.objects))
					o := d.objects[i]
					d.objects = append(slices.Delete(d.objects, i, i+1), o)
				}
			}
			name := fmt.Sprintf("shape %d run %d", i, run)
			byAddr, err := d.build()
			if err != nil {
				t.Fatalf("%s: by address: %v", name, err)
			}
			byIndex, err := d.buildByIndex()
			if err != nil {
				t.Fatalf("%s: by index: %v", name, err)
			}
			if !reflect.DeepEqual(byAddr, byIndex) {
				t.Fatalf("%s: by index\n%+v\nby address\n%+v\n%s", name, byIndex, byAddr, d)
			}
		}
	}
	// In order but for a few: a repeat between the run and the rest, within the rest, both.
	run := func(extra ...uint64) []uint64 {
		var a []uint64
		for i := range 64 {
			a = append(a, uint64(10+2*i))
		}
		return append(a, extra...)
	}
	for _, addrs := range [][]uint64{{5, 6, 6, 7}, {5, 7, 6, 7}, {9, 6, 7, 6},
		run(3, 30, 1), run(3, 31, 31), run(31, 31, 30), append([]uint64{140, 30}, run(1)...)} {
		d := &dump{}
		for _, a := range addrs {
			d.objects = append(d.objects, dumpObject{addr: a, size: 1})
		}
		_, err1 := d.build()
		_, err2 := d.buildByIndex()
		if _, _, err := newRunIndex(addrs); len(addrs) > 4 && err == nil {
			t.Errorf("addresses %v: the index of their run finds no repeat", addrs)
		}
		var dup *DuplicateError
		if !errors.As(err2, &dup) || fmt.Sprint(err1) != fmt.Sprint(err2) {
			t.Errorf("addresses %v: by index %v, by address %v", addrs, err2, err1)
		}
	}
	b := NewBuilder(2, 1)
	b.AddObject(1, 1)
	b.AddEdge(0, 1, 0)
	b.TargetsByIndex()
	if _, err := b.Build(); err == nil {
		t.Error("TargetsByIndex after AddEdge: no error")
	}
}

func TestLongestRun(t *testing.T) {
	tests := []struct {
		addr   []uint64
		lo, hi int
	}{
		{nil, 0, 0},
		{[]uint64{4}, 0, 1},
		{[]uint64{1, 3, 5, 7}, 0, 4},
		{[]uint64{1, 3, 5, 7, 2, 4}, 0, 4},
		{[]uint64{9, 1, 3, 5, 7, 2}, 1, 5},
		{[]uint64{1, 2, 2, 3, 4}, 2, 5},
		{[]uint64{5, 4, 3}, 0, 1},
	}
	for _, tt := range tests {
		if lo, hi := LongestRun(tt.addr); lo != tt.lo || hi != tt.hi {
			t.Errorf("LongestRun(%v) = %d, %d, want %d, %d", tt.addr, lo, hi, tt.lo, tt.hi)
		}
	}
}

// TestRunBuckets builds dumps whose addresses are in order but for a few, as a JVM's heap
// has them, with targets by address, through the buckets of their run and through the table,
// and finds the same graph or the same error: addresses spread evenly, in regions far apart
// (too bunched for buckets), and with targets at no object's address inside and outside the
// run's range.
func TestRunBuckets(t *testing.T) {
	type layout struct {
		name    string
		addr    func(r *rand.Rand, i, n int) uint64
		buckets bool // whether the run gets its buckets
	}
	layouts := []layout{
		{"even", func(r *rand.Rand, i, n int) uint64 { return 0x7f0000000000 + 24*uint64(i) + uint64(r.IntN(2))*8 }, true},
		{"two regions far apart", func(r *rand.Rand, i, n int) uint64 {
			a := 0x10000000 + 16*uint64(i)
			if i >= n/2 {
				a += 1 << 40
			}
			return a
		}, false},
	}
	for _, l := range layouts {
		r := rand.New(rand.NewPCG(5, 9))
		for run := range 100 {
			n := 200 + r.IntN(300)
			d := &dump{}
			for i := range n {
				d.objects = append(d.objects, dumpObject{addr: l.addr(r, 2*i, 2*n), size: uint64(1 + r.IntN(50))})
			}
			// A few moved to the end (a JVM dump's classes), one of them maybe a repeat.
			for range r.IntN(n/fewOutOfRun + 1) {
				i := r.IntN(n)
				o := d.objects[i]
				d.objects = append(slices.Delete(d.objects, i, i+1), o)
			}
			if run%10 == 9 {
				d.objects[len(d.objects)-1].addr = d.objects[r.IntN(len(d.objects)-1)].addr
			}
			for i := range d.objects {
				for range r.IntN(4) {
					to := d.objects[r.IntN(n)].addr
					switch r.IntN(8) {
					case 0:
						to++ // inside the run's range, no object's
					case 1:
						to = 3 // below it
					case 2:
						to = 1 << 62 // above it
					}
					d.objects[i].edges = append(d.objects[i].edges, dumpEdge{to: to, kind: heap.EdgeField})
				}
			}
			d.roots = []uint64{d.objects[0].addr, d.objects[n-1].addr, 12345}
			name := fmt.Sprintf("%s, run %d", l.name, run)
			x, ok, err := newRunIndex(addrsOf(d))
			if err == nil && (!ok || buckets(&x, addrsOf(d)) != l.buckets) {
				t.Fatalf("%s: indexed by run %v, buckets %v; want buckets %v", name, ok, !ok || x.first != nil, l.buckets)
			}
			byRun, err1 := d.build()
			useRuns = false
			byTable, err2 := d.build()
			useRuns = true
			if fmt.Sprint(err1) != fmt.Sprint(err2) {
				t.Fatalf("%s: error %v through the run, %v through the table", name, err1, err2)
			}
			if !reflect.DeepEqual(byRun, byTable) {
				t.Fatalf("%s: through the run\n%+v\nthrough the table\n%+v", name, byRun, byTable)
			}
		}
	}
}

func addrsOf(d *dump) []uint64 {
	a := make([]uint64, len(d.objects))
	for i, o := range d.objects {
		a[i] = o.addr
	}
	return a
}
