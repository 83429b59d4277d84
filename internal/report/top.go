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
	t := &Table{}
	if bySite {
		t.Columns = append(t.Columns,
			Column{Title: "SITE", Key: "site"},
			Column{Key: "site_id", Unit: UnitInt, JSONOnly: true},
			Column{Key: "stack", JSONOnly: true},
			Column{Key: "line", JSONOnly: true})
	} else {
		t.Columns = append(t.Columns, Column{Title: "FUNCTION", Key: "function"})
	}
	t.Columns = append(t.Columns,
		Column{Title: "OBJECTS", Key: objs.String(), Unit: UnitCount},
		Column{Title: "BYTES", Key: bytes.String(), Unit: UnitBytes},
		Column{Title: "SHARE", Key: "share", Unit: UnitPercent},
	)
	for _, g := range r.Groups {
		var row []any
		if bySite {
			s := r.Sites[g.Site]
			row = append(row, SiteText(s.Stack, SiteFrames), g.Site, s.Stack, s.Line)
		} else {
			row = append(row, g.Key)
		}
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
		fmt.Fprintf(w, "snapshot %d (%s), %s: %s in %s objects; top %d of %d %s\n\n",
			r.Snapshot.ID, prose(f, r.Snapshot.Label), r.Sample, Bytes(r.Totals[bytes]), Count(r.Totals[objs]),
			len(r.Groups), r.All, what)
	}
	return Render(w, f, t)
}
