package meliae

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"
	"testing/iotest"
	"unsafe"

	"github.com/memsee/memsee/internal/heap"
)

// serialSplit reads a dump on the reader's goroutine alone, as before workers.
var serialSplit = split{workers: 1}

// readDiff reads in with split, and also on one goroutine, and reports how the two differ:
// objects, roots, Begin, stats and error must all be the same.
func readDiff(in func() io.Reader, failAt int, sp split) (diff string, rd *reading) {
	want := &recorder{failAt: failAt}
	wantRd, wantErr := readSplit(context.Background(), "dump.json", in(), want, serialSplit)
	got := &recorder{failAt: failAt}
	rd, err := readSplit(context.Background(), "dump.json", in(), got, sp)
	switch {
	case fmt.Sprint(err) != fmt.Sprint(wantErr):
		return fmt.Sprintf("error %v, want %v", err, wantErr), rd
	case rd.stats != wantRd.stats:
		return fmt.Sprintf("stats %+v, want %+v", rd.stats, wantRd.stats), rd
	case got.begun != want.begun || fmt.Sprint(got.snap) != fmt.Sprint(want.snap):
		return fmt.Sprintf("Begin %d times with %+v, want %d with %+v", got.begun, got.snap, want.begun, want.snap), rd
	case !slices.Equal(got.roots, want.roots):
		return fmt.Sprintf("roots %v, want %v", got.roots, want.roots), rd
	case len(got.objects) != len(want.objects):
		return fmt.Sprintf("%d objects, want %d", len(got.objects), len(want.objects)), rd
	}
	for i, o := range got.objects {
		w := want.objects[i]
		if !sameObject(o, w) && !(len(o.Edges) == 0 && len(w.Edges) == 0 && sameObject(strip(o), strip(w))) {
			return fmt.Sprintf("object %d: %+v, want %+v", i, o, w), rd
		}
	}
	return "", rd
}

// TestParallelAsSerial reads real dumps, and damaged copies of them, in blocks parsed by
// workers, small blocks so that every dump has many, and checks that the sink is handed what
// one parser hands it.
func TestParallelAsSerial(t *testing.T) {
	real := mustRead(t, "shop1")
	strLine := findLine(t, real, `"type": "str"`, `"value": "`)
	listLine := findLine(t, real, `"type": "list"`, `"refs": [1`)
	feed := findLine(t, real, `"value": "price-feed-\udce9t\udce9.csv"`)
	mid := len(lines(real)) / 2
	long := replaceLine(real, listLine, func(l []byte) []byte { // a list of 100,000 refs, in the middle
		i := bytes.Index(l, []byte(`"refs": [`)) + len(`"refs": [`)
		ref := l[i : i+bytes.IndexAny(l[i:], ",]")]
		return slices.Concat(l[:i], bytes.Repeat(append(slices.Clone(ref), ", "...), 100000), l[i:])
	})
	bytesOf := func(b []byte) func() io.Reader { return func() io.Reader { return bytes.NewReader(b) } }
	tests := []struct {
		name   string
		in     func() io.Reader
		failAt int // the sink fails at this object; 0: never
	}{
		{"shop2", bytesOf(mustRead(t, "shop2")), 0},
		{"churn3", bytesOf(mustRead(t, "churn3")), 0},
		{"shop1 without its last newline", bytesOf(bytes.TrimRight(real, "\n")), 0},
		{"truncated mid-line", bytesOf(real[:lineStart(real, mid)+40]), 0},
		{"truncated at a line's end", bytesOf(real[:lineStart(real, mid)]), 0},
		{"truncated in a string", bytesOf(real[:lineStart(real, strLine)+bytes.Index(real[lineStart(real, strLine):], []byte(`"value": "`))+12]), 0},
		{"blank and CRLF lines", bytesOf(replaceLine(real, mid, func(l []byte) []byte { return append(append([]byte("\r\n  \n"), l...), '\r') })), 0},
		{"blank lines at the end", bytesOf(append(slices.Clone(real), "\n \n\n"...)), 0},
		{"garbage line", bytesOf(replaceLine(real, mid, func([]byte) []byte { return []byte("Traceback (most recent call last):") })), 0},
		{"line cut in two", bytesOf(replaceLine(real, listLine, func(l []byte) []byte {
			i := bytes.Index(l, []byte(", ")) + 1
			return slices.Concat(l[:i], []byte("\n"), l[i:])
		})), 0},
		{"sizes past 2^48 in all", bytesOf(replaceLine(real, mid, func(l []byte) []byte { return setKey(t, l, "size", fmt.Sprint(int64(MaxSize-10))) })), 0},
		{"a line longer than a block", bytesOf(long), 0},
		{"a line longer than a block, cut", bytesOf(long[:lineStart(long, listLine)+300000]), 0},
		{"a repaired string", bytesOf(real[lineStart(real, feed-3):]), 0},
		{"a read error", func() io.Reader {
			return io.MultiReader(bytes.NewReader(real[:len(real)/2]), iotest.ErrReader(errors.New("disk on fire")))
		}, 0},
		{"a positioned read error at a line's end", func() io.Reader {
			gz := &heap.FormatError{File: "x.gz", Offset: 99, Record: "gzip", Err: errors.New("bad")}
			return io.MultiReader(bytes.NewReader(real[:lineStart(real, mid)]), iotest.ErrReader(gz))
		}, 0},
		{"reads of a byte", func() io.Reader { return iotest.OneByteReader(bytes.NewReader(real)) }, 0},
		{"the sink fails early", bytesOf(real), 10},
		{"the sink fails in the middle", bytesOf(real), mid},
		{"the sink fails at a module", bytesOf(real), findLine(t, real, `"type": "module"`)},
		{"the sink fails at the long line", bytesOf(long), listLine},
	}
	splits := []split{
		{serial: 0, block: 16, workers: 2},
		{serial: 0, block: 1000, workers: 3},
		{serial: 100000, block: 4096, workers: 2},
	}
	for _, tt := range tests {
		for _, sp := range splits {
			t.Run(fmt.Sprintf("%s/%+v", tt.name, sp), func(t *testing.T) {
				diff, rd := readDiff(tt.in, tt.failAt, sp)
				if diff != "" {
					t.Fatalf("Read(%s) in blocks %+v: %s", tt.name, sp, diff)
				}
				if rd.blocks == 0 && sp.serial == 0 && sp.block > 100 { // blocks of 16 bytes hold no whole line
					t.Errorf("Read(%s) in blocks %+v: no block parsed by a worker", tt.name, sp)
				}
			})
		}
	}
}

// TestParallelStrings checks that what workers hand over keeps to heap.Object's rule: every
// object of a type has the one string, and a value does not change once handed over (the
// blocks it was read from are reused).
func TestParallelStrings(t *testing.T) {
	real := mustRead(t, "shop1")
	rec := &recorder{}
	rd, err := readSplit(context.Background(), "dump.json", bytes.NewReader(real), rec, split{serial: 0, block: 4096, workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if rd.blocks < 2 {
		t.Fatalf("%d blocks", rd.blocks)
	}
	types := map[string]*byte{}
	realLines := lines(real)
	for i, o := range rec.objects {
		p, ok := types[o.Type]
		if !ok {
			types[o.Type] = unsafe.StringData(o.Type)
		} else if p != unsafe.StringData(o.Type) {
			t.Fatalf("object %d: type %q is another string than before", i, o.Type)
		}
		if w := want(t, realLines[i]); o.Value != w.Value {
			t.Fatalf("object %d: value %q, want %q", i, o.Value, w.Value)
		}
	}
}

// TestParallelContext checks that a cancelled read stops, with the context's error.
func TestParallelContext(t *testing.T) {
	real := mustRead(t, "shop1")
	ctx, cancel := context.WithCancel(context.Background())
	sink := &cancelAt{recorder: &recorder{}, at: len(lines(real)) / 2, cancel: cancel}
	_, err := readSplit(ctx, "dump.json", bytes.NewReader(real), sink, split{serial: 0, block: 4096, workers: 2})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Read cancelled: got %v, want %v", err, context.Canceled)
	}
	if n := len(sink.objects); n >= len(lines(real)) || n < sink.at {
		t.Errorf("Read cancelled at object %d went on to %d of %d", sink.at, n, len(lines(real)))
	}
}

type cancelAt struct {
	*recorder
	at     int
	cancel func()
}

func (c *cancelAt) Object(o *heap.Object) error {
	if len(c.objects)+1 == c.at {
		c.cancel()
	}
	return c.recorder.Object(o)
}

// TestParallelSmallDump checks that a dump of less than the first block is read without
// workers.
func TestParallelSmallDump(t *testing.T) {
	real := mustRead(t, "shop1")
	for _, n := range []int{1000, defaultSplit().serial - 1000} {
		in := real[:lineStart(real, bytes.Count(real[:n], []byte("\n")))]
		rd, err := readSplit(context.Background(), "dump.json", bytes.NewReader(in), &recorder{}, defaultSplit())
		if err != nil || rd.blocks != 0 {
			t.Errorf("Read(%d bytes): %d blocks, %v; want none", len(in), rd.blocks, err)
		}
	}
}
