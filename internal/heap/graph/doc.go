// Package graph holds an object-graph heap dump in memory as flat arrays and computes, once at
// load, what memsee stores for every object: its distance from the GC roots with a parent on a
// shortest path, its immediate dominator, and its retained size.
//
// Objects are dense ordinals, ObjID 0..n-1, numbered in the order a reader handed them to the
// Builder; the dump's own address or id lives in Graph.Addr. Edges are in CSR form: the
// out-edges of object i are Edges[EdgeStart[i]:EdgeStart[i+1]], objects in ObjID order and the
// edges of one object in the order they were added, so an edge index is a stable name the caller
// can index its own per-edge data (field names) with.
//
// The super-root. Paths and the dominator tree hang off one synthetic super-root. It is not an
// object and has no index in any slice; wherever an ObjID is expected it is written SuperRoot.
// Its children are the GC roots (Graph.Roots), so the Parent and the IDom of every root is
// SuperRoot. Objects that no root reaches through essential edges (garbage not yet collected,
// objects held only by weak references, objects held by something the dump does not show) are
// hung off the super-root too, so that every object gets an immediate dominator and a retained
// size: the super-root gets a virtual edge to each entry of the unreachable part, and the
// dominators below those entries are computed as usual (see Graph.Analyze). Their Parent is
// SuperRoot and their Dist is Unreached, since they have no path from a root.
//
// Essential edges. An edge keeps its target alive, and is followed by the path search and by
// both passes of the dominator algorithm, exactly when Graph.Essential says so: not weak, not a
// self edge, and not a V8 shortcut edge unless its source is a root. This is the rule Chrome
// DevTools uses; one predicate for every pass matters, because a dominator computation whose
// passes disagree on the edges is wrong or, worse, does not terminate (memlab's old fix-point).
package graph
