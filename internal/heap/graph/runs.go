package graph

import "slices"

// LongestRun returns the longest stretch addr[lo:hi] whose addresses increase strictly. V8's
// node ids increase but for a few nodes at the end (the embedder's, with ids of their own),
// so that most of a snapshot's addresses can be searched by bisection instead of indexed.
func LongestRun(addr []uint64) (lo, hi int) {
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
// for which a runIndex is made instead of an addrTable.
const fewOutOfRun = 16

// runIndex finds the objects of a graph by address when most of them are in one increasing
// run: by bisection in the run, and in a small table for the others.
type runIndex struct {
	lo, hi int       // the run, addr[lo:hi]
	rest   addrTable // every other object
}

// newRunIndex indexes addr (ObjID -> address) by its longest run; ok is false, and nothing is
// made, when more than a fewOutOfRun-th of the objects are outside it. Two objects with one
// address are a *DuplicateError, the one newAddrTable reports (the pair whose second object
// comes first).
func newRunIndex(addr []uint64) (_ runIndex, ok bool, _ error) {
	lo, hi := LongestRun(addr)
	n := len(addr)
	if n-(hi-lo) > n/fewOutOfRun {
		return runIndex{}, false, nil
	}
	x := runIndex{lo: lo, hi: hi}
	others := make([]uint64, 0, n-(hi-lo)) // the addresses outside the run, in ObjID order
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
				dup = &DuplicateError{Addr: a, First: first, Second: second}
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

func (x runIndex) lookup(addr []uint64, a uint64) (ObjID, bool) {
	if i, found := slices.BinarySearch(addr[x.lo:x.hi], a); found {
		return ObjID(x.lo + i), true
	}
	return x.rest.lookup(addr, a)
}
