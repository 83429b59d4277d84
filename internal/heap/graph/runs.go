package graph

import (
	"math"
	"slices"
)

// LongestRun returns the longest stretch addr[lo:hi] whose addresses increase strictly. V8's
// node ids increase but for a few nodes at the end (the embedder's, with ids of their own),
// so that most of a snapshot's addresses can be searched by bisection instead of indexed.
func LongestRun[T addrWord](addr []T) (lo, hi int) {
	start := 0
	for i := 1; i <= len(addr); i++ {
		if i == len(addr) || addr[i] <= addr[i-1] {
			if i-start > hi-lo {
				lo, hi = start, i
			}
			start = i
		}
	}
	return lo, hi
}

// fewOutOfRun is the most objects outside the longest run, as a share of all (1/fewOutOfRun),
// for which the addresses count as in order but for a few (InOrderButFew).
const fewOutOfRun = 16

// InOrderButFew returns the longest run of addr (LongestRun), and whether at most a
// fewOutOfRun-th of the addresses are outside it: then a bisection or a merge with the run
// serves where an index or a sort of every address would otherwise be made.
func InOrderButFew[T addrWord](addr []T) (lo, hi int, ok bool) {
	lo, hi = LongestRun(addr)
	return lo, hi, len(addr)-(hi-lo) <= len(addr)/fewOutOfRun
}

// runIndex finds the objects of a graph by address when most of them are in one increasing
// run: in the run by bisection, or through its buckets (buckets), and in a small table for
// the others.
type runIndex struct {
	lo, hi int       // the run, addr[lo:hi]
	rest   addrTable // every other object

	// The buckets, when made: the run's addresses from base on cut into spans of 1<<shift,
	// first[k] being the place in the run of the first address in span k or after it (one
	// entry past the last span). Addresses in order and spread about evenly (a JVM's heap)
	// are found by a read of first and one or two of the run, without the address table's
	// random writes to build it.
	base  uint64
	shift uint
	first []uint32
}

// maxPerBucket is the most addresses of the run a bucket may hold: past it, addresses bunched
// in a few spans (heap regions far apart) would make each lookup a scan, and buckets returns
// false.
const maxPerBucket = 16

// buckets cuts x's run into buckets of about one address each, unless the addresses are
// bunched (maxPerBucket); the run must not be empty.
func buckets[T addrWord](x *runIndex, addr []T) bool {
	run := addr[x.lo:x.hi]
	if len(run) == 0 || len(run) >= math.MaxUint32 {
		return false
	}
	lo, hi := uint64(run[0]), uint64(run[len(run)-1])
	shift := uint(0)
	for (hi-lo)>>shift >= uint64(len(run)) {
		shift++
	}
	nb := int((hi-lo)>>shift) + 1
	first := make([]uint32, nb+1)
	k, last := 0, 0 // the next bucket to set; where the last bucket began
	for i, a := range run {
		b := int((uint64(a) - lo) >> shift)
		for ; k <= b; k++ {
			if i-last > maxPerBucket {
				return false
			}
			first[k], last = uint32(i), i
		}
	}
	if len(run)-last > maxPerBucket {
		return false
	}
	for ; k <= nb; k++ {
		first[k] = uint32(len(run))
	}
	x.base, x.shift, x.first = lo, shift, first
	return true
}

// lookupAllRun is lookupAll through x's buckets.
func lookupAllRun[T addrWord, K uint32 | uint64](x *runIndex, addr []T, base uint64, keys []K, out []ObjID) {
	run := addr[x.lo:x.hi]
	limit := uint64(len(x.first) - 1) // buckets
	for j, k := range keys {
		w, in := keyOf[T](base, uint64(k))
		if !in {
			out[j] = SuperRoot
			continue
		}
		a := uint64(w)
		if b := (a - x.base) >> x.shift; a >= x.base && b < limit {
			for i := x.first[b]; i < x.first[b+1]; i++ {
				if run[i] == w {
					out[j] = ObjID(x.lo + int(i))
					goto next
				}
			}
		}
		if id, ok := lookupTable(x.rest, addr, w); ok {
			out[j] = id
		} else {
			out[j] = SuperRoot
		}
	next:
	}
}

// newRunIndex indexes addr (ObjID -> address) by its longest run; ok is false, and nothing is
// made, when more than a fewOutOfRun-th of the objects are outside it. Two objects with one
// address are a *DuplicateError, the one newAddrTable reports (the pair whose second object
// comes first).
func newRunIndex[T addrWord](addr []T) (_ runIndex, ok bool, _ error) {
	lo, hi, ok := InOrderButFew(addr)
	if !ok {
		return runIndex{}, false, nil
	}
	n := len(addr)
	x := runIndex{lo: lo, hi: hi}
	others := make([]T, 0, n-(hi-lo)) // the addresses outside the run, in ObjID order
	others = append(append(others, addr[:lo]...), addr[hi:]...)
	// others' table holds places in others; it is read back with ObjIDs below.
	t, terr := newAddrTable(others)
	var dup *DuplicateError
	if terr != nil {
		d := terr.(*DuplicateError)
		dup = &DuplicateError{Addr: d.Addr, First: x.objID(d.First), Second: x.objID(d.Second)}
	}
	// An address of the run can only repeat one outside it (the run increases strictly).
	for i, a := range others {
		id := x.objID(ObjID(i))
		if j, found := slices.BinarySearch(addr[lo:hi], a); found {
			first, second := min(id, ObjID(lo+j)), max(id, ObjID(lo+j))
			if dup == nil || second < dup.Second {
				dup = &DuplicateError{Addr: uint64(a), First: first, Second: second}
			}
		}
	}
	if dup != nil {
		return runIndex{}, false, dup
	}
	x.rest = t
	for i := range t.slots {
		if s := t.slots[i]; s != 0 {
			t.slots[i] = uint32(x.objID(ObjID(s-1))) + 1
		}
	}
	return x, true, nil
}

// objID is the ObjID of the i-th object outside the run.
func (x runIndex) objID(i ObjID) ObjID {
	if int(i) < x.lo {
		return i
	}
	return i + ObjID(x.hi-x.lo)
}

// lookupRun returns the object whose word in addr is a.
func lookupRun[T addrWord](x runIndex, addr []T, a T) (ObjID, bool) {
	if i, found := slices.BinarySearch(addr[x.lo:x.hi], a); found {
		return ObjID(x.lo + i), true
	}
	return lookupTable(x.rest, addr, a)
}
