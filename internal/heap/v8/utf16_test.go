package v8

import (
	"math/rand/v2"
	"testing"
	"unicode/utf16"
)

// TestUTF16Len checks utf16Len against encoding the text as UTF-16: ASCII runs that end on
// either side of an 8-byte word, characters of 2 to 4 bytes (those of 4 take two code units)
// and broken UTF-8 (a code unit per bad byte, as U+FFFD), in a table and at random.
func TestUTF16Len(t *testing.T) {
	want := func(b []byte) int64 { return int64(len(utf16.Encode([]rune(string(b))))) }
	cases := []string{"", "a", "abcdefg", "abcdefgh", "abcdefghi", "abcdefghijklmnop",
		"abcdefgé", "abcdefghé", "é", "日本語のテキスト", "abcdefgh😀", "😀abcdefgh", "abc\xffdefgh", "abcdefgh\xe6\x97"}
	for _, c := range cases {
		if got := utf16Len([]byte(c)); got != want([]byte(c)) {
			t.Errorf("utf16Len(%q) = %d, want %d", c, got, want([]byte(c)))
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	parts := []string{"a", "bcdefghij", "é", "日", "😀", "\xff", "\x80"}
	for range 2000 {
		var b []byte
		for range rng.IntN(12) {
			b = append(b, parts[rng.IntN(len(parts))]...)
		}
		if got := utf16Len(b); got != want(b) {
			t.Fatalf("utf16Len(%q) = %d, want %d", b, got, want(b))
		}
	}
}
