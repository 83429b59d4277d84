package hprof

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/heaptest"
)

// topRecords returns the offset of every top-level record of a dump with 8-byte ids.
func topRecords(tb testing.TB, data []byte) []int {
	tb.Helper()
	at := bytes.IndexByte(data, 0) + 1 + 12
	var starts []int
	for at < len(data) {
		starts = append(starts, at)
		at += recHeaderLen + int(binary.BigEndian.Uint32(data[at+5:]))
	}
	if at != len(data) {
		tb.Fatalf("records end at %d of %d", at, len(data))
	}
	return starts
}

func readFormatErr(t *testing.T, what string, data []byte) *heap.FormatError {
	t.Helper()
	err := Reader{}.Read(context.Background(), "bad.hprof", bytes.NewReader(data), &countSink{})
	var fe *heap.FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("Read(%s): got %v, want a *heap.FormatError", what, err)
	}
	return fe
}

// classID returns the id of the class LOAD_CLASS names jvm (java/lang/Object).
func classID(t *testing.T, data []byte, jvm string) uint64 {
	t.Helper()
	names := map[uint64]string{}
	for _, at := range topRecords(t, data) {
		body := data[at+recHeaderLen : at+recHeaderLen+int(binary.BigEndian.Uint32(data[at+5:]))]
		switch data[at] {
		case recUTF8:
			names[binary.BigEndian.Uint64(body)] = string(body[8:])
		case recLoadClass:
			if names[binary.BigEndian.Uint64(body[16:])] == jvm {
				return binary.BigEndian.Uint64(body[4:])
			}
		}
	}
	t.Fatalf("no class %s", jvm)
	return 0
}

// TestReliabilityTruncation cuts a real dump at 40 offsets and at 40 record boundaries, the last the end
// record's: each must be refused with an offset within what was read.
func TestReliabilityTruncation(t *testing.T) {
	data := gunzip(t, "heap1.hprof.gz")
	starts := topRecords(t, data)
	var cuts []int
	for i := 0; i < 40; i++ {
		cuts = append(cuts, 1+i*(len(data)-1)/40)
	}
	for i := 1; i < len(starts); i += max(1, len(starts)/40) {
		cuts = append(cuts, starts[i])
	}
	for i, at := range starts {
		if data[at] == recHeapDumpSeg && (i+1 == len(starts) || data[starts[i+1]] != recHeapDumpSeg) {
			cuts = append(cuts, starts[i+1]) // after the last segment, before HEAP_DUMP_END
		}
	}
	for _, n := range cuts {
		fe := readFormatErr(t, "cut at "+strconv.Itoa(n), data[:n])
		if fe.Offset < 0 || fe.Offset > int64(n) {
			t.Errorf("Read(cut at %d): offset %d outside the %d bytes read (%v)", n, fe.Offset, n, fe)
		}
	}
	fe := readFormatErr(t, "no end record", data[:starts[len(starts)-1]])
	if fe.Offset != int64(starts[len(starts)-1]) || !strings.Contains(fe.Err.Error(), "without a heap dump and its end record") {
		t.Errorf("Read(no end record): %v", fe)
	}
}

// TestReliabilityBitFlips flips 120 random bits of a real dump: no panic, and a positioned error when
// the dump is refused.
func TestReliabilityBitFlips(t *testing.T) {
	data := gunzip(t, "heap1.hprof.gz")
	rng := rand.New(rand.NewPCG(13, 2))
	failed := 0
	for i := 0; i < 120; i++ {
		b := append([]byte(nil), data...)
		at := rng.IntN(len(b))
		b[at] ^= 1 << rng.IntN(8)
		err := Reader{}.Read(context.Background(), "flip", bytes.NewReader(b), &countSink{})
		if err != nil {
			var fe *heap.FormatError
			if !errors.As(err, &fe) || fe.Offset < 0 || fe.Offset > int64(len(b)) {
				t.Errorf("Read(flip at %#x): %v, want a positioned FormatError", at, err)
			}
			failed++
		}
	}
	t.Logf("%d of 120 flipped dumps refused", failed)
}

// segment returns a HEAP_DUMP_SEGMENT record holding body.
func segmentRecord(body []byte) []byte {
	return record(nil, recHeapDumpSeg, uint32(len(body)), body)
}

// instance returns an INSTANCE_DUMP of class cid with n field bytes, of which only the header
// is written.
func instanceHead(id, cid uint64, n uint32) []byte {
	b := []byte{subInstanceDump}
	b = binary.BigEndian.AppendUint64(b, id)
	b = binary.BigEndian.AppendUint32(b, 0)
	b = binary.BigEndian.AppendUint64(b, cid)
	return binary.BigEndian.AppendUint32(b, n)
}

// TestReliabilityCraftedSizes patches a real dump with values no JVM writes, or with records larger than the
// reader buffers.
func TestReliabilityCraftedSizes(t *testing.T) {
	data := gunzip(t, "heap1.hprof.gz")
	starts := topRecords(t, data)
	first, end := starts[0], starts[len(starts)-1]
	object := classID(t, data, "java/lang/Object")
	utf8 := func(id uint64, name string) []byte {
		return record(nil, recUTF8, uint32(8+len(name)), append(binary.BigEndian.AppendUint64(nil, id), name...))
	}
	// A chain of 1,100 classes, each the superclass of the next, and an instance of the last.
	var chain []byte
	const deep = 1100
	for i := uint64(1); i <= deep; i++ {
		chain = append(chain, subClassDump)
		chain = binary.BigEndian.AppendUint64(chain, 0x7ff00000+i)
		chain = binary.BigEndian.AppendUint32(chain, 0)
		super := uint64(0)
		if i > 1 {
			super = 0x7ff00000 + i - 1
		}
		chain = binary.BigEndian.AppendUint64(chain, super)
		chain = append(chain, make([]byte, 5*8+4+3*2)...)
	}
	instAt := end + recHeaderLen + len(chain)
	chain = append(chain, instanceHead(0x7fff0005, 0x7ff00000+deep, 0)...)
	tests := []struct {
		name   string
		data   []byte
		offset int64 // -1 for a dump that loads
		cause  string
	}{
		{"trailing byte", append(append([]byte(nil), data...), 0), int64(len(data)), "data after the end record"},
		{"trailing record", append(append([]byte(nil), data...), utf8(1, "x")...), int64(len(data)), "data after the end record"},
		{"dump twice", append(append([]byte(nil), data...), data...), int64(len(data)), "data after the end record"},
		{"two end records", append(append([]byte(nil), data...), data[end:]...), int64(len(data)), "data after the end record"},
		{"end record with a body", heaptest.Splice(data[:end], end, record(nil, recHeapDumpEnd, 1, []byte{0})), int64(end), "length 1, want 0"},
		{"UTF8 shorter than an id", heaptest.Splice(data, first, record(nil, recUTF8, 4, []byte{1, 2, 3, 4})), int64(first), "shorter than an id"},
		{"UTF8 past the end", append(append([]byte(nil), data[:end]...), record(nil, recUTF8, 1<<31, make([]byte, 64))...), int64(end), "past end of file"},
		{"long UTF8 name", heaptest.Splice(data, first, utf8(0x7fff0001, strings.Repeat("a", 3*maxName))), -1, ""},
		{"TRACE frames", heaptest.Splice(data, first, record(nil, recTrace, 12, []byte{0, 0, 0, 1, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff})), int64(first), "do not fit its length"},
		{"instance past its segment", heaptest.Splice(data, end, segmentRecord(append(instanceHead(0x7fff0002, object, 64), make([]byte, 8)...))), int64(end + recHeaderLen), "past the end of its HEAP_DUMP_SEGMENT"},
		{"class chain too deep", heaptest.Splice(data, end, segmentRecord(chain)), int64(instAt), "more than 1024 superclasses"},
		{"instance with 3 MiB of fields", heaptest.Splice(data, end, segmentRecord(append(instanceHead(0x7fff0002, object, 3<<20), make([]byte, 3<<20)...))), -1, ""},
		{"instance cut short", append(append([]byte(nil), data[:end]...), record(nil, recHeapDumpSeg, 25+3<<20, append(instanceHead(0x7fff0002, object, 3<<20), make([]byte, 1<<20)...))...), int64(end), "past end of file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.offset < 0 {
				if err := (Reader{}).Read(context.Background(), tt.name, bytes.NewReader(tt.data), &countSink{}); err != nil {
					t.Errorf("Read(%s): %v", tt.name, err)
				}
				return
			}
			fe := readFormatErr(t, tt.name, tt.data)
			if fe.Offset != tt.offset || !strings.Contains(fe.Err.Error(), tt.cause) {
				t.Errorf("Read(%s): got %v, want offset %#x and %q", tt.name, fe, tt.offset, tt.cause)
			}
		})
	}
}

// TestLongName checks what is kept of a name longer than maxName: its start, and its length.
func TestLongName(t *testing.T) {
	data := gunzip(t, "heap1.hprof.gz")
	name := strings.Repeat("x", 10000)
	b := heaptest.Splice(data, topRecords(t, data)[0], record(nil, recUTF8, uint32(8+len(name)), append(binary.BigEndian.AppendUint64(nil, 0x7fff0001), name...)))
	p := Reader{}.newParser(context.Background(), "long", bytes.NewReader(b), &countSink{})
	if err := p.run(); err != nil {
		t.Fatal(err)
	}
	want := name[:maxName] + "… (10000 bytes)"
	if got := p.str(0x7fff0001); got != want {
		t.Errorf("str: got %d bytes %.20q..., want %d", len(got), got, len(want))
	}
}

// TestReliabilityBombs reads gzip'd dumps of a few MB, each a real dump with one giant record written
// in, compressed as it is written (the inflated dump is never in memory): a name, an
// instance's field bytes, a primitive array, and an object array whose elements are all
// non-null, which is refused. None may take memory in proportion to the record.
func TestReliabilityBombs(t *testing.T) {
	data := gunzip(t, "heap1.hprof.gz")
	starts := topRecords(t, data)
	first, end := starts[0], starts[len(starts)-1]
	object := classID(t, data, "java/lang/Object")
	size := heaptest.BombSize()
	ids := make([]byte, 1<<20)
	for i := 0; i < len(ids); i += 8 {
		binary.BigEndian.PutUint64(ids[i:], object)
	}
	zeros := make([]byte, 1<<20)
	seg := func(w io.Writer, head []byte, fill []byte) {
		w.Write(record(nil, recHeapDumpSeg, uint32(int64(len(head))+size), head))
		heaptest.Repeat(w, fill, size)
	}
	tests := []struct {
		name  string
		at    int
		write func(w io.Writer)
		cause string // "" for a clean load
	}{
		{"UTF8", first, func(w io.Writer) {
			w.Write(record(nil, recUTF8, uint32(size), binary.BigEndian.AppendUint64(nil, 0x7fff0001)))
			heaptest.Repeat(w, zeros, size-8)
		}, ""},
		{"INSTANCE_DUMP", end, func(w io.Writer) { seg(w, instanceHead(0x7fff0002, object, uint32(size)), zeros) }, ""},
		{"PRIM_ARRAY_DUMP", end, func(w io.Writer) {
			head := binary.BigEndian.AppendUint64([]byte{subPrimArrayDump}, 0x7fff0003)
			head = binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(head, 0), uint32(size))
			seg(w, append(head, tByte), zeros)
		}, ""},
		{"OBJ_ARRAY_DUMP", end, func(w io.Writer) {
			head := binary.BigEndian.AppendUint64([]byte{subObjArrayDump}, 0x7fff0004)
			head = binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(head, 0), uint32(size/8))
			seg(w, binary.BigEndian.AppendUint64(head, object), ids)
		}, "non-null elements"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
			zw.Write(data[:tt.at])
			tt.write(zw)
			zw.Write(data[tt.at:])
			if err := zw.Close(); err != nil {
				t.Fatal(err)
			}
			gzSize := buf.Len()
			zr, err := gzip.NewReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			s := &countSink{}
			var alloc, peak uint64
			alloc, peak = heaptest.Measure(func() { err = Reader{}.Read(context.Background(), "bomb.hprof", zr, s) })
			t.Logf("%s: %d KB gzip, %d MiB record: %d MiB allocated, peak heap %d MiB, %d objects, err %v", tt.name, gzSize>>10, size>>20, alloc>>20, peak>>20, s.objects, err)
			if peak > 1<<30 { // the bound: a bomb loads or is refused within 1 GiB
				t.Errorf("Read(%s bomb): heap grew by %d MiB", tt.name, peak>>20)
			}
			if tt.cause == "" {
				if err != nil {
					t.Errorf("Read(%s bomb): %v", tt.name, err)
				}
				return
			}
			var fe *heap.FormatError
			if !errors.As(err, &fe) || fe.Offset != int64(tt.at+recHeaderLen) || !strings.Contains(err.Error(), tt.cause) {
				t.Errorf("Read(%s bomb): got %v, want %q at %#x", tt.name, err, tt.cause, tt.at+recHeaderLen)
			}
		})
	}
}

// TestLargeObjectArray reads an object array of a million elements, far past what the reader
// hands over as Edges at once: every non-null element reaches the sink, in order, named by
// its index.
func TestLargeObjectArray(t *testing.T) {
	data := gunzip(t, "heap1.hprof.gz")
	starts := topRecords(t, data)
	end := starts[len(starts)-1]
	object := classID(t, data, "java/lang/Object")
	const n = 1 << 20
	elems := make([]byte, 0, 8*n)
	for i := 0; i < n; i++ {
		id := object
		if i%3 == 1 {
			id = 0 // null: no edge
		}
		elems = binary.BigEndian.AppendUint64(elems, id)
	}
	head := binary.BigEndian.AppendUint64([]byte{subObjArrayDump}, 0x7fff0004)
	head = binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(head, 0), n)
	head = binary.BigEndian.AppendUint64(head, object)
	in := slices.Concat(data[:end], record(nil, recHeapDumpSeg, uint32(len(head)+len(elems)), slices.Concat(head, elems)), data[end:])
	s := &countSink{}
	if err := (Reader{}).Read(context.Background(), "big.hprof", bytes.NewReader(in), s); err != nil {
		t.Fatal(err)
	}
	nonNull := n - (n+1)/3
	if want := 1 + nonNull; s.most != want { // <class>, then the elements
		t.Errorf("the array has %d edges, want %d", s.most, want)
	}
	if want := strconv.Itoa(n - 1); s.lastEdge.Name != want || s.lastEdge.To != object || s.lastEdge.Kind != heap.EdgeElement {
		t.Errorf("last edge %+v, want element %s to %#x", s.lastEdge, want, object)
	}
}
