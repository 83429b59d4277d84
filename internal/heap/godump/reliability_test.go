package godump

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/heaptest"
)

// recordStarts returns the offset of every record of a dump, the EOF record last, and the
// tag of each.
func recordStarts(tb testing.TB, data []byte) ([]int64, []uint64) {
	tb.Helper()
	p := &parser{name: "walk", r: bytes.NewReader(data), buf: make([]byte, bufSize), ptrSize: 8,
		buckets: map[uint64]bucket{}, siteIdx: map[string]uint32{}}
	p.sites, p.siteColl = []string{""}, []bool{false}
	if _, err := p.rangeN(nil, uint64(len(Header))); err != nil {
		tb.Fatal(err)
	}
	var starts []int64
	var tags []uint64
	for {
		p.recStart = p.base + int64(p.pos)
		tag, err := p.uvarint()
		if err != nil {
			tb.Fatalf("walking the records: %v", err)
		}
		p.tag = tag
		starts, tags = append(starts, p.recStart), append(tags, tag)
		if tag == tagEOF {
			return starts, tags
		}
		if err := p.record(tag); err != nil {
			tb.Fatalf("walking the records: %v", p.fail(err))
		}
	}
}

// readErr reads data and returns its FormatError, failing the test on any other result.
func readFormatErr(t *testing.T, what string, data []byte) *heap.FormatError {
	t.Helper()
	err := Reader{}.Read(context.Background(), "bad.dump", bytes.NewReader(data), newRecSink())
	var fe *heap.FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("Read(%s): got %v, want a *heap.FormatError", what, err)
	}
	return fe
}

func uvarints(vs ...uint64) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.AppendUvarint(b, v)
	}
	return b
}

// TestReliabilityTruncation cuts a real dump at 40 offsets and at every tenth record boundary: each must be
// refused with an offset within what was read.
func TestReliabilityTruncation(t *testing.T) {
	data := mustRead(t, "heap1")
	starts, _ := recordStarts(t, data)
	var cuts []int
	for i := 0; i < 40; i++ {
		cuts = append(cuts, 1+i*(len(data)-1)/40)
	}
	for i := 1; i < len(starts); i += max(1, len(starts)/40) {
		cuts = append(cuts, int(starts[i]))
	}
	cuts = append(cuts, int(starts[len(starts)-1])) // just before the EOF record
	for _, n := range cuts {
		fe := readFormatErr(t, "cut at "+strconv.Itoa(n), data[:n])
		if fe.Offset < 0 || fe.Offset > int64(n) {
			t.Errorf("Read(cut at %d): offset %d outside the %d bytes read (%v)", n, fe.Offset, n, fe)
		}
	}
}

// TestReliabilityEarlyEOF flips the one bit of a record's tag that turns it into an EOF record (tags 1, 2,
// 4, 8 and 16 are one bit): the read must fail at the byte after it, not load what came before.
func TestReliabilityEarlyEOF(t *testing.T) {
	data := mustRead(t, "heap1")
	starts, tags := recordStarts(t, data)
	seen := map[uint64]int{}
	for i, at := range starts {
		tag := tags[i]
		if tag == 0 || tag&(tag-1) != 0 || data[at] != byte(tag) || seen[tag] >= 4 || i%7 != 0 && seen[tag] > 0 {
			continue
		}
		seen[tag]++
		b := append([]byte(nil), data...)
		b[at] ^= byte(tag)
		fe := readFormatErr(t, "early EOF", b)
		if fe.Offset != at+1 || fe.Record != "EOF record" || !strings.Contains(fe.Err.Error(), "data after the end record") {
			t.Errorf("Read(EOF for the %s record at %#x): got %v, want data after the end record at %#x", recordNames[tag], at, fe, at+1)
		}
	}
	if len(seen) < 3 {
		t.Errorf("flipped the tags of %v only", seen)
	}
}

// TestReliabilityBitFlips flips 120 random bits of a real dump: no panic, and a dump that still loads
// must have lost no object.
func TestReliabilityBitFlips(t *testing.T) {
	data := mustRead(t, "heap1")
	whole := newRecSink()
	if err := (Reader{}).Read(context.Background(), "heap1", bytes.NewReader(data), whole); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(13, 1))
	failed := 0
	for i := 0; i < 120; i++ {
		b := append([]byte(nil), data...)
		at := rng.IntN(len(b))
		b[at] ^= 1 << rng.IntN(8)
		s := newRecSink()
		err := Reader{}.Read(context.Background(), "flip", bytes.NewReader(b), s)
		if err != nil {
			var fe *heap.FormatError
			if !errors.As(err, &fe) || fe.Offset < 0 || fe.Offset > int64(len(b)) {
				t.Errorf("Read(flip at %#x): %v, want a positioned FormatError", at, err)
			}
			failed++
			continue
		}
		if s.objects != whole.objects {
			t.Errorf("Read(flip at %#x): loaded %d objects of %d", at, s.objects, whole.objects)
		}
	}
	t.Logf("%d of 120 flipped dumps refused", failed)
}

// TestReliabilityCraftedSizes patches real dumps with values no runtime writes.
func TestReliabilityCraftedSizes(t *testing.T) {
	data := mustRead(t, "heap1")
	starts, tags := recordStarts(t, data)
	obj := -1 // the first object record
	for i, tag := range tags {
		if tag == tagObject {
			obj = int(starts[i])
			break
		}
	}
	end := len(data)
	bigLen := uint64(maxBuffered + 64)
	big := func(fields ...uint64) []byte {
		b := uvarints(tagObject, 0xc000100000, bigLen)
		b = append(b, make([]byte, bigLen)...)
		return append(b, uvarints(append(fields, fieldEol)...)...)
	}
	tests := []struct {
		name   string
		data   []byte
		offset int64
		cause  string
	}{
		{"trailing zero", append(append([]byte(nil), data...), 0), int64(end), "data after the end record"},
		{"trailing text", append(append([]byte(nil), data...), "garbage\n"...), int64(end), "data after the end record"},
		{"dump twice", append(append([]byte(nil), data...), data...), int64(end), "data after the end record"},
		{"object of 2^40 bytes", heaptest.Splice(data, obj, uvarints(tagObject, 0xc000100000, 1<<40)), int64(obj), "more than memsee reads"},
		{"object of 2^64-1 bytes", heaptest.Splice(data, obj, uvarints(tagObject, 0xc000100000, 1<<64-1)), int64(obj), "more than memsee reads"},
		{"segment of 2^40 bytes", heaptest.Splice(data, obj, uvarints(tagData, 0x500000, 1<<40)), int64(obj), "more than memsee reads"},
		{"more fields than words", heaptest.Splice(data, obj, append(uvarints(tagObject, 0xc000100000, 8, 0, 0, 0, 0, 0, 0, 0, 0), uvarints(fieldPtr, 0, fieldPtr, 0, fieldEol)...)),
			int64(obj), "more pointer fields than"},
		{"field past the object", heaptest.Splice(data, obj, append(uvarints(tagObject, 0xc000100000, 8, 0, 0, 0, 0, 0, 0, 0, 0), uvarints(fieldPtr, 8, fieldEol)...)),
			int64(obj), "outside the record's 8 bytes"},
		{"large: field past the object", heaptest.Splice(data, obj, big(fieldPtr, bigLen)), int64(obj), "outside the record's"},
		{"large: field not aligned", heaptest.Splice(data, obj, big(fieldPtr, 12)), int64(obj), "not aligned"},
		{"large: fields out of order", heaptest.Splice(data, obj, big(fieldPtr, 16, fieldPtr, 8)), int64(obj), "out of order"},
		{"large: a field twice", heaptest.Splice(data, obj, big(fieldPtr, 16, fieldPtr, 16)), int64(obj), "out of order"},
		{"large: cut short", heaptest.Splice(data[:obj], obj, big()[:bigLen/2]), int64(obj), "cut short"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe := readFormatErr(t, tt.name, tt.data)
			if fe.Offset != tt.offset || !strings.Contains(fe.Err.Error(), tt.cause) {
				t.Errorf("Read(%s): got %v, want offset %#x and %q", tt.name, fe, tt.offset, tt.cause)
			}
		})
	}
}

// edgeSink keeps the edges of one object.
type edgeSink struct {
	recSink
	addr  uint64
	found bool
	edges []heap.Edge
}

func (s *edgeSink) Object(o *heap.Object) error {
	if o.Addr == s.addr {
		s.found = true
		s.edges = append(s.edges, o.Edges...)
	}
	return s.recSink.Object(o)
}

// TestLargeObject reads an object too large to buffer, with pointers at its start, across
// the reader's buffer and at its end: they are found as in a small one.
func TestLargeObject(t *testing.T) {
	data := mustRead(t, "heap1")
	starts, tags := recordStarts(t, data)
	obj := -1
	for i, tag := range tags {
		if tag == tagObject {
			obj = int(starts[i])
			break
		}
	}
	// The first object's address, a target that resolves.
	i := obj + 1
	target, n := binary.Uvarint(data[i:])
	if n <= 0 {
		t.Fatal("no address")
	}
	const size = 3*maxBuffered + 24 // words straddle the reader's buffer
	const addr = 0xc0ff000000
	body := make([]byte, size)
	offs := []uint64{0, 8, bufSize - 8, bufSize, 2*maxBuffered + 16, size - 8}
	var fields []uint64
	for _, off := range offs {
		binary.LittleEndian.PutUint64(body[off:], target)
		fields = append(fields, fieldPtr, off)
	}
	binary.LittleEndian.PutUint64(body[24:], target) // not a pointer field: no edge
	rec := append(uvarints(tagObject, addr, size), body...)
	rec = append(rec, uvarints(append(fields, fieldEol)...)...)
	for _, shift := range []int{0, 1, 3, 7} { // the object starts at different places in the buffer
		b := heaptest.Splice(data, obj, append(bytes.Repeat(uvarints(tagItab, 1, 2), 0), rec...))
		if shift > 0 {
			// Itab records (two varints) before it move it.
			b = heaptest.Splice(data, obj, append(bytes.Repeat([]byte{tagItab, 1, 2}, shift), rec...))
		}
		s := &edgeSink{recSink: *newRecSink(), addr: addr}
		if err := (Reader{}).Read(context.Background(), "large", bytes.NewReader(b), s); err != nil {
			t.Fatalf("Read(shift %d): %v", shift, err)
		}
		if !s.found || len(s.edges) != len(offs) {
			t.Fatalf("Read(shift %d): found %v, edges %+v, want %d", shift, s.found, s.edges, len(offs))
		}
		for k, e := range s.edges {
			if e.To != target || e.Name != "+"+hex(offs[k]) {
				t.Errorf("Read(shift %d): edge %d = %+v, want to %#x named +%#x", shift, k, e, target, offs[k])
			}
		}
	}
}

// gzipBomb returns a gzip'd copy of data with body(w) written in at offset at, compressed as
// it is written: the inflated dump is never in memory.
func gzipBomb(t *testing.T, data []byte, at int, body func(w io.Writer)) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(data[:at])
	body(zw)
	zw.Write(data[at:])
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestReliabilityBombs reads gzip'd dumps of a few MB holding one giant object: of zeros, which loads, and
// of words that all look like heap pointers, which is refused; neither may take memory in
// proportion to the object.
func TestReliabilityBombs(t *testing.T) {
	data := mustRead(t, "heap1")
	starts, tags := recordStarts(t, data)
	obj := -1
	for i, tag := range tags {
		if tag == tagObject {
			obj = int(starts[i])
			break
		}
	}
	size := heaptest.BombSize()
	target, _ := binary.Uvarint(data[obj+1:]) // the first object's address: in the heap
	ptrs := make([]byte, 1<<20)
	for i := 0; i < len(ptrs); i += 8 {
		binary.LittleEndian.PutUint64(ptrs[i:], target)
	}
	tests := []struct {
		name  string
		chunk []byte
		cause string // "" for a clean load
	}{
		{"zeros", make([]byte, 1<<20), ""},
		{"pointers", ptrs, "more than memsee keeps of one record"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gz := gzipBomb(t, data, obj, func(w io.Writer) {
				w.Write(uvarints(tagObject, 0xc0ff000000, uint64(size)))
				heaptest.Repeat(w, tt.chunk, size)
				w.Write(uvarints(fieldPtr, 0, fieldEol))
			})
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			zr, err := gzip.NewReader(bytes.NewReader(gz))
			if err != nil {
				t.Fatal(err)
			}
			s := newRecSink()
			err = Reader{}.Read(context.Background(), "bomb.dump", zr, s)
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%d KB gzip, %d MiB object: %d MiB allocated, err %v", len(gz)>>10, size>>20, alloc>>20, err)
			if alloc > 256<<20 {
				t.Errorf("Read(%s bomb): allocated %d MiB", tt.name, alloc>>20)
			}
			if tt.cause == "" {
				if err != nil || s.addrs[0xc0ff000000] != true {
					t.Errorf("Read(%s bomb): %v, giant object read: %v", tt.name, err, s.addrs[0xc0ff000000])
				}
				return
			}
			var fe *heap.FormatError
			if !errors.As(err, &fe) || fe.Offset != int64(obj) || !strings.Contains(err.Error(), tt.cause) {
				t.Errorf("Read(%s bomb): got %v, want %q at %#x", tt.name, err, tt.cause, obj)
			}
		})
	}
}

// TestLargeSegment reads a data segment and a stack frame too large to buffer, each with one
// pointer to a real object deep inside: both are roots, named as in small ones.
func TestLargeSegment(t *testing.T) {
	data := mustRead(t, "heap1")
	starts, tags := recordStarts(t, data)
	obj, eof := -1, int(starts[len(starts)-1])
	for i, tag := range tags {
		if tag == tagObject {
			obj = int(starts[i])
			break
		}
	}
	target, _ := binary.Uvarint(data[obj+1:])
	const size, off = 2*maxBuffered + 40, maxBuffered + 8
	body := make([]byte, size)
	binary.LittleEndian.PutUint64(body[off:], target)
	seg := append(uvarints(tagData, 0x600000, size), body...)
	seg = append(seg, uvarints(fieldPtr, off, fieldEol)...)
	// The goroutine: address, sp, id, 5 numbers, an empty wait reason, 4 numbers.
	frame := append(uvarints(tagGoroutine, 0xc000001000, 0xc000100000, 777, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), uvarints(tagStackFrame, 0xc000100000, 0, 0, size)...)
	frame = append(frame, body...)
	frame = append(frame, uvarints(0, 0, 0, uint64(len("main.big")))...)
	frame = append(frame, "main.big"...)
	frame = append(frame, uvarints(fieldPtr, off, fieldEol)...)
	b := heaptest.Splice(data, eof, append(seg, frame...))
	s := newRecSink()
	if err := (Reader{}).Read(context.Background(), "large", bytes.NewReader(b), s); err != nil {
		t.Fatal(err)
	}
	for _, want := range []heap.Root{
		{Addr: target, Kind: "global", Name: "data+" + hex(off)},
		{Addr: target, Kind: "stack", Name: "goroutine 777 main.big"},
	} {
		found := false
		for _, r := range s.roots {
			found = found || r == want
		}
		if !found {
			t.Errorf("no root %+v", want)
		}
	}
}
