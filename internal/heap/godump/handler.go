package godump

import "github.com/memsee/memsee/internal/heap"

// Kind says a dump holds objects and references.
func (Reader) Kind() heap.Kind { return heap.KindGraph }

// Identity: Go reuses the addresses of freed objects, and nothing tells two apart.
func (Reader) Identity() heap.Identity { return heap.IdentityNone }

// IdentityNote says why objects are not matched across dumps.
func (Reader) IdentityNote() string { return "godump objects have no identity across dumps" }
