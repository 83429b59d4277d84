// Package heaptest holds what the tests of the readers and of the commands share.
package heaptest

import (
	"compress/gzip"
	"io"
	"os"
	"testing"
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
