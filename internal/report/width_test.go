package report

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestCutCell(t *testing.T) {
	tests := []struct {
		name string
		in   string
		n    int
		want string
	}{
		{"fits", "main.cache", 10, "main.cache"},
		{"a holder loses its type first", "shop.AuditLog.ENTRIES (ArrayList)", 25, "shop.AuditLog.ENTRIES"},
		{"a growth loses its rate first", "+300 obj/snap, +119 KiB/snap (~7.0 MiB/h)", 30, "+300 obj/snap, +119 KiB/snap"},
		{"a name too long even without its type", "shop.AuditLog.ENTRIES (ArrayList)", 12, "shop.AuditL…"},
		{"text cut at the end", "+1,000 obj/snap, +59.0 KiB/snap", 16, "+1,000 obj/snap…"},
		{"text of one character", "abc", 1, "…"},
		{"no room", "abc", 0, ""},
		{"wide characters take two columns", "価格表の項目", 8, "価格表…"},
		{"stack keeps innermost frames", "main.newEntry ← main.handle ← main.main ← runtime.main", 32, "main.newEntry ← main.handle ← …"},
		{"stack keeps one frame", "main.newEntry ← main.handle ← main.main", 20, "main.newEntry ← …"},
		{"stack already shortened", "a.f ← b.g ← c.h ← …", 14, "a.f ← b.g ← …"},
		{"stack whose first frame is too long", "main.aVeryLongFunctionName ← main.main", 12, "main.aVeryL…"},
		{"path keeps root and last hops", "global -> .app (App) -> .audit (Log) -> .entries (Array)", 40, "global -> … -> .entries (Array)"},
		{"path keeps more last hops when they fit", "global -> .app (App) -> .audit (Log) -> .entries (Array)", 48, "global -> … -> .audit (Log) -> .entries (Array)"},
		{"path drops ShortPath's mark", "root -> a -> … 9 more … -> y -> z", 20, "root -> … -> y -> z"},
		{"path keeps a folded run", "root -> .head (Node) -> .next (Node) -> … (Node)", 30, "root -> … -> … (Node)"},
		{"path keeps a folded run and the hop before", "root -> .head (Node) -> .next (Node) -> … (Node)", 40, "root -> … -> .next (Node) -> … (Node)"},
		{"path keeps the last hop", "a-long-root-name -> .entries (Array)", 22, "… -> .entries (Array)"},
		{"path cut at the end when no hop fits", "root -> .a-very-long-field (Type)", 12, "root -> .a-…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cutCell(tt.in, tt.n)
			if got != tt.want {
				t.Errorf("cutCell(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
			}
			if textWidth(got) > max(tt.n, 0) {
				t.Errorf("cutCell(%q, %d) = %q, %d columns", tt.in, tt.n, got, textWidth(got))
			}
		})
	}
}

func TestFitWidths(t *testing.T) {
	tests := []struct {
		name     string
		titles   []string
		rows     [][]string
		cuttable []bool
		cols     int
		want     []int
	}{
		{"fits", []string{"A", "B"}, [][]string{{"aaaa", "bb"}}, []bool{true, true}, 8, []int{4, 2}},
		{"the widest gives first", []string{"A", "B"}, [][]string{{strings.Repeat("a", 30), strings.Repeat("b", 12)}}, []bool{true, true}, 40, []int{26, 12}},
		{"spread once as wide", []string{"A", "B"}, [][]string{{strings.Repeat("a", 30), strings.Repeat("b", 20)}}, []bool{true, true}, 32, []int{15, 15}},
		{"numbers never cut", []string{"N", "T"}, [][]string{{"123,456,789", strings.Repeat("t", 30)}}, []bool{false, true}, 30, []int{11, 17}},
		{"not under the title or minCut", []string{"HELD BY", "WHAT"}, [][]string{{strings.Repeat("h", 30), strings.Repeat("w", 30)}}, []bool{true, true}, 10, []int{8, 8}},
		{"a title wider than minCut", []string{"COUNT BEFORE", "X"}, [][]string{{strings.Repeat("c", 30), "x"}}, []bool{true, true}, 5, []int{12, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fitWidths(tt.titles, tt.rows, tt.cuttable, tt.cols)
			if len(got) != len(tt.want) {
				t.Fatalf("fitWidths = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("fitWidths = %v, want %v", got, tt.want)
				}
			}
		})
	}
}

// TestRenderFits renders one table in every format to a writer of 40 columns: only the table
// is cut, its numbers whole; Markdown, CSV and JSON keep every cell.
func TestRenderFits(t *testing.T) {
	path := "global -> .app (App) -> .audit (Log) -> .entries (Array)"
	tbl := &Table{
		Columns: []Column{{Title: "HELD BY", Key: "held_by"}, {Title: "BYTES", Key: "bytes", Unit: UnitBytes}},
		Rows:    [][]any{{path, int64(123456789)}},
	}
	for _, f := range []Format{FormatTable, FormatMarkdown, FormatCSV, FormatJSON} {
		var fit, whole bytes.Buffer
		if err := Render(Fit(&fit, 40), f, tbl); err != nil {
			t.Fatal(err)
		}
		if err := Render(&whole, f, tbl); err != nil {
			t.Fatal(err)
		}
		if f != FormatTable {
			if fit.String() != whole.String() {
				t.Errorf("%s was cut:\n%s", f, fit.String())
			}
			continue
		}
		for _, line := range strings.Split(strings.TrimSpace(fit.String()), "\n") {
			if textWidth(line) > 40 {
				t.Errorf("%q is wider than 40 columns", line)
			}
		}
		if !strings.Contains(fit.String(), "global -> … -> .entries (Array)") || !strings.Contains(fit.String(), "118 MiB") {
			t.Errorf("table at 40 columns:\n%s", fit.String())
		}
		if !strings.Contains(whole.String(), path) {
			t.Errorf("whole table:\n%s", whole.String())
		}
	}
}

// TestFitRows checks that what a stack's cut leaves of its column goes to the other columns.
func TestFitRows(t *testing.T) {
	tests := []struct {
		name     string
		titles   []string
		rows     [][]string
		cuttable []bool
		clauses  []bool
		cols     int
		want     [][]string
	}{
		{"a stack's slack goes to the text beside it",
			[]string{"HELD BY", "GROWTH"},
			[][]string{{"main.newAuditEntry ← main.handleRequest ← main.main", "+4,000 obj/snap, +375 KiB/snap"}},
			[]bool{true, true}, nil, 56,
			[][]string{{"main.newAuditEntry ← …", "+4,000 obj/snap, +375 KiB/snap"}}},
		{"both cut when neither leaves slack",
			[]string{"A", "B"},
			[][]string{{strings.Repeat("a", 30), strings.Repeat("b", 30)}},
			[]bool{true, true}, nil, 42,
			[][]string{{strings.Repeat("a", 19) + "…", strings.Repeat("b", 19) + "…"}}},
		{"a number beside is whole",
			[]string{"PATH", "BYTES"},
			[][]string{{"root -> .a (A) -> .b (B) -> .c (C)", "1,234,567"}},
			[]bool{true, false}, nil, 35,
			[][]string{{"root -> … -> .c (C)", "1,234,567"}}},
		{"a growth drops whole clauses, and its slack goes to the holder",
			[]string{"HELD BY", "GROWTH"},
			[][]string{
				{"shop.PriceFeed.INSTANCE.listeners (CopyOnWriteArrayList)", "+284 KiB/snap, ~862 MiB/h, +200 obj/snap"},
				{"shop.CurrencyRates.RATES (HashMap)", "+283 KiB once, at leak2, flat after"}},
			[]bool{true, true}, []bool{false, true}, 63,
			[][]string{
				{"shop.PriceFeed.INSTANCE.listeners", "+284 KiB/snap, ~862 MiB/h, …"},
				{"shop.CurrencyRates.RATES", "+283 KiB once, at leak2, …"}}},
		{"a growth gives up its last clauses before a name is cut",
			[]string{"HELD BY", "GROWTH"},
			[][]string{
				{"module audit: record_event.<closure>.events (list)", "+231 KiB/snap, ~1.6 GiB/h, +800 obj/snap"},
				{"module catalog: _price_cache (dict)", "+774 KiB once, at leak2, flat after"}},
			[]bool{true, true}, []bool{false, true}, 80,
			[][]string{
				{"module audit: record_event.<closure>.events (list)", "+231 KiB/snap, ~1.6 GiB/h, …"},
				{"module catalog: _price_cache (dict)", "+774 KiB once, at leak2, …"}}},
		{"a clause too long is cut as text",
			[]string{"GROWTH"},
			[][]string{{"+284 KiB/snap, ~862 MiB/h"}},
			[]bool{true}, []bool{true}, 10,
			[][]string{{"+284 KiB/…"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clauses := tt.clauses
			if clauses == nil {
				clauses = make([]bool, len(tt.titles))
			}
			fitRows(tt.titles, tt.rows, tt.cuttable, clauses, tt.cols)
			for r := range tt.want {
				for j := range tt.want[r] {
					if tt.rows[r][j] != tt.want[r][j] {
						t.Errorf("row %d = %q, want %q", r, tt.rows[r], tt.want[r])
						break
					}
				}
			}
		})
	}
}

func TestWrapLine(t *testing.T) {
	tests := []struct {
		name string
		in   string
		cols int
		want string
	}{
		{"fits", "a short line", 20, "a short line"},
		{"broken at the last blank that fits", "one two three four five", 10, "one two\n  three\n  four\n  five"},
		{"a word too long stays whole", "see supercalifragilistic now", 8, "see\n  supercalifragilistic\n  now"},
		{"leading blanks kept", "  over: the whole heap grew", 14, "  over: the\n  whole heap\n  grew"},
		{"wide characters take two", "価格表 価格表 価格表", 14, "価格表 価格表\n  価格表"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wrapLine(tt.in, tt.cols)
			if got != tt.want {
				t.Errorf("wrapLine(%q, %d) = %q, want %q", tt.in, tt.cols, got, tt.want)
			}
			for _, l := range strings.Split(got, "\n") {
				if textWidth(l) > tt.cols && !strings.Contains(l, "supercalifragilistic") {
					t.Errorf("line %q is wider than %d", l, tt.cols)
				}
			}
		})
	}
}

// TestWrappedProse: prose written for a table fits the terminal; Markdown, CSV, JSON and a
// writer with no width are left alone.
func TestWrappedProse(t *testing.T) {
	line := strings.Repeat("word ", 30) + "end\n"
	for _, f := range []Format{FormatTable, FormatMarkdown, FormatCSV, FormatJSON} {
		var fit, whole bytes.Buffer
		wrapped(Fit(&fit, 40), f).Write([]byte(line))
		wrapped(&whole, f).Write([]byte(line))
		if whole.String() != line {
			t.Errorf("%s with no width: %q", f, whole.String())
		}
		if f != FormatTable {
			if fit.String() != line {
				t.Errorf("%s at 40 columns was wrapped: %q", f, fit.String())
			}
			continue
		}
		for _, l := range strings.Split(strings.TrimSuffix(fit.String(), "\n"), "\n") {
			if textWidth(l) > 40 {
				t.Errorf("%q is wider than 40 columns", l)
			}
		}
		if strings.Join(strings.Fields(fit.String()), " ") != strings.TrimSpace(line) {
			t.Errorf("wrapping changed the words: %q", fit.String())
		}
	}
}

// TestDropColumns: a table too wide even with its text cut loses its droppable columns, the
// highest Drop first, and no more than it must.
func TestDropColumns(t *testing.T) {
	tbl := &Table{Columns: []Column{
		{Title: "TYPE", Key: "type"},
		{Title: "BYTES", Key: "bytes", Unit: UnitBytes},
		{Title: "SURVIVED", Key: "survived", Unit: UnitCount, Drop: 1},
		{Title: "FREED", Key: "freed", Unit: UnitCount, Drop: 2},
		{Title: "JSON", Key: "json", JSONOnly: true},
	}, Rows: [][]any{{"a-long-type-name", int64(1 << 20), int64(12345), int64(6), "x"}}}
	tests := []struct {
		width int
		want  []int
	}{
		{100, []int{0, 1, 2, 3}},
		{34, []int{0, 1, 2, 3}}, // TYPE cut to 8: 8+2+7+2+8+2+5
		{33, []int{0, 1, 2}},    // FREED (Drop 2) goes first
		{27, []int{0, 1, 2}},
		{26, []int{0, 1}},
		{5, []int{0, 1}}, // nothing more to drop: as narrow as it goes
	}
	for _, tt := range tests {
		got := dropColumns(tbl, []int{0, 1, 2, 3}, tt.width)
		if !slices.Equal(got, tt.want) {
			t.Errorf("dropColumns(width %d) = %v, want %v", tt.width, got, tt.want)
		}
	}
}
