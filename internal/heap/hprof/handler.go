package hprof

import "github.com/memsee/memsee/internal/heap"

// Kind says a dump holds objects and references.
func (Reader) Kind() heap.Kind { return heap.KindGraph }

// Identity: an object's id is its address, which the collector moves between dumps
// (docs/formats/hprof.md, "Identity across dumps").
func (Reader) Identity() heap.Identity { return heap.IdentityNone }

// IdentityNote says why objects are not matched across dumps.
func (Reader) IdentityNote() string {
	return "object generations are not tracked across HPROF dumps: an object's id is its address, which the collector moves between dumps"
}

// GraphRules: every object's first reference is to its class (edgeClass), which its type
// already says and which the graph work may leave out.
func (Reader) GraphRules() heap.GraphRules {
	return heap.GraphRules{ClassEdge: edgeClass, ClassType: "java.lang.Class"}
}
