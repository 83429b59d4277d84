package v8

import "github.com/memsee/memsee/internal/heap"

// Format is the name of the format, as snapshots record it.
const Format heap.Format = "v8"

// Kind says a snapshot holds objects and references.
func (Reader) Kind() heap.Kind { return heap.KindGraph }

// Identity: V8 node ids are exact within a process, whatever happens to the object's size (as
// DevTools compares them).
func (Reader) Identity() heap.Identity { return heap.IdentityNodeID }

// IdentityNote says how objects are matched across snapshots.
func (Reader) IdentityNote() string { return "node id (as DevTools' Comparison view)" }
