package heap

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// Identity says how the objects of a format are matched across dumps of one process.
type Identity int

// The identity rules.
const (
	// IdentityNone: objects cannot be matched across dumps (the collector moves them, or
	// addresses are reused with nothing to tell two objects apart).
	IdentityNone Identity = iota
	// IdentityAddress: an object is the one with the same address, type and size.
	IdentityAddress
	// IdentityNodeID: an object is the one with the same id (its address field), whatever its
	// size.
	IdentityNodeID
)

// A Handler is everything memsee knows about one format: its Reader, and the rules the rest of
// memsee asks it for. A format package implements it and internal/formats registers it; no
// other package names a format.
//
// A handler may also implement optional interfaces that the loader looks for: the whole-graph
// passes of internal/heap/graph (graph.Namer, graph.EdgeRules), Configurable, StatsReader.
type Handler interface {
	Reader
	// Kind is KindProfile for allocation sites, KindGraph for objects and references.
	Kind() Kind
	// Identity is how objects are matched across dumps of one process.
	Identity() Identity
	// IdentityNote says, for people, how objects are matched across dumps, or why they are
	// not (in a sentence that follows "no new/freed counts: ").
	IdentityNote() string
}

var registry struct {
	sync.RWMutex
	list   []Handler
	byName map[Format]Handler
}

// Register adds handlers in the order their Sniff is tried. It panics if a format is
// registered twice.
func Register(hs ...Handler) {
	registry.Lock()
	defer registry.Unlock()
	if registry.byName == nil {
		registry.byName = map[Format]Handler{}
	}
	for _, h := range hs {
		if _, dup := registry.byName[h.Format()]; dup {
			panic(fmt.Sprintf("heap: format %q registered twice", h.Format()))
		}
		registry.byName[h.Format()] = h
		registry.list = append(registry.list, h)
	}
}

// Handlers returns the registered handlers, in the order their Sniff is tried.
func Handlers() []Handler {
	registry.RLock()
	defer registry.RUnlock()
	return append([]Handler(nil), registry.list...)
}

// Claim returns the first registered handler whose Sniff claims head, the first bytes of a
// (decompressed) file.
func Claim(head []byte) (Handler, bool) {
	for _, h := range Handlers() {
		if h.Sniff(head) {
			return h, true
		}
	}
	return nil, false
}

// Lookup returns the handler of format f.
func Lookup(f Format) (Handler, bool) {
	registry.RLock()
	defer registry.RUnlock()
	h, ok := registry.byName[f]
	return h, ok
}

// IdentityOf returns how the objects of format f are matched across dumps: IdentityNone for a
// format that is not registered.
func IdentityOf(f Format) Identity {
	if h, ok := Lookup(f); ok {
		return h.Identity()
	}
	return IdentityNone
}

// IdentityNoteOf returns Handler.IdentityNote of format f.
func IdentityNoteOf(f Format) string {
	if h, ok := Lookup(f); ok {
		return h.IdentityNote()
	}
	return string(f) + " objects have no identity across dumps"
}

// GraphRules are what a format of object dumps asks of the loader's graph work beyond its
// reader: rules that need more than one record, or that say how its references read in a path.
// The zero value asks nothing.
type GraphRules struct {
	// Edge, when set, changes edge e of the object at address from to what the graph work
	// sees (another kind: an element, a weak reference).
	Edge func(from uint64, e *Edge)
	// EdgeText, when set, spells an edge in a path, from its Name and Kind; edges with the
	// same Edge.NameID and Kind are spelled once. When nil, an edge reads as its Name.
	EdgeText func(e Edge) string
	// ClassEdge, when set, is the Name of the EdgeClass reference by which every object refers
	// to its class, and ClassType the type of the class objects. The graph leaves these
	// references out (the type already says them; classes are roots) and the stored pages get
	// them back.
	ClassEdge, ClassType string
	// UnreferencedRoots makes every object that nothing refers to a root (for dumps without
	// garbage-collector roots).
	UnreferencedRoots bool
	// OmittedTargets says the format's dumps refer, as their runtime writes them, to objects
	// they leave out: references to addresses no object has are dropped without a note, the
	// user having nothing to do about them.
	OmittedTargets bool
	// DenserLater says that the format's dumps hold more objects per byte in the later part of
	// the file than in the first (a JVM's: its first segments hold the large arrays), so that
	// a load guessing how many objects are still to come from the part read so far leaves
	// more room.
	DenserLater bool
	// LaterRoots are the kinds of root (heap.Root.Kind) that paths start from only where the
	// others do not reach: the roots a thread's stack makes (a JVM's frames and JNI locals),
	// which come and go as the program runs. A list a static field keeps is then held by the
	// field in every dump, not by the frame of a method that was using it when one was taken.
	LaterRoots []string
	// ValuesReadNames says that the function the format's naming pass gives SetValues reads
	// the names of references (graph.Dump.EdgeNameID: a JVM String's value is the array its
	// field ".value" holds). The names then stay in memory until the values are rewritten;
	// otherwise they go to a scratch file first, not to be held beside both copies of the
	// values.
	ValuesReadNames bool
}

// GraphHandler is implemented by the handler of a format whose graph work follows GraphRules.
type GraphHandler interface {
	GraphRules() GraphRules
}

// GraphRulesOf returns the GraphRules of format f: the zero value if it has none.
func GraphRulesOf(f Format) GraphRules {
	if h, ok := Lookup(f); ok {
		if g, ok := h.(GraphHandler); ok {
			return g.GraphRules()
		}
	}
	return GraphRules{}
}

// Options are the reader options a user gave on the command line, by flag name ("binary",
// "uncompressed-oops"); a flag that was not given is absent.
type Options map[string]string

// Configurable is implemented by the handler of a format whose reader takes Options.
type Configurable interface {
	// Configure returns the reader for a file of this format, read with opts.
	Configure(opts Options) (Reader, error)
	// Misapplied returns the error for opts that set this format's options for the file at
	// path, of format other; nil when they set none.
	Misapplied(opts Options, path string, other Format) error
}

// Notes are what a load records and says about one file besides its records.
type Notes struct {
	Meta map[string]string // added to the snapshot's meta
	File []Note            // said of the file, in order
	Once []string          // said once after all the files of a load, however many say it
}

// A Note counts something in a file for people: Count Noun (plural past 1), then Text, as in
// "3 lines with invalid strings".
type Note struct {
	Count      int64
	Noun, Text string
}

// NoteReader is implemented by a handler whose reading finds what the user should hear of.
type NoteReader interface {
	// ReadNotes is Read, and also returns the notes of the file.
	ReadNotes(ctx context.Context, name string, r io.Reader, sink Sink) (Notes, error)
}

// PathRules is implemented by the handler of a format whose paths leave some hops out: a
// reference that code never spells (Python's __dict__), between an object and what it holds.
type PathRules interface {
	// HiddenHops are the names of the references paths leave out.
	HiddenHops() []string
}

// HiddenHop reports whether paths leave out a reference named via, in any registered format.
func HiddenHop(via string) bool {
	if via == "" {
		return false
	}
	registry.RLock()
	defer registry.RUnlock()
	for _, h := range registry.list {
		if p, ok := h.(PathRules); ok {
			for _, hop := range p.HiddenHops() {
				if via == hop {
					return true
				}
			}
		}
	}
	return false
}

// Dumper is implemented by the handler of a format for which memsee ships a dumper: source
// code a program adds to write heap dumps of this format (memsee dumper <runtime>).
type Dumper interface {
	// DumperRuntimes are the names memsee dumper takes for it ("python", "py").
	DumperRuntimes() []string
	// DumperSource is the dumper's source code.
	DumperSource() string
}

// HolderRules is implemented by the handler of a format of object dumps whose dumps show a
// collection's storage or the runtime's plumbing as objects of their own: a HashMap's nodes
// and table, a V8 Map's table, a closure's context or cell, a Go map's directory and tables.
// leaks reads what grew through them: WHAT names the objects the program put in a collection
// (and counts those), HELD BY names the collection and the variable that holds it.
type HolderRules interface {
	// Internal reports whether an object of type typ, whose immediate dominator is of type
	// holder ("" for none: only roots hold it), is storage or plumbing of that holder;
	// element says the reference that reaches it on a shortest path is an element's index or
	// a key ("[3]", "['user-1']"), not a named field or attribute. Such
	// objects are looked through: the objects they hold count as their holder's, and they
	// are named neither as WHAT (unless nothing else grew) nor as a holder. A root (the object
	// a global or a static refers to, in formats whose roots are such objects) is never
	// looked through, whatever this says.
	Internal(typ, holder string, element bool) bool
	// HolderName spells a holder for HELD BY, from the hops of its shortest path from a root
	// (the root first, the holder last), the way its programmer would write it:
	// `shop.Shop.AUDIT_LOG (ArrayList)`, `app.js: subscriptions (Map)`, `module shop:
	// _audit_log (list)`, `main.sessionCache`. ok is false when the format has no better name
	// than the whole path.
	HolderName(path []Hop) (name string, ok bool)
}

// A Hop is one object on a path from a root.
type Hop struct {
	Root  string // the first hop's root name ("module shop", "global main.auditLog"); "" after
	Via   string // the reference from the hop before: "._audit_log", "[17]", "context"
	Type  string
	Value string // the object's value: a string's text, or what the format's naming pass set
}

// HolderRulesOf returns the HolderRules of format f, or nil.
func HolderRulesOf(f Format) HolderRules {
	if h, ok := Lookup(f); ok {
		if r, ok := h.(HolderRules); ok {
			return r
		}
	}
	return nil
}

// NameTimer is implemented by the handler of a format whose dumps are named, by the runtime
// or by memsee's dumper, with the time they were taken. The loader asks it for a file whose
// dump records no time of its own (see store.TakenFrom for how the sources rank).
type NameTimer interface {
	// NameTime returns the time in a dump file's base name (gzip's .gz included), and false
	// when the name is not one the format's dumpers write. A name written in the local time
	// of the machine that took the dump, with no zone, is read in loc.
	NameTime(base string, loc *time.Location) (time.Time, bool)
}

// NameTimeOf returns the time in base, the base name of a dump of format f, as f's
// NameTimer reads it; false when f has none or the name is not one of its dumpers'.
func NameTimeOf(f Format, base string, loc *time.Location) (time.Time, bool) {
	if h, ok := Lookup(f); ok {
		if n, ok := h.(NameTimer); ok {
			return n.NameTime(base, loc)
		}
	}
	return time.Time{}, false
}
