package report

import (
	"bytes"
	"testing"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/loader"
	"github.com/memsee/memsee/internal/store"
)

// TestLoadNotes: a load says at most one line, of what the user should act on, and how many
// notes -v adds; -v says every note in full, one per line.
func TestLoadNotes(t *testing.T) {
	repaired := loader.Result{Source: "a.json.gz", Dangling: 2, TakenFrom: store.TakenFromGzip,
		Notes: heap.Notes{File: []heap.Note{{Count: 1, Noun: "line", Text: "with invalid strings, repaired"}}}}
	untimed := loader.Result{Source: "dir/b.heapsnapshot", TakenFrom: store.TakenFromMtime}
	qualified := loader.Result{Source: "c.pb.gz", Label: "node/c", Qualified: true, TakenFrom: store.TakenFromDump}
	advice := loader.Result{Source: "d.dump", TakenFrom: store.TakenFromName, Notes: heap.Notes{Once: []string{"load with --binary"}}}
	tests := []struct {
		name    string
		results []loader.Result
		verbose bool
		want    string
	}{
		{"nothing to say", []loader.Result{{Source: "x", TakenFrom: store.TakenFromDump}}, false, ""},
		{"repairs alone are not said", []loader.Result{repaired}, false, ""},
		{"repairs with -v", []loader.Result{repaired}, true,
			"memsee: note: a.json.gz: 2 references to objects not in the dump, dropped\n" +
				"memsee: note: a.json.gz: 1 line with invalid strings, repaired\n"},
		{"one line, and how many more", []loader.Result{repaired, untimed, qualified, advice, advice}, false,
			"memsee: note: labels taken, so labelled with their series (node/c); 1 file records no time, so leaks gives no rate per hour (b.heapsnapshot); load with --binary (2 more with -v)\n"},
		{"all in full with -v", []loader.Result{untimed, qualified, advice, repaired}, true,
			"memsee: note: labels taken by other snapshots; these are labelled with their series: node/c\n" +
				"memsee: note: 1 file records no time (in the dump, its name or its gzip header): leaks takes them in load order or as named, with no rate per hour (b.heapsnapshot)\n" +
				"memsee: note: load with --binary\n" +
				"memsee: note: a.json.gz: 2 references to objects not in the dump, dropped\n" +
				"memsee: note: a.json.gz: 1 line with invalid strings, repaired\n"},
		{"hostile names are cleaned", []loader.Result{{Source: "e\x1b[2J.hprof", Label: "s/e\x1b]0;x\x07", Qualified: true, TakenFrom: store.TakenFromMtime}}, false,
			"memsee: note: labels taken, so labelled with their series (s/e]0;x); 1 file records no time, so leaks gives no rate per hour (e[2J.hprof)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			LoadNotes(&b, tt.results, tt.verbose)
			if b.String() != tt.want {
				t.Errorf("LoadNotes:\n%q\nwant\n%q", b.String(), tt.want)
			}
		})
	}
}
