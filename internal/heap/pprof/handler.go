package pprof

import "github.com/memsee/memsee/internal/heap"

// Format is the name of the format, as snapshots record it.
const Format heap.Format = "pprof"

// Kind says a profile holds allocation sites, not objects.
func (Reader) Kind() heap.Kind { return heap.KindProfile }

// Identity: a profile has no objects to match.
func (Reader) Identity() heap.Identity { return heap.IdentityNone }

// IdentityNote says why there are no new/freed counts.
func (Reader) IdentityNote() string { return "pprof objects have no identity across dumps" }
