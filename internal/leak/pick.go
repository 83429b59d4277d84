package leak

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/memsee/memsee/internal/store"
)

// InTimeOrder sorts snapshots by the time they were taken, and by load order where the times
// are equal. Process refuses to order by it where it would guess (see Ordered).
func InTimeOrder(snaps []store.Snapshot) {
	sort.SliceStable(snaps, func(i, j int) bool {
		if !snaps[i].TakenAt.Equal(snaps[j].TakenAt) {
			return snaps[i].TakenAt.Before(snaps[j].TakenAt)
		}
		return snaps[i].ID < snaps[j].ID
	})
}

// An OrderError says that the snapshots of a process cannot be put in time order without
// guessing, and asks for them by name in order.
type OrderError struct {
	Snapshots []store.Snapshot // in load order
	Why       string           // why their times do not order them
}

func (e *OrderError) Error() string {
	refs := make([]string, len(e.Snapshots))
	for i, s := range e.Snapshots {
		refs[i] = fmt.Sprint(s.ID)
	}
	return fmt.Sprintf("snapshots %s (%s): %s; name them in the order they were taken: memsee leaks %s",
		ids(e.Snapshots), e.Snapshots[0].Format, e.Why, strings.Join(refs, " "))
}

// Ordered returns snapshots of one process in time order, or an *OrderError where that order
// would be luck: two snapshots with the same time, or, when some time is only a file's
// modification time (which a copy without -p or a fresh clone sets), an order by those times
// that is not the order the files were loaded in. Times recorded when the dumps were taken (in
// the dump, its name, its gzip header) order snapshots whatever order they were loaded in.
func Ordered(snaps []store.Snapshot) ([]store.Snapshot, error) {
	loaded := append([]store.Snapshot(nil), snaps...)
	sort.SliceStable(loaded, func(i, j int) bool { return loaded[i].ID < loaded[j].ID })
	timed := append([]store.Snapshot(nil), loaded...)
	InTimeOrder(timed)
	recorded := true
	for _, s := range timed {
		recorded = recorded && s.TimeRecorded()
	}
	for i := 1; i < len(timed); i++ {
		if at := timed[i].TakenAt; at.Equal(timed[i-1].TakenAt) {
			var same []string
			for _, s := range timed {
				if s.TakenAt.Equal(at) {
					same = append(same, s.Label)
				}
			}
			when := at.UTC().Format("2006-01-02 15:04:05 UTC")
			why := fmt.Sprintf("%s record the same time (%s)", strings.Join(same, ", "), when)
			if !timed[i].TimeRecorded() || !timed[i-1].TimeRecorded() {
				why = fmt.Sprintf("%s no time, and the files of %s have the same modification time (%s)",
					unrecorded(timed), strings.Join(same, ", "), when)
			}
			return nil, &OrderError{Snapshots: loaded, Why: why}
		}
	}
	if !recorded {
		for i := range timed {
			if timed[i].ID != loaded[i].ID {
				return nil, &OrderError{Snapshots: loaded, Why: fmt.Sprintf(
					"%s no time, and their files' modification times disagree with the order they were loaded in (%s's is older than %s's)",
					unrecorded(timed), timed[i].Label, loaded[i].Label)}
			}
		}
	}
	return timed, nil
}

// unrecorded says which snapshots have no recorded time: "they record", or "shop4 records".
func unrecorded(snaps []store.Snapshot) string {
	var labels []string
	for _, s := range snaps {
		if !s.TimeRecorded() {
			labels = append(labels, s.Label)
		}
	}
	switch {
	case len(labels) == len(snaps):
		return "they record"
	case len(labels) == 1:
		return labels[0] + " records"
	}
	return strings.Join(labels, ", ") + " record"
}

// Times returns the times of snapshots in order, for rates per hour: their recorded times, or
// all zero (no rate) when one of them has only its file's modification time.
func Times(snaps []store.Snapshot) []time.Time {
	times := make([]time.Time, len(snaps))
	for i, s := range snaps {
		if !s.TimeRecorded() {
			return make([]time.Time, len(snaps))
		}
		times[i] = s.TakenAt
	}
	return times
}

// Process picks the snapshots of one process from all those in a database, in time order:
// those of the named series, or, when series is "", the only process the database holds. A
// process is a series of one kind of snapshot (heap profiles, or dumps of one format).
func Process(all []store.Snapshot, series string, named bool) ([]store.Snapshot, error) {
	type group struct {
		series, format string
		snaps          []store.Snapshot
	}
	var groups []*group
	for _, s := range all {
		if named && s.Series != series {
			continue
		}
		var g *group
		for _, h := range groups {
			if h.series == s.Series && h.format == s.Format {
				g = h
			}
		}
		if g == nil {
			g = &group{series: s.Series, format: s.Format}
			groups = append(groups, g)
		}
		g.snaps = append(g.snaps, s)
	}
	switch {
	case len(groups) == 1:
		return Ordered(groups[0].snaps)
	case len(groups) == 0 && named:
		return nil, fmt.Errorf("%w: no snapshots in series %q (series here: %s)", store.ErrNoSnapshot, series, seriesNames(all))
	case len(groups) == 0:
		return nil, fmt.Errorf("%w: the database holds no snapshots yet", store.ErrNoSnapshot)
	}
	var parts []string
	for _, g := range groups {
		name := g.format
		if g.series != "" {
			name = fmt.Sprintf("series %q, %s", g.series, g.format)
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", ids(g.snaps), name))
	}
	return nil, fmt.Errorf("the snapshots here are of %d processes: %s; name the snapshots of one, in time order, or load each process with --series NAME and pass --series NAME",
		len(groups), strings.Join(parts, "; "))
}

func seriesNames(all []store.Snapshot) string {
	seen := map[string]bool{}
	var names []string
	for _, s := range all {
		if !seen[s.Series] {
			seen[s.Series] = true
			n := fmt.Sprintf("%q", s.Series)
			if s.Series == "" {
				n = "none"
			}
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

// ids lists snapshot ids briefly: 1-4, or 1 3 7.
func ids(snaps []store.Snapshot) string {
	run := true
	for i := 1; i < len(snaps); i++ {
		run = run && snaps[i].ID == snaps[i-1].ID+1
	}
	if run && len(snaps) > 2 {
		return fmt.Sprintf("%d-%d", snaps[0].ID, snaps[len(snaps)-1].ID)
	}
	var s []string
	for _, x := range snaps {
		s = append(s, fmt.Sprint(x.ID))
	}
	return strings.Join(s, " ")
}
