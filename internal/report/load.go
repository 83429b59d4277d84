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

// LoadNotes writes what the dumps got wrong, said once per file, then the notes a format says
// once however many of its files were loaded: a user should know the load was not perfect.
// Only what the user must act on or know to trust the answers is said: garbage a dump still
// holds (objects no root reaches) is normal, and leaks and top leave it out, so it is not.
func LoadNotes(w io.Writer, results []loader.Result) {
	for _, r := range results {
		name := Clean(r.Source)
		if r.Dangling > 0 {
			fmt.Fprintf(w, "memsee: note: %s: %s to objects not in the dump, dropped\n", name, plural(r.Dangling, "reference"))
		}
		for _, n := range r.Notes.File {
			fmt.Fprintf(w, "memsee: note: %s: %s %s\n", name, plural(int(n.Count), n.Noun), n.Text)
		}
	}
	var untimed []string
	for _, r := range results {
		if r.TakenFrom == store.TakenFromMtime {
			untimed = append(untimed, Clean(filepath.Base(r.Source)))
		}
	}
	if len(untimed) > 0 {
		names := strings.Join(untimed, ", ")
		if len(untimed) > 3 {
			names = strings.Join(untimed[:3], ", ") + ", …"
		}
		verb := "record"
		if len(untimed) == 1 {
			verb = "records"
		}
		fmt.Fprintf(w, "memsee: note: %s %s no time (in the dump, its name or its gzip header): leaks takes them in load order or as named, with no rate per hour (%s)\n",
			plural(len(untimed), "file"), verb, names)
	}
	said := map[string]bool{}
	for _, r := range results {
		for _, n := range r.Notes.Once {
			if !said[n] {
				said[n] = true
				fmt.Fprintf(w, "memsee: note: %s\n", n)
			}
		}
	}
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return Count(int64(n)) + " " + what + "s"
}
