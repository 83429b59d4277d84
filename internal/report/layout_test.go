package report

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"time"
)

// TestLayOutAsTablewriter checks renderTable's own layout of long tables (layOut) against
// tablewriter's, byte for byte: every view memsee has, and random tables of text and numbers
// (wide and combining characters, empty cells, blanks at either end, cells cut to a width),
// plain and coloured, each rendered with bigTable forcing one way and then the other.
func TestLayOutAsTablewriter(t *testing.T) {
	time.Local = time.UTC
	both := func(t *testing.T, render func(io.Writer) error, wrap func(io.Writer) io.Writer) {
		t.Helper()
		saved := bigTable
		defer func() { bigTable = saved }()
		var outs [2]bytes.Buffer
		for i, limit := range []int{1 << 30, -1} { // tablewriter, then layOut
			bigTable = limit
			if err := render(wrap(&outs[i])); err != nil {
				t.Fatal(err)
			}
		}
		if outs[0].String() != outs[1].String() {
			t.Errorf("tablewriter:\n%s\nlayOut:\n%s", outs[0].String(), outs[1].String())
		}
	}
	writers := map[string]func(io.Writer) io.Writer{
		"plain":          func(w io.Writer) io.Writer { return w },
		"colour":         func(w io.Writer) io.Writer { return Color(w) },
		"fit 60":         func(w io.Writer) io.Writer { return Fit(w, 60) },
		"colour, fit 40": func(w io.Writer) io.Writer { return Fit(Color(w), 40) },
	}
	for _, c := range viewCases() {
		for wn, wrap := range writers {
			t.Run(c.name+"/"+wn, func(t *testing.T) {
				both(t, func(w io.Writer) error { return c.render(w, &bytes.Buffer{}, FormatTable) }, wrap)
			})
		}
	}
	texts := []string{"", "a", "dict", " lead", "trail ", "module shop -> ._audit_log (list)", "日本語のテキスト",
		"e\u0301te\u0301", "😀 emoji", "x -> y -> z -> w", "<script>", "Ünïcödé", "tab\there", "bell\a"}
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 40 {
		cols := []Column{{Title: "NAME", Key: "name"}, {Title: "SIZE", Key: "size", Unit: UnitBytes},
			{Title: "WHAT", Key: "what"}, {Title: "DELTA", Key: "delta", Unit: UnitDeltaBytes},
			{Title: "N", Key: "n", Unit: UnitCount}, {Title: "VALUE", Key: "value"}}
		tbl := &Table{Columns: cols}
		for range 1 + rng.IntN(30) {
			tbl.Rows = append(tbl.Rows, []any{texts[rng.IntN(len(texts))], rng.Int64N(1 << 40),
				texts[rng.IntN(len(texts))] + texts[rng.IntN(len(texts))], rng.Int64N(1<<30) - 1<<29,
				rng.Int64N(1 << 20), texts[rng.IntN(len(texts))]})
		}
		for wn, wrap := range writers {
			t.Run(fmt.Sprintf("random %d/%s", n, wn), func(t *testing.T) {
				both(t, func(w io.Writer) error { return Render(w, FormatTable, tbl) }, wrap)
			})
		}
	}
}
