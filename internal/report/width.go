package report

import (
	"io"
	"slices"
	"strings"

	"github.com/memsee/memsee/internal/analysis"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

// Fit returns a writer whose tables fit in cols columns: Render cuts the long text cells of a
// table (FormatTable) written to it. Markdown, CSV and JSON are never cut, nor is anything
// written to w itself, or to Fit(w, 0): the terminal's width is the command's to find.
func Fit(w io.Writer, cols int) io.Writer {
	if cols <= 0 {
		return w
	}
	return &fitWriter{Writer: w, cols: cols}
}

type fitWriter struct {
	io.Writer
	cols int
}

// widthOf is the width tables written to w must fit, 0 for no limit.
func widthOf(w io.Writer) int {
	if f, ok := w.(*fitWriter); ok {
		return f.cols
	}
	return 0
}

// Whole returns a writer whose tables show everything (--wide): no cell is cut, neither to a
// width nor to the hops and frames (MaxPathHops, SiteFrames) tables and Markdown keep
// otherwise.
func Whole(w io.Writer) io.Writer { return wholeWriter{w} }

type wholeWriter struct{ io.Writer }

// shortens reports whether the cells of a table in format f written to w are shortened to
// MaxPathHops and SiteFrames: a table's and Markdown's are, unless w is Whole.
func shortens(w io.Writer, f Format) bool {
	_, whole := w.(wholeWriter)
	return f.Shortens() && !whole
}

// The separators of the cells cut by their parts: a path's hops (analysis.ShortPath) and a
// stack's frames, innermost first (SiteText).
const (
	pathSep  = " -> "
	stackSep = " ← "
)

const (
	columnGap = 2 // blanks between two columns of a table (renderTable's padding)
	minCut    = 8 // a cut column keeps at least this many characters, or its title's
)

// textWidth is how many columns s takes on a terminal, measured as tablewriter lays out the
// table (a wide character takes two, an SGR sequence none). Printable ASCII, most of what
// tables hold, is counted by its bytes: a table of a million rows is measured cell by cell.
func textWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return twwidth.Width(s)
		}
	}
	return len(s)
}

// fitWidths returns the width of each column of a table whose lines fit in cols columns: the
// widest of a column's title and cells, less what the cut takes. The cut takes from the
// columns that may be cut (text, never numbers), the widest first, one character at a time,
// so that it is spread over the widest columns; no column goes under its title or minCut. A
// table that cannot fit that way is left as wide as it must be.
func fitWidths(titles []string, rows [][]string, cuttable []bool, cols int) []int {
	widths := make([]int, len(titles))
	floor := make([]int, len(titles))
	for j, t := range titles {
		widths[j] = textWidth(t)
		floor[j] = max(widths[j], minCut)
	}
	for _, row := range rows {
		for j, c := range row {
			widths[j] = max(widths[j], textWidth(c))
		}
	}
	total := columnGap * (len(widths) - 1)
	for _, w := range widths {
		total += w
	}
	for ; total > cols; total-- {
		widest := -1
		for j, w := range widths {
			if cuttable[j] && w > floor[j] && (widest < 0 || w > widths[widest]) {
				widest = j
			}
		}
		if widest < 0 {
			break
		}
		widths[widest]--
	}
	return widths
}

// cutCell shortens s to at most n columns where it costs least: a stack keeps its innermost
// frames, a path its root and its last hops with "…" between, other text its start, with "…"
// at the end. A stack or path that cannot keep one whole frame or hop is cut at the end.
func cutCell(s string, n int) string {
	if textWidth(s) <= n {
		return s
	}
	if strings.Contains(s, stackSep) {
		if c, ok := cutStack(s, n); ok {
			return c
		}
	} else if strings.Contains(s, pathSep) {
		if c, ok := cutPath(s, n); ok {
			return c
		}
	}
	// A name with a note in parentheses at its end (a holder's type, a rate) loses the note
	// before the name loses anything: `shop.AuditLog.ENTRIES (ArrayList)`.
	if i := strings.LastIndex(s, " ("); i > 0 && strings.HasSuffix(s, ")") && textWidth(s[:i]) <= n {
		return s[:i]
	}
	return cutEnd(s, n)
}

// cutEnd keeps the start of s that fits in n-1 columns, and "…".
func cutEnd(s string, n int) string {
	if textWidth(s) <= n {
		return s
	}
	if n < 1 {
		return ""
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		w := textWidth(string(r))
		if used+w > n-1 {
			break
		}
		b.WriteRune(r)
		used += w
	}
	return b.String() + "…"
}

// cutStack keeps the innermost frames of a stack, the first ones, and "…" for the callers.
func cutStack(s string, n int) (string, bool) {
	frames := strings.Split(s, stackSep)
	if frames[len(frames)-1] == "…" {
		frames = frames[:len(frames)-1]
	}
	for k := len(frames) - 1; k >= 1; k-- {
		if c := strings.Join(frames[:k], stackSep) + stackSep + "…"; textWidth(c) <= n {
			return c, true
		}
	}
	return "", false
}

// clauseSep joins the clauses of a Column.Clauses text.
const clauseSep = ", "

// cutClauses keeps the first clauses of s that fit in n columns with a last clause "…"; false
// when not even the first one does.
func cutClauses(s string, n int) (string, bool) {
	if textWidth(s) <= n {
		return s, true
	}
	parts := strings.Split(s, clauseSep)
	for k := len(parts) - 1; k >= 1; k-- {
		if c := strings.Join(parts[:k], clauseSep) + clauseSep + "…"; textWidth(c) <= n {
			return c, true
		}
	}
	return "", false
}

// keepClauses keeps the first k clauses of s, and a last clause "…" when it drops any.
func keepClauses(s string, k int) string {
	parts := strings.Split(s, clauseSep)
	if len(parts) <= k {
		return s
	}
	return strings.Join(parts[:k], clauseSep) + clauseSep + "…"
}

// maxClauses is the most clauses a cell of a Clauses column has.
func maxClauses(rows [][]string, clauses []bool) int {
	n := 0
	for _, row := range rows {
		for j, c := range row {
			if clauses[j] {
				n = max(n, len(strings.Split(c, clauseSep)))
			}
		}
	}
	return n
}

// tableWidth is the width of a table's widest line, its columns as wide as their cells.
func tableWidth(titles []string, rows [][]string) int {
	w := columnGap * (len(titles) - 1)
	for j, t := range titles {
		w += natural(t, rows, j)
	}
	return w
}

// cutPath keeps a path's root and as many of its last hops as fit, "…" between; else the last
// hop alone after "…".
func cutPath(s string, n int) (string, bool) {
	var hops []string
	for _, h := range strings.Split(s, pathSep) {
		if !analysis.Elided(h) { // the mark of hops left out already (analysis.ShortPath)
			hops = append(hops, h)
		}
	}
	if len(hops) < 2 {
		return "", false
	}
	last := len(hops) - 1
	for k := last - 1; k >= 1; k-- {
		c := hops[0] + pathSep + "…" + pathSep + strings.Join(hops[len(hops)-k:], pathSep)
		if textWidth(c) <= n {
			return c, true
		}
	}
	if c := "…" + pathSep + hops[last]; textWidth(c) <= n {
		return c, true
	}
	return "", false
}

// fitRows cuts the cells of rows to the widths that make a table's lines fit in cols columns.
// A stack or path cut by its frames or hops may come out narrower than its column's width:
// such a column keeps its cut cells and the others are fitted again, given what it left.
func fitRows(titles []string, rows [][]string, cuttable, clauses []bool, cols int) {
	// A growth gives up its last clauses, down to its first two (bytes and rate), before any
	// name is cut: what holds the memory matters more than its objects per snapshot.
	var orig [][]string
	if slices.Contains(clauses, true) {
		for _, row := range rows {
			orig = append(orig, append([]string(nil), row...))
		}
	}
	for k := maxClauses(rows, clauses) - 1; k >= 2 && tableWidth(titles, rows) > cols; k-- {
		for r, row := range rows {
			for j := range row {
				if clauses[j] {
					row[j] = keepClauses(orig[r][j], k)
				}
			}
		}
	}
	cut := func(j int, s string, n int) string {
		if clauses[j] {
			if c, ok := cutClauses(s, n); ok {
				return c
			}
		}
		return cutCell(s, n)
	}
	open := append([]bool(nil), cuttable...) // columns still to fit
	for {
		widths := fitWidths(titles, rows, open, cols)
		again := false
		for j := range open {
			if !open[j] {
				continue
			}
			used := textWidth(titles[j])
			cells := make([]string, len(rows))
			for r, row := range rows {
				cells[r] = cut(j, row[j], widths[j])
				used = max(used, textWidth(cells[r]))
			}
			if used < widths[j] && used < natural(titles[j], rows, j) {
				// Cut narrower than its width: settle it, and fit the others again.
				for r, row := range rows {
					row[j] = cells[r]
				}
				open[j] = false
				again = true
				break
			}
		}
		if !again {
			for j := range open {
				if open[j] {
					for _, row := range rows {
						row[j] = cut(j, row[j], widths[j])
					}
				}
			}
			return
		}
	}
}

// natural is the width of column j uncut.
func natural(title string, rows [][]string, j int) int {
	w := textWidth(title)
	for _, row := range rows {
		w = max(w, textWidth(row[j]))
	}
	return w
}

// dropColumns leaves out of cols, the highest Column.Drop first, the columns a table must lose
// to fit in width once its text columns are cut as far as they go (to their title or minCut).
func dropColumns(t *Table, cols []int, width int) []int {
	least := func(cols []int) int { // the table's width with its text cut as far as it goes
		n := columnGap * (len(cols) - 1)
		for _, i := range cols {
			c := t.Columns[i]
			w := textWidth(c.Title)
			for _, row := range t.Rows {
				w = max(w, textWidth(human(c.Unit, row[i])))
			}
			if c.Unit == UnitText {
				w = min(w, max(textWidth(c.Title), minCut))
			}
			n += w
		}
		return n
	}
	for least(cols) > width {
		drop := -1
		for k, i := range cols {
			if d := t.Columns[i].Drop; d > 0 && (drop < 0 || d > t.Columns[cols[drop]].Drop) {
				drop = k
			}
		}
		if drop < 0 {
			break
		}
		cols = slices.Delete(slices.Clone(cols), drop, drop+1)
	}
	return cols
}

// wrapped returns a writer whose lines of prose fit the width of w, when w is a table's
// writer that fits the terminal (Fit) and f is FormatTable: a line too long is broken at its
// last blank that fits, and goes on indented by two. Markdown reflows by itself, and JSON and
// CSV are never touched; nor is a table: it is written to w, and fits by its cells (Render).
func wrapped(w io.Writer, f Format) io.Writer {
	cols := widthOf(w)
	if f != FormatTable || cols <= 0 {
		return w
	}
	return wrapWriter{w: w, cols: cols}
}

type wrapWriter struct {
	w    io.Writer
	cols int
}

// Write wraps each line of p; a last part without a newline is wrapped as a line of its own.
func (x wrapWriter) Write(p []byte) (int, error) {
	var b strings.Builder
	for s := string(p); s != ""; {
		line, rest, nl := strings.Cut(s, "\n")
		b.WriteString(wrapLine(line, x.cols))
		if nl {
			b.WriteByte('\n')
		}
		s = rest
	}
	if _, err := io.WriteString(x.w, b.String()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// wrapIndent starts the lines a long one goes on to.
const wrapIndent = "  "

// wrapLine breaks line at blanks into lines of at most cols columns, the later ones indented;
// a word wider than that is left whole on a line of its own.
func wrapLine(line string, cols int) string {
	if textWidth(line) <= cols {
		return line
	}
	var b strings.Builder
	used := 0
	for i, word := range strings.Split(line, " ") {
		w := textWidth(word)
		switch {
		case i == 0:
		case used+1+w <= cols:
			b.WriteByte(' ')
			used++
		default:
			b.WriteString("\n" + wrapIndent)
			used = len(wrapIndent)
		}
		b.WriteString(word)
		used += w
	}
	return b.String()
}
