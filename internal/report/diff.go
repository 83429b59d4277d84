package report

import (
	"fmt"
	"io"

	"github.com/memsee/memsee/internal/analysis"
	"github.com/memsee/memsee/internal/store"
)

// TopGraph writes what holds the most memory in an object dump (`memsee top`): a line on the
// snapshot, then its types by retained size, or its holders. Tables shorten a holder's path;
// JSON has it whole, and the holder's address.
func TopGraph(w io.Writer, f Format, r *analysis.GraphTop) error {
	if r.BySite {
		return topSites(w, f, r) // sites.go
	}
	t := &Table{}
	snap := r.Snapshot
	caption := ""
	if r.ByHolder {
		t.Columns = []Column{
			{Title: "HOLDER", Key: "holder"},
			{Key: "holder_address", JSONOnly: true},
			{Title: "HOLDS", Key: "type"},
			{Title: "COUNT", Key: "count", Unit: UnitCount},
			{Title: "BYTES", Key: "bytes", Unit: UnitBytes},
			{Title: "RETAINED", Key: "retained", Unit: UnitBytes},
		}
		for _, h := range r.Holders {
			holder, addr := "(roots: no single holder)", any(nil)
			if h.Holder >= 0 {
				holder = h.Text
				if shortens(w, f) {
					holder = analysis.ShortPath(holder, MaxPathHops)
				}
				addr = HexAddr(h.Addr)
			}
			t.Rows = append(t.Rows, []any{holder, addr, h.Type, h.Count, h.Bytes, h.Retained})
		}
		caption = fmt.Sprintf("snapshot %d (%s): %s in %s objects; the holders that keep the most alive\n\n",
			snap.ID, prose(f, snap.Label), Bytes(snap.Bytes), Count(snap.Objects))
	} else {
		t.Columns = []Column{
			{Title: "TYPE", Key: "type"},
			{Title: "COUNT", Key: "count", Unit: UnitCount},
			{Title: "BYTES", Key: "bytes", Unit: UnitBytes},
			{Title: "RETAINED", Key: "retained", Unit: UnitBytes},
			{Title: "SHARE", Key: "share", Unit: UnitPercent},
		}
		for _, s := range r.Types {
			share := 0.0
			if snap.Bytes > 0 {
				share = 100 * float64(s.Retained) / float64(snap.Bytes)
			}
			t.Rows = append(t.Rows, []any{s.Type, s.Count, s.Bytes, s.Retained, share})
		}
		caption = fmt.Sprintf("snapshot %d (%s): %s in %s objects; top %d of %d types by retained size\n\n",
			snap.ID, prose(f, snap.Label), Bytes(snap.Bytes), Count(snap.Objects), len(r.Types), r.All)
	}
	if f == FormatTable || f == FormatMarkdown {
		fmt.Fprint(wrapped(w, f), caption)
	}
	return Render(w, f, t)
}

// DiffDumps writes what changed by type between two object dumps (`memsee diff`): a line on
// the totals, a line on how objects were matched (or why not), then the changed types, with
// new, survived and freed objects where identity holds.
func DiffDumps(w io.Writer, f Format, r *analysis.DumpDiff) error {
	t := &Table{Columns: []Column{
		{Title: "TYPE", Key: "type"},
		{Title: "BYTES BEFORE", Key: "bytes_before", Unit: UnitBytes},
		{Title: "AFTER", Key: "bytes_after", Unit: UnitBytes},
		{Title: "DELTA", Key: "bytes_delta", Unit: UnitDeltaBytes},
		{Title: "%", Key: "bytes_delta_pct", Unit: UnitDeltaPercent},
		{Title: "COUNT BEFORE", Key: "count_before", Unit: UnitCount},
		{Title: "AFTER", Key: "count_after", Unit: UnitCount},
		{Title: "DELTA", Key: "count_delta", Unit: UnitDeltaCount},
	}}
	if r.Identity {
		t.Columns = append(t.Columns,
			Column{Title: "NEW", Key: "new", Unit: UnitCount},
			Column{Title: "SURVIVED", Key: "survived", Unit: UnitCount, Drop: 1},
			Column{Title: "FREED", Key: "freed", Unit: UnitCount})
	}
	for _, d := range r.Rows {
		row := []any{d.Type, d.Before.Bytes, d.After.Bytes, d.After.Bytes - d.Before.Bytes, PctChange(d.Before.Bytes, d.After.Bytes),
			d.Before.Count, d.After.Count, d.After.Count - d.Before.Count}
		if r.Identity {
			row = append(row, d.New, d.After.Count-d.New, d.Freed)
		}
		t.Rows = append(t.Rows, row)
	}
	if f == FormatTable || f == FormatMarkdown {
		fmt.Fprintf(wrapped(w, f), "%d (%s) -> %d (%s): %s -> %s (%s, %s); objects %s -> %s (%s); %d of %d changed types\n",
			r.Base.ID, prose(f, r.Base.Label), r.Head.ID, prose(f, r.Head.Label), Bytes(r.BytesBefore), Bytes(r.BytesAfter),
			SignedBytes(r.BytesAfter-r.BytesBefore), pctText(r.BytesBefore, r.BytesAfter),
			Count(r.CountBefore), Count(r.CountAfter), SignedCount(r.CountAfter-r.CountBefore), len(r.Rows), r.All)
		if r.Identity {
			fmt.Fprintf(wrapped(w, f), "new, survived and freed match objects by %s; each object's first snapshot is recorded (object.gen in memsee query --objects)\n", r.IdentityNote)
		} else {
			fmt.Fprintf(wrapped(w, f), "no new/freed counts: %s\n", r.IdentityNote)
		}
		fmt.Fprintln(w)
	}
	return Render(w, f, t)
}

// Candidates writes memlab's leak candidates by type (`memsee diff --final`).
func Candidates(w io.Writer, f Format, r *analysis.LeakCandidateTypes) error {
	t := &Table{Columns: []Column{
		{Title: "TYPE", Key: "type"},
		{Title: "COUNT", Key: "count", Unit: UnitCount},
		{Title: "BYTES", Key: "bytes", Unit: UnitBytes},
	}}
	for _, c := range r.Rows {
		t.Rows = append(t.Rows, []any{c.Type, c.Count, c.Bytes})
	}
	if f == FormatTable || f == FormatMarkdown {
		fmt.Fprintf(wrapped(w, f), "leak candidates (as memlab finds them): %s objects, %s, of %d (%s) were allocated between %d (%s) and %d (%s) and are still alive; %d of %d types\n\n",
			Count(r.Count), Bytes(r.Bytes), r.Final.ID, prose(f, r.Final.Label), r.Base.ID, prose(f, r.Base.Label),
			r.Target.ID, prose(f, r.Target.Label), len(r.Rows), r.All)
	}
	return Render(w, f, t)
}

// DiffProfiles writes what changed between two heap profiles (`memsee diff`): a line on the
// totals, then the changed functions or sites. JSON and CSV carry a site's whole stack.
func DiffProfiles(w io.Writer, f Format, r *analysis.ProfileDiff) error {
	bySite := r.By == store.BySite
	objs, bytes := analysis.ObjectsOf(r.Sample), analysis.BytesOf(r.Sample)
	t := &Table{Columns: keyColumns(bySite)}
	t.Columns = append(t.Columns,
		Column{Title: "BYTES BEFORE", Key: bytes.String() + "_before", Unit: UnitBytes},
		Column{Title: "AFTER", Key: bytes.String() + "_after", Unit: UnitBytes},
		Column{Title: "DELTA", Key: bytes.String() + "_delta", Unit: UnitDeltaBytes},
		Column{Title: "%", Key: bytes.String() + "_delta_pct", Unit: UnitDeltaPercent},
		Column{Title: "OBJECTS BEFORE", Key: objs.String() + "_before", Unit: UnitCount},
		Column{Title: "AFTER", Key: objs.String() + "_after", Unit: UnitCount},
		Column{Title: "DELTA", Key: objs.String() + "_delta", Unit: UnitDeltaCount},
	)
	for _, d := range r.Rows {
		row := keyCells(shortens(w, f), bySite, r.Sites, d.Site, d.Key)
		row = append(row, d.Before[bytes], d.After[bytes], d.Delta(bytes), PctChange(d.Before[bytes], d.After[bytes]),
			d.Before[objs], d.After[objs], d.Delta(objs))
		t.Rows = append(t.Rows, row)
	}
	if f == FormatTable || f == FormatMarkdown {
		tb, th := r.BaseTotals, r.HeadTotals
		what := "functions"
		if bySite {
			what = "sites"
		}
		fmt.Fprintf(wrapped(w, f), "%d (%s) -> %d (%s), %s: %s -> %s (%s, %s); objects %s -> %s (%s); %d of %d changed %s\n\n",
			r.Base.ID, prose(f, r.Base.Label), r.Head.ID, prose(f, r.Head.Label), r.Sample,
			Bytes(tb[bytes]), Bytes(th[bytes]), SignedBytes(th[bytes]-tb[bytes]),
			pctText(tb[bytes], th[bytes]), Count(tb[objs]), Count(th[objs]),
			SignedCount(th[objs]-tb[objs]), len(r.Rows), r.All, what)
	}
	return Render(w, f, t)
}

// pctText is the change from a to b in percent, or "new" when a is 0.
func pctText(a, b int64) string {
	p := PctChange(a, b)
	if p == nil {
		return "new"
	}
	return SignedPercent(*p)
}
