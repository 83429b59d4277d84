package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/leak"
	"github.com/memsee/memsee/internal/store"
)

// LeaksOptions say how much of what leaks found is shown.
type LeaksOptions struct {
	N    int  // the first N findings; 0 for all
	Wide bool // HELD BY as the whole path from a root (tables; JSON and CSV have both)
}

// Leaks writes what `memsee leaks` found: the snapshots followed, the first o.N findings and,
// with a memory limit, when the heap reaches it. JSON and CSV carry the raw numbers of each
// finding and no prose.
func Leaks(w io.Writer, f Format, r *leak.Result, o LeaksOptions) error {
	n := o.N
	snaps, q := r.Snapshots, r.Query
	first, last := snaps[0], snaps[len(snaps)-1]
	times := leak.Times(snaps) // zero unless every time was recorded: no span, no rate
	hours := times[len(times)-1].Sub(times[0]).Hours()
	fs := r.Findings
	if n > 0 && len(fs) > n {
		fs = fs[:n]
	}
	// A heap profile has no holders, only the stacks that allocated: a table shows who called
	// the allocating function (WHAT), JSON and CSV the whole stack in held_by.
	profile := first.Kind == heap.KindProfile
	heldBy := "HELD BY"
	if profile && f.Shortens() {
		heldBy = "CALLED FROM"
	}
	t := &Table{Columns: []Column{
		{Title: "KIND", Key: "kind", Style: kindStyle},
		{Title: "WHAT", Key: "what"},
		{Title: heldBy, Key: "held_by"},
		{Key: "path", JSONOnly: true},
		{Title: "GROWTH", Key: "growth_text", TableOnly: true, Clauses: true},
		{Key: "growth_bytes", Unit: UnitDeltaBytes, JSONOnly: true},
		{Key: "growth_objects", Unit: UnitDeltaCount, JSONOnly: true},
		{Key: "bytes_per_snapshot", Unit: UnitDeltaBytes, JSONOnly: true},
		{Key: "objects_per_snapshot", Unit: UnitDeltaCount, JSONOnly: true},
		{Key: "bytes_per_hour", JSONOnly: true},
		{Key: "step_snapshot", Unit: UnitInt, JSONOnly: true},
		{Key: "hours_to_limit", JSONOnly: true},
		{Key: "snapshots", JSONOnly: true},
		{Key: "bytes", JSONOnly: true},
		{Key: "objects", JSONOnly: true},
		{Key: "note", JSONOnly: true},
	}}
	var toLimitTexts []string // when each incremental leak alone takes the heap to the limit
	ids := make([]int64, len(snaps))
	for i, s := range snaps {
		ids[i] = s.ID
	}
	var rate float64 // bytes per hour, of all incremental leaks together
	for _, x := range fs {
		holder := x.Holder
		if profile && f.Shortens() {
			holder = callers(x.Holder, x.What)
		}
		if o.Wide && x.Path != "" && (f == FormatTable || f == FormatMarkdown) {
			holder = x.Path
		} else if shortens(w, f) {
			holder = shortHolder(holder)
		}
		var stepSnap, perSnapBytes, perSnapObjects, perHour, toLimit any
		toLimitText := ""
		if x.Step > 0 {
			stepSnap = snaps[x.Step].ID
		}
		growth := growthText(x, snaps)
		if x.Kind == leak.Incremental {
			perSnapBytes, perSnapObjects = x.PerSnapshot.Bytes, x.PerSnapshot.Count
			if x.BytesPerHour > 0 {
				perHour = x.BytesPerHour
			}
			rate += x.BytesPerHour
			if h, ok := leak.HoursTo(q.Limit, last.Bytes, x.BytesPerHour); ok && q.Limit > 0 {
				toLimit = h
				toLimitText = "~" + Duration(h)
			}
		}
		bytes, objects := make([]int64, len(x.Points)), make([]int64, len(x.Points))
		for i, p := range x.Points {
			bytes[i], objects[i] = p.Bytes, p.Count
		}
		row := []any{string(x.Kind), x.What, holder, nullIfEmpty(x.Path), growth, x.Growth.Bytes, x.Growth.Count,
			perSnapBytes, perSnapObjects, perHour, stepSnap, toLimit, ids, bytes, objects, x.Note}
		t.Rows = append(t.Rows, row)
		toLimitTexts = append(toLimitTexts, toLimitText)
	}
	if f != FormatTable && f != FormatMarkdown {
		return Render(w, f, t)
	}
	if slices.ContainsFunc(toLimitTexts, func(s string) bool { return s != "" }) {
		// A column of its own, that no cut of the growth takes away.
		t.Columns = append(t.Columns, Column{Title: "TO " + Bytes(q.Limit), Key: "to_limit", TableOnly: true})
		for i := range t.Rows {
			t.Rows[i] = append(t.Rows[i], toLimitTexts[i])
		}
	}
	span := ""
	if hours*3600 >= 1 {
		span = fmt.Sprintf(" over %s", Duration(hours))
	}
	fmt.Fprintf(wrapped(w, f), "%d %s (%s … %s)%s: %s -> %s in use\n",
		len(snaps), prose(f, processName(first)), prose(f, first.Label), prose(f, last.Label), span,
		Bytes(first.Bytes), Bytes(last.Bytes))
	if len(q.Refs) == 0 && times[0].IsZero() {
		fmt.Fprintln(wrapped(w, f), "in the order they were loaded in, which their files' modification times agree with (the dumps record no time: no rate per hour); name the snapshots to set the order")
	}
	if len(fs) == 0 {
		fmt.Fprintf(wrapped(w, f), "no leaks: nothing grew by %s and %s or more without giving it back\n",
			Bytes(q.MinBytes), Percent(q.MinGrowth))
		return nil
	}
	fmt.Fprintln(w)
	if err := Render(w, f, t); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if all := len(r.Findings); all > len(fs) {
		fmt.Fprintf(wrapped(w, f), "%d more below; -n 0 lists all\n", all-len(fs))
	}
	if len(snaps) == 2 {
		fmt.Fprintln(wrapped(w, f), "two snapshots show growth but not its kind: load a third, taken later, to tell static from incremental")
	}
	if q.Limit > 0 && rate == 0 && fs[0].Kind == leak.Incremental {
		fmt.Fprintf(wrapped(w, f), "no time to %s: the snapshots' times give no rate per hour (they span less than a second)\n", Bytes(q.Limit))
	}
	if q.Limit > 0 && rate > 0 {
		if h, ok := leak.HoursTo(q.Limit, last.Bytes, rate); ok {
			fmt.Fprintf(wrapped(w, f), "at the incremental leaks' rate (%s/h) the heap reaches %s in ~%s\n",
				SignedBytes(int64(rate)), Bytes(q.Limit), Duration(h))
		} else {
			fmt.Fprintf(wrapped(w, f), "the heap is already past %s\n", Bytes(q.Limit))
		}
	}
	return nil
}

func processName(s store.Snapshot) string {
	what := s.Format + " heap profiles"
	if s.Kind == heap.KindGraph {
		what = s.Format + " object dumps"
	}
	if s.Series != "" {
		what += " of series " + Clean(s.Series)
	}
	return what
}

// growthText says how a key grew, for a table: +4,000 obj/snap, +375 KiB/snap (~1.2 GiB/h).
func growthText(f leak.Finding, snaps []store.Snapshot) string {
	switch f.Kind {
	case leak.Incremental:
		// The bytes first, then the rate, then the objects: a table too narrow cuts the end.
		s := SignedBytes(f.PerSnapshot.Bytes) + "/snap"
		if f.BytesPerHour > 0 {
			s += fmt.Sprintf(", ~%s/h", Bytes(int64(f.BytesPerHour)))
		}
		s += fmt.Sprintf(", %s obj/snap", SignedCount(f.PerSnapshot.Count))
		if steps := len(f.Points) - 1; f.Steps < steps {
			s += fmt.Sprintf(", in %d of %d steps", f.Steps, steps)
		}
		return s
	case leak.Static:
		return fmt.Sprintf("%s once, at %s", SignedBytes(f.Growth.Bytes), Clean(snaps[f.Step].Label))
	}
	s := fmt.Sprintf("%s (%s objects) by %s", SignedBytes(f.Growth.Bytes), SignedCount(f.Growth.Count),
		Clean(snaps[f.Step].Label))
	if len(snaps) > 2 { // with two, the line under the table says it once
		s += "; " + f.Note
	}
	return s
}

// callers is a stack without its first frame when that is what (the allocating function), or
// "-" when nothing called it that the profile saw.
func callers(stack, what string) string {
	if rest, ok := strings.CutPrefix(stack, what+stackSep); ok {
		return rest
	}
	if stack == what {
		return "-"
	}
	return stack
}

// nullIfEmpty is nil for "", which JSON writes as null.
func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
