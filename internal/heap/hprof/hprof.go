package hprof

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"time"
	"unsafe"

	"github.com/memsee/memsee/internal/heap"
)

// MaxValue is how many bytes (UTF-8) of an array's text Read keeps as its Value.
const MaxValue = 200

// Options say how the dumped JVM laid out its objects, which HPROF does not record; they only
// change the estimated shallow sizes (see the package comment). The zero value is right for a
// 64-bit HotSpot with a heap below 32 GB.
type Options struct {
	// UncompressedOops says references take 8 bytes: -XX:-UseCompressedOops, or a heap of
	// 32 GB or more. Ignored for dumps with 4-byte ids.
	UncompressedOops bool
	// UncompressedClassPointers says object headers hold a full class pointer (16 bytes):
	// -XX:-UseCompressedClassPointers, or JDK 8 to 14 without compressed oops. Ignored for
	// dumps with 4-byte ids.
	UncompressedClassPointers bool
}

// Reader reads HPROF dumps. It holds no state besides its Options, so one Reader may serve any
// number of files, one after another or at once.
type Reader struct {
	Options Options
}

// Format returns Format.
func (Reader) Format() heap.Format { return Format }

// Extensions returns the file name endings of the format (what jcmd, jmap and Android write), before any .gz.
func (Reader) Extensions() []string { return []string{".hprof"} }

var magic = []byte("JAVA PROFILE 1.0.")

// Sniff claims a file that starts "JAVA PROFILE 1.0.".
func (Reader) Sniff(head []byte) bool { return bytes.HasPrefix(head, magic) }

// Top-level record tags (docs/formats/hprof.md).
const (
	recUTF8          = 0x01
	recLoadClass     = 0x02
	recFrame         = 0x04
	recTrace         = 0x05
	recHeapDump      = 0x0C
	recHeapDumpSeg   = 0x1C
	recHeapDumpEnd   = 0x2C
	recHeaderLen     = 9
	maxHeaderVersion = 64
)

var recordNames = map[byte]string{
	0x01: "UTF8", 0x02: "LOAD_CLASS", 0x03: "UNLOAD_CLASS", 0x04: "FRAME", 0x05: "TRACE",
	0x06: "ALLOC_SITES", 0x07: "HEAP_SUMMARY", 0x0A: "START_THREAD", 0x0B: "END_THREAD",
	0x0C: "HEAP_DUMP", 0x0D: "CPU_SAMPLES", 0x0E: "CONTROL_SETTINGS", 0x1C: "HEAP_DUMP_SEGMENT",
	0x2C: "HEAP_DUMP_END",
}

func recordName(tag byte) string {
	if n, ok := recordNames[tag]; ok {
		return n
	}
	return fmt.Sprintf("record 0x%02x", tag)
}

// Heap dump sub-record tags.
const (
	subRootUnknown     = 0xFF
	subRootJNIGlobal   = 0x01
	subRootJNILocal    = 0x02
	subRootJavaFrame   = 0x03
	subRootNativeStack = 0x04
	subRootStickyClass = 0x05
	subRootThreadBlock = 0x06
	subRootMonitorUsed = 0x07
	subRootThreadObj   = 0x08
	subClassDump       = 0x20
	subInstanceDump    = 0x21
	subObjArrayDump    = 0x22
	subPrimArrayDump   = 0x23
	// Android
	subRootInternedString   = 0x89
	subRootFinalizing       = 0x8A
	subRootDebugger         = 0x8B
	subRootReferenceCleanup = 0x8C
	subRootVMInternal       = 0x8D
	subRootJNIMonitor       = 0x8E
	subRootUnreachable      = 0x90
	subPrimArrayNoData      = 0xC3
	subHeapDumpInfo         = 0xFE
)

var subNames = map[byte]string{
	subRootUnknown: "ROOT_UNKNOWN", subRootJNIGlobal: "ROOT_JNI_GLOBAL", subRootJNILocal: "ROOT_JNI_LOCAL",
	subRootJavaFrame: "ROOT_JAVA_FRAME", subRootNativeStack: "ROOT_NATIVE_STACK", subRootStickyClass: "ROOT_STICKY_CLASS",
	subRootThreadBlock: "ROOT_THREAD_BLOCK", subRootMonitorUsed: "ROOT_MONITOR_USED", subRootThreadObj: "ROOT_THREAD_OBJECT",
	subClassDump: "CLASS_DUMP", subInstanceDump: "INSTANCE_DUMP", subObjArrayDump: "OBJ_ARRAY_DUMP",
	subPrimArrayDump: "PRIM_ARRAY_DUMP", subRootInternedString: "ROOT_INTERNED_STRING",
	subRootFinalizing: "ROOT_FINALIZING", subRootDebugger: "ROOT_DEBUGGER",
	subRootReferenceCleanup: "ROOT_REFERENCE_CLEANUP", subRootVMInternal: "ROOT_VM_INTERNAL",
	subRootJNIMonitor: "ROOT_JNI_MONITOR", subRootUnreachable: "ROOT_UNREACHABLE",
	subPrimArrayNoData: "PRIMITIVE_ARRAY_NODATA", subHeapDumpInfo: "HEAP_DUMP_INFO",
}

// rootKinds names the roots whose sub-record is an id and nothing else, or an id and words
// that name no thread.
var rootKinds = map[byte]string{
	subRootUnknown: "unknown", subRootJNIGlobal: "jni global", subRootStickyClass: "sticky class",
	subRootMonitorUsed: "monitor", subRootInternedString: "interned string",
	subRootFinalizing: "finalizing", subRootDebugger: "debugger",
	subRootReferenceCleanup: "reference cleanup", subRootVMInternal: "vm internal",
}

// stackRootKinds names the roots a thread's stack makes, whose sub-record names the thread:
// paths start from them last (GraphRules.LaterRoots).
var stackRootKinds = map[byte]string{
	subRootJNILocal: "jni local", subRootJavaFrame: "java frame", subRootJNIMonitor: "jni monitor",
	subRootNativeStack: "native stack", subRootThreadBlock: "thread block",
}

// Read streams the dump into sink: Begin once the header is read, then every object and root
// of the heap dump records in file order (see the package comment). A malformed dump stops the
// read with a *heap.FormatError at the byte offset of the record at fault, naming it.
func (rd Reader) Read(ctx context.Context, name string, r io.Reader, sink heap.Sink) error {
	return rd.newParser(ctx, name, r, sink).run()
}

func (rd Reader) newParser(ctx context.Context, name string, r io.Reader, sink heap.Sink) *parser {
	return &parser{
		name: name, r: r, sink: sink, ctx: ctx, opts: rd.Options,
		buf:         make([]byte, 256<<10),
		strIdx:      map[uint64]string{},
		classNames:  map[uint64]string{},
		serialName:  map[uint32]string{},
		classes:     map[uint64]*class{},
		frames:      map[uint64]frame{},
		traces:      map[uint32]trace{},
		threadTrace: map[uint32]uint32{},
		utf16:       map[uint64]struct{}{},
		ended:       -1,
	}
}

// parser reads one dump through a window of it, buf[p:e], which starts at file offset base+p.
type parser struct {
	name string
	r    io.Reader
	sink heap.Sink
	ctx  context.Context
	opts Options

	buf  []byte
	p, e int
	base int64
	eof  bool
	rerr error // the error that ended the input, if not io.EOF

	idSize                  int
	header, arrHeader, refs int64 // layout of objects (see the package comment)

	strIdx       map[uint64]string // UTF8 id -> its text (at most maxName bytes of it), in nameBuf
	nameBuf      []byte            // arena for names; only ever appended to, a full one dropped
	nameBytes    int64             // bytes of names kept
	traceFrames  int64             // frames of TRACE records kept
	layoutFields int               // reference fields of all class layouts
	ended        int64             // offset of the HEAP_DUMP_END record, -1 before it
	heapDump     bool              // a HEAP_DUMP or HEAP_DUMP_SEGMENT was read
	version      string            // of the header: 1.0.1, 1.0.2 or 1.0.3
	classNames   map[uint64]string // class object id -> Java name (LOAD_CLASS)
	serialName   map[uint32]string // class serial -> Java name (LOAD_CLASS)
	classes      map[uint64]*class // class object id -> its CLASS_DUMP
	frames       map[uint64]frame  // FRAME records by id
	traces       map[uint32]trace  // TRACE records by serial
	threadTrace  map[uint32]uint32 // thread serial -> serial of its TRACE
	primClass    [12]uint64        // basic type -> id of the class of its arrays
	utf16        map[uint64]struct{}

	obj   heap.Object
	edges []heap.Edge
	// The elements of an object array past the first arrayEdges, non-null ones only, in
	// chunks: their indexes and their targets, 12 bytes an element rather than a heap.Edge's
	// 40, handed over through heap.Object.More.
	moreIdx [][]uint32
	moreTo  [][]uint64
	text    []byte // arena for values: strings point into it and it is never written twice
}

type frame struct {
	method string
	class  uint32
	line   int32
	file   string
}

type trace struct {
	thread uint32
	frames []uint64
}

// class corresponds to HPROF CLASS_DUMP.
type class struct {
	id, super uint64
	name      string      // Java name
	fields    []fieldDecl // declared instance fields, in dump order
	statics   int64       // bytes of static fields, as laid out in the mirror
	lay       *layout     // flattened through the superclasses; nil until needed
	resolving bool
}

type fieldDecl struct {
	name   string
	nameID uint64
	typ    byte
}

// layout is where an instance's reference fields are in its INSTANCE_DUMP bytes.
type layout struct {
	refs   []refField
	bytes  int   // field bytes in the dump
	fields int64 // field bytes on the heap, unrounded
	size   int64 // estimated shallow size
	// java.lang.String: offsets of value and coder, -1 when absent
	strValue, strCoder int
}

type refField struct {
	off    int
	name   string
	nameID uint64
	kind   heap.EdgeKind
}

func (p *parser) off() int64 { return p.base + int64(p.p) }

// errAt returns a FormatError at offset off.
func (p *parser) errAt(off int64, record string, format string, args ...any) error {
	return &heap.FormatError{File: p.name, Offset: off, Record: record, Err: fmt.Errorf(format, args...)}
}

// limitAt is errAt for a record that is well formed but passes one of memsee's limits.
func (p *parser) limitAt(off int64, record string, format string, args ...any) error {
	return &heap.FormatError{File: p.name, Offset: off, Record: record, Err: heap.Limit(format, args...)}
}

// fill makes sure at least n bytes are in the window. It reports false when the input ends
// first (p.rerr holds why, when not a clean end). The window grows only as bytes arrive, so
// a bogus length cannot make it allocate more than the input holds.
func (p *parser) fill(n int) bool {
	for p.e-p.p < n {
		if p.eof {
			return false
		}
		if p.p > 0 {
			copy(p.buf, p.buf[p.p:p.e])
			p.base += int64(p.p)
			p.e -= p.p
			p.p = 0
		}
		if p.e == len(p.buf) {
			nb := make([]byte, 2*len(p.buf))
			copy(nb, p.buf[:p.e])
			p.buf = nb
		}
		k, err := io.ReadAtLeast(p.r, p.buf[p.e:], 1)
		p.e += k
		if err != nil {
			p.eof = true
			if err != io.EOF && err != io.ErrUnexpectedEOF {
				p.rerr = err
			}
		}
	}
	return true
}

// skip consumes n bytes, reading past the window as needed.
func (p *parser) skip(n int64) bool {
	for n > 0 {
		if p.p == p.e && !p.fill(1) {
			return false
		}
		k := min(n, int64(p.e-p.p))
		p.p += int(k)
		n -= k
	}
	return true
}

func (p *parser) id(b []byte) uint64 {
	if p.idSize == 8 {
		return binary.BigEndian.Uint64(b)
	}
	return uint64(binary.BigEndian.Uint32(b))
}

// truncated returns the error for a record that runs past the end of the input.
func (p *parser) truncated(off int64, record string, length int64) error {
	if p.rerr != nil {
		return &heap.FormatError{File: p.name, Offset: off, Record: record, Err: p.rerr}
	}
	return p.errAt(off, record, "length %d past end of file (truncated dump? take it again)", length)
}

func (p *parser) run() error {
	if err := p.readHeader(); err != nil {
		return err
	}
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := p.ctx.Err(); err != nil {
				return err
			}
		}
		if !p.fill(1) {
			if p.rerr != nil {
				return &heap.FormatError{File: p.name, Offset: p.off(), Err: p.rerr}
			}
			// A dump of 1.0.2 or later is in segments, and ends with HEAP_DUMP_END; one of 1.0.1
			// has its heap in one HEAP_DUMP record, which may be followed by anything.
			if p.version == "1.0.1" && !p.heapDump || p.version != "1.0.1" && p.ended < 0 {
				return p.errAt(p.off(), "HEAP_DUMP_END", "the file ends without a heap dump and its end record (truncated dump? take it again)")
			}
			return nil
		}
		start := p.off()
		if p.ended >= 0 {
			return p.errAt(start, "HEAP_DUMP_END", "data after the end record (at %#x): a damaged record? take the dump again", p.ended)
		}
		if !p.fill(recHeaderLen) {
			return p.errAt(start, recordName(p.buf[p.p]), "record header cut short at end of file (truncated dump? take it again)")
		}
		h := p.buf[p.p : p.p+recHeaderLen]
		tag, length := h[0], int64(binary.BigEndian.Uint32(h[5:9]))
		p.p += recHeaderLen
		var err error
		switch tag {
		case recUTF8:
			err = p.readUTF8(start, length)
		case recLoadClass:
			err = p.readLoadClass(start, length)
		case recFrame:
			err = p.readFrame(start, length)
		case recTrace:
			err = p.readTrace(start, length)
		case recHeapDump, recHeapDumpSeg:
			p.heapDump = true
			err = p.readHeapDump(start, tag, length)
		case recHeapDumpEnd:
			if length != 0 {
				err = p.errAt(start, "HEAP_DUMP_END", "length %d, want 0", length)
			} else if !p.heapDump {
				err = p.errAt(start, "HEAP_DUMP_END", "an end record without a heap dump before it")
			}
			p.ended = start
		default:
			if !p.skip(length) {
				err = p.truncated(start, recordName(tag), length)
			}
		}
		if err != nil {
			return err
		}
	}
}

func (p *parser) readHeader() error {
	if !p.fill(len(magic)) || !bytes.HasPrefix(p.buf[p.p:p.e], magic) {
		return p.errAt(0, "header", "not an HPROF dump: it does not start %q", "JAVA PROFILE 1.0.")
	}
	var version string
	for i := 0; ; i++ {
		if i >= maxHeaderVersion || !p.fill(i+1) {
			return p.errAt(0, "header", "no end to the format name")
		}
		if p.buf[p.p+i] == 0 {
			version = string(p.buf[p.p+len("JAVA PROFILE ") : p.p+i])
			p.p += i + 1
			break
		}
	}
	switch version {
	case "1.0.1", "1.0.2", "1.0.3":
		p.version = version
	default:
		return p.errAt(0, "header", "HPROF version %q: memsee reads 1.0.1, 1.0.2 and 1.0.3", version)
	}
	at := p.off()
	if !p.fill(12) {
		return p.errAt(at, "header", "file ends in the header (truncated dump? take it again)")
	}
	p.idSize = int(binary.BigEndian.Uint32(p.buf[p.p:]))
	ms := int64(binary.BigEndian.Uint64(p.buf[p.p+4:]))
	p.p += 12
	switch p.idSize {
	case 4:
		p.header, p.arrHeader, p.refs = 8, 12, 4
	case 8:
		p.header, p.arrHeader, p.refs = 12, 16, 4
		if p.opts.UncompressedOops {
			p.refs = 8
		}
		if p.opts.UncompressedClassPointers {
			p.header, p.arrHeader = 16, 24
		}
	default:
		return p.errAt(at, "header", "identifier size %d: HPROF uses 4 or 8", p.idSize)
	}
	snap := heap.Snapshot{Format: Format, Kind: heap.KindGraph, Meta: map[string]string{
		"hprof_version": version,
		"id_size":       strconv.Itoa(p.idSize),
	}}
	if p.idSize == 8 {
		snap.Meta["compressed_oops"] = strconv.FormatBool(!p.opts.UncompressedOops)
	}
	if ms > 0 {
		snap.TakenAt = time.UnixMilli(ms).UTC()
	}
	return p.sink.Begin(snap)
}

// Limits on what the reader keeps of the records before the heap dump, so that no record, and
// no number of them, makes it hold more than a fixed amount. A JVM's names are class, field,
// method and file names (a large application has a few hundred thousand, of tens of bytes);
// its stack traces are those of its threads.
const (
	maxName        = 4 << 10   // bytes of one name kept; a longer one is cut and says how long it was
	maxNames       = 1 << 22   // names (UTF8 records) kept
	maxNameBytes   = 256 << 20 // bytes of names kept in all
	maxFrames      = 1 << 22   // FRAME records kept
	maxTraceFrames = 1 << 22   // frames of all TRACE records kept
)

// str returns UTF8 string id, or "" when the dump has none. The string is shared, not copied.
func (p *parser) str(id uint64) string { return p.strIdx[id] }

// readUTF8 keeps the first maxName bytes of a name and skips the rest, streaming.
func (p *parser) readUTF8(start, length int64) error {
	if length < int64(p.idSize) {
		return p.errAt(start, "UTF8", "length %d shorter than an id", length)
	}
	n := length - int64(p.idSize)
	keep := int(min(n, maxName))
	if !p.fill(p.idSize + keep) {
		return p.truncated(start, "UTF8", length)
	}
	id := p.id(p.buf[p.p:])
	b := p.buf[p.p+p.idSize : p.p+p.idSize+keep]
	p.p += p.idSize + keep
	if len(p.strIdx) >= maxNames || p.nameBytes+int64(keep) > maxNameBytes {
		return p.limitAt(start, "UTF8", "more than %d names or %d MiB of them: more than memsee keeps", maxNames, maxNameBytes>>20)
	}
	suffix := ""
	if int64(keep) < n {
		suffix = "… (" + strconv.FormatInt(n, 10) + " bytes)"
	}
	if cap(p.nameBuf)-len(p.nameBuf) < keep+len(suffix) {
		p.nameBuf = make([]byte, 0, 1<<20)
	}
	at := len(p.nameBuf)
	p.nameBuf = append(append(p.nameBuf, b...), suffix...)
	p.nameBytes += int64(len(p.nameBuf) - at)
	if len(p.nameBuf) > at {
		p.strIdx[id] = unsafe.String(&p.nameBuf[at], len(p.nameBuf)-at)
	} else {
		p.strIdx[id] = ""
	}
	if !p.skip(n - int64(keep)) {
		return p.truncated(start, "UTF8", length)
	}
	return nil
}

func (p *parser) readLoadClass(start, length int64) error {
	want := int64(8 + 2*p.idSize)
	if length != want {
		return p.errAt(start, "LOAD_CLASS", "length %d, want %d", length, want)
	}
	if !p.fill(int(want)) {
		return p.truncated(start, "LOAD_CLASS", length)
	}
	b := p.buf[p.p:]
	serial := binary.BigEndian.Uint32(b)
	id := p.id(b[4:])
	jvm := p.str(p.id(b[8+p.idSize:]))
	p.p += int(want)
	name := JavaName(jvm)
	if name == "" {
		name = fmt.Sprintf("class@%#x", id)
	}
	p.classNames[id] = name
	p.serialName[serial] = name
	if t, ok := primArrayJVM[jvm]; ok {
		p.primClass[t] = id
	}
	return nil
}

func (p *parser) readFrame(start, length int64) error {
	want := int64(4*p.idSize + 8)
	if length != want {
		return p.errAt(start, "FRAME", "length %d, want %d", length, want)
	}
	if !p.fill(int(want)) {
		return p.truncated(start, "FRAME", length)
	}
	b := p.buf[p.p:]
	id := p.id(b)
	method := p.str(p.id(b[p.idSize:]))
	file := p.str(p.id(b[3*p.idSize:]))
	serial := binary.BigEndian.Uint32(b[4*p.idSize:])
	line := int32(binary.BigEndian.Uint32(b[4*p.idSize+4:]))
	p.p += int(want)
	if _, ok := p.frames[id]; !ok && len(p.frames) >= maxFrames {
		return p.limitAt(start, "FRAME", "more than %d frames: more than memsee keeps", maxFrames)
	}
	p.frames[id] = frame{method: method, class: serial, line: line, file: file}
	return nil
}

func (p *parser) readTrace(start, length int64) error {
	if length < 12 {
		return p.errAt(start, "TRACE", "length %d shorter than its header", length)
	}
	if !p.fill(12) {
		return p.truncated(start, "TRACE", length)
	}
	b := p.buf[p.p:]
	serial := binary.BigEndian.Uint32(b)
	thread := binary.BigEndian.Uint32(b[4:])
	n := int64(binary.BigEndian.Uint32(b[8:]))
	p.p += 12
	if 12+n*int64(p.idSize) != length {
		return p.errAt(start, "TRACE", "%d frames do not fit its length %d", n, length)
	}
	if p.traceFrames += n; p.traceFrames > maxTraceFrames {
		return p.limitAt(start, "TRACE", "more than %d frames in stack traces: more than memsee keeps", maxTraceFrames)
	}
	t := trace{thread: thread}
	for i := int64(0); i < n; i++ {
		if !p.fill(p.idSize) {
			return p.truncated(start, "TRACE", length)
		}
		t.frames = append(t.frames, p.id(p.buf[p.p:]))
		p.p += p.idSize
	}
	p.traces[serial] = t
	p.threadTrace[thread] = serial
	return nil
}

// frameName spells frame depth of stack trace serial as a Java stack trace line does:
// shop.Shop.main(Shop.java:93).
func (p *parser) frameName(serial uint32, depth uint32) string {
	t, ok := p.traces[serial]
	if !ok || int64(depth) >= int64(len(t.frames)) {
		return ""
	}
	f, ok := p.frames[t.frames[depth]]
	if !ok {
		return ""
	}
	s := p.serialName[f.class] + "." + f.method
	switch {
	case f.file != "" && f.line > 0:
		s += "(" + f.file + ":" + strconv.Itoa(int(f.line)) + ")"
	case f.file != "":
		s += "(" + f.file + ")"
	case f.line == -3:
		s += "(Native Method)"
	}
	return s
}

// segment tracks what is left of a HEAP_DUMP or HEAP_DUMP_SEGMENT record.
type segment struct {
	start int64 // offset of the record
	rem   int64 // bytes of its body not yet read
	tag   byte
}

// take reads n bytes of the segment's body into the window and returns them; the caller
// consumes them by advancing p.p. It fails when n is more than what is left of the segment
// (a sub-record past its end) or of the file.
func (p *parser) take(sg *segment, sub byte, at int64, n int64) ([]byte, error) {
	if n > sg.rem {
		return nil, p.errAt(at, subName(sub), "%d bytes past the end of its %s (record at %#x)", n-sg.rem, recordName(sg.tag), sg.start)
	}
	if n > 1<<30 || !p.fill(int(n)) {
		return nil, p.truncated(sg.start, recordName(sg.tag), sg.rem)
	}
	sg.rem -= n
	return p.buf[p.p : p.p+int(n)], nil
}

func subName(tag byte) string {
	if n, ok := subNames[tag]; ok {
		return n
	}
	return fmt.Sprintf("sub-record 0x%02x", tag)
}

func (p *parser) readHeapDump(start int64, tag byte, length int64) error {
	sg := &segment{start: start, rem: length, tag: tag}
	for n := 0; sg.rem > 0; n++ {
		if n%4096 == 0 {
			if err := p.ctx.Err(); err != nil {
				return err
			}
		}
		at := p.off()
		b, err := p.take(sg, 0, at, 1)
		if err != nil {
			return err
		}
		sub := b[0]
		p.p++
		switch sub {
		case subClassDump:
			err = p.readClass(sg, at)
		case subInstanceDump:
			err = p.readInstance(sg, at)
		case subObjArrayDump:
			err = p.readObjArray(sg, at)
		case subPrimArrayDump, subPrimArrayNoData:
			err = p.readPrimArray(sg, at, sub)
		case subHeapDumpInfo:
			_, err = p.take(sg, sub, at, int64(4+p.idSize))
			p.p += 4 + p.idSize
		default:
			err = p.readRoot(sg, at, sub)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) readRoot(sg *segment, at int64, sub byte) error {
	var extra int // bytes after the id
	switch sub {
	case subRootUnknown, subRootStickyClass, subRootMonitorUsed, subRootInternedString, subRootFinalizing,
		subRootDebugger, subRootReferenceCleanup, subRootVMInternal, subRootUnreachable:
	case subRootJNIGlobal:
		extra = p.idSize
	case subRootJNILocal, subRootJavaFrame, subRootThreadObj, subRootJNIMonitor:
		extra = 8
	case subRootNativeStack, subRootThreadBlock:
		extra = 4
	default:
		return p.errAt(at, fmt.Sprintf("%s sub-record", recordName(sg.tag)), "unknown sub-record tag 0x%02x", sub)
	}
	b, err := p.take(sg, sub, at, int64(p.idSize+extra))
	if err != nil {
		return err
	}
	p.p += p.idSize + extra
	r := heap.Root{Addr: p.id(b), Kind: rootKinds[sub]}
	w := b[p.idSize:]
	switch sub {
	case subRootUnreachable:
		return nil // Android: an object no root reaches, listed as such; not a root
	case subRootStickyClass:
		if n, ok := p.classNames[r.Addr]; ok {
			r.Name = "class " + n
		}
	case subRootJNILocal, subRootJavaFrame, subRootJNIMonitor:
		r.Kind = stackRootKinds[sub]
		thread, depth := binary.BigEndian.Uint32(w), binary.BigEndian.Uint32(w[4:])
		r.Name = "thread " + strconv.FormatUint(uint64(thread), 10)
		if f := p.threadFrame(thread, depth); f != "" {
			r.Name = f + " in " + r.Name
		}
	case subRootNativeStack, subRootThreadBlock:
		r.Kind = stackRootKinds[sub]
		r.Name = "thread " + strconv.FormatUint(uint64(binary.BigEndian.Uint32(w)), 10)
	case subRootThreadObj:
		r.Kind = "thread"
		r.Name = "thread " + strconv.FormatUint(uint64(binary.BigEndian.Uint32(w)), 10)
	}
	if r.Addr == 0 {
		return nil
	}
	return p.sink.Root(r)
}

// threadFrame names frame depth of the thread with serial thread, from the thread's stack
// trace (HotSpot writes one TRACE per thread).
func (p *parser) threadFrame(thread, depth uint32) string {
	serial, ok := p.threadTrace[thread]
	if !ok {
		return ""
	}
	return p.frameName(serial, depth)
}
