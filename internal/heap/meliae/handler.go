package meliae

import "github.com/memsee/memsee/internal/heap"

// Kind says a dump holds objects and references.
func (Reader) Kind() heap.Kind { return heap.KindGraph }

// Identity: CPython reuses the address of a freed object, so an object is the one with the same
// address, type and size (docs/formats/meliae.md).
func (Reader) Identity() heap.Identity { return heap.IdentityAddress }

// IdentityNote says how objects are matched across dumps.
func (Reader) IdentityNote() string { return "address, type and size" }

// GraphRules: meliae has no GC roots: modules are roots (the reader sends them), and so is
// every object nothing refers to.
func (Reader) GraphRules() heap.GraphRules { return heap.GraphRules{UnreferencedRoots: true} }
