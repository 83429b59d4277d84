package v8

import (
	"strconv"
	"strings"

	"github.com/memsee/memsee/internal/heap"
)

// GraphRules: numbered internal edges are elements, a WeakMap's table -> value edge is weak,
// and edges read as a JavaScript programmer writes them.
func (Reader) GraphRules() heap.GraphRules {
	return heap.GraphRules{Edge: graphEdge, EdgeText: edgeText}
}

// graphEdge adjusts an edge of a V8 snapshot for the graph work, as DevTools does: array and
// hash-table slots, which V8 11 writes as internal edges named by number, are elements; and
// a WeakMap's table -> value edge, whose name ends "pair in WeakMap (table @<the table's id>)",
// does not keep the value alive (the key -> value edge does), so it is weak.
//
// The references of the string tables' roots are weak too (see internalizedStringsID).
func graphEdge(from uint64, e *heap.Edge) {
	if e.Kind != heap.EdgeInternal {
		return
	}
	if from == internalizedStringsID || from == externalStringsID {
		e.Kind = heap.EdgeWeak
		return
	}
	if isIndex(e.Name) {
		e.Kind = heap.EdgeElement
		return
	}
	// The suffix is checked before it is spelled: most internal edges are not a WeakMap's.
	if strings.HasSuffix(e.Name, ")") && strings.Contains(e.Name, weakMapPair) &&
		strings.HasSuffix(e.Name, weakMapPair+strconv.FormatUint(from, 10)+")") {
		e.Kind = heap.EdgeWeak
	}
}

const weakMapPair = "pair in WeakMap (table @"

// The node ids of the roots of V8's string tables, "(Internalized strings)" and "(External
// strings)". The collector holds their strings weakly (a string no object refers to leaves
// its table), but V8 writes their references as internal ones: its snapshot generator visits
// these weak roots before it starts marking references as weak, as a TODO (v8:11800) in its
// heap-snapshot-generator.cc says. Read as strong, they would make the table and the object
// that uses a string (a property's name, a Map's key) two holders of it, so that only "the
// roots" would hold it. V8 numbers the roots' nodes in a fixed order (GetNthGcSubrootId): the
// root 1, (GC roots) 3, then its subroots from 5 by 2, the string tables first.
const (
	internalizedStringsID = 5
	externalStringsID     = 7
)

// edgeText spells a V8 edge in a path as a JavaScript programmer reads it: properties and
// closure variables as .name, the VM's own references by their name (map, context, elements),
// shortcut and weak ones marked.
func edgeText(e heap.Edge) string {
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

// isIndex reports whether s is an element index: decimal digits, below 2^31. It allocates
// nothing, unlike strconv, when s is not one, which most names of internal edges are not.
func isIndex(s string) bool {
	if s == "" || len(s) > 10 {
		return false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		v = v*10 + uint64(c-'0')
	}
	return v < 1<<31
}
