package v8

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/heaptest"
)

func readFormatErr(t *testing.T, what string, data []byte) *heap.FormatError {
	t.Helper()
	err := Reader{}.Read(context.Background(), "bad.heapsnapshot", bytes.NewReader(data), &countSink{})
	var fe *heap.FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("Read(%s): got %v, want a *heap.FormatError", what, err)
	}
	return fe
}

// TestReliabilityTruncation cuts a whole real snapshot at 40 offsets (TestTruncatedEverywhere cuts a
// shrunk one after every byte): each cut is refused at the end of what was read.
func TestReliabilityTruncation(t *testing.T) {
	data := mustRead(t, "heap1")
	for i := 0; i < 40; i++ {
		n := i * (len(data) - 1) / 40
		fe := readFormatErr(t, "cut at "+strconv.Itoa(n), data[:n])
		if fe.Offset != int64(n) {
			t.Errorf("Read(cut at %d): %v, want offset %d", n, fe, n)
		}
	}
}

// TestReliabilityBitFlips flips 120 random bits of a shrunk real snapshot and 30 of a whole one: no
// panic, and a positioned error when the file is refused.
func TestReliabilityBitFlips(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 3))
	whole := mustRead(t, "heap1")
	for _, c := range []struct {
		name  string
		data  []byte
		flips int
	}{{"shrunk", shrink(t, whole, 200), 120}, {"whole", whole, 30}} {
		failed := 0
		for i := 0; i < c.flips; i++ {
			b := append([]byte(nil), c.data...)
			at := rng.IntN(len(b))
			b[at] ^= 1 << rng.IntN(8)
			err := Reader{}.Read(context.Background(), "flip", bytes.NewReader(b), &countSink{})
			if err != nil {
				var fe *heap.FormatError
				if !errors.As(err, &fe) || fe.Offset < 0 || fe.Offset > int64(len(b)) {
					t.Errorf("Read(%s, flip at %#x): %v, want a positioned FormatError", c.name, at, err)
				}
				failed++
			}
		}
		t.Logf("%s: %d of %d flipped snapshots refused", c.name, failed, c.flips)
	}
}

// TestReliabilityTrailingData appends to a real snapshot: whitespace is allowed, anything else is refused
// at its offset.
func TestReliabilityTrailingData(t *testing.T) {
	data := mustRead(t, "heap1")
	n := int64(len(data))
	for _, tt := range []struct {
		name, tail string
		offset     int64 // -1: loads
	}{
		{"newlines", "\n\r\n\t ", -1},
		{"a brace", "}", n},
		{"an object", "\n{}", n + 1},
		{"a NUL", "\x00", n},
		{"the snapshot again", string(data), n},
	} {
		b := append(append([]byte(nil), data...), tt.tail...)
		if tt.offset < 0 {
			if err := (Reader{}).Read(context.Background(), tt.name, bytes.NewReader(b), &countSink{}); err != nil {
				t.Errorf("Read(%s): %v", tt.name, err)
			}
			continue
		}
		fe := readFormatErr(t, tt.name, b)
		if fe.Offset != tt.offset || !strings.Contains(fe.Err.Error(), "after the end of the snapshot") {
			t.Errorf("Read(%s): %v, want offset %d", tt.name, fe, tt.offset)
		}
	}
}

// TestReliabilityCraftedSizes claims 2^40 nodes and edges in the header of a real snapshot: refused
// at the count, without allocating for it.
func TestReliabilityCraftedSizes(t *testing.T) {
	data := mustRead(t, "heap1")
	for _, key := range []string{"node_count", "edge_count"} {
		i, j := headerAt(t, data, key)
		b := splice(data, i, j, strconv.FormatInt(1<<40, 10))
		var fe *heap.FormatError
		alloc, peak := heaptest.Measure(func() { fe = readFormatErr(t, key, b) })
		if fe.Offset != int64(i) || !strings.Contains(fe.Err.Error(), key+" is 1,099,511,627,776") {
			t.Errorf("Read(%s 2^40): %v, want the count at %d", key, fe, i)
		}
		if peak > 256<<20 {
			t.Errorf("Read(%s 2^40): heap grew by %d MiB (%d MiB allocated)", key, peak>>20, alloc>>20)
		}
	}
}

// TestReliabilityBombs reads a gzip'd real snapshot of a few MB with a giant string added to its strings
// (and one of escapes), compressed as it is written: it loads, keeping a prefix of the
// string, in memory that does not grow with it.
func TestReliabilityBombs(t *testing.T) {
	data := mustRead(t, "heap1")
	at := bytes.LastIndexByte(data, ']') // the end of strings, the last array
	if !bytes.HasPrefix(bytes.TrimSpace(data[at+1:]), []byte("}")) {
		t.Fatal("strings is not the last array")
	}
	size := heaptest.BombSize()
	for _, tt := range []struct{ name, unit string }{{"letters", "a"}, {"escapes", `\u00e9`}} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
			zw.Write(data[:at])
			zw.Write([]byte(`,"`))
			chunk := []byte(strings.Repeat(tt.unit, (1<<20)/len(tt.unit)))
			for n := size; n > 0; n -= int64(len(chunk)) {
				zw.Write(chunk[:min(n, int64(len(chunk)))])
			}
			zw.Write([]byte(`"`))
			zw.Write(data[at:])
			if err := zw.Close(); err != nil {
				t.Fatal(err)
			}
			gzSize := buf.Len()
			zr, err := gzip.NewReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			s := &countSink{}
			alloc, peak := heaptest.Measure(func() { err = Reader{}.Read(context.Background(), "bomb.heapsnapshot", zr, s) })
			t.Logf("%d KB gzip, %d MiB string: %d MiB allocated, peak heap %d MiB, %d objects, err %v", gzSize>>10, size>>20, alloc>>20, peak>>20, s.objects, err)
			if err != nil {
				t.Errorf("Read(%s bomb): %v", tt.name, err)
			}
			if peak > 256<<20 {
				t.Errorf("Read(%s bomb): heap grew by %d MiB", tt.name, peak>>20)
			}
			if _, err := io.Copy(io.Discard, zr); err != nil {
				t.Errorf("after Read: %v", err)
			}
		})
	}
}
