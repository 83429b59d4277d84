package report

import (
	"fmt"
	"io"

	"github.com/memsee/memsee/internal/analysis"
)

// Path writes what holds one object (`memsee path`): its paths from a root and its dominators,
// outermost first. Tables shorten long paths; JSON and CSV have them whole. CSV is the
// dominators alone: the lines on the object and its paths go to notes (stderr), so that
// stdout is only data.
func Path(w, notes io.Writer, f Format, r *analysis.ObjectPaths) error {
	obj, snap := r.Object, r.Snapshot
	if f == FormatJSON {
		type dom struct {
			Address  string `json:"address"`
			Type     string `json:"type"`
			Retained int64  `json:"retained"`
			Path     string `json:"path"`
		}
		var distance *int64
		if obj.Distance >= 0 {
			distance = &obj.Distance
		}
		out := struct {
			Address    string   `json:"address"`
			Type       string   `json:"type"`
			Distance   *int64   `json:"distance"`
			Paths      []string `json:"paths"`
			Dominators []dom    `json:"dominators"`
		}{Address: HexAddr(obj.Addr), Type: obj.Type, Distance: distance, Paths: r.Paths}
		for _, d := range r.Dominators {
			out.Dominators = append(out.Dominators, dom{HexAddr(d.Addr), d.Type, d.Retained, d.Path})
		}
		return WriteJSON(w, out)
	}
	t := &Table{Columns: []Column{
		{Title: "DOMINATOR", Key: "address"},
		{Title: "TYPE", Key: "type"},
		{Title: "RETAINED", Key: "retained", Unit: UnitBytes},
		{Title: "PATH", Key: "path"},
	}}
	for i, d := range r.Dominators {
		if i == 2 && r.Hidden > 0 && f.Shortens() {
			t.Rows = append(t.Rows, []any{"…", fmt.Sprintf("%d more", r.Hidden), nil, ""})
		}
		p := d.Path
		if shortens(w, f) {
			p = analysis.ShortPath(p, MaxPathHops)
		}
		t.Rows = append(t.Rows, []any{HexAddr(d.Addr), d.Type, d.Retained, p})
	}
	pw := w // where the prose goes
	if !f.Shortens() {
		pw = notes
	}
	title := "shortest path"
	if obj.Distance >= 0 {
		title = fmt.Sprintf("shortest path (%d references from a root)", obj.Distance)
	}
	fmt.Fprintf(wrapped(pw, f), "%s %s in snapshot %d (%s)\n\n%s:\n", prose(f, obj.Type), HexAddr(obj.Addr), snap.ID, prose(f, snap.Label), title)
	for i, p := range r.Paths {
		if i == 1 {
			fmt.Fprintln(wrapped(pw, f), "\nthrough its other referrers:")
		}
		fmt.Fprintf(wrapped(pw, f), "  %s\n", prose(f, analysis.ShortPath(p, MaxPathHops)))
	}
	fmt.Fprintf(wrapped(pw, f), "\ndominators, outermost first (each must let go before it can be freed):\n")
	return Render(w, f, t)
}

// PathType writes the paths of a type's instances merged by holder (`memsee path --type`),
// the n largest (0 for all).
func PathType(w io.Writer, f Format, r *analysis.TypePaths, n int) error {
	held := r.Held
	if n > 0 && len(held) > n {
		held = held[:n]
	}
	t := &Table{Columns: []Column{
		{Title: "COUNT", Key: "count", Unit: UnitCount},
		{Title: "BYTES", Key: "bytes", Unit: UnitBytes},
		{Title: "RETAINED", Key: "retained", Unit: UnitBytes},
		{Title: "HELD BY", Key: "path"},
	}}
	for _, h := range held {
		p := h.Path
		if shortens(w, f) {
			p = analysis.ShortPath(p, MaxPathHops)
		}
		t.Rows = append(t.Rows, []any{h.Count, h.Bytes, h.Retained, p})
	}
	if f == FormatTable || f == FormatMarkdown {
		fmt.Fprintf(wrapped(w, f), "%s instances of %s in snapshot %d (%s), by holder; %d of %d paths\n\n",
			Count(int64(r.Instances)), prose(f, r.Type), r.Snapshot.ID, prose(f, r.Snapshot.Label), len(held), max(r.Paths, len(r.Held)))
	}
	return Render(w, f, t)
}
