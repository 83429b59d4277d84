package leak

import (
	"fmt"
	"sort"
	"strings"

	"github.com/memsee/memsee/internal/store"
)

// InTimeOrder sorts snapshots by the time they were taken (from the dump where it records one,
// else the file's modification time), and by load order where the times are equal.
func InTimeOrder(snaps []store.Snapshot) {
	sort.SliceStable(snaps, func(i, j int) bool {
		if !snaps[i].TakenAt.Equal(snaps[j].TakenAt) {
			return snaps[i].TakenAt.Before(snaps[j].TakenAt)
		}
		return snaps[i].ID < snaps[j].ID
	})
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
		InTimeOrder(groups[0].snaps)
		return groups[0].snaps, nil
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
