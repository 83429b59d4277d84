package report

import (
	"fmt"
	"io"

	"github.com/memsee/memsee/internal/analysis"
)

// topSites writes the allocation sites of an object dump (`memsee top --by site` on a dump
// that has them): each site's objects, their bytes, what they retain together, and that as a
// share of the snapshot.
func topSites(w io.Writer, f Format, r *analysis.GraphTop) error {
	snap := r.Snapshot
	t := &Table{Columns: []Column{
		{Title: "SITE", Key: "site"},
		{Key: "site_id", Unit: UnitInt, JSONOnly: true},
		{Title: "COUNT", Key: "count", Unit: UnitCount},
		{Title: "BYTES", Key: "bytes", Unit: UnitBytes},
		{Title: "RETAINED", Key: "retained", Unit: UnitBytes},
		{Title: "SHARE", Key: "share", Unit: UnitPercent},
	}}
	for _, s := range r.Sites {
		share := 0.0
		if snap.Bytes > 0 {
			share = 100 * float64(s.Retained) / float64(snap.Bytes)
		}
		t.Rows = append(t.Rows, []any{s.Site, s.ID, s.Count, s.Bytes, s.Retained, share})
	}
	if f == FormatTable || f == FormatMarkdown {
		fmt.Fprintf(wrapped(w, f), "snapshot %d (%s): %s in %s objects; top %d of %d allocation sites by retained size\n\n",
			snap.ID, prose(f, snap.Label), Bytes(snap.Bytes), Count(snap.Objects), len(r.Sites), r.All)
	}
	return Render(w, f, t)
}
