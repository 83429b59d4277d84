package meliae

import (
	"time"

	"github.com/memsee/memsee/internal/heap"
)

// NameTime reads the time from the name memsee's Python dumper gives a dump
// (dump_to_directory in dumper.py): heap-<pid>-<UTC stamp>-<n>.json.gz, as
// heap-4242-20261129T184512.345Z-3.json.gz, or the same without .gz. The stamp is UTC
// (heap.StampLayout, or the same to the second), so loc is not needed. meliae's own scanner
// names no files.
func (Reader) NameTime(base string, _ *time.Location) (time.Time, bool) {
	return heap.DumperNameTime(base, ".json")
}
