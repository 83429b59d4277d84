package heap

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestInputReadsAndHashes reads files around the read-ahead block size through Input and
// checks the bytes, the count and the sha256 against the file's.
func TestInputReadsAndHashes(t *testing.T) {
	tests := []struct {
		name string
		size int
	}{
		{"one byte", 1},
		{"one block", rawBlockSize},
		{"one block and a byte", rawBlockSize + 1},
		{"more blocks than read ahead", (rawAhead+2)*rawBlockSize + 12345},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := make([]byte, tt.size)
			r := rand.New(rand.NewPCG(uint64(tt.size), 1))
			for i := range data {
				data[i] = 'a' + byte(r.IntN(26)) // not gzip's magic
			}
			path := filepath.Join(t.TempDir(), "dump")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			in, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			half, err := io.ReadAll(io.LimitReader(in, int64(tt.size/2)))
			if err != nil {
				t.Fatal(err)
			}
			sum, err := in.Finish()
			if err != nil {
				t.Fatal(err)
			}
			want := sha256.Sum256(data)
			if sum != hex.EncodeToString(want[:]) {
				t.Errorf("Finish(%s): got sha256 %s, want %x", tt.name, sum, want)
			}
			if !bytes.Equal(half, data[:tt.size/2]) {
				t.Errorf("Read(%s): the first %d bytes differ from the file's", tt.name, len(half))
			}
			if got := in.RawRead(); got != int64(tt.size) {
				t.Errorf("RawRead(%s): got %d, want %d", tt.name, got, tt.size)
			}
		})
	}
}

// TestInputCloseEarly closes an Input whose reading goroutine is blocked ahead of the caller.
func TestInputCloseEarly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dump")
	if err := os.WriteFile(path, bytes.Repeat([]byte("x"), (rawAhead+3)*rawBlockSize), 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	in.Close() // a second Close must not panic
	select {
	case <-in.raw.done:
	case <-time.After(10 * time.Second):
		t.Error("the reading goroutine did not return after Close")
	}
}
