package jsontext

import (
	"testing"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	const bad = utf8.RuneError
	tests := []struct {
		in   string
		r    rune
		n    int
		ok   bool
		name string
	}{
		{`\"x`, '"', 2, true, "quote"},
		{`\\`, '\\', 2, true, "backslash"},
		{`\/`, '/', 2, true, "slash"},
		{`\n`, '\n', 2, true, "newline"},
		{`\t`, '\t', 2, true, "tab"},
		{`\u00e9rest`, 'é', 6, true, "BMP"},
		{`\u00E9`, 'é', 6, true, "upper-case hex"},
		{`\ud83d\ude00`, '😀', 12, true, "surrogate pair"},
		{`\ud83dx`, bad, 6, false, "lone high surrogate"},
		{`\ud83d\u0041`, bad, 6, false, "high surrogate and no low one"},
		{`\ude00`, bad, 6, false, "lone low surrogate"},
		{`\u12`, bad, 2, false, "too few digits"},
		{`\u12g4`, bad, 2, false, "not hex"},
		{`\q`, bad, 2, false, "unknown escape"},
		{"\\\xc3\xa9", bad, 1, false, "backslash before UTF-8"},
		{`\`, 0, 0, false, "backslash alone"},
	}
	for _, tt := range tests {
		r, n, ok := Escape([]byte(tt.in))
		if r != tt.r || n != tt.n || ok != tt.ok {
			t.Errorf("%s: Escape(%q) = %q %d %v, want %q %d %v", tt.name, tt.in, r, n, ok, tt.r, tt.n, tt.ok)
		}
	}
}

func TestQuoteByte(t *testing.T) {
	for c, want := range map[byte]string{'a': "'a'", 0: "byte 0x00", 0xff: "byte 0xff", '\n': "byte 0x0a"} {
		if got := QuoteByte(c); got != want {
			t.Errorf("QuoteByte(%#x) = %s, want %s", c, got, want)
		}
	}
}
