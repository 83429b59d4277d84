// Package heap is memsee's format-neutral model of a heap dump or heap profile: the records a
// reader finds in a file, the Sink it hands them to, and the positioned error it returns.
//
// Readers live in sub-packages, one per format (heap/pprof, ...). A reader imports heap only: it
// never touches SQL and never prints.
package heap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Format names a dump or profile format. Each format's package declares its own (meliae.Format)
// and registers it (internal/formats).
type Format string

// Kind says whether a format carries allocation sites (a profile) or objects and references
// (a graph). It is a snapshot's kind too, stored as its text.
type Kind string

// The kinds of input.
const (
	KindProfile Kind = "profile" // allocation sites with counts and bytes; no objects
	KindGraph   Kind = "graph"   // every object and reference
)

// Snapshot is what a file says about itself, handed to Sink.Begin before any other record.
type Snapshot struct {
	Format  Format
	Kind    Kind
	TakenAt time.Time         // zero when the file does not record it
	Meta    map[string]string // format-specific facts worth keeping (runtime version, sample period...)
	// Records is how many samples or objects the file says it holds, 0 when it does not say;
	// a sink may size its tables by it, but must not trust it further.
	Records int
	// Edges is how many references the file says it holds, 0 when it does not say; like
	// Records, a hint for sizing.
	Edges int
	// EdgesByIndex says that an Edge's To is the place of its target among the objects the
	// reader sends (0 for the first), not its address: a format whose references name objects
	// by their place (V8's to_node). A Root is still named by its address.
	EdgesByIndex bool
	// Held says that the reader read the whole dump before Begin and lets its memory go as it
	// sends the objects (V8's columns): the sink's memory grows as the reader's is freed.
	Held bool
	// HeldOffHeap says that what the reader held is outside the Go heap and goes back to the
	// system as it is freed (V8's columns, in an arena), so that the sink's arrays grow into
	// fresh memory either way: those it copies later (the edges' targets, the values' chunks)
	// then wait outside the Go heap too, to go back to the system as they are copied. A reader
	// that holds the dump in the Go heap (the Go dump's) leaves the sink its freed memory to
	// reuse instead.
	HeldOffHeap bool
}

// Value indexes Sample.Values. Heap profiles carry up to four numbers per allocation site.
type Value int

// The values of a heap-profile sample.
const (
	InuseObjects Value = iota // live objects allocated at the site
	InuseBytes                // live bytes allocated at the site
	AllocObjects              // objects ever allocated at the site
	AllocBytes                // bytes ever allocated at the site
	NumValues
)

var valueNames = [NumValues]string{"inuse_objects", "inuse_space", "alloc_objects", "alloc_space"}

// String returns the pprof sample-type name of v (inuse_space, ...).
func (v Value) String() string {
	if v < 0 || v >= NumValues {
		return fmt.Sprintf("Value(%d)", int(v))
	}
	return valueNames[v]
}

// ParseValue maps a pprof sample-type name to a Value.
func ParseValue(s string) (Value, error) {
	for i, n := range valueNames {
		if n == s {
			return Value(i), nil
		}
	}
	return 0, fmt.Errorf("unknown sample type %q (want inuse_space, inuse_objects, alloc_space or alloc_objects)", s)
}

// Sample is one allocation site of a heap profile and what was allocated there.
type Sample struct {
	// Stack holds the function names from the allocating function (Stack[0]) out to the
	// outermost caller, inlined frames expanded. It is only valid during the Sink call.
	Stack []string
	// Frames holds a reader-local id for each entry of Stack: the same id always stands for
	// the same name, so a sink can intern names by id instead of hashing strings. Ids are
	// small and dense where the format allows (pprof function ids). Only valid during the call.
	Frames []uint64
	// Line is "file:line" of the allocating frame, or "" when the profile is not symbolized.
	Line   string
	Values [NumValues]int64
}

// EdgeKind classifies a reference between two objects.
type EdgeKind uint8

// The kinds of reference. Only EdgeWeak and EdgeShortcut are special to the graph work: weak
// edges never keep an object alive, and shortcut edges are followed only from the root (V8).
const (
	EdgeField    EdgeKind = iota // a named field, property, attribute or dict key
	EdgeElement                  // an array or list index; Name is the decimal index
	EdgeContext                  // a closure variable
	EdgeInternal                 // runtime-internal, not visible to the program
	EdgeHidden                   // runtime-internal, needed for sizes
	EdgeShortcut                 // a V8 shortcut edge
	EdgeWeak                     // does not keep its target alive
	EdgeClass                    // an object's class, a class's superclass or loader
)

var edgeKindNames = [...]string{"field", "element", "context", "internal", "hidden", "shortcut", "weak", "class"}

// String names an edge kind in lower case: field, element, weak, ...
func (k EdgeKind) String() string {
	if int(k) < len(edgeKindNames) {
		return edgeKindNames[k]
	}
	return fmt.Sprintf("EdgeKind(%d)", int(k))
}

// Edge is one outgoing reference of an object.
type Edge struct {
	To   uint64 // the target's Object.Addr; its place among the objects with Snapshot.EdgesByIndex
	Kind EdgeKind
	Name string // field or key name, decimal index for elements; may be empty
	// NameID is a reader-local id of Name, 0 when the reader has none: the same nonzero id
	// always stands for the same Name, so that a sink can intern names by id instead of
	// hashing strings (V8: the index into the snapshot's strings, plus one).
	NameID uint64
}

// Object is one object of an object-graph dump.
type Object struct {
	Addr  uint64 // the dump's own identity: an address (meliae, HPROF, Go) or a node id (V8)
	Type  string // type or class name, as a programmer of that runtime spells it
	Size  int64  // shallow size in bytes
	Len   int64  // element or character count for strings and containers; -1 when unknown
	Value string // a short printable value (strings, numbers) or a name (modules, functions)
	// Site is where the object was allocated, "file:line", when the dump says (Ruby's, with
	// allocation tracing on); "" otherwise.
	Site string
	// Born is the collector's count when the object was allocated, plus one (Ruby's
	// "generation", with allocation tracing on); 0 when the dump does not say. An object is
	// then matched across dumps by its address, type and birth rather than its size.
	Born int64
	// Edges are the outgoing references in the dump's order. The slice, like the Object, is
	// only valid during the Sink call.
	Edges []Edge
	// More, when set, yields the references that follow Edges, in order. A reader sets it for
	// an object with more references than it hands over at once (a list or an array of
	// millions of elements), so that they never exist as Edges all together: it holds them
	// as bare addresses, a fifth of the memory. A sink that keeps references calls it once,
	// during the Object call.
	More func(yield func(Edge) bool)
}

// Root is a GC root, or an object a format treats as one (a Python module).
type Root struct {
	Addr uint64
	Kind string // "module", "global", "static", "stack", "jni global", ...
	Name string // how to say it in a path: "module shop", "goroutine 12 main.worker"
}

// Sink receives the records of one file, in file order. Begin comes first. A non-nil error
// from any method stops the reader, which returns that error.
type Sink interface {
	Begin(Snapshot) error
	Sample(*Sample) error // profiles
	Object(*Object) error // graphs
	Root(Root) error      // graphs
}

// SlotSink is a Sink that also lets a reader write an object in place, which spares the copy
// a sink makes of what Object hands it. Slot(edges) returns the next object, zero but for its
// Edges: edges zero references for the reader to fill. The object is the sink's from the
// reader's next call to it on (Slot, Object, Root), and the reader must not touch it then; it
// must not set More. Slot returns nil, and no error, for an object the sink wants handed over
// through Object instead (one with too many references).
type SlotSink interface {
	Sink
	Slot(edges int) (*Object, error)
}

// Reader reads one format.
type Reader interface {
	Format() Format
	// Sniff reports whether head, the first bytes of the (decompressed) file, look like this
	// format. It must not claim another format's files.
	Sniff(head []byte) bool
	// Extensions returns the endings of the format's file names (".hprof"), before any
	// ".gz": they make a label of a file name and tell a file from a snapshot's name. The
	// format itself is told by Sniff, never by the name.
	Extensions() []string
	// Read streams the file into sink. name is only used in errors.
	Read(ctx context.Context, name string, r io.Reader, sink Sink) error
}

// ErrTooLarge is matched (errors.Is) by the errors of input that is well formed but passes one
// of memsee's fixed limits (a record, a string table, an array), so that the user is not told
// the file is damaged. Readers make them with Limit.
var ErrTooLarge = errors.New("too large for memsee")

// ErrNotHeap is matched by the errors of a file of a format memsee reads that holds something
// else than a heap (a CPU profile): not damage, the wrong file. Readers make them with NotHeap.
var ErrNotHeap = errors.New("not heap data")

// Limit returns an error, matched by ErrTooLarge, that says how input passes a limit.
func Limit(format string, a ...any) error {
	return &causeError{msg: fmt.Sprintf(format, a...), cause: ErrTooLarge}
}

// NotHeap returns an error, matched by ErrNotHeap, that says what the file holds instead.
func NotHeap(format string, a ...any) error {
	return &causeError{msg: fmt.Sprintf(format, a...), cause: ErrNotHeap}
}

// causeError is a message of its own that errors.Is matches with a sentinel.
type causeError struct {
	msg   string
	cause error
}

func (e *causeError) Error() string        { return e.msg }
func (e *causeError) Is(target error) bool { return target == e.cause }

// ErrUnknownFormat is returned when no reader recognises a file.
var ErrUnknownFormat = errors.New("not a heap dump or heap profile memsee can read")

// FormatError is a reader's error at a position in a file, so that the user sees the file, the
// byte offset, the record and the cause:
//
//	h2.hprof: offset 0x9d5e20: HEAP_DUMP_SEGMENT: length 4294967295 past end of file
//
// In a gzip'd file an offset is either in the data inside (what a reader sees) or in the
// compressed file (where decompression failed); Where says which, so that the user looks in the
// right place.
type FormatError struct {
	File   string
	Offset int64  // byte offset in the decompressed stream; -1 when unknown
	Where  string // "" for a plain file; OfData or OfFile for a gzip'd one
	Record string // the record or section being read; may be empty
	Err    error
}

// The places an offset of a gzip'd file can be in.
const (
	OfData = "of the uncompressed data"
	OfFile = "of the compressed file"
)

func (e *FormatError) Error() string {
	s := e.File
	if e.Offset >= 0 {
		s += fmt.Sprintf(": offset %#x", e.Offset)
		if e.Where != "" {
			s += " " + e.Where
		}
	}
	if e.Record != "" {
		s += ": " + e.Record
	}
	return s + ": " + e.Err.Error()
}

func (e *FormatError) Unwrap() error { return e.Err }
