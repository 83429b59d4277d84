package loader

import (
	"testing"
	"time"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/godump"
	"github.com/memsee/memsee/internal/heap/meliae"
	"github.com/memsee/memsee/internal/heap/pprof"
	"github.com/memsee/memsee/internal/heap/v8"
	"github.com/memsee/memsee/internal/store"
)

// TestTakenAt ranks the sources of a snapshot's time: the dump's own, then its name (as the
// format's dumpers write names), then its gzip header, then the file's modification time; a
// file memsee fetched from the running process has the fetch's time after the dump's own.
// The names are real ones (see each format's TestNameTime).
func TestTakenAt(t *testing.T) {
	at := func(h, m, s int) time.Time { return time.Date(2026, 11, 29, h, m, s, 0, time.UTC) }
	dump, named, gz, mtime := at(18, 0, 0), at(23, 16, 4).Add(816*time.Millisecond), at(22, 40, 22), at(23, 59, 59)
	fetched := at(23, 30, 0)
	kolkata := time.FixedZone("IST", 5*3600+1800)
	tests := []struct {
		name     string
		header   time.Time
		format   heap.Format
		file     string
		fetched  time.Time
		gzip     time.Time
		loc      *time.Location
		want     time.Time
		wantFrom string
	}{
		{"the dump's own time first", dump, pprof.Format, "heap1.pb.gz", time.Time{}, gz, time.UTC, dump, store.TakenFromDump},
		{"a fetch has the dump's own time", dump, pprof.Format, "memsee-capture-1-heap.gz", fetched, gz, time.UTC, dump, store.TakenFromDump},
		{"then the fetch's", time.Time{}, v8.Format, "Heap.20261130.040911.17842.0.001.heapsnapshot", fetched, gz, time.UTC, fetched, store.TakenFromFetch},
		{"then the name", time.Time{}, meliae.Format, "dumps/heap-4791-20261129T231604.816Z-2.json.gz", time.Time{}, gz, time.UTC, named, store.TakenFromName},
		{"a name, not gzip'd", time.Time{}, meliae.Format, "heap-4791-20261129T231604.816Z-2.json", time.Time{}, time.Time{}, time.UTC, named, store.TakenFromName},
		{"a Go dumper's name", time.Time{}, godump.Format, "heap-4869-20261129T231606.016Z-2.dump", time.Time{}, time.Time{}, time.UTC, at(23, 16, 6).Add(16 * time.Millisecond), store.TakenFromName},
		{"Node's name, local time", time.Time{}, v8.Format, "Heap.20261130.040911.17842.0.001.heapsnapshot", time.Time{}, time.Time{}, kolkata, at(22, 39, 11), store.TakenFromName},
		{"then the gzip header", time.Time{}, meliae.Format, "shop1.json.gz", time.Time{}, gz, time.UTC, gz, store.TakenFromGzip},
		{"another format's name is no name", time.Time{}, v8.Format, "heap-1658-20261129T224152Z-1.json.gz", time.Time{}, gz, time.UTC, gz, store.TakenFromGzip},
		{"else the modification time", time.Time{}, v8.Format, "heap1.heapsnapshot.gz", time.Time{}, time.Time{}, time.UTC, mtime, store.TakenFromMtime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &heap.Input{Name: tt.file, GzipTime: tt.gzip, ModTime: mtime}
			got, from := takenAt(heap.Snapshot{TakenAt: tt.header}, tt.format, in, tt.fetched, tt.loc)
			if !got.Equal(tt.want) || from != tt.wantFrom {
				t.Errorf("takenAt(%s): got %v from %s, want %v from %s", tt.name, got, from, tt.want, tt.wantFrom)
			}
		})
	}
}
