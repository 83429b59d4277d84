package pprof

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	rpprof "runtime/pprof"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/heaptest"
)

// record is one top-level record of a profile.proto: its offset, tag and bytes (tag
// included).
type record struct {
	off int
	tag uint64
	b   []byte
}

// payload returns the bytes of a length-delimited record after its tag and length.
func (r record) payload() []byte {
	_, n := binary.Uvarint(r.b)
	_, m := binary.Uvarint(r.b[n:])
	return r.b[n+m:]
}

// records splits a (well-formed) profile into its top-level records, or the fields of a
// message into its fields.
func records(t testing.TB, data []byte) []record {
	t.Helper()
	var out []record
	for i := 0; i < len(data); {
		start := i
		tag, n := binary.Uvarint(data[i:])
		if n <= 0 {
			t.Fatalf("bad tag at %d", i)
		}
		i += n
		switch tag & 7 {
		case 0:
			_, n = binary.Uvarint(data[i:])
			i += n
		case 2:
			l, n := binary.Uvarint(data[i:])
			i += n + int(l)
		default:
			t.Fatalf("wire type %d at %d", tag&7, start)
		}
		out = append(out, record{start, tag, data[start:i]})
	}
	return out
}

func lenField(num int, payload []byte) []byte {
	b := binary.AppendUvarint(nil, uint64(num)<<3|2)
	b = binary.AppendUvarint(b, uint64(len(payload)))
	return append(b, payload...)
}

// nth returns the index among recs of the n-th (from 1) record of field num.
func nth(t testing.TB, recs []record, num uint64, n int) int {
	t.Helper()
	for i, r := range recs {
		if r.tag>>3 == num {
			if n--; n == 0 {
				return i
			}
		}
	}
	t.Fatalf("no record %d of field %d", n, num)
	return -1
}

// replace returns data with record i of recs replaced by b, and b's offset.
func replace(data []byte, recs []record, i int, b []byte) ([]byte, int) {
	r := recs[i]
	return slices.Concat(data[:r.off], b, data[r.off+len(r.b):]), r.off
}

// withValues returns a sample record with its values replaced.
func withValues(t testing.TB, r record, values []int64) []byte {
	var payload []byte
	for _, f := range records(t, r.payload()) {
		if f.tag>>3 != 2 {
			payload = append(payload, f.b...)
		}
	}
	var packed []byte
	for _, v := range values {
		packed = binary.AppendUvarint(packed, uint64(v))
	}
	return lenField(2, append(payload, lenField(2, packed)...))
}

func read(name string, data []byte) (*collect, error) {
	c := &collect{}
	err := (Reader{}).Read(context.Background(), name, bytes.NewReader(data), c)
	return c, err
}

// TestReliabilityTruncation cuts every sample profile, the CPU one too, at record boundaries (of the
// first and last 30 records and every tenth in between), next to them, and at 40 offsets
// spread over the whole file, and checks that each cut is a
// FormatError at an offset no further than the cut which says the file looks cut short.
func TestReliabilityTruncation(t *testing.T) {
	paths := append(samplesOf(t), "../../../testdata/go/cpu.pb.gz")
	cases := 0
	for _, path := range paths {
		data := readDecompressed(t, path)
		cuts := map[int]bool{}
		recs := records(t, data)
		for i, r := range recs {
			if i >= 30 && i < len(recs)-30 && i%10 != 0 {
				continue // the first and last 30 records, every tenth in between
			}
			for _, c := range []int{r.off, r.off + 1, r.off + 2, r.off + len(r.b) - 1} {
				cuts[c] = true
			}
		}
		for i := 1; i < 40; i++ {
			cuts[len(data)*i/40] = true
		}
		delete(cuts, 0) // empty: its own case
		for cut := range cuts {
			if cut >= len(data) {
				continue
			}
			cases++
			_, err := read("cut.pb", data[:cut])
			var fe *heap.FormatError
			if !errors.As(err, &fe) || fe.File != "cut.pb" {
				t.Errorf("%s cut at %d: got %v, want a FormatError", path, cut, err)
				continue
			}
			if fe.Offset < 0 || fe.Offset > int64(cut) {
				t.Errorf("%s cut at %d: error at offset %d, want one in [0, %d]: %v", path, cut, fe.Offset, cut, err)
			}
			if msg := err.Error(); !strings.Contains(msg, "truncated") && !strings.Contains(msg, "cut short") {
				t.Errorf("%s cut at %d: %v, want it to say the file looks truncated", path, cut, err)
			}
		}
	}
	t.Logf("%d truncations", cases)
}

// TestReliabilityCraftedSizes modifies a real heap profile record by record and checks each error: its text,
// its record and its offset in the data.
func TestReliabilityCraftedSizes(t *testing.T) {
	real := readDecompressed(t, "../../../testdata/go/heap4.pb.gz")
	recs := records(t, real)
	s1, s2 := nth(t, recs, 2, 1), nth(t, recs, 2, 2)
	sampleIdx := func(i int) int { // the number (from 1) of the sample record recs[i]
		n := 0
		for _, r := range recs[:i+1] {
			if r.tag>>3 == 2 {
				n++
			}
		}
		return n
	}
	giant := binary.AppendUvarint([]byte{2<<3 | 2}, 1<<31) // a sample that claims 2 GiB

	type crafted struct {
		name   string
		data   []byte
		off    int    // the offset of the error
		record string // its record
		text   string // in its message
	}
	var tests []crafted
	add := func(name string, data []byte, off int, record, text string) {
		tests = append(tests, crafted{name, data, off, record, text})
	}

	// A sample that claims 2 GiB.
	d, off := replace(real, recs, s1, append(slices.Clone(giant), recs[s1].payload()...))
	add("a sample of 2 GiB", d, off, fmt.Sprintf("sample %d", sampleIdx(s1)), "more than the 16 MiB")

	// A string of 1 GiB in a file that ends after 20 bytes of it.
	str := nth(t, recs, 6, 5)
	add("a string cut short", slices.Concat(real[:recs[str].off], binary.AppendUvarint([]byte{6<<3 | 2}, 1<<30), bytes.Repeat([]byte("a"), 20)),
		recs[str].off, "string 5", "truncated")

	// A sample whose tag says wire type 3 (a group).
	d = slices.Clone(real)
	d[recs[s2].off] = 2<<3 | 3
	add("group wire type", d, recs[s2].off, fmt.Sprintf("sample %d", sampleIdx(s2)), "wire type group start")

	// A record with field number 0.
	d = slices.Clone(real)
	d[recs[s2].off] = 0<<3 | 2
	add("field number 0", d, recs[s2].off, "field 0", "field number 0")

	// A sample whose list of locations runs past the sample's end.
	body := slices.Clone(recs[s2].payload())
	sf := records(t, body)
	k := slices.IndexFunc(sf, func(f record) bool { return f.tag == 1<<3|2 })
	if k < 0 {
		t.Fatalf("sample %d has no packed list of locations", sampleIdx(s2))
	}
	body[sf[k].off+1] = 0x7f
	bad := lenField(2, body)
	d, off = replace(real, recs, s2, bad)
	add("a list past the sample's end", d, off+len(bad)-len(body)+sf[k].off, fmt.Sprintf("sample %d", sampleIdx(s2)), "past the end of the sample")

	// A line of a location with a bad varint in it.
	loc := nth(t, recs, 4, 1)
	lb := slices.Clone(recs[loc].payload())
	fields := records(t, lb)
	li := slices.IndexFunc(fields, func(f record) bool { return f.tag>>3 == 4 })
	if li < 0 {
		t.Fatal("location 1 has no line")
	}
	lineBody := fields[li].off + len(fields[li].b) - len(fields[li].payload())
	for i := lineBody; i < fields[li].off+len(fields[li].b); i++ {
		lb[i] = 0xff // every byte a continuation: no varint ends
	}
	bad = lenField(4, lb)
	d, off = replace(real, recs, loc, bad)
	add("a bad varint in a line", d, off+len(bad)-len(lb)+lineBody, "location 1", "location: line: bad varint")

	// A second time_nanos, as two profiles written one after the other would have.
	tn := recs[nth(t, recs, 9, 1)]
	add("two profiles", slices.Concat(real, tn.b), len(real), "time_nanos", "a second time_nanos")

	// Values below zero and totals past 2^63-1.
	neg := withValues(t, recs[s2], []int64{1, 4096, 1, -4096})
	d, off = replace(real, recs, s2, neg)
	add("negative inuse_space", d, off, fmt.Sprintf("sample %d", sampleIdx(s2)), "inuse_space is -4096: a count or size below zero")
	big1 := withValues(t, recs[s1], []int64{1, 8, 1, math.MaxInt64})
	big2 := withValues(t, recs[s2], []int64{1, 8, 1, math.MaxInt64})
	d = slices.Concat(real[:recs[s1].off], big1, real[recs[s1].off+len(recs[s1].b):recs[s2].off], big2, real[recs[s2].off+len(recs[s2].b):])
	add("alloc_space past 2^63-1", d, recs[s2].off+len(big1)-len(recs[s1].b), fmt.Sprintf("sample %d", sampleIdx(s2)), "more than 2^63-1 in all")

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := read("x.pb", tt.data)
			var fe *heap.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want a FormatError", err)
			}
			if fe.Offset != int64(tt.off) || fe.Record != tt.record || !strings.Contains(fe.Err.Error(), tt.text) {
				t.Errorf("got offset %d, record %q: %v\nwant offset %d, record %q, and %q", fe.Offset, fe.Record, err, tt.off, tt.record, tt.text)
			}
			if c.begun != 0 {
				t.Errorf("Begin was called for a bad profile")
			}
		})
	}
}

// TestNotHeapProfile reads the real CPU profile: it must say what it is and what to take.
func TestNotHeapProfile(t *testing.T) {
	data := readDecompressed(t, "../../../testdata/go/cpu.pb.gz")
	_, err := read("cpu.pb.gz", data)
	var fe *heap.FormatError
	if !errors.Is(err, ErrNotHeapProfile) || !errors.As(err, &fe) {
		t.Fatalf("got %v, want a FormatError for ErrNotHeapProfile", err)
	}
	want := "not a heap profile: a CPU profile (samples/count, cpu/nanoseconds); memsee reads heap profiles: take /debug/pprof/heap"
	if fe.Err.Error() != want {
		t.Errorf("got %q\nwant %q", fe.Err, want)
	}
	if first := records(t, data)[nth(t, records(t, data), 1, 1)].off; fe.Offset != int64(first) {
		t.Errorf("error at offset %d, want the first sample type's, %d", fe.Offset, first)
	}
}

// TestLongStrings gives a function of a real profile a 100,000-byte name: it is kept as its
// first MaxString bytes and its length, and the profile loads.
func TestLongStrings(t *testing.T) {
	real := readDecompressed(t, "../../../testdata/go/heap4.pb.gz")
	recs := records(t, real)
	const fn = "main.newAuditEntry"
	i := slices.IndexFunc(recs, func(r record) bool { return r.tag == 6<<3|2 && string(r.payload()) == fn })
	if i < 0 {
		t.Fatalf("no string %q", fn)
	}
	long := fn + strings.Repeat("é", 50000-len(fn)/2) // 100,000 bytes; é is two
	d, _ := replace(real, recs, i, lenField(6, []byte(long)))
	c, err := read("x.pb", d)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.ToValidUTF8(long[:MaxString], "") + fmt.Sprintf(" … (%d bytes)", len(long))
	found := 0
	for _, s := range c.samples {
		for _, f := range s.Stack {
			if strings.HasPrefix(f, fn) {
				if f != want {
					t.Fatalf("the long name reads %.40q... (%d bytes), want %.40q... (%d bytes)", f, len(f), want, len(want))
				}
				found++
			}
		}
	}
	if found == 0 {
		t.Errorf("no sample has the long name")
	}
	if got := c.snap.Meta["strings_shortened"]; got != fmt.Sprintf("1 (to %d bytes)", MaxString) {
		t.Errorf("Meta strings_shortened = %q", got)
	}
}

// TestTooLarge lowers the memory limit below what a real profile needs: the error names the
// limit and is ErrTooLarge, not damage.
func TestTooLarge(t *testing.T) {
	real := readDecompressed(t, "../../../testdata/go/heap4.pb.gz")
	defer func(m int64) { memoryLimit = m }(memoryLimit)
	memoryLimit = 64 << 10
	_, err := read("x.pb", real)
	var fe *heap.FormatError
	if !errors.Is(err, ErrTooLarge) || !errors.As(err, &fe) || fe.Offset <= 0 || fe.Offset >= int64(len(real)) {
		t.Fatalf("got %v, want ErrTooLarge at an offset in the file", err)
	}
	if !strings.Contains(err.Error(), "more than 0 MiB of memory") {
		t.Errorf("got %v, want it to name the limit", err)
	}
}

// TestLegacyText reads a legacy text heap profile written by this process's runtime
// (debug=1), then the same with a line made longer than the text parsers read.
func TestLegacyText(t *testing.T) {
	var b bytes.Buffer
	keep := make([][]byte, 100)
	for i := range keep {
		keep[i] = make([]byte, 1<<10)
	}
	runtime.GC()
	if err := rpprof.Lookup("heap").WriteTo(&b, 1); err != nil {
		t.Fatal(err)
	}
	runtime.KeepAlive(keep)
	text := b.Bytes()
	if !(Reader{}).Sniff(text) {
		t.Fatalf("Sniff does not claim a text heap profile: %.40q", text)
	}
	c, err := read("heap.txt", text)
	if err != nil {
		t.Fatalf("reading a text heap profile: %v", err)
	}
	if len(c.samples) == 0 {
		t.Fatal("no samples in a text heap profile")
	}

	line := bytes.IndexByte(text, '\n') + 1 // the second line: the first sample
	end := line + bytes.IndexByte(text[line:], '\n')
	for _, tt := range []struct {
		pad int
		ok  bool
	}{{maxTextLine - (end - line), true}, {maxTextLine - (end - line) + 1, false}} {
		long := slices.Concat(text[:end], bytes.Repeat([]byte(" "), tt.pad), text[end:])
		_, err := read("heap.txt", long)
		if tt.ok {
			if err != nil {
				t.Errorf("a line of %d bytes: %v", maxTextLine, err)
			}
			continue
		}
		var fe *heap.FormatError
		if !errors.As(err, &fe) || fe.Offset != int64(line) || fe.Record != "line 2" || !strings.Contains(err.Error(), "longer than 65535 bytes") {
			t.Errorf("a line of %d bytes: got %v, want a FormatError for line 2 at offset %d", maxTextLine+1, err, line)
		}
	}
}

// gzipBomb writes to a file in dir a small gzip (best speed, streamed) of head, then one
// length-delimited record of field num that claims size bytes and holds them (filled with
// fill), then tail.
func gzipBomb(t testing.TB, dir string, head []byte, num int, size int64, fill byte, tail []byte) string {
	field := binary.AppendUvarint(binary.AppendUvarint(nil, uint64(num)<<3|2), uint64(size))
	return heaptest.GzipBomb(t, filepath.Join(dir, "bomb.pb.gz"), append(slices.Clone(head), field...), []byte{fill}, size, tail)
}

// TestReliabilityBombs reads, through heap.Open as the loader does, a gzip of a few MB that inflates to
// 2 GiB (64 MiB with -short): a real profile with one string of nearly all of it, then one
// with a sample of it. The first loads with the string shortened, the second is refused at
// the sample's offset; neither makes the heap grow by more than a few MB.
func TestReliabilityBombs(t *testing.T) {
	size := int64(2 << 30)
	if testing.Short() {
		size = 64 << 20
	}
	real := readDecompressed(t, "../../../testdata/go/heap4.pb.gz")
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		num  int
		fill byte
		err  string
	}{
		{"a string", 6, 'a', ""},
		{"a sample", 2, 0, fmt.Sprintf("offset %#x: sample 283: %d bytes long, more than the 16 MiB", len(real), size)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			path := gzipBomb(t, dir, real, tt.num, size, tt.fill, nil)
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
			c := &collect{}
			err = (Reader{}).Read(context.Background(), path, in, c)
			runtime.ReadMemStats(&after)
			t.Logf("read in %v: %v; heap grew by %d MiB, %d MiB allocated", time.Since(start).Round(time.Millisecond), err,
				(int64(after.HeapSys)-int64(before.HeapSys))>>20, (after.TotalAlloc-before.TotalAlloc)>>20)
			if tt.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				if len(c.samples) != 282 || c.snap.Meta["strings_shortened"] == "" {
					t.Errorf("%d samples, Meta %v: want the profile's 282, one string shortened", len(c.samples), c.snap.Meta)
				}
				if n, err := in.Read(make([]byte, 1)); n != 0 || err != io.EOF {
					t.Errorf("after Read, the input has more: %d bytes, %v", n, err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("got %v, want %q", err, tt.err)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
				t.Errorf("Read allocated %d MiB", grew>>20)
			}
			if grew := int64(after.HeapSys) - int64(before.HeapSys); grew > 64<<20 {
				t.Errorf("the heap grew by %d MiB", grew>>20)
			}
		})
	}
}

// TestGzipInside reads a committed sample as its bytes on disk, gzip and all, as a file
// gzip'd twice would reach the reader: it is decompressed as a stream; cut short, the error
// says that its offset is in the profile inside.
func TestGzipInside(t *testing.T) {
	gz, err := os.ReadFile("../../../testdata/go/heap4.pb.gz")
	if err != nil {
		t.Fatal(err)
	}
	c, err := read("x.pb.gz", gz)
	if err != nil || len(c.samples) != 282 {
		t.Fatalf("got %d samples, %v; want 282", len(c.samples), err)
	}
	_, err = read("x.pb.gz", gz[:len(gz)/2])
	var fe *heap.FormatError
	if !errors.As(err, &fe) || !strings.HasPrefix(fe.Record, "gzip'd profile inside the file: ") || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("cut in half: got %v, want a FormatError in the profile inside saying it looks truncated", err)
	}
}
