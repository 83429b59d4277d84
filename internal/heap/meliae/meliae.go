// Package meliae reads Python heap dumps in meliae's JSON-lines format (meliae's
// scanner.dump_all_objects, and the stdlib dumper memsee ships as DumperSource) and hands their
// objects to a heap.Sink. The format is described in docs/formats/meliae.md.
package meliae

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/jsontext"
)

// Reader reads meliae JSON-lines dumps. It holds no state, so one Reader may serve any number
// of files, one after another or at once.
type Reader struct{}

// Stats says what Read found and repaired in one dump. It is returned by ReadStats, because
// the records it counts come after Sink.Begin, whose Snapshot.Meta is already sent.
type Stats struct {
	Lines   int64 // lines read, blank ones included
	Objects int64 // objects sent to the sink: one per non-blank line
	Roots   int64 // modules, sent as roots

	// Repaired counts the lines with a string that does not decode to valid text, as meliae
	// is known to write: a lone surrogate escape ("\udc80"; Python's own dumps of file names
	// have them), a raw control byte, bytes that are not UTF-8, or an unknown escape. Each
	// bad part was replaced with U+FFFD and the line kept.
	Repaired int64
	// FirstRepaired is the number (from 1) of the first repaired line, and
	// FirstRepairedOffset its byte offset; both are 0 when Repaired is 0.
	FirstRepaired       int64
	FirstRepairedOffset int64
}

// MaxValue is how many characters (runes) of a string value or a name Read keeps. Values are
// only ever shown shortened; meliae itself writes at most 100 characters. The full length of a
// string is in Object.Len.
const MaxValue = 200

// maxType bounds a type name. meliae writes at most 100 characters.
const maxType = 1000

// maxKey bounds the keys the reader recognises; longer keys are unknown and skipped.
const maxKey = 16

// maxDepth bounds the nesting of values under keys the reader does not know.
const maxDepth = 64

// MaxSize bounds the size of one object, and the sizes of all the objects of a dump added up:
// 2^48 bytes (256 TiB), the most memory a process can address on x86-64 and arm64 with the
// usual 4-level page tables (and more than any Python heap holds with 5-level ones). A size
// beyond it, or below zero, is damage, not a heap; so is a len beyond it. Bounding the total
// also keeps every sum a later stage makes of the sizes far from overflowing an int64.
const MaxSize = 1 << 48

// MaxRefs bounds the refs of one object: 64M, a list of 64M items or a dict of 32M entries
// (a cache that size may be the very leak). Past the first refChunk, the refs of an object
// are held as bare addresses (8 bytes each, 512 MiB at the limit) and handed to the sink one
// at a time (heap.Object.More); a longer list is refused with ErrTooLarge, a limit of
// memsee's rather than damage.
const MaxRefs = 1 << 26

// ErrTooLarge is the cause (wrapped in a *heap.FormatError) when an object has more refs
// than MaxRefs.
var ErrTooLarge = heap.Limit("too large for memsee")

// bufSize is the read window. Lines longer than it (a list of millions of refs, a huge string
// value) are parsed as they stream past: no line is ever held whole in memory.
const bufSize = 64 << 10

// Format returns Format.
func (Reader) Format() heap.Format { return Format }

// Extensions returns the file name endings of the format (meliae writes JSON lines), before any .gz.
func (Reader) Extensions() []string { return []string{".json", ".jsonl"} }

// Sniff claims a file whose first non-space byte is '{' and whose first line has an "address"
// key. V8's .heapsnapshot is a JSON object too, but starts with a "snapshot" key.
func (Reader) Sniff(head []byte) bool {
	head = bytes.TrimLeft(head, " \t\r\n")
	if len(head) == 0 || head[0] != '{' {
		return false
	}
	if bytes.HasPrefix(bytes.TrimLeft(head[1:], " \t\r\n"), []byte(`"snapshot"`)) {
		return false
	}
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	return bytes.Contains(head, []byte(`"address"`))
}

// Read streams the dump into sink: Begin, then one Object per line in file order, each module
// followed by its Root. See ReadStats.
func (rd Reader) Read(ctx context.Context, name string, r io.Reader, sink heap.Sink) error {
	_, err := rd.ReadStats(ctx, name, r, sink)
	return err
}

// ReadStats is Read, and also returns what it counted and repaired (also when it fails, up to
// the failure), so that the loader can tell the user "3 lines had invalid strings".
//
// Each line becomes a heap.Object: Addr from "address", Type from "type", Size from "size",
// Len from "len" (-1 when absent), Value from "value" or else "name" (shortened to MaxValue
// characters), and one Edge per entry of "refs", in order. What an edge means can only be
// partly known from its own line: the elements of a list or tuple (and deque) are EdgeElement
// named by their index (a list's and a tuple's refs come last element first, as CPython's
// traversal visits them), those of a set EdgeElement without a name, and every other ref is
// EdgeField without a name. Naming dict entries and attributes needs the key strings, which
// are other objects and may come later in the file, so it is left to a later stage: the refs of
// a dict are key, value, key, value..., those of an instance its __dict__ and then its class,
// those of a module its __dict__. A function's "freevars" (memsee's dumper writes them: the
// names of its closure's variables), when they are a list of at most MaxFreevars identifiers,
// become the Name of each of its refs, freevarsName and then each name after a NUL: which ref
// is the closure is for the naming pass to find (names.go), which takes them off.
//
// meliae has no GC roots. Every object of type "module" is sent as a Root of kind "module"
// named "module <name>"; objects nobody refers to are for a later stage to treat as roots.
// A ref to an address that no line defines, and an address defined twice, are not the
// reader's to find: it does not keep the addresses it has seen.
//
// A line that is not a JSON object, or has no address or type, stops the read with a
// *heap.FormatError at the line's offset, Record "line N". So does a size or len below zero
// or above MaxSize, a size that takes the total past MaxSize, and more than MaxRefs refs
// (then the cause is ErrTooLarge); and a dump with no objects.
func (Reader) ReadStats(ctx context.Context, name string, r io.Reader, sink heap.Sink) (Stats, error) {
	rd, err := readSplit(ctx, name, r, sink, defaultSplit())
	return rd.stats, err
}

// readSplit is ReadStats, with the blocks and workers of split.
func readSplit(ctx context.Context, name string, r io.Reader, sink heap.Sink, split split) (*reading, error) {
	rd := &reading{ctx: ctx, name: name, sink: sink, split: split, types: &typeNames{m: make(map[string]string)}}
	p := rd.newParser(make([]byte, bufSize))
	p.R = r
	return rd, rd.run(p)
}

// parser parses the lines of one dump, or of the blocks of lines it is given. It owns its read
// window, so that a line is parsed where it lies in the window, and a line longer than the
// window is parsed as it streams through.
type parser struct {
	jsontext.Lines // the window over the stream, and the current line (Repaired: it had a bad string)

	// The current record.
	obj heap.Object
	// edges holds the record's first refChunk refs, from edgeBase on: on the reader's
	// goroutine edgeBase is 0 and edges is reused from line to line; a worker appends every
	// record of its block to one slice (parallel.go).
	edges    []heap.Edge
	edgeBase int
	moreRefs [][]uint64 // the addresses of the refs after those, in chunks of refChunk
	typ      []byte
	value    []byte
	nameVal  []byte
	key      []byte
	hasAddr  bool
	hasType  bool
	hasValue bool
	hasName  bool
	// freevars holds the names of a function's closure variables, from "freevars", each
	// after a NUL; nFreevars counts them, -1 when the field is absent or unusable.
	freevars  []byte
	nFreevars int

	types  map[string]string // type names met before, as typeNames interned them
	recent [64]string        // some of them, in front of types (typeSlot)
	shared *typeNames
	// values, when set, holds the values of a worker's block one after the other: each
	// object's Value is a part of it, not a string of its own (parallel.go).
	values *strings.Builder
}

// reading is one dump being read: what is handed to the sink, and counted, in file order.
type reading struct {
	ctx   context.Context
	name  string
	sink  heap.Sink
	split split
	types *typeNames
	stats Stats
	total int64 // the sizes of the objects so far, at most MaxSize
	begun bool
	obj   heap.Object // the object of a worker's batch being handed over

	blocks, long int // the blocks workers parsed, and the lines longer than a block
}

func (rd *reading) newParser(buf []byte) *parser {
	return &parser{
		Lines:  jsontext.Lines{Name: rd.name, Buf: buf},
		types:  make(map[string]string),
		shared: rd.types,
	}
}

// run reads the dump with p, on this goroutine, until the first block is read; then, if the
// dump goes on, in blocks parsed by workers (parallel.go).
func (rd *reading) run(p *parser) error {
	for {
		if rd.stats.Lines&4095 == 0 {
			if err := rd.ctx.Err(); err != nil {
				return err
			}
		}
		if rd.split.workers > 1 && p.RErr == nil && p.Offset() >= int64(rd.split.serial) {
			return rd.parallel(p)
		}
		ok, err := p.record()
		rd.stats.Lines = p.Line // blank ones included
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if err := rd.handOver(p); err != nil {
			return err
		}
	}
	return rd.end()
}

// end is what the end of the dump finds: an error if it had no objects.
func (rd *reading) end() error {
	if rd.stats.Objects == 0 {
		return &heap.FormatError{File: rd.name, Offset: -1, Err: errors.New("no objects in the dump")}
	}
	return nil
}

// handOver hands the record p parsed on this goroutine to the sink.
func (rd *reading) handOver(p *parser) error {
	err := rd.object(&p.obj, p.Line, p.LineStart, p.Repaired, p.rootName())
	if len(p.moreRefs) > 0 { // one huge object: do not keep its memory for the rest
		p.clearRefs()
		p.edges = nil
	}
	return err
}

// object hands an object, from line number line at offset start, to the sink: Begin first if
// it is the first, then the object, then its root, if it is a module (root is its name).
func (rd *reading) object(o *heap.Object, line, start int64, repaired bool, root string) error {
	if o.Size > MaxSize-rd.total {
		return &heap.FormatError{File: rd.name, Offset: start, Record: fmt.Sprintf("line %d", line),
			Err: fmt.Errorf("size %d: the sizes of the objects up to this one add up to more than 2^48 bytes (256 TiB), more than a process can address", o.Size)}
	}
	rd.total += o.Size
	if !rd.begun {
		rd.begun = true
		snap := heap.Snapshot{Format: Format, Kind: heap.KindGraph, Meta: map[string]string{}}
		if err := rd.sink.Begin(snap); err != nil {
			return err
		}
	}
	rd.stats.Objects++
	if repaired {
		rd.stats.Repaired++
		if rd.stats.FirstRepaired == 0 {
			rd.stats.FirstRepaired, rd.stats.FirstRepairedOffset = line, start
		}
	}
	if err := rd.sink.Object(o); err != nil {
		return err
	}
	if root != "" {
		rd.stats.Roots++
		return rd.sink.Root(heap.Root{Addr: o.Addr, Kind: "module", Name: root})
	}
	return nil
}

// rootName is the name of the object p parsed as a root: for a module, "module " and its name
// (its value when the line has no name); "" for any other object, which is no root.
func (p *parser) rootName() string {
	if p.obj.Type != "module" {
		return ""
	}
	if p.hasName {
		return "module " + string(p.nameVal)
	}
	return "module " + p.obj.Value
}

// record parses the next non-blank line into p.obj. It returns false at the end of the file.
func (p *parser) record() (bool, error) {
	ok, err := p.StartRecord()
	if !ok || err != nil {
		return false, err
	}
	if c := p.Buf[p.Pos]; c != '{' {
		return false, p.Fail("found %s where a record should start: a meliae dump has one JSON object per line", jsontext.QuoteByte(c))
	}
	p.Pos++
	if err := p.fields(); err != nil {
		return false, err
	}
	if err := p.EndRecord(); err != nil {
		return false, err
	}
	if !p.hasAddr {
		return false, p.FailErr(errors.New(`the record has no "address"`))
	}
	if !p.hasType {
		return false, p.FailErr(errors.New(`the record has no "type"`))
	}
	p.finish()
	return true, nil
}

// fields parses the keys and values of a record, after its '{', through its '}'.
func (p *parser) fields() error {
	p.obj = heap.Object{Len: -1}
	p.clearRefs()
	p.typ, p.value, p.nameVal = p.typ[:0], p.value[:0], p.nameVal[:0]
	p.hasAddr, p.hasType, p.hasValue, p.hasName = false, false, false, false
	p.freevars, p.nFreevars = p.freevars[:0], -1
	p.Repaired = false

	c, err := p.Peek()
	if err != nil {
		return err
	}
	if c == '}' {
		p.Pos++
		return nil
	}
	for {
		if err := p.readKey(); err != nil {
			return err
		}
		// The usual one space before the value, without Peek, which would stop at the same byte.
		if p.Pos+1 < p.End && p.Buf[p.Pos] == ' ' && p.Buf[p.Pos+1] > ' ' {
			p.Pos++
		} else if _, err := p.Peek(); err != nil {
			return err
		}
		switch string(p.key) {
		case "address":
			p.obj.Addr, err = p.uint("address")
			p.hasAddr = true
		case "type":
			err = p.Expect('"', "a string for type")
			if err == nil {
				p.typ, err = p.Str(p.typ[:0], maxType)
				p.hasType = true
			}
		case "size":
			p.obj.Size, err = p.count("size", 0)
		case "len":
			p.obj.Len, err = p.count("len", -1)
		case "value":
			p.value, p.hasValue, err = p.scalar(p.value[:0])
		case "name":
			p.nameVal, p.hasName, err = p.scalar(p.nameVal[:0])
		case "refs":
			p.clearRefs()
			err = p.refList()
		case "freevars":
			err = p.freevarList()
		default:
			err = p.skip(0)
		}
		if err != nil {
			return err
		}
		// Inline rather than Next, which looks past the ',': this runs once per key of every
		// line, and the loop finds the next key itself.
		var c byte
		if p.Pos < p.End && p.Buf[p.Pos] > ' ' {
			c = p.Buf[p.Pos] // what Peek would return
		} else if c, err = p.Peek(); err != nil {
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

// readKey reads a key into p.key, through the ':' after it. The usual key, `"size":` (after a
// space, or none) whole in the window with nothing to decode, is read without the general steps, which would read the
// same key from it.
func (p *parser) readKey() error {
	k := p.Pos
	if k < p.End && p.Buf[k] == ' ' { // after the ',' of the key before
		k++
	}
	if i := k + 1; i < p.End && p.Buf[k] == '"' {
		j, end := i, min(p.End, i+maxKey+1)
		for j < end && !jsontext.StrSpecial[p.Buf[j]] {
			j++
		}
		if j+1 < p.End && j-i <= maxKey && p.Buf[j] == '"' && p.Buf[j+1] == ':' {
			p.key = append(p.key[:0], p.Buf[i:j]...)
			p.Pos = j + 2
			return nil
		}
	}
	if err := p.Expect('"', "a key"); err != nil {
		return err
	}
	var err error
	if p.key, err = p.Str(p.key[:0], maxKey); err != nil {
		return err
	}
	return p.Expect(':', "':' after a key")
}

// finish fills in what depends on the whole record: the type, the value and the edge kinds.
func (p *parser) finish() {
	t := p.typeName()
	p.obj.Type = t
	switch {
	case p.hasValue:
		p.obj.Value = p.keep(p.value)
	case p.hasName:
		p.obj.Value = p.keep(p.nameVal)
	}
	edges := p.edges[p.edgeBase:]
	kind, named := heap.EdgeField, false
	// index is the index of the element at position i of the refs: a list's and a tuple's
	// refs are what their tp_traverse visits, the last element first (CPython's list_traverse
	// and tupletraverse count down), a deque's are in order.
	index := func(i int) int { return i }
	switch t {
	case "list", "tuple":
		kind, named = heap.EdgeElement, true
		n := len(edges)
		for _, c := range p.moreRefs {
			n += len(c)
		}
		index = func(i int) int { return n - 1 - i }
	case "deque", "collections.deque":
		kind, named = heap.EdgeElement, true
	case "set", "frozenset":
		kind = heap.EdgeElement
	}
	if t == "function" && p.nFreevars > 0 {
		// Every ref of the function carries the names, as it is not known here which ref is
		// its closure; the naming pass takes them off (names.go, freevarsName).
		stash := freevarsName + string(p.freevars)
		for i := range edges {
			edges[i].Name = stash
		}
	}
	if kind != heap.EdgeField {
		for i := range edges {
			edges[i].Kind = kind
			if named {
				edges[i].Name = heap.IndexName(index(i))
			}
		}
	}
	p.obj.Edges = edges
	p.obj.More = nil
	if len(p.moreRefs) > 0 {
		chunks, first := p.moreRefs, len(edges)
		p.obj.More = func(yield func(heap.Edge) bool) {
			i := first
			for _, c := range chunks {
				for _, a := range c {
					e := heap.Edge{To: a, Kind: kind}
					if named {
						e.Name = heap.IndexName(index(i))
					}
					if !yield(e) {
						return
					}
					i++
				}
			}
		}
	}
}

// typeName returns the record's type name, interned: every object of a type is handed over
// with one string (the sink may know a name by where its bytes are).
func (p *parser) typeName() string {
	slot := &p.recent[typeSlot(p.typ)]
	if *slot == string(p.typ) && *slot != "" {
		return *slot
	}
	if t, ok := p.types[string(p.typ)]; ok {
		*slot = t
		return t
	}
	t, interned := p.shared.intern(p.typ)
	if interned {
		p.types[t] = t
		*slot = t
	}
	return t
}

// typeSlot picks the slot of parser.recent for a type name, from its length and its ends.
func typeSlot(typ []byte) int {
	if len(typ) == 0 {
		return 0
	}
	return (len(typ)*31 + int(typ[0])*7 + int(typ[len(typ)-1])) & (len(parser{}.recent) - 1)
}

// keep returns b as a string that never changes: a string of its own, or a part of a worker's
// values.
func (p *parser) keep(b []byte) string {
	if p.values == nil {
		return string(b)
	}
	p.values.Write(b)
	s := p.values.String()
	return s[len(s)-len(b):]
}

// typeNames interns the type names of one dump, for all its parsers. It keeps the first
// maxTypes distinct names; a dump with more (damaged, or hostile) gets a new string for each
// object of another type.
type typeNames struct {
	mu sync.Mutex
	m  map[string]string
}

const maxTypes = 1 << 16

// intern returns name as a string, and whether it is the interned one.
func (t *typeNames) intern(name []byte) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s, ok := t.m[string(name)]; ok {
		return s, true
	}
	s := string(name)
	if len(t.m) < maxTypes {
		t.m[s] = s
		return s, true
	}
	return s, false
}

// MaxFreevars bounds the names of a closure's variables the reader keeps; maxFreevar bounds
// one name, in characters. memsee's dumper writes none past either (dumper.py, _freevars).
const (
	MaxFreevars = 256
	maxFreevar  = 100
)

// freevarList parses the "freevars" of a function, a list of the names of its closure's
// variables. The field is memsee's own (meliae writes none), and only names cells: a value
// that is not a list of at most MaxFreevars identifiers of at most maxFreevar characters is
// read past and dropped, the line kept.
func (p *parser) freevarList() error {
	p.freevars, p.nFreevars = p.freevars[:0], -1
	if p.Buf[p.Pos] != '[' {
		return p.skip(0)
	}
	p.Pos++
	n, ok := 0, true
	c, err := p.Peek()
	if err != nil {
		return err
	}
	if c == ']' {
		p.Pos++
		return nil
	}
	for {
		if c == '"' && ok && n < MaxFreevars {
			p.Pos++
			start := len(p.freevars)
			p.freevars = append(p.freevars, 0)
			if p.freevars, err = p.Str(p.freevars, maxFreevar+1); err != nil {
				return err
			}
			ok = identifier(p.freevars[start+1:])
		} else {
			ok = false
			if err := p.skip(1); err != nil {
				return err
			}
		}
		n++
		more, err := p.Next(']', "in freevars") // ListNext, without making the text each time
		if err != nil {
			return err
		}
		if !more {
			if ok {
				p.nFreevars = n
			} else {
				p.freevars = p.freevars[:0]
			}
			return nil
		}
		c = p.Buf[p.Pos] // listNext has peeked at it
	}
}

// identifier reports whether name is a Python identifier of at most maxFreevar characters:
// letters, digits (not first), underscores, and the marks and connectors Python allows.
func identifier(name []byte) bool {
	if len(name) == 0 || utf8.RuneCount(name) > maxFreevar {
		return false
	}
	for i, r := range string(name) {
		switch {
		case r == '_', unicode.IsLetter(r):
		case i > 0 && (unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc, unicode.Pc)):
		default:
			return false
		}
	}
	return true
}

// uint parses an unsigned integer.
func (p *parser) uint(key string) (uint64, error) {
	if p.Buf[p.Pos]-'0' > 9 {
		return 0, p.Fail("want a number for %s, found %s", key, jsontext.QuoteByte(p.Buf[p.Pos]))
	}
	const cutoff = (1<<64 - 1) / 10
	var v uint64
	for {
		for p.Pos < p.End {
			d := p.Buf[p.Pos] - '0'
			if d > 9 {
				return v, p.integerEnd(key)
			}
			if v > cutoff || (v == cutoff && d > 5) {
				return 0, p.Fail("%s is too large", key)
			}
			v = v*10 + uint64(d)
			p.Pos++
		}
		if !p.Fill(1) {
			return 0, p.Ended()
		}
	}
}

// integerEnd rejects a fraction or an exponent after the digits of an integer.
func (p *parser) integerEnd(key string) error {
	switch p.Buf[p.Pos] {
	case '.', 'e', 'E':
		return p.Fail("want an integer for %s", key)
	}
	return nil
}

// count parses a size or a len: an integer from 0 to MaxSize, or null, which is null's value.
func (p *parser) count(key string, null int64) (int64, error) {
	col := p.Offset() - p.LineStart + 1
	v, isNull, err := p.int(key)
	switch {
	case err != nil:
		return 0, err
	case isNull:
		return null, nil
	case v < 0:
		return 0, p.FailErr(fmt.Errorf("column %d: %s is %d: below zero", col, key, v))
	case v > MaxSize:
		return 0, p.FailErr(fmt.Errorf("column %d: %s is %d: more than 2^48, more bytes than a process can address", col, key, v))
	}
	return v, nil
}

// int parses a signed integer, or null.
func (p *parser) int(key string) (v int64, null bool, err error) {
	neg := false
	switch p.Buf[p.Pos] {
	case '-':
		neg = true
		p.Pos++
		if !p.More() {
			return 0, false, p.Ended()
		}
	case 'n':
		tok, err := p.Token(p.key[:0], maxKey, &isToken)
		if err != nil {
			return 0, false, err
		}
		if string(tok) != "null" {
			return 0, false, p.Fail("want a number for %s", key)
		}
		return 0, true, nil
	}
	u, err := p.uint(key)
	if err != nil {
		return 0, false, err
	}
	if u > 1<<63-1 && !(neg && u == 1<<63) {
		return 0, false, p.Fail("%s is too large", key)
	}
	if neg {
		return -int64(u), false, nil
	}
	return int64(u), false, nil
}

// refChunk is how many refs go straight into parser.edges, and how many addresses one chunk
// of parser.moreRefs holds: a long list grows chunk by chunk, 8 bytes a ref, without the copies
// (and the garbage) of a slice that doubles, and its edges are made once it has been read.
const refChunk = 1 << 16

// clearRefs empties edges and moreRefs.
func (p *parser) clearRefs() {
	p.edges = p.edges[:p.edgeBase]
	clear(p.moreRefs)
	p.moreRefs = p.moreRefs[:0]
}

// moreRef adds a ref past the first refChunk.
func (p *parser) moreRef(a uint64) error {
	if n := len(p.moreRefs); n == 0 || len(p.moreRefs[n-1]) == refChunk {
		if refChunk*(n+1) == MaxRefs {
			return p.FailErr(fmt.Errorf("%w: more than %d refs in one object (a list of 64M items, a dict of 32M entries), memsee's limit", ErrTooLarge, MaxRefs))
		}
		p.moreRefs = append(p.moreRefs, make([]uint64, 0, refChunk))
	}
	last := &p.moreRefs[len(p.moreRefs)-1]
	*last = append(*last, a)
	return nil
}

// refList parses the list of addresses, at most MaxRefs of them.
func (p *parser) refList() error {
	if p.Buf[p.Pos] != '[' {
		return p.Fail("want a list of addresses for refs, found %s", jsontext.QuoteByte(p.Buf[p.Pos]))
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
		a, err := p.uint("a ref")
		if err != nil {
			return err
		}
		if len(p.edges)-p.edgeBase < refChunk {
			p.edges = append(p.edges, heap.Edge{To: a})
		} else if err := p.moreRef(a); err != nil {
			return err
		}
		// The usual ", " between addresses, without the general peek.
		if p.End-p.Pos >= 3 && p.Buf[p.Pos] == ',' && p.Buf[p.Pos+1] == ' ' && p.Buf[p.Pos+2]-'0' <= 9 {
			p.Pos += 2
			continue
		}
		if more, err := p.Next(']', "in refs"); err != nil || !more { // ListNext, without making the text each time
			return err
		}
	}
}

// scalar parses a value or a name: a string, decoded and shortened, or a bare number or
// literal (meliae writes ints bare), kept as written. null is no value.
func (p *parser) scalar(dst []byte) ([]byte, bool, error) {
	if p.Buf[p.Pos] == '"' {
		p.Pos++
		b, err := p.Str(dst, MaxValue)
		return b, true, err
	}
	b, err := p.Token(dst, MaxValue, &isToken)
	if err != nil {
		return b, false, err
	}
	if string(b) == "null" {
		return b[:0], false, nil
	}
	return b, true, nil
}

// isToken marks the bytes of a JSON number or literal. Python's json also writes NaN,
// Infinity and -Infinity.
var isToken = func() (t [256]bool) {
	for _, c := range []byte("0123456789+-.eEabcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		t[c] = true
	}
	return t
}()

// skip parses and drops the value of a key the reader does not know.
func (p *parser) skip(depth int) error { return p.Skip(depth, maxDepth, &isToken, nil) }
