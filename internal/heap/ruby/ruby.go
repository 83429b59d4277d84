// Package ruby reads Ruby heap dumps, the JSON lines ObjectSpace.dump_all writes, and hands
// their objects to a heap.Sink. The format, as Ruby 3.1 writes it, is described in
// docs/formats/ruby.md.
package ruby

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/jsontext"
)

// Reader reads Ruby heap dumps. It holds no state, so one Reader may serve any number of
// files, one after another or at once.
type Reader struct{}

// MaxValue is how many characters (runes) of a string's value or a class's name Read keeps.
// Values are only ever shown shortened; the full length of a string is in Object.Len.
const MaxValue = 200

// maxType bounds the runtime type of a record ("OBJECT", "IMEMO"): longer ones are damage.
const maxType = 32

// maxKey bounds the keys the reader recognises; longer keys are unknown and skipped.
const maxKey = 16

// maxDepth bounds the nesting of values under keys the reader does not know ("flags").
const maxDepth = 64

// MaxSize bounds the memsize of one object, and the memsizes of all the objects of a dump
// added up: 2^48 bytes (256 TiB), the most memory a process can address on x86-64 and arm64
// with 4-level page tables. A size beyond it, or below zero, is damage, not a heap; so is a
// length beyond it.
const MaxSize = 1 << 48

// MaxRefs bounds the references of one object: 64M, an Array of 64M elements or a Hash of
// 32M entries. They are held as bare addresses (8 bytes each, 512 MiB at the limit) and
// handed to the sink refChunk at a time (heap.Object.More); a longer list is refused with
// an error that matches heap.ErrTooLarge, a limit of memsee's rather than damage.
const MaxRefs = 1 << 26

// refChunk is how many references are handed to the sink at once as Edges, and how many
// addresses one chunk of the rest holds: a long list grows chunk by chunk, 8 bytes a
// reference, without the copies (and the garbage) of a slice that doubles.
const refChunk = 1 << 16

// maxClasses bounds the classes and modules the reader keeps names of: a Ruby process with
// more than 16M classes is not one memsee has heard of.
const maxClasses = 1 << 24

// bufSize is the read window. Lines longer than it (an Array of millions of elements, a
// ROOT record) are parsed as they stream past: no line is ever held whole in memory.
const bufSize = 64 << 10

// Format returns Format.
func (Reader) Format() heap.Format { return Format }

// Extensions returns the file name endings of the format, before any .gz. .json is also
// meliae's; Sniff tells the two apart.
func (Reader) Extensions() []string { return []string{".json", ".jsonl", ".dump"} }

// Sniff claims a file whose first non-space byte is '{' and whose first record is a ROOT
// record (dump_all writes them first), or an object whose "address" is a string of hex
// digits ("0x7f08a2e36848"). meliae's addresses are bare numbers; V8's snapshot starts with
// a "snapshot" key.
func (Reader) Sniff(head []byte) bool {
	head = bytes.TrimLeft(head, " \t\r\n")
	if len(head) == 0 || head[0] != '{' {
		return false
	}
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	if bytes.HasPrefix(head, []byte(`{"type":"ROOT", "root":"`)) {
		return true
	}
	i := bytes.Index(head, []byte(`"address":`))
	if i < 0 {
		return false
	}
	rest := bytes.TrimLeft(head[i+len(`"address":`):], " ")
	return bytes.HasPrefix(rest, []byte(`"0x`)) && bytes.Contains(head, []byte(`"type":"`))
}

// Read streams the dump into sink: Begin, then the roots of the ROOT records, then one Object
// per object record. See docs/formats/ruby.md for what each field becomes.
//
// An object names its class by address, and a class may come after its instances in the
// file (dump_all walks the heap's pages in address order). An object whose class has not been
// read yet is kept, as bare addresses, and handed to the sink at the end of the file, when
// every class has been read: the reader holds only those, and the names of the classes.
//
// A line that is not a JSON object, or an object without an address or a type, stops the
// read with a *heap.FormatError at the line's offset, Record "line N". So does a memsize or
// length below zero or above MaxSize, memsizes that add up past MaxSize, more than MaxRefs
// references (then the error matches heap.ErrTooLarge), and a dump with no objects.
func (rd Reader) Read(ctx context.Context, name string, r io.Reader, sink heap.Sink) error {
	_, err := rd.ReadNotes(ctx, name, r, sink)
	return err
}

// ReadNotes is Read, and also returns what the load should say of the file: the bytes of
// the allocation-tracing tables (ObjectSpace.trace_object_allocations_start), which the dump
// counts as the memsize of one object of its own. They are the tracing's cost, not the
// program's: that object is given size 0, and the bytes are recorded in the snapshot's meta
// (allocation_tracing_bytes). Nothing is said of the file: the user has nothing to act on.
//
// Objects flagged "pinned" tell that the last GC before the dump compacted the heap: Ruby sets
// the pinned bits only while compacting, and the next GC clears them. Then objects have moved
// since the dump before, and matching them by address fails; that is said of the file, and
// their number recorded (pinned_objects). A compaction followed by other GCs before the dump
// leaves no trace in it (docs/formats/ruby.md).
func (Reader) ReadNotes(ctx context.Context, name string, r io.Reader, sink heap.Sink) (heap.Notes, error) {
	p := &parser{
		Lines:   jsontext.Lines{Name: name, R: r, Buf: make([]byte, bufSize)},
		classes: map[uint64]class{},
		types:   map[string]string{},
	}
	err := p.run(ctx, sink)
	n := heap.Notes{Meta: map[string]string{}}
	if p.tracing > 0 {
		n.Meta["allocation_tracing_bytes"] = strconv.FormatInt(p.tracing, 10)
	}
	if p.pinned > 0 {
		n.Meta["pinned_objects"] = strconv.FormatInt(p.pinned, 10)
		n.File = append(n.File, heap.Note{Count: p.pinned, Noun: "object",
			Text: "pinned: the last GC before this dump compacted the heap (GC.compact, GC.auto_compact), so diff counts the objects it moved as freed and new"})
	}
	return n, err
}

// tracerStruct is the C struct of the object that holds the allocation-tracing tables.
const tracerStruct = "ObjectTracing/allocation_info_tracer"

// parser reads one dump. It owns its read window, so that a line is parsed where it lies in
// the window, and a line longer than the window is parsed as it streams through.
type parser struct {
	jsontext.Lines // the window over the stream, and the current line

	rec record // the current record
	key []byte

	obj      heap.Object // the object handed to the sink, reused
	edges    []heap.Edge // reused from object to object
	classes  map[uint64]class
	types    map[string]string    // interned type names and values
	deferred []record             // objects whose class had not been read, and classes, in file order
	roots    []heap.Root          // the ROOT records' references, until Begin
	globals  []heap.Root          // global_tbl's roots, named at the end of the file
	names    map[uint64][]binding // owner's address -> its MEMSEE_NAME lines, sorted by value
	gnames   map[uint64]string    // a global variable's value -> its name, "$registry"
	nnames   int                  // the MEMSEE_NAME lines read
	sites    map[string]string    // interned allocation sites, "file:line"
	siteBuf  []byte
	seen     map[uint64]bool // the addresses of one ROOT record, to send each once
	begun    bool
	objects  int64
	total    int64 // the memsizes of the objects so far, at most MaxSize
	tracing  int64 // the memsize of the allocation-tracing tables
	pinned   int64 // objects whose flags say "pinned"
}

// record is one line of the dump: an object, or a ROOT record.
type record struct {
	addr, class, super uint64
	rtype              string // the runtime type: "OBJECT", "STRING", "ROOT"...
	size, len          int64
	value, name, root  []byte
	structName         []byte     // DATA: the C struct's name
	refs               []uint64   // the first refChunk references
	more               [][]uint64 // the rest, in chunks of refChunk: no copy as a list grows
	nrefs              int        // len(refs) and the lengths of the chunks of more
	hasAddr, hasType   bool
	hasValue, hasName  bool
	singleton          bool
	hasDefault         bool   // a Hash's "default": its default proc
	deflt              uint64 // its address
	pinned             bool   // the GC's flags say it is pinned: the last GC compacted
	owner, to          uint64 // MEMSEE_NAME: the module that holds the value, the value
	hasOwner, hasTo    bool
	file               []byte // the allocation site, with tracing on: "file"
	line               int64  // and "line", -1 when absent
	gen                int64  // "generation": the GC count at its allocation, -1 when absent
}

// binding is a name the dumper wrote (a MEMSEE_NAME line) of what a module holds: a
// constant ("CURRENCIES") or an instance variable of the module ("@sessions").
type binding struct {
	to   uint64
	name string
	used bool // given to a reference already
}

// nameRecord is the type of the lines memsee's dumper (dumper.rb) writes after dump_all: the
// names of constants, class-level instance variables and global variables, which dump_all
// leaves out (docs/formats/ruby.md).
const nameRecord = "MEMSEE_NAME"

// maxNames bounds the MEMSEE_NAME lines of one dump.
const maxNames = 1 << 24

// class is what the reader keeps of a CLASS or MODULE record to name the objects of it.
type class struct {
	name      string // "" for an anonymous class
	super     uint64
	singleton bool
}

func (p *parser) run(ctx context.Context, sink heap.Sink) error {
	for n := 0; ; n++ {
		if n&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		ok, err := p.record()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if err := p.handle(sink); err != nil {
			return err
		}
	}
	if p.objects == 0 && len(p.deferred) == 0 {
		return &heap.FormatError{File: p.Name, Offset: -1, Err: errors.New("no objects in the dump")}
	}
	for _, bs := range p.names {
		slices.SortStableFunc(bs, func(a, b binding) int { return cmp.Compare(a.to, b.to) })
	}
	for i := range p.deferred {
		if i&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rec := &p.deferred[i]
		typ, _ := p.typeOf(rec, true)
		if err := p.emit(sink, rec, typ); err != nil {
			return err
		}
		p.deferred[i] = record{}
	}
	for _, r := range p.globals {
		if name, ok := p.gnames[r.Addr]; ok {
			r.Name = name
		}
		if err := sink.Root(r); err != nil {
			return err
		}
	}
	return nil
}

// begin sends Begin, once, and then the roots read so far.
func (p *parser) begin(sink heap.Sink) error {
	if p.begun {
		return nil
	}
	p.begun = true
	if err := sink.Begin(heap.Snapshot{Format: Format, Kind: heap.KindGraph, Meta: map[string]string{}}); err != nil {
		return err
	}
	for _, r := range p.roots {
		if err := sink.Root(r); err != nil {
			return err
		}
	}
	p.roots = nil
	return nil
}

// handle hands the current record on: a ROOT record's references as roots, an object as an
// Object (or kept for the end, when its class is not known yet).
func (p *parser) handle(sink heap.Sink) error {
	rec := &p.rec
	if rec.rtype == "ROOT" {
		if p.seen == nil {
			p.seen = map[uint64]bool{}
		}
		clear(p.seen)
		category := string(rec.root)
		name := rootName(category)
		for a := range rec.allRefs {
			if p.seen[a] {
				continue
			}
			p.seen[a] = true
			r := heap.Root{Addr: a, Kind: category, Name: name}
			if category == "global_tbl" {
				p.globals = append(p.globals, r) // named at the end, by the dumper's names
				continue
			}
			if p.begun {
				if err := sink.Root(r); err != nil {
					return err
				}
			} else {
				p.roots = append(p.roots, r)
			}
		}
		p.dropHuge()
		return nil
	}
	if rec.rtype == nameRecord {
		return p.name1()
	}
	if !rec.hasAddr {
		return p.FailErr(errors.New(`the record has no "address"`))
	}
	if rec.size > MaxSize-p.total {
		return p.FailErr(fmt.Errorf("memsize %d: the sizes of the objects up to this one add up to more than 2^48 bytes (256 TiB), more than a process can address", rec.size))
	}
	p.total += rec.size
	if rec.pinned {
		p.pinned++
	}
	if rec.rtype == "DATA" && string(rec.structName) == tracerStruct {
		p.tracing += rec.size
		rec.size = 0
	}
	if rec.rtype == "CLASS" || rec.rtype == "MODULE" {
		if len(p.classes) >= maxClasses {
			return p.FailErr(heap.Limit("more than %d classes and modules, memsee's limit", maxClasses))
		}
		c := class{super: rec.super, singleton: rec.singleton}
		if rec.hasName {
			c.name = p.intern(rec.name)
		}
		p.classes[rec.addr] = c
	}
	if err := p.begin(sink); err != nil {
		return err
	}
	typ, ok := p.typeOf(rec, false)
	// A class or module is kept to the end too, so that the names its references are given
	// (MEMSEE_NAME lines, after the objects) are all read.
	if !ok || rec.rtype == "CLASS" || rec.rtype == "MODULE" {
		// Kept until every class is read: its own copies of what the window holds.
		d := *rec
		d.value = bytes.Clone(rec.value)
		d.name = bytes.Clone(rec.name)
		d.structName = bytes.Clone(rec.structName)
		d.file = bytes.Clone(rec.file)
		d.refs = slices.Clone(rec.refs)
		d.more = nil
		for _, c := range rec.more {
			d.more = append(d.more, slices.Clone(c))
		}
		p.deferred = append(p.deferred, d)
		p.dropHuge()
		return nil
	}
	if err := p.emit(sink, rec, typ); err != nil {
		return err
	}
	p.dropHuge()
	return nil
}

// name1 keeps the name of a MEMSEE_NAME line: a constant or an instance variable of the module
// at "owner", or a global variable ("$name", no owner), whose value is at "to".
func (p *parser) name1() error {
	rec := &p.rec
	if !rec.hasTo || !rec.hasName || len(rec.name) == 0 {
		return p.FailErr(errors.New(`a MEMSEE_NAME line needs a "name" and a "to"`))
	}
	if p.nnames++; p.nnames > maxNames {
		return p.FailErr(heap.Limit("more than %d MEMSEE_NAME lines, memsee's limit", maxNames))
	}
	if !rec.hasOwner {
		if rec.name[0] != '$' {
			return p.FailErr(fmt.Errorf("MEMSEE_NAME %q: a name with no owner is a global variable's, \"$name\"", rec.name))
		}
		if p.gnames == nil {
			p.gnames = map[uint64]string{}
		}
		if _, ok := p.gnames[rec.to]; !ok {
			p.gnames[rec.to] = string(rec.name)
		}
		return nil
	}
	if p.names == nil {
		p.names = map[uint64][]binding{}
	}
	p.names[rec.owner] = append(p.names[rec.owner], binding{to: rec.to, name: p.intern(rec.name)})
	return nil
}

// bindingName returns the name of the reference of the module owner to the object at to, from
// the dumper's names ("::CURRENCIES", "@sessions"), and marks it given: a module that holds
// one object under two names has two references to it.
func (p *parser) bindingName(owner, to uint64) (string, bool) {
	bs := p.names[owner]
	i, _ := slices.BinarySearchFunc(bs, to, func(b binding, t uint64) int { return cmp.Compare(b.to, t) })
	for ; i < len(bs) && bs[i].to == to; i++ {
		if bs[i].used {
			continue
		}
		bs[i].used = true
		if bs[i].name[0] == '@' {
			return bs[i].name, true
		}
		return "::" + bs[i].name, true
	}
	return "", false
}

// allRefs yields the references of rec in order.
func (rec *record) allRefs(yield func(uint64) bool) {
	for _, a := range rec.refs {
		if !yield(a) {
			return
		}
	}
	for _, c := range rec.more {
		for _, a := range c {
			if !yield(a) {
				return
			}
		}
	}
}

// dropHuge lets go of the chunks of one huge object, so that its memory is not kept for the
// rest of the file.
func (p *parser) dropHuge() {
	clear(p.rec.more)
	p.rec.more = nil
}

// edgeNamer names the references of one object by their index.
type edgeNamer struct {
	kind         heap.EdgeKind
	name         string
	pairs, deflt int // a Hash's: the references that are keys and values; its default's index, or -1
}

func (en *edgeNamer) at(i int, a uint64) heap.Edge {
	e := heap.Edge{To: a, Kind: en.kind, Name: en.name}
	switch {
	case i == en.deflt:
		e.Kind, e.Name = heap.EdgeField, edgeDefault
	case i < en.pairs && i%2 == 0:
		e.Kind, e.Name = heap.EdgeInternal, edgeKey
	case i < en.pairs:
		e.Name = edgeValue
	}
	return e
}

// lastRef returns the last reference of rec, which has some.
func lastRef(rec *record) uint64 {
	if n := len(rec.more); n > 0 {
		c := rec.more[n-1]
		return c[len(c)-1]
	}
	return rec.refs[len(rec.refs)-1]
}

// rootName is how a path names a root of a ROOT record's category: "$<global>" for what the
// global variables hold (global_tbl: the dump has their values, not their names), "root vm"
// and so on for the others.
func rootName(category string) string {
	if category == "global_tbl" {
		return globalRoot
	}
	return "root " + category
}

// globalRoot names the value of a global variable whose name is not in the dump (memsee's
// dumper writes the names: "$request_log").
const globalRoot = "$<global>"

// emit sends one object to the sink, and a named class or module as a root too.
func (p *parser) emit(sink heap.Sink, rec *record, typ string) error {
	p.objects++
	// The parser's own Object, reused: one handed to the sink by address would escape.
	p.obj = heap.Object{Addr: rec.addr, Type: typ, Size: rec.size, Len: rec.len}
	o := &p.obj
	switch {
	case rec.rtype == "STRING" || rec.rtype == "SYMBOL":
		if rec.hasValue {
			o.Value = string(rec.value)
		}
	case rec.hasName:
		o.Value = p.intern(rec.name)
	}
	if len(rec.file) > 0 && rec.line >= 0 {
		o.Site = p.site(rec.file, rec.line)
	}
	if rec.gen >= 0 {
		o.Born = rec.gen + 1
	}
	kind, name := edgeOf(rec.rtype)
	// A Hash's references are its keys and values, key first, then its default (a proc the
	// dump names as "default", or a default value, which it does not): when they are
	// 2*size, and only then, each is known for a key or a value (an Integer or a Symbol key
	// is not an object, and leaves a value alone). The naming pass spells a value by its key.
	pairs, deflt := 0, -1
	if rec.rtype == "HASH" && rec.len > 0 {
		n := rec.nrefs
		if rec.hasDefault && n > 0 && lastRef(rec) == rec.deflt {
			deflt = n - 1
			n--
		}
		if int64(n) == 2*rec.len {
			pairs = n
		}
	}
	en := edgeNamer{kind: kind, name: name, pairs: pairs, deflt: deflt}
	_, named := p.names[rec.addr]
	p.edges = p.edges[:0]
	for i, a := range rec.refs {
		e := en.at(i, a)
		if i == 0 && rec.super != 0 && a == rec.super && (rec.rtype == "CLASS" || rec.rtype == "MODULE" || rec.rtype == "ICLASS") {
			e.Kind, e.Name = heap.EdgeInternal, edgeSuperclass
		} else if named && (rec.rtype == "CLASS" || rec.rtype == "MODULE") {
			if n, ok := p.bindingName(rec.addr, a); ok {
				e.Kind, e.Name = heap.EdgeField, n
			}
		}
		p.edges = append(p.edges, e)
	}
	if rec.class != 0 && rec.rtype != "IMEMO" && rec.rtype != "ICLASS" && !p.named(rec.class) {
		// A singleton or anonymous class is kept alive by its objects' class pointers,
		// which the references leave out; a named class is a root of its own. A class not read
		// yet (a class's metaclass may come after it) is referred to as well. The "class" of
		// an IMEMO is what it belongs to, which may be gone, and that of an ICLASS the module
		// it includes, which is a root.
		p.edges = append(p.edges, heap.Edge{To: rec.class, Kind: heap.EdgeInternal, Name: edgeClassOf})
	}
	o.Edges = p.edges
	if len(rec.more) > 0 {
		more := rec.more
		i, en := len(rec.refs), en // the closure's own copy: en itself stays on the stack
		o.More = func(yield func(heap.Edge) bool) {
			for _, c := range more {
				for _, a := range c {
					if !yield(en.at(i, a)) {
						return
					}
					i++
				}
			}
		}
	}
	if err := sink.Object(o); err != nil {
		return err
	}
	if (rec.rtype == "CLASS" || rec.rtype == "MODULE") && rec.hasName && !rec.singleton {
		kind := "class"
		if rec.rtype == "MODULE" {
			kind = "module"
		}
		return sink.Root(heap.Root{Addr: rec.addr, Kind: kind, Name: o.Value})
	}
	return nil
}

// The names of references the reader gives. A reference's name is not in the dump: what it
// says is what the referrer's runtime type tells (an Array's element, an object's instance
// variable); the naming pass (names.go) tells a class's constants from its instance
// variables.
const (
	edgeElement    = "[*]"
	edgeIvar       = "@<ivar>"
	edgeConstant   = "::<constant>"
	edgeSuperclass = "(superclass)"
	edgeClassInner = "(class)" // a class's method entries, caches and the like, and its name
	edgeClassOf    = "(klass)" // an object's class, when it is a singleton or anonymous class
	edgeKey        = "(key)"   // a Hash's key
	edgeValue      = "[?]"     // a Hash's value after its key, named by it in names.go
	edgeDefault    = "(default)"
)

// edgeOf returns the kind and name of the references of an object of runtime type rtype.
func edgeOf(rtype string) (heap.EdgeKind, string) {
	switch rtype {
	case "ARRAY", "HASH", "STRUCT":
		return heap.EdgeElement, edgeElement
	case "OBJECT":
		return heap.EdgeField, edgeIvar
	case "CLASS", "MODULE":
		return heap.EdgeField, edgeClassInner
	case "IMEMO", "ICLASS", "NODE":
		return heap.EdgeInternal, ""
	}
	return heap.EdgeField, ""
}

// named reports whether the class at addr is a named class or module, which is a root.
func (p *parser) named(addr uint64) bool {
	c, ok := p.classes[addr]
	return ok && c.name != "" && !c.singleton
}

// runtimeTypes are the names of the runtime types whose objects have no class of their own to
// name them by, or whose class is missing from the dump, as Ruby programmers write them.
var runtimeTypes = map[string]string{
	"OBJECT": "Object", "STRING": "String", "ARRAY": "Array", "HASH": "Hash",
	"REGEXP": "Regexp", "FLOAT": "Float", "BIGNUM": "Integer", "RATIONAL": "Rational",
	"COMPLEX": "Complex", "STRUCT": "Struct", "MATCH": "MatchData", "SYMBOL": "Symbol",
	"FILE": "IO", "DATA": "(data)", "CLASS": "Class", "MODULE": "Module",
	"ICLASS": "(iclass)", "IMEMO": "(imemo)", "NODE": "(node)", "ZOMBIE": "(zombie)",
	"MOVED": "(moved)", "NIL": "NilClass", "TRUE": "TrueClass", "FALSE": "FalseClass",
	"UNDEF": "(undef)",
}

// maxSingletons bounds the walk from a singleton class up to the class it is of.
const maxSingletons = 8

// typeOf returns the type of rec as a Ruby programmer names it: its class's name
// ("Shop::Session", "String"), or for the runtime's own objects the runtime type ("Class",
// "(imemo)"). ok is false when the class has not been read yet; final asks for a name
// anyway: the runtime type's, or "#<Class:0x...>" for an object of an anonymous class, as
// Ruby inspects it.
func (p *parser) typeOf(rec *record, final bool) (string, bool) {
	switch rec.rtype {
	case "CLASS", "MODULE", "ICLASS", "IMEMO", "NODE", "ZOMBIE", "MOVED":
		return p.runtimeType(rec.rtype), true
	}
	c := rec.class
	for range maxSingletons {
		if c == 0 {
			break
		}
		k, ok := p.classes[c]
		if !ok {
			if !final {
				return "", false
			}
			break
		}
		if k.singleton {
			c = k.super
			continue
		}
		if k.name != "" && !(rec.rtype == "DATA" && k.name == "Object" && len(rec.structName) > 0) {
			return k.name, true
		}
		if k.name == "" && rec.rtype == "OBJECT" {
			return p.intern([]byte(fmt.Sprintf("#<Class:%#x>", c))), true
		}
		break
	}
	if rec.rtype == "DATA" && len(rec.structName) > 0 {
		return p.intern(append(append([]byte("(data "), rec.structName...), ')')), true
	}
	return p.runtimeType(rec.rtype), true
}

// runtimeType names a runtime type that has no class to name it.
func (p *parser) runtimeType(rtype string) string {
	if t, ok := runtimeTypes[rtype]; ok {
		return t
	}
	return p.intern([]byte("(" + rtype + ")"))
}

// site returns "file:line", the same string for the same site while there are fewer than
// 1<<20 of them.
func (p *parser) site(file []byte, line int64) string {
	p.siteBuf = strconv.AppendInt(append(append(p.siteBuf[:0], file...), ':'), line, 10)
	if s, ok := p.sites[string(p.siteBuf)]; ok {
		return s
	}
	s := string(p.siteBuf)
	if p.sites == nil {
		p.sites = map[string]string{}
	}
	if len(p.sites) < 1<<20 {
		p.sites[s] = s
	}
	return s
}

// intern returns b as a string, the same string for the same bytes while there are fewer than
// 1<<16 of them.
func (p *parser) intern(b []byte) string {
	if s, ok := p.types[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(p.types) < 1<<16 {
		p.types[s] = s
	}
	return s
}

// record parses the next non-blank line into p.rec. It returns false at the end of the file.
func (p *parser) record() (bool, error) {
	ok, err := p.StartRecord()
	if !ok || err != nil {
		return false, err
	}
	if c := p.Buf[p.Pos]; c != '{' {
		return false, p.Fail("found %s where a record should start: a Ruby heap dump has one JSON object per line", jsontext.QuoteByte(c))
	}
	p.Pos++
	if err := p.fields(); err != nil {
		return false, err
	}
	if err := p.EndRecord(); err != nil {
		return false, err
	}
	if !p.rec.hasType {
		return false, p.FailErr(errors.New(`the record has no "type"`))
	}
	return true, nil
}

// fields parses the keys and values of a record, after its '{', through its '}'.
func (p *parser) fields() error {
	rec := &p.rec
	*rec = record{
		len: -1, refs: rec.refs[:0], more: rec.more[:0], value: rec.value[:0], name: rec.name[:0],
		root: rec.root[:0], structName: rec.structName[:0], file: rec.file[:0], line: -1, gen: -1,
	}
	var typ [maxType]byte
	c, err := p.Peek()
	if err != nil {
		return err
	}
	if c == '}' {
		p.Pos++
		return nil
	}
	quoted := false // the key's opening quote is read
	for {
		if !quoted {
			if err := p.Expect('"', "a key"); err != nil {
				return err
			}
		}
		key, err := p.keyText()
		if err != nil {
			return err
		}
		// As Ruby writes it, the value follows the ':' at once; anything else goes the long way.
		if p.End-p.Pos >= 2 && p.Buf[p.Pos] == ':' && p.Buf[p.Pos+1] > ' ' {
			p.Pos++
		} else {
			if err := p.Expect(':', "':' after a key"); err != nil {
				return err
			}
			if _, err := p.Peek(); err != nil {
				return err
			}
		}
		switch string(key) {
		case "address":
			rec.addr, err = p.hex("address")
			rec.hasAddr = true
		case "type":
			var b []byte
			if b, err = p.quoted("type", typ[:0], maxType); err == nil {
				rec.rtype, rec.hasType = p.intern(b), true
			}
		case "class":
			rec.class, err = p.hex("class")
		case "superclass":
			rec.super, err = p.hex("superclass")
		case "default":
			if p.Buf[p.Pos] == '"' {
				rec.deflt, err = p.hex("default")
				rec.hasDefault = true
			} else {
				err = p.skip(0)
			}
		case "singleton":
			var b []byte
			b, err = p.Token(p.key[:0], maxKey, &isToken)
			rec.singleton = string(b) == "true"
		case "memsize":
			rec.size, err = p.count("memsize")
		case "bytesize", "length", "size":
			rec.len, err = p.count(string(key))
		case "value":
			if p.Buf[p.Pos] == '"' {
				p.Pos++
				rec.value, err = p.Str(rec.value[:0], MaxValue)
				rec.hasValue = true
			} else {
				err = p.skip(0)
			}
		case "name":
			rec.name, err = p.quoted("name", rec.name[:0], MaxValue)
			rec.hasName = err == nil
		case "root":
			rec.root, err = p.quoted("root", rec.root[:0], maxKey)
		case "owner":
			rec.owner, err = p.hex("owner")
			rec.hasOwner = true
		case "to":
			rec.to, err = p.hex("to")
			rec.hasTo = true
		case "file":
			if p.Buf[p.Pos] == '"' {
				rec.file, err = p.quoted("file", rec.file[:0], MaxValue)
			} else {
				err = p.skip(0)
			}
		case "line":
			rec.line, err = p.count("line")
		case "generation":
			rec.gen, err = p.count("generation")
		case "struct":
			rec.structName, err = p.quoted("struct", rec.structName[:0], maxType+32)
		case "references":
			err = p.refList()
		case "flags":
			err = p.flags()
		default:
			err = p.skip(0)
		}
		if err != nil {
			return err
		}
		// As Ruby writes it, the next key follows ", " at once.
		if p.End-p.Pos >= 3 && p.Buf[p.Pos] == ',' && p.Buf[p.Pos+1] == ' ' && p.Buf[p.Pos+2] == '"' {
			p.Pos += 3
			quoted = true
			continue
		}
		quoted = false
		// Inline rather than Next, which looks past the ',': this runs once per key of every
		// line, and the loop finds the next key itself.
		c, err := p.Peek()
		if err != nil {
			return err
		}
		p.Pos++
		switch c {
		case ',':
			continue
		case '}':
			return nil
		}
		p.Pos--
		return p.Fail("want ',' or '}' after a value, found %s", jsontext.QuoteByte(c))
	}
}

// keyText parses a key after its opening quote into p.key. Keys are plain ASCII: the fast
// path finds the closing quote in the window; a key with an escape, or cut by the window's
// end, goes through str.
func (p *parser) keyText() ([]byte, error) {
	w := p.Buf[p.Pos:p.End]
	for j, c := range w {
		if c == '"' {
			p.Pos += j + 1
			// Copied: reading on (the ':' after it) may move the window.
			p.key = append(p.key[:0], w[:min(j, maxKey)]...)
			return p.key, nil
		}
		if jsontext.StrSpecial[c] || j > maxKey {
			break
		}
	}
	var err error
	p.key, err = p.Str(p.key[:0], maxKey)
	return p.key, err
}

// skipString reads past a string value after its opening quote. The fast path finds its
// closing quote in the window when nothing is escaped before it.
func (p *parser) skipString() error {
	w := p.Buf[p.Pos:p.End]
	if j := bytes.IndexByte(w, '"'); j >= 0 && bytes.IndexByte(w[:j], '\\') < 0 && bytes.IndexByte(w[:j], '\n') < 0 {
		p.Pos += j + 1
		return nil
	}
	_, err := p.Str(nil, 0)
	return err
}

// quoted parses a string value of key, keeping up to limit runes of it.
func (p *parser) quoted(key string, dst []byte, limit int) ([]byte, error) {
	if p.Buf[p.Pos] != '"' {
		return dst, p.Fail("want a string for %s, found %s", key, jsontext.QuoteByte(p.Buf[p.Pos]))
	}
	p.Pos++
	return p.Str(dst, limit)
}

// hex parses an address: a string of hex digits after "0x", as "0x7f08a2e36848".
func (p *parser) hex(key string) (uint64, error) {
	if !p.Fill(3) || p.Buf[p.Pos] != '"' || p.Buf[p.Pos+1] != '0' || p.Buf[p.Pos+2] != 'x' {
		if p.End-p.Pos < 3 && p.RErr != nil {
			return 0, p.Ended()
		}
		return 0, p.Fail("want an address (\"0x...\") for %s", key)
	}
	p.Pos += 3
	var v uint64
	digits := 0
	for {
		for p.Pos < p.End {
			c := p.Buf[p.Pos]
			var d byte
			switch {
			case c >= '0' && c <= '9':
				d = c - '0'
			case c >= 'a' && c <= 'f':
				d = c - 'a' + 10
			case c >= 'A' && c <= 'F':
				d = c - 'A' + 10
			case c == '"':
				p.Pos++
				if digits == 0 {
					return 0, p.Fail("%s has no digits", key)
				}
				return v, nil
			default:
				return 0, p.Fail("want a hex digit in %s, found %s", key, jsontext.QuoteByte(c))
			}
			if digits++; digits > 16 {
				return 0, p.Fail("%s is too large", key)
			}
			v = v<<4 | uint64(d)
			p.Pos++
		}
		if !p.Fill(1) {
			return 0, p.Ended()
		}
	}
}

// refList parses the list of references, at most MaxRefs of them.
func (p *parser) refList() error {
	if p.Buf[p.Pos] != '[' {
		return p.Fail("want a list of addresses for references, found %s", jsontext.QuoteByte(p.Buf[p.Pos]))
	}
	p.Pos++
	c, err := p.Peek()
	if err != nil {
		return err
	}
	if c == ']' {
		p.Pos++
		return nil
	}
	for {
		a, err := p.hex("a reference")
		if err != nil {
			return err
		}
		if err := p.addRef(a); err != nil {
			return err
		}
		// The usual ", " between addresses, without the general peek.
		if p.End-p.Pos >= 3 && p.Buf[p.Pos] == ',' && p.Buf[p.Pos+1] == ' ' && p.Buf[p.Pos+2] == '"' {
			p.Pos += 2
			continue
		}
		if more, err := p.ListNext("references"); err != nil || !more {
			return err
		}
	}
}

// addRef adds a reference to the current record: to refs, then chunk by chunk to more.
func (p *parser) addRef(a uint64) error {
	rec := &p.rec
	if rec.nrefs == MaxRefs {
		return p.FailErr(heap.Limit("more than %d references in one object (an Array of 64M elements, a Hash of 32M entries), memsee's limit", MaxRefs))
	}
	rec.nrefs++
	if len(rec.refs) < refChunk {
		rec.refs = append(rec.refs, a)
		return nil
	}
	if n := len(rec.more); n == 0 || len(rec.more[n-1]) == refChunk {
		rec.more = append(rec.more, make([]uint64, 0, refChunk))
	}
	last := &rec.more[len(rec.more)-1]
	*last = append(*last, a)
	return nil
}

// count parses a memsize or a length: an integer from 0 to MaxSize.
func (p *parser) count(key string) (int64, error) {
	col := p.Offset() - p.LineStart + 1
	b, err := p.Token(p.key[:0], 24, &isToken)
	if err != nil {
		return 0, err
	}
	v, perr := strconv.ParseInt(string(b), 10, 64)
	switch {
	case perr != nil:
		return 0, p.FailErr(fmt.Errorf("column %d: want an integer for %s, found %q", col, key, b))
	case v < 0:
		return 0, p.FailErr(fmt.Errorf("column %d: %s is %d: below zero", col, key, v))
	case v > MaxSize:
		return 0, p.FailErr(fmt.Errorf("column %d: %s is %d: more than 2^48, more bytes than a process can address", col, key, v))
	}
	return v, nil
}

// isToken marks the bytes of a JSON number or literal.
var isToken = func() (t [256]bool) {
	for _, c := range []byte("0123456789+-.eEabcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		t[c] = true
	}
	return t
}()

// flags parses the GC's flags of an object, an object of booleans, and notes "pinned".
func (p *parser) flags() error {
	if p.Buf[p.Pos] != '{' {
		return p.skip(0)
	}
	// The fast path: Ruby writes the flags as one flat object of booleans, so its end is the
	// first '}' when it holds no string, no nesting and no newline.
	if w := p.Buf[p.Pos:p.End]; len(w) > 0 {
		if j := bytes.IndexByte(w, '}'); j >= 0 && bytes.Count(w[:j], []byte{'"'})%2 == 0 &&
			!bytes.ContainsAny(w[1:j], "{[\\\n") {
			p.rec.pinned = bytes.Contains(w[:j], []byte(`"pinned":true`))
			p.Pos += j + 1
			return nil
		}
	}
	p.Pos++
	c, err := p.Peek()
	if err != nil {
		return err
	}
	if c == '}' {
		p.Pos++
		return nil
	}
	for {
		if err := p.Expect('"', "a key"); err != nil {
			return err
		}
		if p.key, err = p.Str(p.key[:0], maxKey); err != nil {
			return err
		}
		pinned := string(p.key) == "pinned"
		if err := p.Expect(':', "':' after a key"); err != nil {
			return err
		}
		if _, err := p.Peek(); err != nil {
			return err
		}
		if pinned && isToken[p.Buf[p.Pos]] {
			b, err := p.Token(p.key[:0], maxKey, &isToken)
			if err != nil {
				return err
			}
			p.rec.pinned = string(b) == "true"
		} else if err := p.skip(1); err != nil {
			return err
		}
		if more, err := p.Next('}', "in flags"); err != nil || !more {
			return err
		}
	}
}

// skip parses and drops the value of a key the reader does not know.
func (p *parser) skip(depth int) error { return p.Skip(depth, maxDepth, &isToken, p.skipString) }
