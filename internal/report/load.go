package report

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/loader"
	"github.com/memsee/memsee/internal/store"
)

// Loaded writes what `memsee load` loaded: a row per file.
func Loaded(w io.Writer, f Format, results []loader.Result) error {
	t := &Table{Columns: []Column{
		{Title: "ID", Key: "id", Unit: UnitInt},
		{Title: "LABEL", Key: "label"},
		{Title: "FORMAT", Key: "format"},
		{Title: "SITES", Key: "sites", Unit: UnitCount},
		{Title: "OBJECTS", Key: "objects", Unit: UnitCount},
		{Title: "BYTES", Key: "bytes", Unit: UnitBytes},
		{Title: "FILE", Key: "source"},
	}}
	for _, r := range results {
		var sites any
		if r.Kind == heap.KindProfile {
			sites = int64(r.Sites)
		}
		t.Rows = append(t.Rows, []any{r.ID, r.Label, string(r.Format), sites, r.Objects, r.Bytes, r.Source})
	}
	return Render(w, f, t)
}

// LoadNotes writes what a load's user should hear, on one line at most: what to act on or to
// know to read the answers right (labels qualified by their series, files that record no time, a
// format's advice such as --binary), and how many more notes -v shows. With verbose, it writes
// every note in full, one per line, with those a user need not act on: what a dump got wrong and
// memsee repaired (references to objects not in the dump, invalid strings). Garbage a dump
// still holds (objects no root reaches) is normal, and leaks and top leave it out: never said.
func LoadNotes(w io.Writer, results []loader.Result, verbose bool) {
	type note struct{ short, full string }
	var act []note      // what the user should act on or know
	var detail []string // what memsee repaired; said with -v
	for _, r := range results {
		name := Clean(r.Source)
		if r.Dangling > 0 {
			detail = append(detail, fmt.Sprintf("%s: %s to objects not in the dump, dropped", name, plural(r.Dangling, "reference")))
		}
		for _, n := range r.Notes.File {
			detail = append(detail, fmt.Sprintf("%s: %s %s", name, plural(int(n.Count), n.Noun), n.Text))
		}
	}
	var qualified []string
	for _, r := range results {
		if r.Qualified {
			qualified = append(qualified, Clean(r.Label))
		}
	}
	if len(qualified) > 0 {
		act = append(act, note{
			short: "labels taken, so labelled with their series (" + firstFew(qualified) + ")",
			full:  "labels taken by other snapshots; these are labelled with their series: " + strings.Join(qualified, ", "),
		})
	}
	var untimed []string
	for _, r := range results {
		if r.TakenFrom == store.TakenFromMtime {
			untimed = append(untimed, Clean(filepath.Base(r.Source)))
		}
	}
	if len(untimed) > 0 {
		verb := "record"
		if len(untimed) == 1 {
			verb = "records"
		}
		files := plural(len(untimed), "file")
		act = append(act, note{
			short: fmt.Sprintf("%s %s no time, so leaks gives no rate per hour (%s)", files, verb, firstFew(untimed)),
			full: fmt.Sprintf("%s %s no time (in the dump, its name or its gzip header): leaks takes them in load order or as named, with no rate per hour (%s)",
				files, verb, firstFew(untimed)),
		})
	}
	said := map[string]bool{}
	for _, r := range results {
		for _, n := range r.Notes.Once {
			if !said[n] {
				said[n] = true
				act = append(act, note{short: n, full: n})
			}
		}
	}
	if verbose {
		for _, n := range act {
			fmt.Fprintf(w, "memsee: note: %s\n", n.full)
		}
		for _, d := range detail {
			fmt.Fprintf(w, "memsee: note: %s\n", d)
		}
		return
	}
	if len(act) == 0 {
		return
	}
	shorts := make([]string, len(act))
	for i, n := range act {
		shorts[i] = n.short
	}
	more := ""
	if len(detail) > 0 {
		more = fmt.Sprintf(" (%s more with -v)", Count(int64(len(detail))))
	}
	fmt.Fprintf(w, "memsee: note: %s%s\n", strings.Join(shorts, "; "), more)
}

// firstFew lists up to three names, then "…".
func firstFew(names []string) string {
	if len(names) > 3 {
		return strings.Join(names[:3], ", ") + ", …"
	}
	return strings.Join(names, ", ")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return Count(int64(n)) + " " + what + "s"
}
