package leak

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/memsee/memsee/internal/store"
)

// timed is snapshot id, labelled s<id>, of format meliae, taken at minute min, the time
// coming from.
func timed(id int64, min int, from string) store.Snapshot {
	return store.Snapshot{ID: id, Label: "s" + string(rune('0'+id)), Format: "meliae",
		TakenAt: time.Date(2026, 11, 29, 18, min, 0, 0, time.UTC), TakenFrom: from}
}

// TestOrdered: recorded times order snapshots whatever order they were loaded in; a file's
// modification time orders nothing, and is only let stand where it agrees with the load order
// and no two are equal; equal times never order.
func TestOrdered(t *testing.T) {
	const (
		dump, name, gz, mtime = store.TakenFromDump, store.TakenFromName, store.TakenFromGzip, store.TakenFromMtime
		tail                  = "; name them in the order they were taken: memsee leaks 1 2 3"
	)
	tests := []struct {
		name    string
		snaps   []store.Snapshot // in load order
		want    []int64
		wantErr string
	}{
		{"names, loaded in order", []store.Snapshot{timed(1, 0, name), timed(2, 1, name), timed(3, 2, name)}, []int64{1, 2, 3}, ""},
		{"names, loaded in reverse", []store.Snapshot{timed(1, 2, name), timed(2, 1, name), timed(3, 0, name)}, []int64{3, 2, 1}, ""},
		{"gzip headers, loaded shuffled", []store.Snapshot{timed(1, 1, gz), timed(2, 2, gz), timed(3, 0, gz)}, []int64{3, 1, 2}, ""},
		{"recorded, of three kinds", []store.Snapshot{timed(1, 2, dump), timed(2, 0, name), timed(3, 1, gz)}, []int64{2, 3, 1}, ""},
		{"mtimes agreeing with the load order", []store.Snapshot{timed(1, 0, mtime), timed(2, 1, mtime), timed(3, 2, mtime)}, []int64{1, 2, 3}, ""},
		{"mtimes in reverse (copied without -p)", []store.Snapshot{timed(1, 2, mtime), timed(2, 1, mtime), timed(3, 0, mtime)}, nil,
			"snapshots 1-3 (meliae): they record no time, and their files' modification times disagree with the order they were loaded in (s3's is older than s1's)" + tail},
		{"one mtime (a fresh clone)", []store.Snapshot{timed(1, 5, mtime), timed(2, 5, mtime), timed(3, 5, mtime)}, nil,
			"snapshots 1-3 (meliae): they record no time, and the files of s1, s2, s3 have the same modification time (2026-11-29 18:05:00 UTC)" + tail},
		{"two mtimes equal", []store.Snapshot{timed(1, 0, mtime), timed(2, 3, mtime), timed(3, 3, mtime)}, nil,
			"snapshots 1-3 (meliae): they record no time, and the files of s2, s3 have the same modification time (2026-11-29 18:03:00 UTC)" + tail},
		{"one mtime among names, out of order", []store.Snapshot{timed(1, 1, name), timed(2, 2, name), timed(3, 0, mtime)}, nil,
			"snapshots 1-3 (meliae): s3 records no time, and their files' modification times disagree with the order they were loaded in (s3's is older than s1's)" + tail},
		{"one mtime among names, in order", []store.Snapshot{timed(1, 0, name), timed(2, 1, name), timed(3, 2, mtime)}, []int64{1, 2, 3}, ""},
		{"names, two the same second", []store.Snapshot{timed(1, 0, name), timed(2, 0, name), timed(3, 1, name)}, nil,
			"snapshots 1-3 (meliae): s1, s2 record the same time (2026-11-29 18:00:00 UTC)" + tail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Ordered(tt.snaps)
			if tt.wantErr != "" {
				var oe *OrderError
				if err == nil || err.Error() != tt.wantErr || !errors.As(err, &oe) {
					t.Errorf("Ordered(%s): got error %v, want %q", tt.name, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Ordered(%s): got error %v, want %v", tt.name, err, tt.want)
			}
			if ids := snapIDs(got); !reflect.DeepEqual(ids, tt.want) {
				t.Errorf("Ordered(%s): got %v, want %v", tt.name, ids, tt.want)
			}
		})
	}
}

// TestTimes: rates per hour come only from recorded times.
func TestTimes(t *testing.T) {
	tests := []struct {
		name  string
		snaps []store.Snapshot
		span  time.Duration
	}{
		{"names", []store.Snapshot{timed(1, 0, store.TakenFromName), timed(2, 3, store.TakenFromName)}, 3 * time.Minute},
		{"gzip and dump", []store.Snapshot{timed(1, 0, store.TakenFromGzip), timed(2, 3, store.TakenFromDump)}, 3 * time.Minute},
		{"mtimes", []store.Snapshot{timed(1, 0, store.TakenFromMtime), timed(2, 3, store.TakenFromMtime)}, 0},
		{"one mtime", []store.Snapshot{timed(1, 0, store.TakenFromName), timed(2, 3, store.TakenFromMtime)}, 0},
	}
	for _, tt := range tests {
		times := Times(tt.snaps)
		if got := times[len(times)-1].Sub(times[0]); got != tt.span {
			t.Errorf("Times(%s): span %v, want %v", tt.name, got, tt.span)
		}
	}
}
