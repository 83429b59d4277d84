package loader

import (
	"slices"
	"strconv"
	"strings"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/graph"
)

// v8Edge adjusts an edge of a V8 snapshot for the graph work, as DevTools does: array and
// hash-table slots, which V8 11 writes as internal edges named by number, are elements; and
// a WeakMap's table -> value edge, whose name ends "pair in WeakMap (table @<the table's id>)",
// does not keep the value alive (the key -> value edge does), so it is weak.
func v8Edge(from uint64, e heap.Edge) heap.Edge {
	if e.Kind != heap.EdgeInternal {
		return e
	}
	if _, ok := index(e.Name); ok {
		e.Kind = heap.EdgeElement
		return e
	}
	// The suffix is checked before it is spelled: most internal edges are not a WeakMap's.
	if strings.HasSuffix(e.Name, ")") && strings.Contains(e.Name, weakMapPair) &&
		strings.HasSuffix(e.Name, weakMapPair+strconv.FormatUint(from, 10)+")") {
		e.Kind = heap.EdgeWeak
	}
	return e
}

const weakMapPair = "pair in WeakMap (table @"

// v8EdgeText spells a V8 edge in a path as a JavaScript programmer reads it: properties and
// closure variables as .name, the VM's own references by their name (map, context, elements),
// shortcut and weak ones marked.
func v8EdgeText(e heap.Edge) string {
	switch e.Kind {
	case heap.EdgeField, heap.EdgeContext:
		if e.Name == "" {
			return ""
		}
		return "." + e.Name
	case heap.EdgeHidden:
		return "(hidden " + e.Name + ")"
	case heap.EdgeShortcut:
		return "(shortcut " + e.Name + ")"
	case heap.EdgeWeak:
		return "(weak " + e.Name + ")"
	}
	return e.Name
}

// userFirst puts the user roots (the global object) at the front of g.Roots, so that paths
// start from them wherever they reach an object, and the VM's roots only reach the rest.
func userFirst(g *graph.Graph, userAddrs []uint64) {
	byAddr := make(map[uint64]bool, len(userAddrs))
	for _, a := range userAddrs {
		byAddr[a] = true
	}
	slices.SortStableFunc(g.Roots, func(x, y graph.ObjID) int {
		ux, uy := byAddr[g.Addr[x]], byAddr[g.Addr[y]]
		switch {
		case ux && !uy:
			return -1
		case uy && !ux:
			return 1
		}
		return 0
	})
	g.FirstRoots = 0
	for _, r := range g.Roots {
		if byAddr[g.Addr[r]] {
			g.FirstRoots++
		}
	}
}
