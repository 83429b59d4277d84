package hprof

import (
	"bufio"
	"context"
	"io"
	"os"
	"testing"
)

// bigDump is the large dump testdata/gen/java/Big.java writes (bench/hprof_test.go writes it
// when it is missing); it is not committed.
const bigDump = "../../../bench/.data/hprof-big.hprof"

// BenchmarkRead reads the large dump from disk (from the page cache, after the first run) and
// reports objects/s besides MB/s. Allocations per object should stay at zero: what the reader
// keeps grows with the classes, not the objects.
func BenchmarkRead(b *testing.B) {
	st, err := os.Stat(bigDump)
	if err != nil {
		b.Skipf("no large dump (%v): run testdata/gen/java/Big.java or BenchmarkLoadHPROF in bench/", err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	// The file read once before the timing, into the page cache: the reader is timed, not the
	// disk (a run after make bench-large, which reads 40 GB, found it evicted).
	if f, err := os.Open(bigDump); err == nil {
		_, err = io.Copy(io.Discard, f)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
	var objects int
	for b.Loop() {
		f, err := os.Open(bigDump)
		if err != nil {
			b.Fatal(err)
		}
		s := &countSink{}
		if err := (Reader{}).Read(context.Background(), bigDump, bufio.NewReaderSize(f, 1<<20), s); err != nil {
			b.Fatal(err)
		}
		f.Close()
		objects = s.objects
	}
	b.ReportMetric(float64(objects)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
	b.ReportMetric(float64(objects), "objects")
}
