package report

import (
	"fmt"
	"io"

	"github.com/memsee/memsee/internal/analysis"
	"github.com/memsee/memsee/internal/store"
)

// TopOfProfile writes what holds the most memory in a heap profile (`memsee top`): a line on the
// snapshot, then the ranked functions or sites. JSON and CSV carry every value's raw number
// and a site's whole stack.
func TopOfProfile(w io.Writer, f Format, r *analysis.ProfileTop) error {
	bySite := r.By == store.BySite
	objs, bytes := analysis.ObjectsOf(r.Sample), analysis.BytesOf(r.Sample)
	t := &Table{Columns: keyColumns(bySite)}
	t.Columns = append(t.Columns,
		Column{Title: "OBJECTS", Key: objs.String(), Unit: UnitCount},
		Column{Title: "BYTES", Key: bytes.String(), Unit: UnitBytes},
		Column{Title: "SHARE", Key: "share", Unit: UnitPercent},
	)
	for _, g := range r.Groups {
		row := keyCells(shortens(w, f), bySite, r.Sites, g.Site, g.Key)
		share := 0.0
		if r.Totals[r.Sample] != 0 {
			share = 100 * float64(g.Values[r.Sample]) / float64(r.Totals[r.Sample])
		}
		row = append(row, g.Values[objs], g.Values[bytes], share)
		t.Rows = append(t.Rows, row)
	}
	if f == FormatTable || f == FormatMarkdown {
		what := "functions"
		if bySite {
			what = "sites"
		}
		fmt.Fprintf(wrapped(w, f), "snapshot %d (%s), %s: %s in %s objects; top %d of %d %s\n\n",
			r.Snapshot.ID, prose(f, r.Snapshot.Label), r.Sample, Bytes(r.Totals[bytes]), Count(r.Totals[objs]),
			len(r.Groups), r.All, what)
	}
	return Render(w, f, t)
}

// keyColumns are the columns that name a key of a heap profile: the allocating function, or
// the whole site (its stack and line in JSON and CSV).
func keyColumns(bySite bool) []Column {
	if !bySite {
		return []Column{{Title: "FUNCTION", Key: "function"}}
	}
	return []Column{
		{Title: "SITE", Key: "site"},
		{Key: "site_id", Unit: UnitInt, JSONOnly: true},
		{Key: "stack", JSONOnly: true},
		{Key: "line", JSONOnly: true},
	}
}

// keyCells are the cells of keyColumns for a site (by id, in sites) or a function; short
// shortens a site's stack to SiteFrames (tables and Markdown, unless Whole).
func keyCells(short bool, bySite bool, sites map[int64]store.Site, site int64, function string) []any {
	if !bySite {
		return []any{function}
	}
	s := sites[site]
	frames := len(s.Stack)
	if short {
		frames = SiteFrames
	}
	return []any{SiteText(s.Stack, frames), site, s.Stack, s.Line}
}
