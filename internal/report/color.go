package report

import (
	"io"
	"strings"

	"github.com/memsee/memsee/internal/leak"
)

// Style is one of the few ways memsee colours a cell or a word on a terminal. Colour says
// what a reader should look at first (an incremental leak, growth, a broken budget) and
// nothing else: a table that colours has the same text and layout as one that does not.
type Style uint8

// The styles.
const (
	Plain   Style = iota
	Bold          // a table's header
	Red           // growth (a positive DELTA), a row over budget, check's FAIL
	BoldRed       // an incremental leak: it grows with every request
	Green         // shrinkage (a negative DELTA), check's ok
	Yellow        // a static leak: it grew once
	Dim           // growth whose kind the snapshots cannot tell
)

// sgr is each style's SGR sequence (Select Graphic Rendition, ECMA-48 8.3.117), sgrReset
// the one that ends it. They are the only escape sequences memsee writes to stdout.
var sgr = [...]string{
	Plain:   "",
	Bold:    "\x1b[1m",
	Red:     "\x1b[31m",
	BoldRed: "\x1b[1;31m",
	Green:   "\x1b[32m",
	Yellow:  "\x1b[33m",
	Dim:     "\x1b[2m",
}

const sgrReset = "\x1b[0m"

// Color returns a writer to which tables (FormatTable) and the few words memsee colours are
// written in colour; everything else written to it goes through the filter of
// TerminalWriter, which drops every control character, ESC included. The colour codes do not
// pass through that filter: Render and the views write them beside it, and only the codes
// of the styles above, around text cleaned first. So a string from a dump that some output
// forgot to Clean cannot colour the terminal either. Markdown, CSV and JSON written to it are
// never coloured. Color goes under Fit and Whole: Fit(Color(w), cols).
func Color(w io.Writer) io.Writer {
	if t, ok := w.(*terminalWriter); ok {
		w = t.w // one filter: the codes written beside this one must not go through another
	}
	return &terminalWriter{w: w, color: true}
}

// colorOut is the writer under w that colours (Color), or nil when w does not colour.
func colorOut(w io.Writer) *terminalWriter {
	for {
		switch x := w.(type) {
		case *fitWriter:
			w = x.Writer
		case wholeWriter:
			w = x.Writer
		case *terminalWriter:
			if x.color {
				return x
			}
			return nil
		default:
			return nil
		}
	}
}

// paint writes s to w, in style st when a table in format f written to w would be coloured.
func paint(w io.Writer, f Format, st Style, s string) error {
	t := colorOut(w)
	if f != FormatTable || t == nil || st == Plain {
		_, err := io.WriteString(w, s)
		return err
	}
	return t.writeStyled(Styled(st, s))
}

// Styled puts s between st's sequence and the reset; text in no style, and no text, stay as
// they are. It is for words memsee writes itself (the prefix of an error on a terminal), or
// text cleaned first (Clean): a string from a dump must not carry escape sequences.
func Styled(st Style, s string) string {
	if st == Plain || s == "" {
		return s
	}
	return sgr[st] + s + sgrReset
}

// writeStyled writes a line memsee coloured with styled: each sequence of a style, and the
// reset, beside the filter; the text, and any other escape sequence, through it.
func (t *terminalWriter) writeStyled(line string) error {
	for line != "" {
		i := strings.Index(line, "\x1b[")
		if i < 0 {
			_, err := t.Write([]byte(line))
			return err
		}
		if i > 0 {
			if _, err := t.Write([]byte(line[:i])); err != nil {
				return err
			}
			line = line[i:]
		}
		code := knownSGR(line)
		if code == "" { // not ours: the filter drops its ESC
			if _, err := t.Write([]byte(line[:2])); err != nil {
				return err
			}
			line = line[2:]
			continue
		}
		if _, err := io.WriteString(t.w, code); err != nil {
			return err
		}
		line = line[len(code):]
	}
	return nil
}

// knownSGR is the sequence of a style, or the reset, that s begins with, or "".
func knownSGR(s string) string {
	if strings.HasPrefix(s, sgrReset) {
		return sgrReset
	}
	for _, code := range sgr {
		if code != "" && strings.HasPrefix(s, code) {
			return code
		}
	}
	return ""
}

// tidyLine takes from a line of a coloured table what tablewriter adds to it: a reset after
// each padded cell that holds a sequence, when the cell's own reset has closed its style
// already; and, as for a table without colour, the blanks at the end, those before the last
// cell's reset included.
func tidyLine(line string) string {
	var b strings.Builder
	open := false // a style is on
	for line != "" {
		i := strings.Index(line, "\x1b[")
		if i < 0 {
			b.WriteString(line)
			break
		}
		b.WriteString(line[:i])
		line = line[i:]
		code := knownSGR(line)
		if code == "" {
			b.WriteString(line[:2])
			line = line[2:]
			continue
		}
		if code != sgrReset || open {
			b.WriteString(code)
		}
		open = code != sgrReset
		line = line[len(code):]
	}
	s := strings.TrimRight(b.String(), " ")
	for strings.HasSuffix(s, sgrReset) && strings.HasSuffix(strings.TrimSuffix(s, sgrReset), " ") {
		s = strings.TrimRight(strings.TrimSuffix(s, sgrReset), " ") + sgrReset
	}
	return s
}

// deltaStyle colours a change by its sign: growth red, shrinkage green; a percent change with
// no base ("new") is growth.
func deltaStyle(v any) Style {
	if p, ok := v.(*float64); ok && p == nil {
		return Red
	}
	switch x := toFloat(v); {
	case x > 0:
		return Red
	case x < 0:
		return Green
	}
	return Plain
}

// kindStyle colours the KIND of a leak: incremental bold red, static yellow, undecided dim.
func kindStyle(v any) Style {
	s, _ := v.(string)
	switch leak.Kind(s) {
	case leak.Incremental:
		return BoldRed
	case leak.Static:
		return Yellow
	case leak.Undecided:
		return Dim
	}
	return Plain
}

// cellStyle is the style of a cell of column c holding v: the column's own, else its unit's.
func cellStyle(c Column, v any) Style {
	if c.Style != nil {
		return c.Style(v)
	}
	switch c.Unit {
	case UnitDeltaBytes, UnitDeltaCount, UnitDeltaPercent:
		return deltaStyle(v)
	}
	return Plain
}
