package report

import (
	"bytes"
	"strings"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

// bigTable is how many rows a table may have and still be laid out by tablewriter. Its cost
// per cell is far above what a long table can afford (the kids of a dict of a million keys
// took 16 s to lay out, against 5 s for all the rest of the command), so renderTable lays out
// a longer one itself (layOut), in the same bytes: TestLayOutAsTablewriter checks them
// against tablewriter's.
var bigTable = 2000 // a variable for the tests, which set it to lay out short tables both ways

// multiLine reports whether a cell holds a line break: tablewriter spreads such a cell over
// several lines, which layOut does not do.
func multiLine(header []string, rows [][]string) bool {
	for _, h := range header {
		if strings.ContainsAny(h, "\r\n") {
			return true
		}
	}
	for _, row := range rows {
		for _, c := range row {
			if strings.ContainsAny(c, "\r\n") {
				return true
			}
		}
	}
	return false
}

// columnWidths returns the width of each column: that of its widest cell, the title's
// included.
func columnWidths(header []string, rows [][]string) []int {
	widths := make([]int, len(header))
	for j, h := range header {
		widths[j] = cellWidth(h)
	}
	for _, row := range rows {
		for j, c := range row {
			widths[j] = max(widths[j], cellWidth(c))
		}
	}
	return widths
}

// cellWidth is the width of s on a terminal, as tablewriter measures it.
func cellWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return twwidth.Width(s)
		}
	}
	return len(s)
}

// layOut writes a table as renderTable has tablewriter write it: the header, then a line
// per row, each cell padded to its column's width (on the left for a number, right[j]) and
// followed by columnGap blanks. widths are those of the cells before any colour: when
// colored, the cells may hold SGR sequences, which take no room.
func layOut(buf *bytes.Buffer, header []string, rows [][]string, widths []int, right []bool, colored bool) {
	line := func(cells []string) {
		for j, c := range cells {
			w := cellWidth(c)
			if colored && strings.IndexByte(c, 0x1b) >= 0 {
				w = twwidth.Width(c) // without the SGR sequences
			}
			pad := max(widths[j]-w, 0)
			if right[j] {
				buf.WriteString(strings.Repeat(" ", pad))
				buf.WriteString(c)
			} else {
				buf.WriteString(c)
				buf.WriteString(strings.Repeat(" ", pad))
			}
			buf.WriteString("  ")
		}
		buf.WriteByte('\n')
	}
	line(header)
	for _, row := range rows {
		line(row)
	}
}
