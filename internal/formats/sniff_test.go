package formats

import (
	"path/filepath"
	"testing"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/heaptest"
)

// TestSniffClaimsOnlyItsOwn reads the first 4 KiB of a real sample of each format, as the
// loader hands them to Sniff, and checks that exactly one registered format claims it: its
// own. A new format's Sniff must not take another's files, nor be shadowed by one tried
// before it.
func TestSniffClaimsOnlyItsOwn(t *testing.T) {
	tests := []struct {
		file string
		want heap.Format
	}{
		{"go/heap1.pb.gz", "pprof"},
		{"python/shop1.json.gz", "meliae"},
		{"node/heap1.heapsnapshot.gz", "v8"},
		{"java/heap1.hprof.gz", "hprof"},
		{"godump/heap1.dump.gz", "godump"},
		{"ruby/rubyshop1.json.gz", "ruby"},
		{"zoo/ruby/leak1.json.gz", "ruby"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			head := firstBytes(t, filepath.Join("..", "..", "testdata", tt.file), 4096)
			var claimed []heap.Format
			for _, h := range heap.Handlers() {
				if h.Sniff(head) {
					claimed = append(claimed, h.Format())
				}
			}
			if len(claimed) != 1 || claimed[0] != tt.want {
				t.Errorf("Sniff(%s): claimed by %v, want only %s", tt.file, claimed, tt.want)
			}
		})
	}
}

// firstBytes returns the first n bytes of the gzip'd file at path, decompressed.
func firstBytes(t *testing.T, path string, n int) []byte {
	t.Helper()
	b := heaptest.Gunzip(t, path)
	return b[:min(n, len(b))]
}
