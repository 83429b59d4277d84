package main

import (
	"context"
	"fmt"
	"github.com/memsee/memsee/internal/heap"
	"sort"

	"github.com/memsee/memsee/internal/analysis"
	"github.com/memsee/memsee/internal/report"
	"github.com/memsee/memsee/internal/store"
)

// topGraph is top for an object dump: types, or holders.
func topGraph(ctx context.Context, o *topOptions, db *store.DB, snap store.Snapshot, by string) error {
	t := &report.Table{}
	caption := ""
	if by == "holder" {
		hs, err := analysis.Holdings(ctx, db, snap.ID, o.N)
		if err != nil {
			return err
		}
		w := analysis.NewWalker(db, snap.ID)
		t.Columns = []report.Column{
			{Title: "HOLDER", Key: "holder"},
			{Key: "holder_address", JSONOnly: true},
			{Title: "HOLDS", Key: "type"},
			{Title: "COUNT", Key: "count", Unit: report.UnitCount},
			{Title: "BYTES", Key: "bytes", Unit: report.UnitBytes},
			{Title: "RETAINED", Key: "retained", Unit: report.UnitBytes},
		}
		for _, h := range hs {
			holder, addr := "(roots: no single holder)", any(nil)
			if h.Holder >= 0 {
				d, err := w.Object(ctx, h.Holder)
				if err != nil {
					return err
				}
				if holder, err = w.Describe(ctx, h.Holder); err != nil {
					return err
				}
				if o.Format != report.FormatJSON {
					holder = analysis.ShortPath(holder, maxPathHops)
				}
				addr = hexAddr(d.Addr)
			}
			t.Rows = append(t.Rows, []any{holder, addr, h.Type, h.Count, h.Bytes, h.Retained})
		}
		caption = fmt.Sprintf("snapshot %d (%s): %s in %s objects; the holders that keep the most alive\n\n",
			snap.ID, report.Clean(snap.Label), report.Bytes(snap.Bytes), report.Count(snap.Objects))
	} else {
		stats, err := db.TypeStats(ctx, snap.ID)
		if err != nil {
			return err
		}
		sort.Slice(stats, func(i, j int) bool {
			if stats[i].Retained != stats[j].Retained {
				return stats[i].Retained > stats[j].Retained
			}
			return stats[i].Type < stats[j].Type
		})
		n := len(stats)
		if o.N > 0 && len(stats) > o.N {
			stats = stats[:o.N]
		}
		t.Columns = []report.Column{
			{Title: "TYPE", Key: "type"},
			{Title: "COUNT", Key: "count", Unit: report.UnitCount},
			{Title: "BYTES", Key: "bytes", Unit: report.UnitBytes},
			{Title: "RETAINED", Key: "retained", Unit: report.UnitBytes},
			{Title: "SHARE", Key: "share", Unit: report.UnitPercent},
		}
		for _, s := range stats {
			share := 0.0
			if snap.Bytes > 0 {
				share = 100 * float64(s.Retained) / float64(snap.Bytes)
			}
			t.Rows = append(t.Rows, []any{s.Type, s.Count, s.Bytes, s.Retained, share})
		}
		caption = fmt.Sprintf("snapshot %d (%s): %s in %s objects; top %d of %d types by retained size\n\n",
			snap.ID, report.Clean(snap.Label), report.Bytes(snap.Bytes), report.Count(snap.Objects), len(stats), n)
	}
	if o.Format == report.FormatTable || o.Format == report.FormatMarkdown {
		fmt.Fprint(o.IO.Out, caption)
	}
	return report.Render(o.IO.Out, o.Format, t)
}

// diffGraph is diff for two object dumps: by type, with new, survived and freed objects.
func diffGraph(ctx context.Context, o *diffOptions, db *store.DB, base, head store.Snapshot) error {
	before, err := db.TypeStats(ctx, base.ID)
	if err != nil {
		return err
	}
	after, err := db.TypeStats(ctx, head.ID)
	if err != nil {
		return err
	}
	// Object identity: only within one process, and only where the format keeps it.
	identity := base.Format == head.Format && heap.IdentityOf(heap.Format(base.Format)) != heap.IdentityNone && !base.TakenAt.After(head.TakenAt)
	var survived map[string]int64
	if identity {
		if survived, err = analysis.Survivors(ctx, db, base.ID, head.ID); err != nil {
			return err
		}
	}
	type row struct {
		typ              string
		b, a             store.TypeStatRow
		newObj, freedObj int64
	}
	idx := map[string]int{}
	var rows []row
	for _, s := range before {
		idx[s.Type] = len(rows)
		rows = append(rows, row{typ: s.Type, b: s})
	}
	for _, s := range after {
		i, ok := idx[s.Type]
		if !ok {
			i = len(rows)
			idx[s.Type] = i
			rows = append(rows, row{typ: s.Type})
		}
		rows[i].a = s
	}
	kept := rows[:0]
	var tb, ta, tc, tca int64
	for _, r := range rows {
		tb += r.b.Bytes
		ta += r.a.Bytes
		tc += r.b.Count
		tca += r.a.Count
		if identity {
			r.newObj = r.a.Count - survived[r.typ]
			r.freedObj = r.b.Count - survived[r.typ]
		}
		if r.a.Bytes != r.b.Bytes || r.a.Count != r.b.Count || r.newObj != 0 || r.freedObj != 0 {
			kept = append(kept, r)
		}
	}
	rows = kept
	sort.Slice(rows, func(i, j int) bool {
		di, dj := abs(rows[i].a.Bytes-rows[i].b.Bytes), abs(rows[j].a.Bytes-rows[j].b.Bytes)
		if di != dj {
			return di > dj
		}
		return rows[i].typ < rows[j].typ
	})
	nall := len(rows)
	if o.N > 0 && len(rows) > o.N {
		rows = rows[:o.N]
	}
	t := &report.Table{Columns: []report.Column{
		{Title: "TYPE", Key: "type"},
		{Title: "BYTES BEFORE", Key: "bytes_before", Unit: report.UnitBytes},
		{Title: "AFTER", Key: "bytes_after", Unit: report.UnitBytes},
		{Title: "DELTA", Key: "bytes_delta", Unit: report.UnitDeltaBytes},
		{Title: "%", Key: "bytes_delta_pct", Unit: report.UnitDeltaPercent},
		{Title: "COUNT BEFORE", Key: "count_before", Unit: report.UnitCount},
		{Title: "AFTER", Key: "count_after", Unit: report.UnitCount},
		{Title: "DELTA", Key: "count_delta", Unit: report.UnitDeltaCount},
	}}
	if identity {
		t.Columns = append(t.Columns,
			report.Column{Title: "NEW", Key: "new", Unit: report.UnitCount},
			report.Column{Title: "SURVIVED", Key: "survived", Unit: report.UnitCount},
			report.Column{Title: "FREED", Key: "freed", Unit: report.UnitCount})
	}
	for _, r := range rows {
		row := []any{r.typ, r.b.Bytes, r.a.Bytes, r.a.Bytes - r.b.Bytes, pctChange(r.b.Bytes, r.a.Bytes),
			r.b.Count, r.a.Count, r.a.Count - r.b.Count}
		if identity {
			row = append(row, r.newObj, r.a.Count-r.newObj, r.freedObj)
		}
		t.Rows = append(t.Rows, row)
	}
	if o.Format == report.FormatTable || o.Format == report.FormatMarkdown {
		fmt.Fprintf(o.IO.Out, "%d (%s) -> %d (%s): %s -> %s (%s, %s); objects %s -> %s (%s); %d of %d changed types\n",
			base.ID, report.Clean(base.Label), head.ID, report.Clean(head.Label), report.Bytes(tb), report.Bytes(ta),
			report.SignedBytes(ta-tb), pctText(tb, ta), report.Count(tc), report.Count(tca), report.SignedCount(tca-tc),
			len(rows), nall)
		if identity {
			how := heap.IdentityNoteOf(heap.Format(base.Format))
			fmt.Fprintf(o.IO.Out, "new, survived and freed match objects by %s; each object's first snapshot is recorded (object.gen in memsee query --objects)\n", how)
		} else {
			fmt.Fprintf(o.IO.Out, "no new/freed counts: %s\n", noIdentity(base, head))
		}
		fmt.Fprintln(o.IO.Out)
	}
	return report.Render(o.IO.Out, o.Format, t)
}

// candidates prints memlab's leak candidates: the objects of --final that are in head (the
// target) and not in base (the baseline), by type.
func candidates(ctx context.Context, o *diffOptions, db *store.DB, base, target store.Snapshot) error {
	final, err := graphSnapshot(ctx, db, o.Final)
	if err != nil {
		return err
	}
	for _, s := range []store.Snapshot{base, target} {
		if s.Kind != heap.KindGraph || s.Format != final.Format {
			return fmt.Errorf("--final compares three object dumps of one format; snapshot %d (%s) is a %s %s and %d (%s) a %s dump",
				s.ID, s.Label, s.Format, s.Kind, final.ID, final.Label, final.Format)
		}
	}
	if heap.IdentityOf(heap.Format(final.Format)) == heap.IdentityNone {
		return fmt.Errorf("--final needs objects that keep their identity across dumps: %s", noIdentity(target, final))
	}
	rows, err := analysis.Candidates(ctx, db, base.ID, target.ID, final.ID)
	if err != nil {
		return err
	}
	var n, bytes int64
	for _, r := range rows {
		n += r.Count
		bytes += r.Bytes
	}
	nall := len(rows)
	if o.N > 0 && len(rows) > o.N {
		rows = rows[:o.N]
	}
	t := &report.Table{Columns: []report.Column{
		{Title: "TYPE", Key: "type"},
		{Title: "COUNT", Key: "count", Unit: report.UnitCount},
		{Title: "BYTES", Key: "bytes", Unit: report.UnitBytes},
	}}
	for _, r := range rows {
		t.Rows = append(t.Rows, []any{r.Type, r.Count, r.Bytes})
	}
	if o.Format == report.FormatTable || o.Format == report.FormatMarkdown {
		fmt.Fprintf(o.IO.Out, "leak candidates (as memlab finds them): %s objects, %s, of %d (%s) were allocated between %d (%s) and %d (%s) and are still alive; %d of %d types\n\n",
			report.Count(n), report.Bytes(bytes), final.ID, report.Clean(final.Label), base.ID, report.Clean(base.Label),
			target.ID, report.Clean(target.Label), len(rows), nall)
	}
	return report.Render(o.IO.Out, o.Format, t)
}

func noIdentity(base, head store.Snapshot) string {
	if base.Format != head.Format {
		return "the snapshots are of different formats"
	}
	if base.TakenAt.After(head.TakenAt) {
		return "the base was taken after the head"
	}
	return heap.IdentityNoteOf(heap.Format(base.Format))
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
