package leak

import (
	"context"
	"fmt"

	"github.com/memsee/memsee/internal/store"
)

// DefaultMinBytes is the least growth reported unless told otherwise, also when 1% of the heap
// is less: below it, one-off startup growth and noise.
const DefaultMinBytes = 64 << 10

// Query says which snapshots Leaks follows and what growth it reports.
type Query struct {
	Refs      []string // snapshots named, taken in the order given; none: those of one process
	Series    string   // with SeriesSet: the snapshots loaded with this series name
	SeriesSet bool
	MinBytes  int64                        // 0: 1% of the largest snapshot, at least DefaultMinBytes
	MinGrowth float64                      // in percent of what a key held at the start (10 = 10%)
	Limit     int64                        // the process's memory limit, for the time to reach it; 0: none
	Progress  func(i, n int, label string) // see Options.Progress
}

// Result is what Leaks found.
type Result struct {
	Query     Query            // as asked, with MinBytes worked out
	Snapshots []store.Snapshot // followed, in order
	Findings  []Finding        // all of them, incremental first (see Classify)
}

// MinBytesFor is the least growth leaks reports unless told otherwise, when the largest of
// its snapshots holds largest bytes: 1% of it, at least DefaultMinBytes.
func MinBytesFor(largest int64) int64 { return max(DefaultMinBytes, largest/100) }

// Leaks picks the snapshots q names, or those of one process in time order, and finds the
// growth along them (Find).
func Leaks(ctx context.Context, db *store.DB, q Query) (*Result, error) {
	snaps, err := pickSnapshots(ctx, db, q)
	if err != nil {
		return nil, err
	}
	if q.MinBytes == 0 {
		var largest int64
		for _, s := range snaps {
			largest = max(largest, s.Bytes)
		}
		q.MinBytes = MinBytesFor(largest)
	}
	fs, err := Find(ctx, db, snaps, Options{MinBytes: q.MinBytes, MinGrowth: q.MinGrowth / 100, Progress: q.Progress})
	if err != nil {
		return nil, err
	}
	return &Result{Query: q, Snapshots: snaps, Findings: fs}, nil
}

// pickSnapshots picks the snapshots Leaks follows: those named, in the order given, or those
// of one process, in time order.
func pickSnapshots(ctx context.Context, db *store.DB, q Query) ([]store.Snapshot, error) {
	all, err := db.Snapshots(ctx)
	if err != nil {
		return nil, err
	}
	var snaps []store.Snapshot
	if len(q.Refs) > 0 {
		for _, ref := range q.Refs {
			s, err := db.Resolve(ctx, ref)
			if err != nil {
				return nil, err
			}
			snaps = append(snaps, s)
		}
	} else if snaps, err = Process(all, q.Series, q.SeriesSet); err != nil {
		return nil, err
	}
	if len(snaps) < 2 {
		return nil, fmt.Errorf("leaks needs two snapshots of one process or more (three to tell static from incremental); %s has %d",
			db.Path(), len(snaps))
	}
	return snaps, nil
}
