package godump

import (
	"time"

	"github.com/memsee/memsee/internal/heap"
)

// NameTime reads the time from the name memsee's Go dumper gives a dump (writeHeapDump in
// dumper.go.txt): heap-<pid>-<UTC stamp>-<n>.dump, as heap-4242-20261129T184512.345Z-3.dump,
// or that name gzip'd (.dump.gz). The stamp is UTC (heap.StampLayout, or the same to the
// second), so loc is not needed. runtime/debug.WriteHeapDump writes to a descriptor and names
// nothing.
func (Reader) NameTime(base string, _ *time.Location) (time.Time, bool) {
	return heap.DumperNameTime(base, ".dump")
}
