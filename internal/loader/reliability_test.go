package loader

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/heaptest"
)

// The reliability suite: every committed sample, damaged as disks, networks and people damage
// files, must be refused with a positioned error, or read whole, never read short. Each test
// is one area of `make reliability`'s table; each subtest one case.

// countSink counts what a reader hands over.
type countSink struct {
	objects, samples, roots int
}

func (c *countSink) Begin(heap.Snapshot) error   { return nil }
func (c *countSink) Sample(*heap.Sample) error   { c.samples++; return nil }
func (c *countSink) Object(o *heap.Object) error { c.objects++; return nil }
func (c *countSink) Root(heap.Root) error        { c.roots++; return nil }

// readFile reads path as `memsee load` does (detect, read, check the end) into a countSink.
func readFile(t testing.TB, path string) (*countSink, error) {
	t.Helper()
	in, err := heap.Open(path)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	r, err := pick(in, "")
	if err != nil {
		return nil, err
	}
	c := &countSink{}
	if err := r.Read(context.Background(), path, in, c); err != nil {
		if gz := in.GzipErr(); gz != nil {
			return c, gz
		}
		return c, err
	}
	return c, in.ExpectEnd()
}

// samples returns the committed dumps and profiles, by format directory.
func samples(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, dir := range []string{"go", "python", "node", "java", "godump"} {
		files, err := filepath.Glob(filepath.Join("..", "..", "testdata", dir, "*.gz"))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, files...)
	}
	if len(out) < 30 {
		t.Fatalf("found %d samples under testdata; want every committed one", len(out))
	}
	return out
}

// refused checks that err is a bad-input error that names the file and an offset.
func refused(t *testing.T, err error, path string) {
	t.Helper()
	var fe *heap.FormatError
	switch {
	case err == nil:
		t.Errorf("%s loaded with no error", filepath.Base(path))
	case !errors.As(err, &fe):
		t.Errorf("%s: error is not a positioned FormatError: %v", filepath.Base(path), err)
	case !strings.Contains(err.Error(), filepath.Base(path)):
		t.Errorf("error does not name the file: %v", err)
	}
}

func write(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// offsets returns n offsets spread over (0, size), each moved by a seeded random amount so
// that cuts land inside records as well as between them.
func offsets(rng *rand.Rand, size, n int) []int {
	out := make([]int, 0, n)
	for i := 1; i <= n; i++ {
		off := size*i/(n+1) + rng.IntN(max(size/(4*n), 1))
		out = append(out, min(max(off, 1), size-1))
	}
	return out
}

// endMarked says whether a format's plain data ends in a way a reader can check, so that a cut
// at any offset is detectable without gzip. meliae's JSON lines and a pprof protobuf have no
// end: a cut between two lines or two fields is a shorter file of the same format, and only
// gzip's trailer (which every runtime writes for pprof, and memsee's Python dumper for .gz
// names) tells it from the whole.
func endMarked(path string) bool {
	dir := filepath.Base(filepath.Dir(path))
	return dir == "node" || dir == "godump" || dir == "java"
}

// TestReliabilityTruncation cuts every committed sample at seeded random offsets, the file as
// it is and, for the formats whose data marks its end, the data unzipped: each cut must be
// refused with a positioned error. A format has eight or more samples written alike, so the
// cuts of all of them together cover its records at about eighty places.
func TestReliabilityTruncation(t *testing.T) {
	const cuts = 10 // per file
	rng := rand.New(rand.NewPCG(13, 1))
	tmp := t.TempDir()
	for _, path := range samples(t) {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(path)
		for _, off := range offsets(rng, len(raw), cuts) {
			t.Run(fmt.Sprintf("%s/file@%d", name, off), func(t *testing.T) {
				p := write(t, tmp, name, raw[:off])
				_, err := readFile(t, p)
				refused(t, err, p)
			})
		}
		if !endMarked(path) {
			continue
		}
		data := heaptest.Gunzip(t, path)
		plain := strings.TrimSuffix(name, ".gz")
		for _, off := range offsets(rng, len(data), cuts) {
			t.Run(fmt.Sprintf("%s/data@%d", plain, off), func(t *testing.T) {
				p := write(t, tmp, plain, data[:off])
				_, err := readFile(t, p)
				refused(t, err, p)
			})
		}
	}
}

// TestReliabilityBitFlips flips one bit at a time: in the compressed file (the gzip CRC must
// catch every one), and in the plain data of the formats that runtimes write uncompressed
// (Go heap dumps, V8 snapshots, HPROF without -gz, meliae dumps to a plain name). A flip in
// plain data may land in a string or a number and load as another valid dump; what must never
// happen is a panic, or a dump read short (fewer objects than the file holds) without an
// error.
func TestReliabilityBitFlips(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 2))
	tmp := t.TempDir()
	for _, dir := range []string{"go", "python", "node", "java", "godump"} {
		files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", dir, "*1.*.gz"))
		if len(files) == 0 {
			t.Fatalf("no sample in testdata/%s", dir)
		}
		path := files[0]
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(path)
		flips := 25
		if dir == "go" {
			flips = 100 // Go writes heap profiles gzip'd, always: these are all its flips
		}
		for i := 0; i < flips; i++ {
			off := 10 + rng.IntN(len(raw)-18) // past the header, before the trailer: the deflate stream
			bit := byte(1) << rng.IntN(8)
			t.Run(fmt.Sprintf("%s/file@%d^%#x", name, off, bit), func(t *testing.T) {
				b := bytes.Clone(raw)
				b[off] ^= bit
				p := write(t, tmp, name, b)
				_, err := readFile(t, p)
				refused(t, err, p)
			})
		}
		if dir == "go" {
			continue // Go writes heap profiles gzip'd, always
		}
		data := heaptest.Gunzip(t, path)
		whole, err := readFile(t, write(t, tmp, "whole", data))
		if err != nil {
			t.Fatalf("%s as plain data: %v", name, err)
		}
		plain := strings.TrimSuffix(name, ".gz")
		for i := 0; i < 100; i++ {
			off := rng.IntN(len(data))
			bit := byte(1) << rng.IntN(8)
			t.Run(fmt.Sprintf("%s/data@%d^%#x", plain, off, bit), func(t *testing.T) {
				b := bytes.Clone(data)
				b[off] ^= bit
				p := write(t, tmp, plain, b)
				got, err := readFile(t, p)
				var fe *heap.FormatError
				switch {
				case err != nil && !errors.As(err, &fe):
					t.Errorf("error is not a positioned FormatError: %v", err)
				case err == nil && got.objects < whole.objects:
					t.Errorf("read %d of the %d objects with no error", got.objects, whole.objects)
				}
			})
		}
	}
}

// TestReliabilityTrailingData checks that nothing after the end of a dump is ignored: a second
// file glued on, or garbage after the compressed stream.
func TestReliabilityTrailingData(t *testing.T) {
	tmp := t.TempDir()
	for _, path := range samples(t) {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(path)
		t.Run(name+"/garbage after the gzip stream", func(t *testing.T) {
			p := write(t, tmp, name, append(bytes.Clone(raw), "garbage\n"...))
			_, err := readFile(t, p)
			refused(t, err, p)
		})
		if !endMarked(path) {
			continue
		}
		t.Run(name+"/a second dump after the first", func(t *testing.T) {
			data := heaptest.Gunzip(t, path)
			p := write(t, tmp, strings.TrimSuffix(name, ".gz"), append(bytes.Clone(data), data...))
			_, err := readFile(t, p)
			refused(t, err, p)
		})
	}
}
