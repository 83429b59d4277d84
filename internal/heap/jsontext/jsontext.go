// Package jsontext holds what the JSON-based readers (meliae, V8) share of reading JSON text
// by hand: decoding one string escape, the way both repair what dumps get wrong (lone
// surrogates, unknown escapes) as U+FFFD rather than failing the load, and saying a byte in an
// error message.
package jsontext

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// MaxEscape is the longest escape Escape reads: a surrogate pair, \ud83d\ude00.
const MaxEscape = 12

// Escape decodes the escape at the start of b, whose first byte is a backslash. b should hold
// MaxEscape bytes, or all that is left of the input. It returns the character, the bytes it
// took, and false when the escape was not sound and the character is U+FFFD:
//   - \u with fewer than four hex digits takes two bytes (the digits read as characters);
//   - a lone high or low surrogate takes its six bytes;
//   - a backslash before a non-ASCII byte takes only the backslash (the byte starts a
//     character of its own); before any other unknown byte, both.
//
// It returns n == 0 when b holds only the backslash.
func Escape(b []byte) (r rune, n int, ok bool) {
	if len(b) < 2 {
		return 0, 0, false
	}
	switch c := b[1]; c {
	case '"', '\\', '/':
		return rune(c), 2, true
	case 'b':
		return '\b', 2, true
	case 'f':
		return '\f', 2, true
	case 'n':
		return '\n', 2, true
	case 'r':
		return '\r', 2, true
	case 't':
		return '\t', 2, true
	case 'u':
		r, ok := hex4(b[2:])
		if !ok {
			return utf8.RuneError, 2, false
		}
		switch {
		case r >= 0xd800 && r < 0xdc00:
			// A high surrogate must be followed by a low one.
			if t := b[6:]; len(t) >= 6 && t[0] == '\\' && t[1] == 'u' {
				if r2, ok := hex4(t[2:]); ok && r2 >= 0xdc00 && r2 < 0xe000 {
					return 0x10000 + (r-0xd800)<<10 + (r2 - 0xdc00), 12, true
				}
			}
			return utf8.RuneError, 6, false
		case r >= 0xdc00 && r < 0xe000:
			return utf8.RuneError, 6, false
		}
		return r, 6, true
	}
	if b[1] >= 0x80 {
		return utf8.RuneError, 1, false
	}
	return utf8.RuneError, 2, false
}

// hex4 decodes the four hex digits at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// QuoteByte says a byte in an error message: 'x' when printable, else its value.
func QuoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("byte %#02x", c)
}
