package ruby

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/heaptest"
)

// lineOf returns the number (from 1) and offset of the first line of data that contains sub.
func lineOf(t *testing.T, data []byte, sub string) (int, int) {
	t.Helper()
	i := bytes.Index(data, []byte(sub))
	if i < 0 {
		t.Fatalf("no %q in the sample", sub)
	}
	start := bytes.LastIndexByte(data[:i], '\n') + 1
	return bytes.Count(data[:start], []byte("\n")) + 1, start
}

// TestReliabilityBadInput damages a real dump in the ways a file can be damaged, and checks
// each is refused with a *heap.FormatError that says the line, its offset and the cause.
func TestReliabilityBadInput(t *testing.T) {
	real := mustRead(t, "rubyshop1")
	n, off := lineOf(t, real, `"type":"STRING"`)
	end := off + bytes.IndexByte(real[off:], '\n') + 1
	last := bytes.LastIndexByte(real[:len(real)-1], '\n') + 1
	lastN := bytes.Count(real[:last], []byte("\n")) + 1
	replace := func(old, new string) []byte {
		l := bytes.Replace(real[off:end], []byte(old), []byte(new), 1)
		if bytes.Equal(l, real[off:end]) {
			t.Fatalf("no %q in line %d", old, n)
		}
		return append(append(append([]byte(nil), real[:off]...), l...), real[end:]...)
	}
	memsize := func(v string) []byte {
		i := bytes.Index(real[off:end], []byte(`"memsize":`))
		j := i + len(`"memsize":`)
		k := j + bytes.IndexByte(real[off+j:end], ',')
		return append(append(append([]byte(nil), real[:off+j]...), v...), real[off+k:]...)
	}
	tests := []struct {
		name   string
		in     []byte
		line   int // 0: no line (the whole file)
		offset int
		text   string
	}{
		{"cut in the last line", real[:len(real)-20], lastN, last, "truncated"},
		{"cut in a string", real[:off+30], n, off, "truncated"},
		{"cut after a line", real[:end], 0, -1, ""},
		{"not a record", append(append(append([]byte(nil), real[:off]...), "GIF89a\n"...), real[off:]...), n, off, "where a record should start"},
		{"a newline in a record", replace(`"type":"STRING", `, "\"type\":\"STRING\",\n"), n, off, "the line ends in the middle of a record"},
		{"address not hex", replace(`"address":"0x`, `"address":"0xg`), n, off, "want a hex digit in address"},
		{"address a number", replace(`"address":"0x`, `"address":1, "x":"`), n, off, `want an address ("0x...") for address`},
		{"address past 64 bits", replace(`"address":"0x`, `"address":"0x12345678123456781`), n, off, "address is too large"},
		{"no type", replace(`"type":"STRING"`, `"typo":"STRING"`), n, off, `no "type"`},
		{"no address", replace(`"address":`, `"addr":`), n, off, `no "address"`},
		{"memsize below zero", memsize("-1"), n, off, "memsize is -1: below zero"},
		{"memsize past 2^48", memsize("281474976710657"), n, off, "more than 2^48"},
		{"memsize a string", memsize(`"40"`), n, off, "want a value"},
		{"memsize a fraction", memsize("4.5"), n, off, "want an integer for memsize"},
		{"memsizes adding past 2^48", memsize("281474976710656"), 0, 0, "add up to more than 2^48"},
		{"something after the record", replace(`}}`, `}} x`), n, off, "after the end of the record"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, err := read(t, tt.in)
			if tt.text == "" {
				if err != nil {
					t.Fatalf("Read(%s): %v", tt.name, err)
				}
				return
			}
			var fe *heap.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Read(%s): got %v (%d objects), want a *heap.FormatError", tt.name, err, len(rec.objects))
			}
			if !strings.Contains(fe.Error(), tt.text) {
				t.Errorf("Read(%s): %v, want %q in it", tt.name, fe, tt.text)
			}
			if tt.line > 0 && (fe.Record != fmt.Sprintf("line %d", tt.line) || fe.Offset != int64(tt.offset)) {
				t.Errorf("Read(%s): at %s, offset %d; want line %d, offset %d", tt.name, fe.Record, fe.Offset, tt.line, tt.offset)
			}
		})
	}
}

// TestReliabilityBadNames damages the names memsee's dumper writes after the objects
// (MEMSEE_NAME lines): each damage is a *heap.FormatError at the line.
func TestReliabilityBadNames(t *testing.T) {
	real := mustRead(t, "rubyshop1")
	damage := func(first, old, new string) ([]byte, int, int) {
		n, off := lineOf(t, real, first)
		end := off + bytes.IndexByte(real[off:], '\n') + 1
		l := bytes.Replace(real[off:end], []byte(old), []byte(new), 1)
		if bytes.Equal(l, real[off:end]) {
			t.Fatalf("no %q in line %d", old, n)
		}
		return append(append(append([]byte(nil), real[:off]...), l...), real[end:]...), n, off
	}
	const owned, global = `{"type":"MEMSEE_NAME", "owner":`, `{"type":"MEMSEE_NAME", "name":"$`
	tests := []struct {
		name, first, old, new, text string
	}{
		{"no value", owned, `"to":`, `"tx":`, `needs a "name" and a "to"`},
		{"no name", owned, `"name":`, `"nom":`, `needs a "name" and a "to"`},
		{"an empty name", owned, `"name":"`, `"name":"", "x":"`, `needs a "name" and a "to"`},
		{"owner not hex", owned, `"owner":"0x`, `"owner":"0xz`, "want a hex digit in owner"},
		{"value past 64 bits", owned, `"to":"0x`, `"to":"0x12345678123456781`, "to is too large"},
		{"a global's name without $", global, `"name":"$`, `"name":"`, "a global variable's"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, n, off := damage(tt.first, tt.old, tt.new)
			_, _, err := read(t, in)
			var fe *heap.FormatError
			if !errors.As(err, &fe) || !strings.Contains(fe.Error(), tt.text) {
				t.Fatalf("Read(%s): %v, want a *heap.FormatError with %q", tt.name, err, tt.text)
			}
			if fe.Record != fmt.Sprintf("line %d", n) || fe.Offset != int64(off) {
				t.Errorf("Read(%s): at %s, offset %d; want line %d, offset %d", tt.name, fe.Record, fe.Offset, n, off)
			}
		})
	}
}

// TestReliabilityNoObjects: a file with no object records is not a heap.
func TestReliabilityNoObjects(t *testing.T) {
	real := mustRead(t, "rubyshop1")
	roots := real[:bytes.Index(real, []byte(`{"address"`))]
	for _, in := range [][]byte{nil, []byte("\n\n"), roots} {
		_, _, err := read(t, in)
		var fe *heap.FormatError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), "no objects") {
			t.Errorf("Read(%d bytes without objects): %v, want no objects", len(in), err)
		}
	}
}

// TestReliabilityTruncated cuts a real dump at many places: each cut is an error at the cut
// line, or (at a line's end) a dump of the lines before it; never a panic.
func TestReliabilityTruncated(t *testing.T) {
	real := mustRead(t, "rubyshop2")
	for _, at := range []int{1, 100, 4095, 4096, 65535, 65536, 65537, len(real) / 3, len(real) / 2, len(real) - 2} {
		in := real[:at]
		_, _, err := read(t, in)
		atLineEnd := in[len(in)-1] == '\n'
		var fe *heap.FormatError
		switch {
		case atLineEnd && err != nil && !strings.Contains(err.Error(), "no objects"):
			t.Errorf("Read(cut at %d, a line's end): %v", at, err)
		case !atLineEnd && !errors.As(err, &fe):
			t.Errorf("Read(cut at %d): got %v, want a *heap.FormatError", at, err)
		case !atLineEnd && fe.Offset != int64(bytes.LastIndexByte(in, '\n')+1):
			t.Errorf("Read(cut at %d): offset %d, want the cut line's %d", at, fe.Offset, bytes.LastIndexByte(in, '\n')+1)
		}
	}
}

// TestReliabilityBombs reads, through heap.Open as the loader does, a real dump followed by a
// line of heaptest.BombSize() bytes from a gzip of a few MB: a String whose value is all of it,
// which loads with its value shortened; an Array whose references are, refused at the line
// with heap.ErrTooLarge once it has MaxRefs of them (with MEMSEE_BOMB=full; the default size
// holds fewer, and loads); a ROOT record of as many references, sent once each.
func TestReliabilityBombs(t *testing.T) {
	size := heaptest.BombSize()
	real := mustRead(t, "rubyshop1")
	line := bytes.Count(real, []byte("\n")) + 1
	dir := t.TempDir()
	refs := size / int64(len(`, "0x10"`))
	tests := []struct {
		name             string
		open, rep, close string
		err              error // nil: it loads
		maxHeap          uint64
	}{
		{"a huge string", `{"address":"0x10", "type":"STRING", "class":"0x20", "bytesize":1, "value":"`, `abcdefgh`, `", "memsize":40}` + "\n", nil, 64 << 20},
		// The references are kept as addresses, 8 bytes each, to MaxRefs: 512 MiB at most.
		{"a huge Array", `{"address":"0x10", "type":"ARRAY", "class":"0x20", "length":1, "references":["0x1"`, `, "0x10"`, `], "memsize":40}` + "\n", errFor(refs+1 > MaxRefs), 640 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := heaptest.GzipBomb(t, filepath.Join(dir, "bomb.json.gz"), append(slices.Clone(real), tt.open...), []byte(tt.rep), size, []byte(tt.close))
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			in, err := heap.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			s := &countSink{}
			_, err = Reader{}.ReadNotes(context.Background(), path, in, s)
			runtime.ReadMemStats(&after)
			if tt.err == nil && err != nil {
				t.Fatalf("Read(%s): %v", tt.name, err)
			}
			if tt.err != nil {
				var fe *heap.FormatError
				if !errors.Is(err, tt.err) || !errors.As(err, &fe) || fe.Record != fmt.Sprintf("line %d", line) {
					t.Fatalf("Read(%s): got %v, want %v at line %d", tt.name, err, tt.err, line)
				}
			}
			if grew := int64(after.HeapSys) - int64(before.HeapSys); grew > int64(tt.maxHeap) {
				t.Errorf("Read(%s): the heap grew by %d MiB", tt.name, grew>>20)
			}
			if s.valueBytes > 4*MaxValue*(s.objects+1) {
				t.Errorf("Read(%s): %d value bytes for %d objects", tt.name, s.valueBytes, s.objects)
			}
		})
	}
}

// errFor returns heap.ErrTooLarge when the bomb passes the limit.
func errFor(past bool) error {
	if past {
		return heap.ErrTooLarge
	}
	return nil
}
