package graph

import "github.com/memsee/memsee/internal/heap"

// Dump is what a format's whole-graph naming pass sees of a dump once its graph is built, and
// what it may change: the names of references, the values of objects, the names of roots. The
// loader implements it over its own arrays; edge indexes are those of Graph.Edges.
type Dump interface {
	Graph() *Graph
	// TypeIndex returns the index of a type name among the dump's types.
	TypeIndex(name string) (uint32, bool)
	// TypeOf returns the index of object id's type; TypeName spells a type index.
	TypeOf(id ObjID) uint32
	TypeName(t uint32) string
	// Len is object id's length (dict entries, elements), or -1.
	Len(id ObjID) int64
	// Value is object id's value (a string's text); SetValues replaces every object's value
	// by value(id), in one pass.
	Value(id ObjID) string
	SetValues(value func(id ObjID) string)
	// NameID returns the id of a reference name the dump uses, EdgeNameID the id of edge e's
	// name (0: none or not a plain name, as an element's index).
	NameID(name string) (uint32, bool)
	EdgeNameID(e uint32) uint32
	// SetEdgeName names edge e.
	SetEdgeName(e uint32, name string)
	// SetKeyName names edge e after the object edge e-1 refers to (a dict's key), as the
	// format's KeyNamer spells it when the edge is written; attr says which spelling.
	SetKeyName(e uint32, attr bool)
	// RenameEdges renames every edge of a kind in kinds that has a plain name, by rename(name),
	// asked once per name.
	RenameEdges(kinds []heap.EdgeKind, rename func(name string) string)
	// Roots returns the reader's roots; RenameRoot renames root i.
	Roots() []heap.Root
	RenameRoot(i int, name string)
}

// Namer is implemented by the handler of a format whose names (of references, objects, roots)
// need the whole graph: a key that comes later in the file, a class after its instances.
type Namer interface {
	NameGraph(d Dump)
}

// KeyNamer is implemented by a Namer that calls Dump.SetKeyName: it spells the name of a
// reference from the key object before it.
type KeyNamer interface {
	KeyText(d Dump, key ObjID, attr bool) string
}
