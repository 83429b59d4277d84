package meliae

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/heaptest"
)

// setKey returns line with the value of key (a number, or null) replaced by v.
func setKey(t *testing.T, line []byte, key, v string) []byte {
	t.Helper()
	re := regexp.MustCompile(`"` + key + `": (-?[0-9]+|null)`)
	if !re.Match(line) {
		t.Fatalf("no %q in %.80s", key, line)
	}
	return re.ReplaceAll(line, []byte(`"`+key+`": `+v))
}

// TestReliabilityCraftedSizes puts sizes and lens no heap can have into real lines.
func TestReliabilityCraftedSizes(t *testing.T) {
	real := mustRead(t, "shop1")
	n := findLine(t, real, `"type": "str"`, `"len": `)
	m := n + 1
	tests := []struct {
		name string
		in   []byte
		line int    // the line the error is at; 0: no error
		text string // in the error
	}{
		{"negative size", replaceLine(real, n, func(l []byte) []byte { return setKey(t, l, "size", "-1") }), n, "size is -1: below zero"},
		{"size 2^63-1", replaceLine(real, n, func(l []byte) []byte { return setKey(t, l, "size", "9223372036854775807") }), n, "size is 9223372036854775807: more than 2^48"},
		{"size 2^48+1", replaceLine(real, n, func(l []byte) []byte { return setKey(t, l, "size", "281474976710657") }), n, "more than 2^48"},
		{"size 2^48 after other objects", replaceLine(real, n, func(l []byte) []byte { return setKey(t, l, "size", "281474976710656") }), n, "add up to more than 2^48 bytes"},
		{"two sizes of 2^46", replaceLine(replaceLine(real, n, func(l []byte) []byte { return setKey(t, l, "size", "70368744177664") }),
			m, func(l []byte) []byte { return setKey(t, l, "size", "70368744177664") }), 0, ""},
		{"two sizes of 2^47", replaceLine(replaceLine(real, n, func(l []byte) []byte { return setKey(t, l, "size", "140737488355328") }),
			m, func(l []byte) []byte { return setKey(t, l, "size", "140737488355328") }), m, "size 140737488355328: the sizes of the objects up to this one add up"},
		{"size null", replaceLine(real, n, func(l []byte) []byte { return setKey(t, l, "size", "null") }), 0, ""},
		{"negative len", replaceLine(real, n, func(l []byte) []byte { return setKey(t, l, "len", "-1") }), n, "len is -1: below zero"},
		{"len 2^63-1", replaceLine(real, n, func(l []byte) []byte { return setKey(t, l, "len", "9223372036854775807") }), n, "len is 9223372036854775807: more than 2^48"},
		{"len null", replaceLine(real, n, func(l []byte) []byte { return setKey(t, l, "len", "null") }), 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, err := read(t, bytes.NewReader(tt.in))
			if tt.line == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var fe *heap.FormatError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("got %v, want a FormatError saying %q", err, tt.text)
			}
			if want := fmt.Sprintf("line %d", tt.line); fe.Record != want || fe.Offset != int64(lineStart(tt.in, tt.line)) {
				t.Errorf("error at %q, offset %d; want %q, offset %d", fe.Record, fe.Offset, want, lineStart(tt.in, tt.line))
			}
			if len(rec.objects) != tt.line-1 {
				t.Errorf("%d objects before the error, want %d", len(rec.objects), tt.line-1)
			}
		})
	}
}

// TestReliabilityTruncation cuts every sample at 30 offsets spread over it and next to a few line ends.
// A cut inside a line is a FormatError at that line's start saying the file looks truncated;
// a cut at the end of a line is, for this format, a shorter dump (the gzip layer's CRC and
// length are what tell a cut file), read up to that line.
func TestReliabilityTruncation(t *testing.T) {
	cases := 0
	for _, name := range samples {
		data := mustRead(t, name)
		var cuts []int
		for i := 1; i <= 30; i++ {
			cuts = append(cuts, len(data)*i/31)
		}
		for _, n := range []int{2, 100, 1000} { // a line end, the newline itself, the byte after
			end := lineStart(data, n) - 1
			cuts = append(cuts, end, end+1, end+2)
		}
		for _, cut := range cuts {
			cases++
			in := data[:cut]
			rec, _, err := read(t, bytes.NewReader(in))
			line := bytes.Count(in, []byte("\n")) + 1 // the line the cut is in
			whole := cut == 0 || in[cut-1] == '\n' || in[cut-1] == '}' && (cut == len(data) || data[cut] == '\n')
			if whole {
				if err != nil || len(rec.objects) != bytes.Count(bytes.TrimRight(in, "\n"), []byte("\n"))+1 {
					t.Errorf("%s cut at %d, a line's end: %d objects, %v", name, cut, len(rec.objects), err)
				}
				continue
			}
			var fe *heap.FormatError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), "looks truncated") {
				t.Errorf("%s cut at %d: got %v, want a FormatError saying it looks truncated", name, cut, err)
				continue
			}
			if fe.Record != fmt.Sprintf("line %d", line) || fe.Offset != int64(lineStart(in, line)) {
				t.Errorf("%s cut at %d: error at %q, offset %d; want line %d at %d", name, cut, fe.Record, fe.Offset, line, lineStart(in, line))
			}
		}
	}
	t.Logf("%d truncations", cases)
}

// gzipBomb writes to dir a small gzip (best speed, streamed) of head, then open, then size
// bytes of rep repeated, then close.
func gzipBomb(t testing.TB, dir string, head []byte, open string, rep string, size int64, close string) string {
	return heaptest.GzipBomb(t, filepath.Join(dir, "bomb.json.gz"), append(slices.Clone(head), open...), []byte(rep), size, []byte(close))
}

// TestReliabilityBombs reads, through heap.Open as the loader does, a real dump followed by a line of
// heaptest.BombSize() bytes (64 MiB with -short) from a gzip of a few MB: a str whose value is
// all of it, which loads with its value shortened, then a list whose refs are, which is refused
// at the line with ErrTooLarge once it has MaxRefs of them. The heap grows by at most 32 MiB
// for the str, and by the refs' 512 MiB and a little for the list.
func TestReliabilityBombs(t *testing.T) {
	size := heaptest.BombSize() // past MaxValue and, at 4 bytes a ref, past MaxRefs
	if testing.Short() {
		size = 64 << 20
	}
	real := mustRead(t, "shop1")
	line := bytes.Count(real, []byte("\n")) + 1
	dir := t.TempDir()
	for _, tt := range []struct {
		name              string
		open, rep, close  string
		err               error
		maxHeap, maxAlloc uint64
	}{
		{"a string claiming 2 GiB", `{"address": 1, "type": "str", "size": 2147483697, "len": 2147483648, "value": "`, `abcdefgh`, "\"}\n", nil, 32 << 20, 32 << 20},
		// The refs are read as addresses, 8 bytes each, to MaxRefs: 512 MiB, within the 1 GiB
		// a bomb may take.
		{"refs past MaxRefs", `{"address": 2, "type": "list", "size": 56, "len": 1, "refs": [1`, `, 12`, "]}\n", ErrTooLarge, 640 << 20, 640 << 20},
	} {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			path := gzipBomb(t, dir, real, tt.open, tt.rep, size, tt.close)
			st, _ := os.Stat(path)
			t.Logf("%d MB of gzip for %d MiB, in %v", st.Size()>>20, size>>20, time.Since(start).Round(time.Millisecond))

			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start = time.Now()
			in, err := heap.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			rec := &recorder{noEdges: true}
			err = (Reader{}).Read(context.Background(), path, in, rec)
			runtime.ReadMemStats(&after)
			t.Logf("read in %v: %v; heap grew by %d MiB, %d MiB allocated", time.Since(start).Round(time.Millisecond), err,
				(int64(after.HeapSys)-int64(before.HeapSys))>>20, (after.TotalAlloc-before.TotalAlloc)>>20)
			if tt.err == nil {
				if err != nil {
					t.Fatal(err)
				}
				if len(rec.objects) != line || len([]rune(rec.objects[line-1].Value)) != MaxValue || rec.objects[line-1].Len != 1<<31 {
					t.Errorf("%d objects, the last %.60q...: want %d, the last with a value of %d runes", len(rec.objects), rec.objects[len(rec.objects)-1].Value, line, MaxValue)
				}
				if n, err := in.Read(make([]byte, 1)); n != 0 || err != io.EOF {
					t.Errorf("after Read, the input has more: %d bytes, %v", n, err)
				}
			} else {
				var fe *heap.FormatError
				if !errors.Is(err, tt.err) || !errors.As(err, &fe) || fe.Record != fmt.Sprintf("line %d", line) || fe.Offset != int64(len(real)) {
					t.Fatalf("got %v, want %v at line %d, offset %d", err, tt.err, line, len(real))
				}
			}
			if grew := int64(after.HeapSys) - int64(before.HeapSys); grew > int64(tt.maxHeap) {
				t.Errorf("the heap grew by %d MiB", grew>>20)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > tt.maxAlloc {
				t.Errorf("Read allocated %d MiB", grew>>20)
			}
		})
	}
}
