package pprof

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/memsee/memsee/internal/heap"
)

// The limits of the pass over the wire format that comes before the pprof library sees a
// profile. The library decodes a whole profile at once, from one slice, into a graph of
// structs about ten times the size of the bytes; the pass reads the bytes as a stream first,
// so that what a file claims is checked before anything of that size is held.
const (
	// MaxString is how many bytes of one string of the string table (a function, file or
	// mapping name) are kept. A longer one keeps its first MaxString bytes, cut at a character
	// boundary, then " … (N bytes)" with its full length; the rest is read past, never held.
	MaxString = 4 << 10
	// MaxRecord bounds one record of the profile other than a string: a sample, location,
	// function or mapping. A real one is tens of bytes; a sample with a stack of a thousand
	// frames takes a few KiB.
	MaxRecord = 16 << 20
	// MaxMemory bounds the memory the pprof library needs to decode a profile, estimated
	// record by record as the bytes stream past (see cost), the bytes themselves included.
	// Heap profiles of large programs need a few MiB; the limit allows about 700,000 samples
	// of a Go heap profile (BENCHMARKS.md, "Measurements behind the loader's choices").
	// A legacy text profile may be MaxMemory/8 bytes.
	MaxMemory = 512 << 20
)

// memoryLimit is MaxMemory; tests lower it.
var memoryLimit int64 = MaxMemory

// ErrTooLarge is the cause (wrapped in a *heap.FormatError) when a profile is well formed so
// far but would need more than MaxMemory to read: a limit of memsee's, not a damaged file.
var ErrTooLarge = heap.Limit("the profile is too large for memsee")

// A field's type in the wire format, as the pprof library decodes it.
type kind uint8

const (
	kUnknown kind = iota // not decoded: skipped
	kVarint              // a singular integer or bool: wire type 0
	kVarints             // a repeated integer: wire type 0, or 2 packed
	kMessage             // a nested message: wire type 2
	kString              // the string table: wire type 2
)

type field struct {
	name string
	kind kind
	msg  *schema // kMessage
}

// schema lists the fields of a message of profile.proto by number.
type schema struct {
	name   string
	fields []field // by field number; index 0 unused
}

func (s *schema) field(n uint64) field {
	if n < uint64(len(s.fields)) {
		return s.fields[n]
	}
	return field{}
}

func varints(names ...string) []field {
	f := []field{{}}
	for _, n := range names {
		f = append(f, field{name: n, kind: kVarint})
	}
	return f
}

var (
	valueTypeMsg = &schema{"value type", varints("type", "unit")}
	labelMsg     = &schema{"label", varints("key", "str", "num", "num_unit")}
	sampleMsg    = &schema{"sample", []field{{}, {"location_id", kVarints, nil}, {"value", kVarints, nil}, {"label", kMessage, labelMsg}}}
	mappingMsg   = &schema{"mapping", varints("id", "memory_start", "memory_limit", "file_offset", "filename",
		"build_id", "has_functions", "has_filenames", "has_line_numbers", "has_inline_frames")}
	lineMsg     = &schema{"line", varints("function_id", "line", "column")}
	locationMsg = &schema{"location", []field{{}, {"id", kVarint, nil}, {"mapping_id", kVarint, nil},
		{"address", kVarint, nil}, {"line", kMessage, lineMsg}, {"is_folded", kVarint, nil}}}
	functionMsg = &schema{"function", varints("id", "name", "system_name", "filename", "start_line")}
	profileMsg  = &schema{"profile", []field{{},
		{"sample_type", kMessage, valueTypeMsg},
		{"sample", kMessage, sampleMsg},
		{"mapping", kMessage, mappingMsg},
		{"location", kMessage, locationMsg},
		{"function", kMessage, functionMsg},
		{"string", kString, nil},
		{"drop_frames", kVarint, nil},
		{"keep_frames", kVarint, nil},
		{"time_nanos", kVarint, nil},
		{"duration_nanos", kVarint, nil},
		{"period_type", kMessage, valueTypeMsg},
		{"period", kVarint, nil},
		{"comment", kVarints, nil},
		{"default_sample_type", kVarint, nil},
		{"doc_url", kVarint, nil},
	}}
)

// wantWire reports whether wire type w is what the library accepts for a field of kind k.
func wantWire(k kind, w uint64) bool {
	switch k {
	case kVarint:
		return w == 0
	case kVarints:
		return w == 0 || w == 2
	case kMessage, kString:
		return w == 2
	}
	return w == 0 || w == 1 || w == 2 || w == 5
}

var wireNames = [8]string{"varint", "64-bit", "length-delimited", "group start", "group end", "32-bit", "6", "7"}

// scanned is a profile after the pass: its bytes, ready for the library, and what the pass
// learnt on the way that the library does not say.
type scanned struct {
	data      []byte
	sampleOff []int64 // the offset in the input of each sample record, in order
	typeOff   int64   // the offset of the first sample_type record, -1 when there is none
	shortened int     // strings shortened to MaxString
	counts    [16]int // records read, by top-level field number
	end       int64   // bytes of input read: the offset of its end
	shifts    []shift // where data is shorter than the input, in order
}

// shift says that the input has delta more bytes than data before data offset at: a string
// was shortened.
type shift struct{ at, delta int64 }

// wire reads the top-level records of a profile from a stream.
type wire struct {
	name  string
	r     *bufio.Reader
	off   int64 // input bytes consumed
	inner bool  // the profile was gzip'd inside the file: offsets are in the inner data
	out   scanned
	cost  int64 // estimated memory to decode what is in out
	times int   // time_nanos fields seen
}

// scan reads the whole stream and returns the profile with its long strings shortened. It
// fails with a positioned *heap.FormatError on a record the library would refuse or choke
// on, and on a profile too large to hold.
func (w *wire) scan(checkCtx func() error) (*scanned, error) {
	w.out.typeOff = -1
	w.out.data = make([]byte, 0, 16<<10)
	for n := 0; ; n++ {
		if n&1023 == 0 {
			if err := checkCtx(); err != nil {
				return nil, err
			}
		}
		if err := w.batch(); err != nil {
			return nil, err
		}
		start := w.off
		tag, err := w.varint()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, w.fail(start, recID{n: -1}, err, "its tag")
		}
		num, wt := tag>>3, tag&7
		f := profileMsg.field(num)
		rec := w.recordName(num, f)
		if num == 0 {
			return nil, w.errAt(start, rec, fmt.Errorf("field number 0 (tag %#x): not a profile.proto record", tag))
		}
		if !wantWire(f.kind, wt) {
			return nil, w.errAt(start, rec, fmt.Errorf("wire type %s, want %s: not a profile.proto record", wireNames[wt], wireNames[wantOne(f.kind)]))
		}
		w.note(num, start)
		switch wt {
		case 0:
			v, err := w.varint()
			if err != nil {
				return nil, w.fail(start, rec, err, "its value")
			}
			if num == 9 { // time_nanos: the library refuses a second one
				if w.times++; w.times > 1 {
					return nil, w.errAt(start, rec, errors.New("a second time_nanos: two profiles written one after the other? memsee reads one profile per file"))
				}
			}
			if f.kind != kUnknown {
				w.put(tag, v)
			}
			w.cost += 16
		case 1, 5:
			size := 8
			if wt == 5 {
				size = 4
			}
			if err := w.skip(int64(size)); err != nil {
				return nil, w.fail(start, rec, err, fmt.Sprintf("its %d bytes", size))
			}
		case 2:
			length, err := w.varint()
			if err != nil {
				return nil, w.fail(start, rec, err, "its length")
			}
			switch {
			case f.kind == kUnknown:
				if err := w.skip64(length); err != nil {
					return nil, w.fail(start, rec, err, fmt.Sprintf("its %d bytes", length))
				}
			case f.kind == kString:
				if err := w.str(start, rec, tag, length); err != nil {
					return nil, err
				}
			default:
				if err := w.record(start, rec, tag, f, length); err != nil {
					return nil, err
				}
			}
		}
		if w.cost+int64(len(w.out.data)) > memoryLimit {
			return nil, w.errAt(start, rec, w.tooLarge())
		}
	}
	w.out.end = w.off
	return &w.out, nil
}

// note counts a record of field num that starts at input offset start.
func (w *wire) note(num uint64, start int64) {
	if num < uint64(len(w.out.counts)) {
		w.out.counts[num]++
	}
	switch num {
	case 1:
		if w.out.typeOff < 0 {
			w.out.typeOff = start
		}
	case 2:
		w.out.sampleOff = append(w.out.sampleOff, start)
	}
}

// batch takes, straight from the read buffer, the whole records there that need nothing
// done to them: known fields, messages and strings within their limits. It stops at the
// first record that does (or that the buffer cuts), which scan reads the slow way.
func (w *wire) batch() error {
	b, _ := w.r.Peek(w.r.Buffered())
	if len(b) < 64 {
		b, _ = w.r.Peek(w.r.Size()) // fill the buffer; its error is for the slow way to see
	}
	i := 0
	defer func() {
		w.out.data = append(w.out.data, b[:i]...)
		w.r.Discard(i)
		w.off += int64(i)
	}()
	for i < len(b) {
		tag, n := uvarint(b[i:])
		num, wt := tag>>3, tag&7
		if n <= 0 || num == 0 || num >= uint64(len(profileMsg.fields)) {
			return nil
		}
		f := &profileMsg.fields[num]
		j := i + n
		switch {
		case wt == 0 && f.kind != kMessage && f.kind != kString && num != 9: // time_nanos: the slow way counts them
			_, m := uvarint(b[j:])
			if m <= 0 {
				return nil
			}
			j += m
			w.cost += 16
		case wt == 2 && f.kind != kVarint:
			l, m := uvarint(b[j:])
			if m <= 0 || l > uint64(len(b)-j-m) || f.kind == kString && l > MaxString {
				return nil
			}
			j += m
			w.cost += cost(num, b[j:j+int(l)])
			j += int(l)
		default:
			return nil
		}
		w.note(num, w.off+int64(i))
		if w.cost+int64(len(w.out.data)+j) > memoryLimit {
			start := w.off + int64(i)
			i = 0 // keep nothing: the read fails
			return w.errAt(start, w.recordName(num, *f), w.tooLarge())
		}
		i = j
	}
	return nil
}

// cost estimates the memory the pprof library takes for a length-delimited record of field
// num with body b, beyond its bytes. Each estimate is above what the library (as of 2026)
// allocates, for any record: the nested messages (labels, lines) are counted by their tag
// bytes, which is at least how many there are.
func cost(num uint64, b []byte) int64 {
	switch num {
	case 2: // sample: the struct, its slices, 16 bytes per location id, a map entry per label
		return 200 + 16*int64(len(b)) + 96*count(b, 3<<3|2)
	case 4: // location: the struct, its lines (copied once by the library)
		return 160 + 16*int64(len(b)) + 72*count(b, 4<<3|2)
	case 3: // mapping
		return 224
	case 6: // string: its copy
		return 24 + int64(len(b))
	case 13: // comments
		return 8 * int64(len(b))
	}
	return 160 // function, value types
}

// count counts the bytes c in b (records are tens of bytes: a loop beats bytes.Count).
func count(b []byte, c byte) int64 {
	n := int64(0)
	for _, x := range b {
		if x == c {
			n++
		}
	}
	return n
}

func wantOne(k kind) uint64 {
	if k == kVarint {
		return 0
	}
	return 2
}

// recID identifies a record for an error; it is only formatted when there is one.
type recID struct {
	num uint64
	f   field
	n   int // its number among the records of its field, from 1; -1: not known yet
}

// String names the record: "sample 3", "string 12", "time_nanos", "field 99".
func (r recID) String() string {
	switch {
	case r.n < 0:
		return "record"
	case r.f.kind == kMessage && r.num != 11, r.f.kind == kString:
		return fmt.Sprintf("%s %d", r.f.name, r.n)
	case r.f.name != "":
		return r.f.name
	}
	return fmt.Sprintf("field %d", r.num)
}

// recordName identifies the next record, of field num.
func (w *wire) recordName(num uint64, f field) recID {
	n := 1
	if num < uint64(len(w.out.counts)) {
		n = w.out.counts[num] + 1
	}
	return recID{num, f, n}
}

func (w *wire) tooLarge() error {
	c := &w.out.counts
	return fmt.Errorf("%w: decoding it would take more than %d MiB of memory, memsee's limit for a pprof profile (%d samples, %d locations, %d functions and %d strings in its first %d bytes)",
		ErrTooLarge, memoryLimit>>20, c[2], c[4], c[5], c[6], w.off)
}

// record reads a nested message (a sample, location, ...) whole and keeps it. Its fields are
// checked only if the library fails (see locate).
func (w *wire) record(start int64, rec recID, tag uint64, f field, length uint64) error {
	if length > MaxRecord {
		return w.errAt(start, rec, fmt.Errorf("%d bytes long, more than the %d MiB memsee allows one record (a real one is tens of bytes): the file is damaged", length, MaxRecord>>20))
	}
	w.put(tag, length)
	at := len(w.out.data)
	w.out.data = append(w.out.data, make([]byte, length)...)
	n, err := io.ReadFull(w.r, w.out.data[at:])
	w.off += int64(n)
	if err != nil {
		return w.fail(start, rec, err, fmt.Sprintf("its %d bytes", length))
	}
	w.cost += cost(tag>>3, w.out.data[at:])
	return nil
}

// locate finds, after the library has refused sc.data, the first record whose fields are
// not well formed, and returns a positioned error for it; nil when every record is.
func (sc *scanned) locate(name string, inner bool) error {
	var counts [16]int
	var delta int64 // input bytes minus data bytes before the record
	shifts := sc.shifts
	for d := 0; d < len(sc.data); {
		for len(shifts) > 0 && shifts[0].at <= int64(d) {
			delta += shifts[0].delta
			shifts = shifts[1:]
		}
		tag, n := uvarint(sc.data[d:])
		l, m := uvarint(sc.data[d+n:])
		num := tag >> 3
		f := profileMsg.field(num)
		k := 1
		if num < uint64(len(counts)) {
			counts[num]++
			k = counts[num]
		}
		if tag&7 != 2 {
			d += n + m
			continue
		}
		body := sc.data[d+n+m : d+n+m+int(l)]
		var off int
		var err error
		switch f.kind {
		case kVarints:
			off, err = checkPacked(body, f.name)
		case kMessage:
			_, off, err = check(body, f.msg)
		}
		if err != nil {
			w := &wire{name: name, inner: inner}
			return w.errAt(int64(d+n+m+off)+delta, recID{num, f, k}, err)
		}
		d += n + m + int(l)
	}
	return nil
}

// check walks the fields of message b, which follows schema s, to its end. It returns how
// many nested messages it holds (labels, lines), or what is wrong and at which offset in b.
func check(b []byte, s *schema) (nested, off int, err error) {
	for off < len(b) {
		start := off
		tag, n := uvarint(b[off:])
		if n <= 0 {
			return 0, start, fmt.Errorf("%s: bad varint for a field tag", s.name)
		}
		off += n
		num, wt := tag>>3, tag&7
		f := &unknownField
		if num < uint64(len(s.fields)) {
			f = &s.fields[num]
		}
		if num == 0 {
			return 0, start, fmt.Errorf("%s: field number 0 (tag %#x)", s.name, tag)
		}
		if !wantWire(f.kind, wt) {
			return 0, start, fmt.Errorf("%s: %s has wire type %s, want %s", s.name, s.fieldName(num), wireNames[wt], wireNames[wantOne(f.kind)])
		}
		switch wt {
		case 0:
			_, n := uvarint(b[off:])
			if n <= 0 {
				return 0, start, fmt.Errorf("%s: %s: bad varint", s.name, s.fieldName(num))
			}
			off += n
		case 1, 5:
			size := 8
			if wt == 5 {
				size = 4
			}
			if len(b)-off < size {
				return 0, start, fmt.Errorf("%s: %s runs past the end of the %s", s.name, s.fieldName(num), s.name)
			}
			off += size
		case 2:
			length, n := uvarint(b[off:])
			if n <= 0 {
				return 0, start, fmt.Errorf("%s: %s: bad varint for its length", s.name, s.fieldName(num))
			}
			off += n
			if length > uint64(len(b)-off) {
				return 0, start, fmt.Errorf("%s: %s is %d bytes long, past the end of the %s (%d bytes left)", s.name, s.fieldName(num), length, s.name, len(b)-off)
			}
			body := b[off : off+int(length)]
			switch f.kind {
			case kVarints: // packed
				if o, err := checkPacked(body, s.fieldName(num)); err != nil {
					return 0, off + o, fmt.Errorf("%s: %w", s.name, err)
				}
			case kMessage:
				nested++
				if _, o, err := check(body, f.msg); err != nil {
					return 0, off + o, fmt.Errorf("%s: %w", s.name, err)
				}
			}
			off += int(length)
		}
	}
	return nested, off, nil
}

var unknownField field

func (s *schema) fieldName(num uint64) string {
	if f := s.field(num); f.name != "" {
		return f.name
	}
	return fmt.Sprintf("field %d", num)
}

// uvarint is binary.Uvarint with the one-byte case first.
func uvarint(b []byte) (uint64, int) {
	if len(b) > 0 && b[0] < 0x80 {
		return uint64(b[0]), 1
	}
	return binary.Uvarint(b)
}

// checkPacked checks that b is a list of whole varints.
func checkPacked(b []byte, name string) (int, error) {
	for i := 0; i < len(b); {
		_, n := binary.Uvarint(b[i:])
		if n <= 0 {
			return i, fmt.Errorf("%s: bad varint in a packed list", name)
		}
		i += n
	}
	return len(b), nil
}

// str reads an entry of the string table, keeping at most MaxString bytes of it.
func (w *wire) str(start int64, rec recID, tag, length uint64) error {
	if length <= MaxString {
		w.put(tag, length)
		at := len(w.out.data)
		w.out.data = append(w.out.data, make([]byte, length)...)
		n, err := io.ReadFull(w.r, w.out.data[at:])
		w.off += int64(n)
		if err != nil {
			return w.fail(start, rec, err, fmt.Sprintf("its %d bytes", length))
		}
		w.cost += cost(6, w.out.data[at:])
		return nil
	}
	var prefix [MaxString]byte
	n, err := io.ReadFull(w.r, prefix[:])
	w.off += int64(n)
	if err != nil {
		return w.fail(start, rec, err, fmt.Sprintf("its %d bytes", length))
	}
	if err := w.skip64(length - MaxString); err != nil {
		return w.fail(start, rec, err, fmt.Sprintf("its %d bytes", length))
	}
	kept := append(cutRunes(prefix[:]), fmt.Sprintf(" … (%d bytes)", length)...)
	before := len(w.out.data)
	w.put(tag, uint64(len(kept)))
	w.out.data = append(w.out.data, kept...)
	w.out.shortened++
	w.out.shifts = append(w.out.shifts, shift{int64(len(w.out.data)), w.off - start - int64(len(w.out.data)-before)})
	w.cost += cost(6, kept)
	return nil
}

// cutRunes drops an incomplete UTF-8 sequence at the end of b.
func cutRunes(b []byte) []byte {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			break
		}
	}
	return b
}

// put appends a varint field.
func (w *wire) put(tag, v uint64) {
	w.out.data = binary.AppendUvarint(w.out.data, tag)
	w.out.data = binary.AppendUvarint(w.out.data, v)
}

var errBadVarint = errors.New("bad varint")

// varint reads a varint. It returns io.EOF at the end of the stream before its first byte,
// io.ErrUnexpectedEOF after.
func (w *wire) varint() (uint64, error) {
	b, err := w.r.Peek(binary.MaxVarintLen64) // short near the end of the stream
	v, n := uvarint(b)
	switch {
	case n > 0:
		w.r.Discard(n)
		w.off += int64(n)
		return v, nil
	case n < 0:
		return 0, errBadVarint
	case len(b) > 0 && err == io.EOF:
		w.r.Discard(len(b))
		w.off += int64(len(b))
		return 0, io.ErrUnexpectedEOF
	case err == nil:
		return 0, errBadVarint // ten bytes that do not end a varint
	}
	return 0, err
}

func (w *wire) skip(n int64) error {
	for n > 0 {
		k := int(min(n, 1<<20))
		d, err := w.r.Discard(k)
		w.off += int64(d)
		n -= int64(d)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

func (w *wire) skip64(n uint64) error {
	if n > 1<<62 {
		if err := w.skip(1 << 62); err != nil {
			return err
		}
		n -= 1 << 62
	}
	return w.skip(int64(n))
}

// fail turns an error met while reading a record that starts at start into a positioned one:
// the end of the data inside the record is a truncated file; an error of the stream is
// passed on as it is when it is positioned already (the gzip layer's, in the compressed file).
func (w *wire) fail(start int64, rec recID, err error, what string) error {
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return w.errAt(start, rec, fmt.Errorf("the data ends at offset %#x, inside %s: the file looks truncated (take the profile again)", w.off, what))
	case err == errBadVarint:
		return w.errAt(start, rec, fmt.Errorf("bad varint for %s", what))
	}
	var fe *heap.FormatError
	if errors.As(err, &fe) {
		return err
	}
	return w.errAt(w.off, rec, err)
}

func (w *wire) errAt(off int64, rec recID, err error) error {
	name := rec.String()
	if w.inner {
		name = "gzip'd profile inside the file: " + name
	}
	return &heap.FormatError{File: w.name, Offset: off, Record: name, Err: err}
}
