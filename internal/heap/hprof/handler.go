package hprof

import (
	"fmt"
	"maps"
	"slices"

	"github.com/memsee/memsee/internal/heap"
)

// Format is the name of the format, as snapshots record it.
const Format heap.Format = "hprof"

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
// already says and which the graph work may leave out; and a HotSpot dump refers to archived
// objects it does not hold, in every dump of a JVM that maps the CDS archive's heap objects
// (JDK 17's defaults, docs/formats/hprof.md, "References to objects not in the dump").
func (Reader) GraphRules() heap.GraphRules {
	return heap.GraphRules{ClassEdge: edgeClass, ClassType: classType, OmittedTargets: true, DenserLater: true,
		LaterRoots: slices.Sorted(maps.Values(stackRootKinds)), ValuesReadNames: true}
}

// The flags of the JVM's object layout (see Options).
const (
	flagUncompressedOops          = "uncompressed-oops"
	flagUncompressedClassPointers = "uncompressed-class-pointers"
)

// Configure returns the reader for the JVM layout opts describe.
func (Reader) Configure(opts heap.Options) (heap.Reader, error) {
	return Reader{Options: Options{
		UncompressedOops:          opts[flagUncompressedOops] == "true",
		UncompressedClassPointers: opts[flagUncompressedClassPointers] == "true",
	}}, nil
}

// Misapplied refuses the JVM layout flags for a file that is not a JVM dump.
func (Reader) Misapplied(opts heap.Options, path string, other heap.Format) error {
	if opts[flagUncompressedOops] != "true" && opts[flagUncompressedClassPointers] != "true" {
		return nil
	}
	return fmt.Errorf("%s: --uncompressed-oops and --uncompressed-class-pointers describe JVM dumps, and this is a %s file", path, other)
}
