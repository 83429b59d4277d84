package report

import (
	"fmt"
	"io"

	"github.com/memsee/memsee/internal/analysis"
)

// Dominators writes the objects that retain the most, with their share of the snapshot and
// the path that holds each (shortened, but in JSON).
func Dominators(w io.Writer, f Format, r *analysis.Dominators) error {
	t := &Table{Columns: []Column{
		{Title: "RETAINED", Key: "retained", Unit: UnitBytes},
		{Title: "SHARE", Key: "share", Unit: UnitPercent},
		{Title: "TYPE", Key: "type"},
		{Title: "ADDRESS", Key: "address"},
		{Title: "PATH", Key: "path"},
	}}
	snap := r.Snapshot
	for _, d := range r.Top {
		p := d.Path
		if shortens(w, f) {
			p = analysis.ShortPath(p, MaxPathHops)
		}
		share := 0.0
		if snap.Bytes > 0 {
			share = 100 * float64(d.Retained) / float64(snap.Bytes)
		}
		t.Rows = append(t.Rows, []any{d.Retained, share, d.Type, HexAddr(d.Addr), p})
	}
	if f == FormatTable || f == FormatMarkdown {
		fmt.Fprintf(wrapped(w, f), "snapshot %d (%s): %s in %s objects\n\n", snap.ID, prose(f, snap.Label), Bytes(snap.Bytes), Count(snap.Objects))
	}
	return Render(w, f, t)
}
