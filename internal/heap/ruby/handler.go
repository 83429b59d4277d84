package ruby

import (
	"time"

	"github.com/memsee/memsee/internal/heap"
)

// Format is the name of the format, as snapshots record it.
const Format heap.Format = "ruby"

// Kind says a dump holds objects and references.
func (Reader) Kind() heap.Kind { return heap.KindGraph }

// Identity: an object is the one with the same address, type and size; or, when the dump
// records the GC count it was allocated at ("generation", with allocation tracing on: the
// reader's Object.Born), the same address, type and generation, whatever its size. Ruby's
// collector does not move objects unless the program calls GC.compact (or turns on
// GC.auto_compact), and it reuses a freed object's slot, for a new object of a later
// generation (docs/formats/ruby.md).
func (Reader) Identity() heap.Identity { return heap.IdentityAddress }

// IdentityNote says how objects are matched across dumps, and when that fails.
func (Reader) IdentityNote() string {
	return "address, type and allocation generation, or size where the dump has no generation (objects GC.compact moved between the dumps count as freed and new)"
}

// NameTime reads the time from the name memsee's Ruby dumper gives a dump (dumper.rb):
// heap-<pid>-<UTC stamp>-<n>.json, as heap-4242-20261129T184512.345Z-3.json, or the same
// gzip'd. The stamp is UTC, so loc is not needed. Ruby itself names no dumps.
func (Reader) NameTime(base string, _ *time.Location) (time.Time, bool) {
	return heap.DumperNameTime(base, ".json")
}
