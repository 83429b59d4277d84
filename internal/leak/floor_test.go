package leak_test

import (
	"testing"

	"github.com/memsee/memsee/internal/leak"
	"github.com/memsee/memsee/internal/loader"
)

// The holdings a load keeps serve leaks as it is usually run: the floor leaks sums above (1/64
// of its least growth, worked out from the largest snapshot) is never under the floor the
// load kept from, for any size of snapshot, so leaks reads the kept rows and not the pages.
func TestKeptHoldingsServeLeaks(t *testing.T) {
	for _, bytes := range []int64{0, 1, 1 << 10, 64 << 10, 6_400_000, 6_400_063, 100 << 20, 671 << 20, 7 << 30, 1 << 40} {
		minBytes := leak.MinBytesFor(bytes) // with no --min-bytes, when this snapshot is the largest
		if kept := loader.HoldingsFloor(bytes); minBytes/64 < kept {
			t.Errorf("a snapshot of %d bytes: leaks sums above %d, the load kept from %d", bytes, minBytes/64, kept)
		}
	}
}
