// Package heaptest holds what the tests of the readers and of the commands share.
package heaptest

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"runtime"
	"testing"
	"time"

	kgzip "github.com/klauspost/compress/gzip"
)

// Gunzip returns the decompressed contents of the gzip'd file at path, every member of it.
func Gunzip(tb testing.TB, path string) []byte {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return b
}

// Repeat writes n bytes to w, chunk after chunk (the last one cut), without ever holding n
// bytes: how the tests write a record of gigabytes into a gzip stream.
func Repeat(w io.Writer, chunk []byte, n int64) {
	for n > 0 {
		k := min(n, int64(len(chunk)))
		w.Write(chunk[:k])
		n -= k
	}
}

// Measure runs f and returns the bytes it allocated and the peak growth of the live heap,
// sampled every few milliseconds.
func Measure(f func()) (alloc, peak uint64) {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	done := make(chan struct{})
	sampled := make(chan uint64)
	go func() {
		var m runtime.MemStats
		top := uint64(0)
		for {
			runtime.ReadMemStats(&m)
			top = max(top, m.HeapAlloc)
			select {
			case <-done:
				sampled <- top
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	f()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	close(done)
	top := max(<-sampled, after.HeapAlloc)
	if top > before.HeapAlloc {
		peak = top - before.HeapAlloc
	}
	return after.TotalAlloc - before.TotalAlloc, peak
}

// GzipBomb writes to path a gzip (best speed, compressed as it is written) of head, then n
// bytes of pattern repeated, then tail: a file of a few MB that inflates to gigabytes without
// the test ever holding them. It returns path.
func GzipBomb(tb testing.TB, path string, head, pattern []byte, n int64, tail []byte) string {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zw, err := kgzip.NewWriterLevel(f, kgzip.BestSpeed)
	if err != nil {
		tb.Fatal(err)
	}
	zw.Write(head)
	Repeat(zw, bytes.Repeat(pattern, max((1<<20)/len(pattern), 1)), n)
	zw.Write(tail)
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// Splice returns a copy of data with insert at offset at.
func Splice(data []byte, at int, insert []byte) []byte {
	out := append([]byte(nil), data[:at]...)
	out = append(out, insert...)
	return append(out, data[at:]...)
}

// BombSize is how big the giant record of a reader's bomb test is: 2 GiB with MEMSEE_BOMB=full,
// else 512 MiB (both far past any cap a reader keeps; the full one takes seconds a case).
func BombSize() int64 {
	if os.Getenv("MEMSEE_BOMB") == "full" {
		return 2 << 30
	}
	return 512 << 20
}
