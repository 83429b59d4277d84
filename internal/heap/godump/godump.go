// Package godump reads Go heap dumps, as runtime/debug.WriteHeapDump writes them ("go1.7 heap
// dump", docs/formats/godump.md; runtime/heapdump.go is the source of truth), and hands
// their objects and roots to a heap.Sink.
//
// A Go heap dump has no types: an object is an address, its bytes and the offsets of its
// pointer fields. The reader names each object by its allocation site, from the allocation
// samples and memory-profile buckets at the end of the file (see siteName), and names globals
// from the executable's symbol table when it is given one (see Symbols).
package godump

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/memsee/memsee/internal/heap"
)

// Header is the first line of every Go heap dump since Go 1.7.
const Header = "go1.7 heap dump\n"

// The record tags of runtime/heapdump.go.
const (
	tagEOF             = 0
	tagObject          = 1
	tagOtherRoot       = 2
	tagType            = 3
	tagGoroutine       = 4
	tagStackFrame      = 5
	tagParams          = 6
	tagFinalizer       = 7
	tagItab            = 8
	tagOSThread        = 9
	tagMemStats        = 10
	tagQueuedFinalizer = 11
	tagData            = 12
	tagBSS             = 13
	tagDefer           = 14
	tagPanic           = 15
	tagMemProf         = 16
	tagAllocSample     = 17
)

var recordNames = [...]string{
	tagEOF: "EOF", tagObject: "object", tagOtherRoot: "other root", tagType: "type",
	tagGoroutine: "goroutine", tagStackFrame: "stack frame", tagParams: "params",
	tagFinalizer: "finalizer", tagItab: "itab", tagOSThread: "OS thread", tagMemStats: "memstats",
	tagQueuedFinalizer: "queued finalizer", tagData: "data segment", tagBSS: "bss segment",
	tagDefer: "defer", tagPanic: "panic", tagMemProf: "memory-profile bucket",
	tagAllocSample: "allocation sample",
}

// The kinds of a field list entry. Go 1.26 writes only pointers; iface and eface fields are
// from older dumps, and hold their data pointer in the second word.
const (
	fieldEol   = 0
	fieldPtr   = 1
	fieldIface = 2
	fieldEface = 3
)

// Limits on what a record may claim, so that a damaged file cannot make the reader allocate
// what the input does not hold.
const (
	maxString = 1 << 16 // a function, file or type name, a wait reason
	maxFrames = 1 << 12 // frames of one memory-profile bucket (the runtime keeps 32)
	bufSize   = 256 << 10
	// maxBuffered is the largest memory range (an object's, a segment's or a stack frame's
	// bytes) read whole into memory; a larger one is streamed (see bigRange).
	maxBuffered = 1 << 20
	// maxRange bounds a memory range: the reader keeps offsets in 32 bits, and no Go object,
	// data segment or stack frame comes near 4 GiB.
	maxRange = 1<<32 - 1
	// maxBigWords bounds the words of one streamed range that may be pointers (nonzero, and
	// in the heap arenas): 16M of them (a 128 MiB array of pointers) take 192 MB to keep until
	// the field list that follows the bytes says which are pointers.
	maxBigWords = 1 << 24
)

// Reader reads Go heap dumps. The zero value names globals by segment and offset
// ("bss+0x1a8"); with Symbols set, by the executable's symbol ("global main.auditLog").
type Reader struct {
	Symbols *Symbols
}

// Format returns Format.
func (Reader) Format() heap.Format { return Format }

// Extensions returns the file name endings of the format (what memsee's Go dumper writes), before any .gz.
func (Reader) Extensions() []string { return []string{".dump"} }

// Sniff claims a file that starts with the heap dump header.
func (Reader) Sniff(head []byte) bool { return bytes.HasPrefix(head, []byte(Header)) }

// Stats says what Read found, beyond what the Sink was handed.
type Stats struct {
	Objects        int // object records
	Sampled        int // objects an allocation sample names
	Roots          int // roots sent (pointer slots that hold a heap object)
	GlobalSlots    int // pointer slots of the data and bss segments that hold a heap object
	NamedGlobals   int // of those, slots a symbol covers (0 without Symbols)
	Goroutines     int
	OutsideHeap    int // pointers to memory no object covers (rodata, stacks, off-heap), dropped
	MemStatObjects uint64
}

// Read streams the dump into sink. See ReadStats.
func (rd Reader) Read(ctx context.Context, name string, r io.Reader, sink heap.Sink) error {
	_, err := rd.ReadStats(ctx, name, r, sink)
	return err
}

// ReadStats reads the dump, then hands sink Begin, every object in file order and the roots.
//
// Objects come before the allocation samples that name them, so the reader keeps what it needs
// of every object until the end, in flat slices: the address, the size, and the targets and
// offsets of its non-nil pointer fields (about 28 bytes an object once sorted, and 12 a
// pointer, 8 once resolved); no contents.
// At the end it sorts the objects by address, resolves every pointer to the object containing
// its target (interior pointers are common in Go: a slice into an array, a field's address)
// and drops pointers to memory no object covers (string literals in rodata, stacks, the
// runtime's off-heap memory), and only then calls the sink.
//
// Each object is a heap.Object with Type its allocation site (siteName) or, without an
// allocation sample, "object (48 B)"; Size the size class the runtime gave it; Len -1; Value
// the text of a small pointer-free object that a string header points to, as long as the
// header says (a guess: a dump has no types, so it is only shown); and one
// EdgeField per pointer, named by its offset ("+0x18"). Roots are the pointer slots of the
// data and bss segments (kind "global"), of goroutine stack frames (kind "stack", named
// "goroutine 12 main.worker"), finalizers and the runtime's other roots.
//
// A record that is cut short, an unknown tag, a bad varint, a pointer field outside its
// record's bytes or a memory range of more than 4 GiB stops the read with a *heap.FormatError
// at the record's offset; so does anything after the EOF record, at its own offset. Memory
// ranges of more than maxBuffered bytes are streamed (bigRange), so that what an object
// claims never decides what the reader allocates.
func (rd Reader) ReadStats(ctx context.Context, name string, r io.Reader, sink heap.Sink) (Stats, error) {
	p := &parser{name: name, r: r, buf: make([]byte, bufSize), syms: rd.Symbols, ptrSize: 8,
		buckets: map[uint64]bucket{}, siteIdx: map[string]uint32{}}
	p.sites, p.siteColl = []string{""}, []bool{false} // site 0: no sample
	if err := p.run(ctx); err != nil {
		return p.stats, err
	}
	if err := p.finish(); err != nil {
		return p.stats, err
	}
	return p.stats, p.emit(ctx, sink)
}

// parser reads one dump.
type parser struct {
	name string
	r    io.Reader
	syms *Symbols

	buf      []byte
	pos, end int
	base     int64 // stream offset of buf[0]
	rerr     error

	recStart int64 // offset of the current record
	tag      uint64
	scratch  []byte // the current record's contents
	strbuf   []byte
	fields   []uint32
	big      bigRange // the current record's contents, when too large for scratch

	// From the params record.
	bigEndian bool
	ptrSize   int
	// The heap arenas' range: a pointer outside it (a string literal in rodata, a global) is
	// no heap object's and is dropped as it is read, unkept.
	arenaStart, arenaEnd uint64
	goarch, version      string
	haveParams           bool

	// Objects, in file order (an ObjID): ObjID -> ...
	n         int            // how many
	addr      []uint64       // address; nil once sorted into sortedAddr
	words     column[uint32] // size in pointer words; empty once sorted into sortedWords
	rank      []uint32       // place in address order, once indexed
	edgeStart column[uint32] // index of its first pointer in targets; the next object's start ends it
	// Values: the text of small pointer-free objects (valueText), for show.
	valueID  []uint32 // ObjIDs that have one, ascending
	valueEnd []uint32 // -> the end of its text in values
	values   []byte
	// Possible string lengths (lengthHint): the pointer's value and the word after it.
	hintAddr []uint64
	hintLen  []uint8
	// Pointers, in file order: a pointer's index -> ...
	targets column[uint64] // its value; empty once resolved into to
	offsets column[uint32] // its offset in its object
	// to is the containing object of its target, once resolved: its place in address order
	// + 1, 0 when no object contains it. Four bytes where the target took eight.
	to    column[uint32]
	edges int // pointers into an object: the references sent

	// The address index, built at the first record after the objects.
	indexed     bool
	sortedAddr  addrOrder // address order -> address
	sortedWords []uint32  // address order -> size in pointer words
	site        []uint32  // address order -> site index, 0 when no sample names it
	siteLive    []float32 // address order -> its site bucket's live fraction, to choose between samples
	valueLen    []uint8   // address order -> its value's length + 1, from string headers; 0: none
	pageBase    uint64    // the first object's page
	heapEnd     uint64    // the end of the last object
	pageEnd     []uint32  // page (from pageBase) -> how many objects start before its end; nil if too many pages

	// Roots, in file order.
	roots     []root
	rootNames []string
	rootIdx   map[string]uint32

	// Allocation sites.
	buckets  map[uint64]bucket // bucket address -> its site
	sites    []string          // site index -> name
	siteColl []bool            // site index -> whether its objects hold elements (isCollection)
	siteIdx  map[string]uint32
	pending  []sample // samples read before the objects were indexed (not in Go 1.26's order)

	data, bss segment
	// While a segment's field list is read with Symbols: the segment, and the executable's
	// bitmap of it (nil when its address or size already differ).
	seg       *segment
	segMask   *segmentOf
	stats     Stats
	goroutine uint64 // id of the goroutine whose frames follow
	callee    string // the function of the goroutine's frame read last, the callee of the next

}

type root struct {
	target uint64
	kind   uint8
	named  bool   // a global a symbol names
	name   uint32 // index in rootNames
}

type sample struct{ addr, bucket uint64 }

// bucket is what the reader keeps of a memory-profile bucket.
type bucket struct {
	site uint32
	live float32 // the fraction of its allocations not yet freed
}

// segment is what the reader keeps of a data or bss segment record, for Symbols.match.
type segment struct {
	addr uint64
	size uint64
	seen bool
	// With Symbols whose segment has this address and size: the words the record's field
	// list marks as pointers (nil or not); the offset of the first one the executable's
	// bitmap does not mark, and of the first word the bitmap marks and the list does not
	// (-1: none); the word after the last one the list marked.
	pointers            int
	unexpected, missing int64
	next                uint64
}

// Root kinds, spelled by rootKinds.
const (
	rootGlobal = iota
	rootStack
	rootFinalizer
	rootOther
)

var rootKinds = [...]string{"global", "stack", "finalizer", "other"}

// errTruncated is the cause when the file ends inside a record.
var errTruncated = errors.New("the file ends inside the record (the dump was cut short? take it again)")

func (p *parser) fail(err error) error {
	rec := "header"
	if p.recStart > 0 || p.tag != 0 {
		if p.tag < uint64(len(recordNames)) {
			rec = recordNames[p.tag] + " record"
		} else {
			rec = "tag " + strconv.FormatUint(p.tag, 10)
		}
	}
	return &heap.FormatError{File: p.name, Offset: p.recStart, Record: rec, Err: err}
}

// fill reads more input, keeping buf[pos:end]. It returns false at the end of the input.
func (p *parser) fill() bool {
	if p.rerr != nil {
		return false
	}
	if p.pos > 0 {
		n := copy(p.buf, p.buf[p.pos:p.end])
		p.base += int64(p.pos)
		p.pos, p.end = 0, n
	}
	for p.end < len(p.buf) {
		n, err := p.r.Read(p.buf[p.end:])
		p.end += n
		if err != nil {
			p.rerr = err
			break
		}
		if n > 0 {
			break
		}
	}
	return p.end > p.pos
}

func (p *parser) readErr() error {
	if p.rerr != nil && p.rerr != io.EOF {
		return p.rerr
	}
	return errTruncated
}

// uvarint reads one unsigned varint.
func (p *parser) uvarint() (uint64, error) {
	if p.end-p.pos >= 10 { // fast path: the whole varint is in the buffer
		var x uint64
		b := p.buf[p.pos:p.end]
		for i := 0; i < 10; i++ {
			c := b[i]
			if c < 0x80 {
				if i == 9 && c > 1 {
					return 0, errors.New("bad varint: overflows 64 bits")
				}
				p.pos += i + 1
				return x | uint64(c)<<(7*i), nil
			}
			x |= uint64(c&0x7f) << (7 * i)
		}
		return 0, errors.New("bad varint: longer than 10 bytes")
	}
	var x uint64
	for i := 0; ; i++ {
		if p.pos == p.end && !p.fill() {
			return 0, p.readErr()
		}
		c := p.buf[p.pos]
		p.pos++
		if i == 9 && c > 1 {
			return 0, errors.New("bad varint: overflows 64 bits")
		}
		if c < 0x80 {
			return x | uint64(c)<<(7*i), nil
		}
		x |= uint64(c&0x7f) << (7 * i)
	}
}

// ints reads n varints, keeping none.
func (p *parser) ints(n int) error {
	for range n {
		if _, err := p.uvarint(); err != nil {
			return err
		}
	}
	return nil
}

// rangeN reads n bytes into dst[:0]. It grows dst only as the input delivers, so a damaged
// length cannot allocate more than the file holds.
func (p *parser) rangeN(dst []byte, n uint64) ([]byte, error) {
	dst = dst[:0]
	for uint64(len(dst)) < n {
		if p.pos == p.end && !p.fill() {
			return dst, p.readErr()
		}
		k := min(uint64(p.end-p.pos), n-uint64(len(dst)))
		dst = append(dst, p.buf[p.pos:p.pos+int(k)]...)
		p.pos += int(k)
	}
	return dst, nil
}

// str reads a string of at most maxString bytes.
func (p *parser) str() (string, error) {
	n, err := p.uvarint()
	if err != nil {
		return "", err
	}
	if n > maxString {
		return "", fmt.Errorf("string of %d bytes (at most %d expected)", n, maxString)
	}
	p.strbuf, err = p.rangeN(p.strbuf, n)
	return string(p.strbuf), err
}

// skip reads a length-prefixed range and drops it.
func (p *parser) skip() error {
	n, err := p.uvarint()
	if err != nil {
		return err
	}
	for n > 0 {
		if p.pos == p.end && !p.fill() {
			return p.readErr()
		}
		k := min(uint64(p.end-p.pos), n)
		p.pos += int(k)
		n -= k
	}
	return nil
}

// fieldList reads a field list into p.fields as the offsets of pointer words, checking each
// against size, the bytes of the record's contents.
func (p *parser) fieldList(size int) error {
	p.fields = p.fields[:0]
	for {
		kind, err := p.uvarint()
		if err != nil {
			return err
		}
		if kind == fieldEol {
			return nil
		}
		off, err := p.uvarint()
		if err != nil {
			return err
		}
		switch kind {
		case fieldPtr:
		case fieldIface, fieldEface:
			off += uint64(p.ptrSize)
		default:
			return fmt.Errorf("field kind %d at +%#x (want 1, a pointer)", kind, off)
		}
		if off > uint64(size) || uint64(size)-off < uint64(p.ptrSize) {
			return fmt.Errorf("pointer field at +%#x outside the record's %d bytes", off, size)
		}
		if len(p.fields) >= size/p.ptrSize {
			return fmt.Errorf("more pointer fields than the record's %d bytes hold words", size)
		}
		p.fields = append(p.fields, uint32(off))
	}
}

// word reads the pointer at off in b.
func (p *parser) word(b []byte, off uint32) uint64 {
	b = b[off : int(off)+p.ptrSize]
	var x uint64
	if p.bigEndian {
		for _, c := range b {
			x = x<<8 | uint64(c)
		}
		return x
	}
	for i := len(b) - 1; i >= 0; i-- {
		x = x<<8 | uint64(b[i])
	}
	return x
}

func (p *parser) run(ctx context.Context) error {
	head := make([]byte, 0, len(Header))
	for len(head) < len(Header) {
		if p.pos == p.end && !p.fill() {
			break
		}
		k := min(p.end-p.pos, len(Header)-len(head))
		head = append(head, p.buf[p.pos:p.pos+k]...)
		p.pos += k
	}
	if string(head) != Header {
		return &heap.FormatError{File: p.name, Offset: 0, Record: "header",
			Err: fmt.Errorf("not a Go heap dump: it starts %q, want %q", head, Header)}
	}
	for n := 0; ; n++ {
		if n%65536 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		p.recStart = p.base + int64(p.pos)
		tag, err := p.uvarint()
		if err != nil {
			if err == errTruncated && p.end == p.pos {
				err = errors.New("the file ends without an EOF record (the dump was cut short? take it again)")
			}
			return p.fail(err)
		}
		p.tag = tag
		if tag == tagEOF {
			return p.atEnd()
		}
		if err := p.record(tag); err != nil {
			return p.fail(err)
		}
	}
}

// atEnd checks that nothing follows the EOF record: a damaged tag can read as an early EOF
// record, and what follows it would be dropped unseen. It reads the input to its end, so
// that a gzip layer below checks its CRC and length.
func (p *parser) atEnd() error {
	if p.pos < p.end || p.fill() {
		return &heap.FormatError{File: p.name, Offset: p.base + int64(p.pos), Record: "EOF record",
			Err: errors.New("data after the end record (a damaged record? take the dump again)")}
	}
	if p.rerr != io.EOF {
		return p.rerr
	}
	return nil
}

func (p *parser) record(tag uint64) error {
	if tag != tagObject && !p.indexed && p.n > 0 && tag != tagParams {
		if err := p.index(); err != nil {
			return err
		}
	}
	switch tag {
	case tagObject:
		return p.object()
	case tagOtherRoot:
		desc, err := p.str()
		if err != nil {
			return err
		}
		to, err := p.uvarint()
		if err != nil {
			return err
		}
		p.addRoot(to, rootOther, desc)
		return nil
	case tagType:
		if err := p.ints(2); err != nil {
			return err
		}
		if err := p.skip(); err != nil {
			return err
		}
		return p.ints(1)
	case tagGoroutine:
		if _, err := p.uvarint(); err != nil { // address
			return err
		}
		if _, err := p.uvarint(); err != nil { // sp
			return err
		}
		id, err := p.uvarint()
		if err != nil {
			return err
		}
		p.goroutine, p.callee = id, ""
		p.stats.Goroutines++
		if err := p.ints(5); err != nil { // gopc, status, system, background, waitsince
			return err
		}
		if err := p.skip(); err != nil { // wait reason
			return err
		}
		return p.ints(4) // ctxt, m, defer, panic
	case tagStackFrame:
		return p.frame()
	case tagParams:
		return p.params()
	case tagFinalizer, tagQueuedFinalizer:
		obj, err := p.uvarint()
		if err != nil {
			return err
		}
		fn, err := p.uvarint()
		if err != nil {
			return err
		}
		if err := p.ints(3); err != nil { // fn.fn, fint, ot
			return err
		}
		if tag == tagQueuedFinalizer {
			p.addRoot(obj, rootFinalizer, "finalizer queue")
		}
		p.addRoot(fn, rootFinalizer, "finalizer")
		return nil
	case tagItab:
		return p.ints(2)
	case tagOSThread:
		return p.ints(3)
	case tagMemStats:
		vals := make([]uint64, 24+256+1)
		for i := range vals {
			v, err := p.uvarint()
			if err != nil {
				return err
			}
			vals[i] = v
		}
		p.stats.MemStatObjects = vals[11] // HeapObjects
		return nil
	case tagData, tagBSS:
		return p.segment(tag)
	case tagDefer:
		return p.ints(7)
	case tagPanic:
		return p.ints(6)
	case tagMemProf:
		return p.bucket()
	case tagAllocSample:
		addr, err := p.uvarint()
		if err != nil {
			return err
		}
		b, err := p.uvarint()
		if err != nil {
			return err
		}
		p.pending = append(p.pending, sample{addr, b})

		if len(p.pending) >= 1<<12 {
			p.samples()
		}
		return nil
	}
	return fmt.Errorf("unknown record tag %d (memsee reads the dumps of Go 1.7 to 1.26)", tag)
}

func (p *parser) params() error {
	big, err := p.uvarint()
	if err != nil {
		return err
	}
	ps, err := p.uvarint()
	if err != nil {
		return err
	}
	if ps != 4 && ps != 8 {
		return fmt.Errorf("pointer size %d (want 4 or 8)", ps)
	}
	if p.n > 0 || len(p.roots) > 0 {
		return errors.New("params after the first object or root")
	}
	p.bigEndian, p.ptrSize = big != 0, int(ps)
	if p.arenaStart, err = p.uvarint(); err != nil {
		return err
	}
	if p.arenaEnd, err = p.uvarint(); err != nil {
		return err
	}
	if p.goarch, err = p.str(); err != nil {
		return err
	}
	if p.version, err = p.str(); err != nil {
		return err
	}
	p.haveParams = true
	return p.ints(1) // ncpu
}

func (p *parser) object() error {
	if p.indexed {
		return errors.New("an object after the roots or samples (objects come first in a heap dump)")
	}
	addr, err := p.uvarint()
	if err != nil {
		return err
	}
	n, err := p.rangeLen("object")
	if err != nil {
		return err
	}
	if n > maxBuffered {
		return p.bigObject(addr, n)
	}
	p.scratch, err = p.rangeN(p.scratch, n)
	if err != nil {
		return err
	}
	size := len(p.scratch)
	if err := p.fieldList(size); err != nil {
		return err
	}
	if p.n >= 1<<32-1 || p.targets.len()+len(p.fields) >= 1<<32-1 {
		return errors.New("more objects or pointers than memsee's 32-bit ids can number")
	}
	p.addObject(addr, uint64(size))
	if len(p.fields) == 0 {
		p.keepValue(p.scratch)
	}
	filter := p.arenaEnd > p.arenaStart
	for i, off := range p.fields {
		t := p.word(p.scratch, off)
		switch {
		case t == 0:
		case filter && (t < p.arenaStart || t >= p.arenaEnd):
			p.stats.OutsideHeap++
		default:
			p.targets.add(t)
			p.offsets.add(off)
			p.lengthHint(t, off, i)
		}
	}
	p.shrinkScratch()
	return nil
}

// addObject numbers a new object.
func (p *parser) addObject(addr, size uint64) {
	if len(p.addr) == cap(p.addr) {
		// Doubling copies less than append's growth by a quarter; the addresses are one
		// slice, to be sorted, and dropped once they are (index).
		p.addr = slices.Grow(p.addr, max(len(p.addr), 1024))
	}
	p.addr = append(p.addr, addr)
	p.n++
	p.words.add(uint32((size + uint64(p.ptrSize) - 1) / uint64(p.ptrSize)))
	p.edgeStart.add(uint32(p.targets.len()))
}

// maxValue bounds the objects whose text is kept as a value: strings of names, keys and ids.
const maxValue = 64

// keepValue keeps the text of a small object without pointers, when it reads as text: the
// bytes of a short string ("SKU-000042", "user-12"). A dump has no types, so this is a guess;
// it is only shown, never used to name or group.
func (p *parser) keepValue(b []byte) {
	if len(b) > maxValue {
		return
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if len(b) < 2 || len(p.values)+len(b) > 1<<32-1 {
		return
	}
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return
		}
	}
	p.valueID = append(p.valueID, uint32(p.n-1))
	p.values = append(p.values, b...)
	p.valueEnd = append(p.valueEnd, uint32(len(p.values)))
}

// lengthHint keeps the word after pointer field i (at off) when it is not a pointer and could
// be the length of a string the pointer points to: a string header is a pointer and a length.
// The bytes of a string's object past its length are whatever the slot held before (the
// runtime does not clear memory without pointers), so a value is only shown as long as a
// header says it is.
func (p *parser) lengthHint(t uint64, off uint32, i int) {
	next := off + uint32(p.ptrSize)
	if int(next)+p.ptrSize > len(p.scratch) || (i+1 < len(p.fields) && p.fields[i+1] == next) {
		return
	}
	if n := p.word(p.scratch, next); n >= 2 && n <= maxValue {
		p.hintAddr = append(p.hintAddr, t)
		p.hintLen = append(p.hintLen, uint8(n))
	}
}

// shrinkScratch drops a scratch buffer a huge record grew, so that one large array does not
// stay allocated for the rest of the load.
func (p *parser) shrinkScratch() {
	if cap(p.scratch) > 1<<20 {
		p.scratch = nil
	}
}

func (p *parser) frame() error {
	if err := p.ints(3); err != nil { // sp, depth, child sp
		return err
	}
	if err := p.readRange("stack frame"); err != nil {
		return err
	}
	if err := p.ints(3); err != nil { // entry pc, pc, continuation pc
		return err
	}
	fn, err := p.str()
	if err != nil {
		return err
	}
	name := "goroutine " + strconv.FormatUint(p.goroutine, 10) + " " + frameName(fn, p.callee)
	p.callee = fn
	return p.pointers(func(_ uint32, t uint64) error {
		p.addRoot(t, rootStack, name)
		return nil
	})
}

func (p *parser) segment(tag uint64) error {
	addr, err := p.uvarint()
	if err != nil {
		return err
	}
	seg, prefix := &p.data, "data"
	if tag == tagBSS {
		seg, prefix = &p.bss, "bss"
	}
	if err := p.readRange(prefix + " segment"); err != nil {
		return err
	}
	*seg = segment{addr: addr, size: p.rangeSize(), seen: true, unexpected: -1, missing: -1}
	if p.syms != nil {
		if g := p.syms.segment(tag); g.addr == seg.addr && g.size == seg.size {
			p.seg, p.segMask = seg, g
			defer func() {
				p.checkMissing(uint64(len(g.mask)) * 8)
				p.seg, p.segMask = nil, nil
			}()
		}
	}
	return p.pointers(func(off uint32, t uint64) error {
		slot := addr + uint64(off)
		name, named := "", false
		if p.syms != nil {
			if s, ok := p.syms.lookup(slot); ok {
				name, named = "global "+s, true
			}
		}
		if name == "" {
			name = prefix + "+" + hex(uint64(off))
		}
		p.addRoot(t, rootGlobal, name)
		p.roots[len(p.roots)-1].named = named
		return nil
	})
}

// checkPointer counts a pointer word of the segment being read, at off, and notes the first
// one the executable's bitmap does not mark.
func (p *parser) checkPointer(off uint32) {
	s := p.seg
	s.pointers++
	w := uint64(off) / uint64(p.ptrSize)
	if s.unexpected < 0 && (off%uint32(p.ptrSize) != 0 || !p.segMask.pointerAt(w)) {
		s.unexpected = int64(off)
	}
	p.checkMissing(w)
	s.next = max(s.next, w+1)
}

// checkMissing notes the first word before word end, from the word after the last pointer
// the field list marked, that the executable's bitmap marks. The runtime lists a segment's
// pointers in ascending order (a list out of order still differs in its count).
func (p *parser) checkMissing(end uint64) {
	s := p.seg
	for w := s.next; s.missing < 0 && w < end; w++ {
		if p.segMask.pointerAt(w) {
			s.missing = int64(w) * int64(p.ptrSize)
		}
	}
}

// rangeLen reads the length of a memory range and checks it against maxRange.
func (p *parser) rangeLen(what string) (uint64, error) {
	n, err := p.uvarint()
	if err != nil {
		return 0, err
	}
	if n > maxRange {
		return 0, heap.Limit("%s of %d bytes: more than memsee reads (4 GiB)", what, n)
	}
	return n, nil
}

// readRange reads a length-prefixed memory range: into p.scratch when it is at most
// maxBuffered bytes, else streamed into p.big. pointers reads the field list that follows.
func (p *parser) readRange(what string) error {
	n, err := p.rangeLen(what)
	if err != nil {
		return err
	}
	p.big.on = n > maxBuffered
	if p.big.on {
		return p.streamRange(n)
	}
	p.scratch, err = p.rangeN(p.scratch, n)
	return err
}

// rangeSize returns the size of the range readRange read.
func (p *parser) rangeSize() uint64 {
	if p.big.on {
		return p.big.size
	}
	return uint64(len(p.scratch))
}

// pointers reads the field list of the range readRange read and calls visit with the offset
// and value of each non-nil pointer field.
func (p *parser) pointers(visit func(off uint32, t uint64) error) error {
	if p.big.on {
		return p.bigPointers(visit)
	}
	if err := p.fieldList(len(p.scratch)); err != nil {
		return err
	}
	for _, off := range p.fields {
		if p.segMask != nil {
			p.checkPointer(off)
		}
		if t := p.word(p.scratch, off); t != 0 {
			if err := visit(off, t); err != nil {
				return err
			}
		}
	}
	p.shrinkScratch()
	return nil
}

// bigRange is what the reader keeps of a memory range too large to buffer (more than
// maxBuffered bytes). The field list that says which words are pointers comes after the
// bytes, so while they stream by the reader keeps every word that may be one: nonzero and,
// when the params record gives the heap arenas' range, inside it. A range of pointer-free
// data keeps next to nothing whatever its size; one with more than maxBigWords such words
// is refused.
type bigRange struct {
	on   bool           // the current range is streamed
	size uint64         // its bytes
	word column[uint32] // index of a word that may be a pointer, ascending
	val  column[uint64] // -> its value
}

// streamRange reads n bytes into p.big.
func (p *parser) streamRange(n uint64) error {
	b := &p.big
	b.size, b.word, b.val = n, column[uint32]{}, column[uint64]{}
	ps := p.ptrSize
	filter := p.arenaEnd > p.arenaStart
	var carry [8]byte // a word split between two reads
	nc := 0
	w := uint32(0) // index of the next word
	keep := func(v uint64) error {
		if v != 0 && (!filter || v >= p.arenaStart && v < p.arenaEnd) {
			if b.word.len() >= maxBigWords {
				return heap.Limit("%d bytes with more than %d words that may be pointers: more than memsee keeps of one record", n, maxBigWords)
			}
			b.word.add(w)
			b.val.add(v)
		}
		w++
		return nil
	}
	for rem := n; rem > 0; {
		if p.pos == p.end && !p.fill() {
			return p.readErr()
		}
		k := int(min(uint64(p.end-p.pos), rem))
		chunk := p.buf[p.pos : p.pos+k]
		p.pos += k
		rem -= uint64(k)
		if nc > 0 {
			c := copy(carry[nc:ps], chunk)
			nc += c
			chunk = chunk[c:]
			if nc < ps {
				continue
			}
			if err := keep(p.word(carry[:ps], 0)); err != nil {
				return err
			}
			nc = 0
		}
		full := len(chunk) / ps * ps
		if ps == 8 && !p.bigEndian {
			for i := 0; i < full; i += 8 {
				if v := binary.LittleEndian.Uint64(chunk[i:]); v == 0 {
					w++
				} else if err := keep(v); err != nil {
					return err
				}
			}
		} else {
			for i := 0; i < full; i += ps {
				if err := keep(p.word(chunk, uint32(i))); err != nil {
					return err
				}
			}
		}
		nc = copy(carry[:], chunk[full:])
	}
	// A last partial word holds no pointer field.
	return nil
}

// bigPointers reads the field list of a streamed range. Its pointer fields must come in
// ascending order, as the runtime writes them, so that the kept words are matched in one pass
// and no list of fields is kept.
func (p *parser) bigPointers(visit func(off uint32, t uint64) error) error {
	b := &p.big
	ps := uint64(p.ptrSize)
	j := 0
	next := uint64(0) // the lowest offset the next field may have
	for {
		kind, err := p.uvarint()
		if err != nil {
			return err
		}
		if kind == fieldEol {
			break
		}
		off, err := p.uvarint()
		if err != nil {
			return err
		}
		switch kind {
		case fieldPtr:
		case fieldIface, fieldEface:
			off += ps
		default:
			return fmt.Errorf("field kind %d at +%#x (want 1, a pointer)", kind, off)
		}
		switch {
		case off > b.size || b.size-off < ps:
			return fmt.Errorf("pointer field at +%#x outside the record's %d bytes", off, b.size)
		case off%ps != 0:
			return fmt.Errorf("pointer field at +%#x is not aligned to a word", off)
		case off < next:
			return fmt.Errorf("pointer field at +%#x out of order (fields of a large record come in ascending order)", off)
		}
		next = off + ps
		if p.segMask != nil {
			p.checkPointer(uint32(off))
		}
		wi := uint32(off / ps)
		for j < b.word.len() && b.word.at(j) < wi {
			j++
		}
		if j < b.word.len() && b.word.at(j) == wi {
			if err := visit(uint32(off), b.val.at(j)); err != nil {
				return err
			}
		}
	}
	b.on, b.word, b.val = false, column[uint32]{}, column[uint64]{}
	return nil
}

// bigObject reads an object of more than maxBuffered bytes (n), streamed: it keeps no value
// and no length hints, and counts no pointers outside the heap (streamRange drops them).
func (p *parser) bigObject(addr, n uint64) error {
	p.big.on = true
	if err := p.streamRange(n); err != nil {
		return err
	}
	if p.n >= 1<<32-1 {
		return errors.New("more objects than memsee's 32-bit ids can number")
	}
	p.addObject(addr, n)
	return p.bigPointers(func(off uint32, t uint64) error {
		if p.targets.len() >= 1<<32-1 {
			return errors.New("more pointers than memsee's 32-bit ids can number")
		}
		p.targets.add(t)
		p.offsets.add(off)
		return nil
	})
}

func (p *parser) bucket() error {
	id, err := p.uvarint()
	if err != nil {
		return err
	}
	size, err := p.uvarint()
	if err != nil {
		return err
	}
	n, err := p.uvarint()
	if err != nil {
		return err
	}
	if n > maxFrames {
		return fmt.Errorf("%d frames (at most %d expected)", n, maxFrames)
	}
	stack := make([]string, n)
	for i := range stack {
		if stack[i], err = p.str(); err != nil {
			return err
		}
		if err := p.skip(); err != nil { // file
			return err
		}
		if _, err := p.uvarint(); err != nil { // line
			return err
		}
	}
	allocs, err := p.uvarint()
	if err != nil {
		return err
	}
	frees, err := p.uvarint()
	if err != nil {
		return err
	}
	name, kind := siteName(stack, size)
	s, ok := p.siteIdx[name]
	if !ok {
		s = uint32(len(p.sites))
		p.sites = append(p.sites, name)
		p.siteColl = append(p.siteColl, isCollection(kind))
		p.siteIdx[name] = s
	}
	live := 0.0
	if allocs > frees {
		live = float64(allocs-frees) / float64(allocs)
	}
	p.buckets[id] = bucket{s, float32(live)}
	return nil
}

func (p *parser) addRoot(target uint64, kind uint8, name string) {
	id, ok := p.rootIdx[name]
	if !ok {
		if p.rootIdx == nil {
			p.rootIdx = map[string]uint32{}
		}
		id = uint32(len(p.rootNames))
		p.rootNames = append(p.rootNames, name)
		p.rootIdx[name] = id
	}
	p.roots = append(p.roots, root{target: target, kind: kind, name: id})
}

// frameName names the roots of a stack frame of function fn, which called callee (the frame
// before it in the dump, innermost first; "" for none). A go statement with arguments, go
// heartbeat(c, time.Hour) in main.openConnection, runs a wrapper the compiler writes,
// main.openConnection.gowrap1, whose only work is the call: the pointers of its frame are the
// arguments it passes on (a callee's spilled register arguments are written in its caller's
// frame, and the dump lists them with the caller's). Its roots are named after the function
// it called, main.heartbeat, whose parameters they are, unless that function was inlined
// into the wrapper (the callee is then the runtime's).
func frameName(fn, callee string) string {
	if callee != "" && !isRuntime(callee) && isGoWrapper(fn) {
		return callee
	}
	return fn
}

// isGoWrapper reports whether fn is the wrapper the compiler writes for a go statement with
// arguments: main.openConnection.gowrap1.
func isGoWrapper(fn string) bool {
	i := strings.LastIndex(fn, ".gowrap")
	if i < 0 || i+len(".gowrap") == len(fn) {
		return false
	}
	for _, c := range fn[i+len(".gowrap"):] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func hex(v uint64) string { return "0x" + strconv.FormatUint(v, 16) }
