package report

import (
	"bytes"
	"strings"
)

// bigTable is how many rows a table may have and still be laid out by tablewriter. Its cost
// per cell is far above what a long table can afford (the kids of a dict of a million keys
// took three times as long to lay out as all the rest of the command), so renderTable lays out
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

// layOut writes a table as renderTable has tablewriter write it: the header, then a line
// per row, each cell padded to its column's width, the widest of its title and cells (on the
// left for a number, right[j]), and followed by columnGap blanks. A coloured cell's SGR
// sequences take no room.
func layOut(buf *bytes.Buffer, header []string, rows [][]string, widths []int, right []bool) {
	gap := strings.Repeat(" ", columnGap)
	lineBytes, widest := 1, 0
	for _, w := range widths {
		lineBytes += w + columnGap
		widest = max(widest, w)
	}
	buf.Grow((len(rows) + 1) * lineBytes) // the table's size when its cells are ASCII
	blanks := strings.Repeat(" ", widest)
	line := func(cells []string) {
		for j, c := range cells {
			pad := blanks[:max(widths[j]-textWidth(c), 0)]
			if right[j] {
				buf.WriteString(pad)
				buf.WriteString(c)
			} else {
				buf.WriteString(c)
				buf.WriteString(pad)
			}
			buf.WriteString(gap)
		}
		buf.WriteByte('\n')
	}
	line(header)
	for _, row := range rows {
		line(row)
	}
}
