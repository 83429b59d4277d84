package graph

import "fmt"

// GroupRetained returns, for every group 0..ngroups-1, the memory the objects of the group
// retain together: the sum of Retained over the objects of the group that no other object of
// the same group dominates. Summing Retained over all of a group's objects would count an
// object dominated by another of its group twice (a list node holding the next list node), and
// could exceed the heap.
//
// idom and retained are Analysis.IDom and Analysis.Retained; group is ObjID -> group (a type
// id, say). It runs in O(n): it walks the dominator tree top-down with, per group, the number
// of objects of that group open on the current path, and counts an object when that number is 0.
// It needs 8 bytes per object while it runs, and no recursion or stack.
func GroupRetained(idom []ObjID, retained Sizes, group []uint32, ngroups int) ([]uint64, error) {
	n := len(idom)
	if retained.Len() != n || len(group) != n {
		return nil, fmt.Errorf("graph: GroupRetained: %d idoms, %d retained sizes, %d groups: want one of each per object", n, retained.Len(), len(group))
	}
	if n > maxObjects || ngroups < 0 {
		return nil, fmt.Errorf("graph: GroupRetained: %d objects, %d groups: %w", n, ngroups, ErrTooLarge)
	}
	// The dominator tree's children lists in CSR, the super-root being parent n. As in
	// countPreds, kidStart[p+1] ends up as the first index of p's list, so the fill needs no
	// cursor of its own; after it kidStart[p] is the first index of p's list.
	up := func(v ObjID) uint32 { // the parent of v as a CSR index
		if p := idom[v]; p != SuperRoot {
			return uint32(p)
		}
		return uint32(n)
	}
	kidStart := make([]uint32, n+2)
	for v, p := range idom {
		if p != SuperRoot && int(p) >= n {
			return nil, fmt.Errorf("graph: GroupRetained: object %d has immediate dominator %d, not an object", v, p)
		}
		if g := group[v]; int64(g) >= int64(ngroups) {
			return nil, fmt.Errorf("graph: GroupRetained: object %d is in group %d of %d", v, g, ngroups)
		}
		if i := up(ObjID(v)) + 2; int(i) < len(kidStart) {
			kidStart[i]++
		}
	}
	for i := 1; i < len(kidStart); i++ {
		kidStart[i] += kidStart[i-1]
	}
	kids := make([]ObjID, n)
	for v := range ObjID(n) {
		p := up(v)
		kids[kidStart[p+1]] = v
		kidStart[p+1]++
	}

	// Walk the tree top-down from the super-root. kidStart[v] is the cursor of v's list; the
	// list ends where a child of another parent begins, and the walk climbs back up through
	// idom, so it keeps no stack.
	open := make([]uint32, ngroups) // group -> objects of the group on the current path
	out := make([]uint64, ngroups)
	v := uint32(n)
	for {
		if i := kidStart[v]; int(i) < n && up(kids[i]) == v {
			kidStart[v]++
			c := kids[i]
			g := group[c]
			if open[g] == 0 {
				out[g] += retained.At(c)
			}
			open[g]++
			v = uint32(c)
			continue
		}
		if v == uint32(n) {
			return out, nil
		}
		open[group[v]]--
		v = up(ObjID(v))
	}
}
