package report

import (
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean makes a string from a heap dump safe to print in a terminal table: control characters
// (escape sequences, newlines, C1 codes) become a space or are dropped, invalid UTF-8 becomes
// U+FFFD. Strings inside dumps are data from the program being debugged, not ours.
func Clean(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteRune(utf8.RuneError)
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || (unicode.Is(unicode.Cf, r) && r != '\u200d'):
			// dropped: C0, DEL, C1, and format characters such as bidi overrides
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Truncate shortens s to at most n runes, ending in "…" when it cut.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// TerminalWriter returns a writer that drops the control characters a terminal acts on (C0
// but newline and tab, DEL, and C1 written as UTF-8) from everything written to w. memsee puts
// it in front of standard output when that is a terminal, so that a string from a dump that
// some output forgot to Clean still cannot move the cursor, clear the screen or retitle the
// window. Writes keep their length: the count returned is that of p.
func TerminalWriter(w io.Writer) io.Writer { return &terminalWriter{w: w} }

type terminalWriter struct {
	w     io.Writer
	buf   []byte
	color bool // tables and the words views colour are coloured (Color)
}

func (t *terminalWriter) Write(p []byte) (int, error) {
	t.buf = t.buf[:0]
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\n' || c == '\t':
		case c < 0x20 || c == 0x7f:
			continue
		case c == 0xc2 && i+1 < len(p) && p[i+1] >= 0x80 && p[i+1] <= 0x9f: // U+0080..U+009F
			i++
			continue
		}
		t.buf = append(t.buf, c)
	}
	if _, err := t.w.Write(t.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}
