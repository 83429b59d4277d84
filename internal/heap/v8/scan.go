package v8

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/memsee/memsee/internal/heap/jsontext"
)

// scanner is the tokenizer: it reads JSON tokens straight out of a bufio.Reader's buffer
// (Peek and Discard, no copy) and knows the stream offset of every byte. It never holds more
// of the file than that buffer.
type scanner struct {
	ctx  context.Context // checked while skipping, which may go on for long
	br   *bufio.Reader
	buf  []byte // the window: the reader's buffered bytes, valid until the next fill
	pos  int    // the next unread byte of buf
	base int64  // stream offset of buf[0]
	rerr error  // the error that ended reading: io.EOF at the end of the file
}

// errEnd is what the scanner returns when the stream ends (or fails, see rerr) where the
// JSON goes on. The parser turns it into a FormatError that says how far it got.
var errEnd = errors.New("end of input")

// syntaxError is a scanner error at an offset. The parser adds the record it was reading.
type syntaxError struct {
	off int64
	msg string
}

func (e *syntaxError) Error() string { return e.msg }

func (s *scanner) offset() int64 { return s.base + int64(s.pos) }

func (s *scanner) errorf(format string, args ...any) error {
	return &syntaxError{off: s.offset(), msg: fmt.Sprintf(format, args...)}
}

// fill makes at least n unread bytes available (n at most the buffer size), sliding the
// window; it reports false when the stream ends first, leaving what there is readable.
func (s *scanner) fill(n int) bool {
	for len(s.buf)-s.pos < n {
		if s.rerr != nil {
			return false
		}
		s.br.Discard(s.pos) // cannot fail: the bytes are buffered
		s.base += int64(s.pos)
		s.pos = 0
		b, err := s.br.Peek(s.br.Size())
		s.buf = b
		if err != nil {
			s.rerr = err
		}
	}
	return true
}

// isSpace marks JSON whitespace.
var isSpace = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// peek returns the next byte that is not whitespace, without consuming it.
func (s *scanner) peek() (byte, error) {
	for {
		for s.pos < len(s.buf) {
			c := s.buf[s.pos]
			if !isSpace[c] {
				return c, nil
			}
			s.pos++
		}
		if !s.fill(1) {
			return 0, errEnd
		}
	}
}

// expect consumes c, after whitespace.
func (s *scanner) expect(c byte, what string) error {
	got, err := s.peek()
	if err != nil {
		return err
	}
	if got != c {
		return s.errorf("want %s, found %s", what, jsontext.QuoteByte(got))
	}
	s.pos++
	return nil
}

// maxDigits bounds an integer: 19 digits always fit in a uint64.
const maxDigits = 19

// uint parses an unsigned integer, after whitespace. Fractions, exponents and signs are
// errors: every number the reader keeps is a count, an index or an id.
func (s *scanner) uint() (uint64, error) {
	// The fast path: the digits and what ends them are in the window.
	if len(s.buf)-s.pos > maxDigits+1 {
		b := s.buf[s.pos : s.pos+maxDigits+2]
		if d := b[0] - '0'; d <= 9 {
			v := uint64(d)
			i := 1
			for ; i <= maxDigits; i++ {
				d := b[i] - '0'
				if d > 9 {
					break
				}
				v = v*10 + uint64(d)
			}
			if i <= maxDigits && !isNumberTail[b[i]] {
				s.pos += i
				return v, nil
			}
		}
	}
	return s.uintSlow()
}

// isNumberTail marks the bytes after the digits that make a number other than an integer.
var isNumberTail = [256]bool{'.': true, 'e': true, 'E': true}

func (s *scanner) uintSlow() (uint64, error) {
	c, err := s.peek()
	if err != nil {
		return 0, err
	}
	if c-'0' > 9 {
		return 0, s.errorf("want an unsigned integer, found %s", jsontext.QuoteByte(c))
	}
	start := s.offset()
	var v uint64
	for n := 0; ; n++ {
		if s.pos == len(s.buf) && !s.fill(1) {
			return 0, errEnd // a snapshot never ends with a number: the file was cut
		}
		c := s.buf[s.pos]
		if c-'0' > 9 {
			if c == '.' || c == 'e' || c == 'E' {
				return 0, s.errorf("want an integer, found a fraction or an exponent")
			}
			return v, nil
		}
		if n == maxDigits {
			return 0, &syntaxError{off: start, msg: "integer too large"}
		}
		v = v*10 + uint64(c-'0')
		s.pos++
	}
}

// strSpecial marks the bytes the fast loop of str stops at.
var strSpecial = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	for c := 0x80; c < 0x100; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// str decodes a JSON string, after its opening quote, through its closing quote, and appends
// up to limit bytes of it to dst, cut at a character boundary. The strings of a snapshot are
// hostile (V8 writes lone surrogates of JS strings as \uXXXX escapes): what is not valid text
// (a lone surrogate, a raw control byte, bytes that are not UTF-8, an unknown escape) becomes
// U+FFFD. Only the end of the file inside a string is an error.
func (s *scanner) str(dst []byte, limit int) ([]byte, error) {
	full := false // a character did not fit: append nothing more
	for {
		// The fast loop: plain ASCII.
		i := s.pos
		for i < len(s.buf) && !strSpecial[s.buf[i]] {
			i++
		}
		if !full {
			k := min(i-s.pos, limit-len(dst))
			dst = append(dst, s.buf[s.pos:s.pos+k]...)
			full = k < i-s.pos
		}
		s.pos = i
		if s.pos == len(s.buf) {
			if !s.fill(1) {
				return dst, errEnd
			}
			continue
		}
		switch c := s.buf[s.pos]; {
		case c == '"':
			s.pos++
			return dst, nil
		case c == '\\':
			r, err := s.escape()
			if err != nil {
				return dst, err
			}
			dst, full = putRune(dst, full, r, limit)
		case c < 0x20:
			s.pos++
			dst, full = putRune(dst, full, utf8.RuneError, limit)
		default:
			s.fill(utf8.UTFMax) // a character cut by the end of the window; short at the end of the file
			r, size := utf8.DecodeRune(s.buf[s.pos:])
			if r == utf8.RuneError && size <= 1 {
				s.pos++
				dst, full = putRune(dst, full, utf8.RuneError, limit)
				continue
			}
			if !full && len(dst)+size <= limit {
				dst = append(dst, s.buf[s.pos:s.pos+size]...)
			} else {
				full = true
			}
			s.pos += size
		}
	}
}

// putRune appends r to dst unless dst is full or r would take it past limit.
func putRune(dst []byte, full bool, r rune, limit int) ([]byte, bool) {
	if full || len(dst)+utf8.RuneLen(r) > limit {
		return dst, true
	}
	return utf8.AppendRune(dst, r), false
}

// escape decodes the escape at s.pos (a backslash) into one character; unsound escapes read
// as U+FFFD (jsontext.Escape).
func (s *scanner) escape() (rune, error) {
	if !s.fill(2) {
		return 0, errEnd
	}
	s.fill(jsontext.MaxEscape)
	r, n, _ := jsontext.Escape(s.buf[s.pos:])
	s.pos += n
	return r, nil
}

// isToken marks the bytes of a bare JSON number or literal.
var isToken = func() (t [256]bool) {
	for _, c := range []byte("0123456789+-.eEabcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		t[c] = true
	}
	return t
}()

// token consumes a bare number or literal, keeping up to limit bytes of it.
func (s *scanner) token(dst []byte, limit int) ([]byte, error) {
	n := 0
	for {
		for s.pos < len(s.buf) {
			c := s.buf[s.pos]
			if !isToken[c] {
				if n == 0 {
					return dst, s.errorf("want a value, found %s", jsontext.QuoteByte(c))
				}
				return dst, nil
			}
			if n < limit {
				dst = append(dst, c)
			}
			n++
			s.pos++
		}
		if !s.fill(1) {
			return dst, errEnd // a snapshot never ends with a bare value: the file was cut
		}
	}
}

// maxDepth bounds the nesting of the values the reader skips. trace_tree nests one level
// per stack frame of an allocation.
const maxDepth = 10000

// skip consumes one value of any kind, without keeping it: the sections the reader does not
// use (trace_function_infos, trace_tree, samples, locations) and unknown keys. It is a loop
// over a stack of open brackets, so that deep nesting costs no recursion.
func (s *scanner) skip() error {
	var open []byte // the closing bracket of each open array or object
	for n := 1; ; n++ {
		if n&0xffff == 0 {
			if err := s.ctx.Err(); err != nil {
				return err
			}
		}
		// A value.
		c, err := s.peek()
		if err != nil {
			return err
		}
		switch {
		case c == '[' || c == '{':
			if len(open) == maxDepth {
				return s.errorf("values nested more than %d deep", maxDepth)
			}
			s.pos++
			closing := byte(']')
			if c == '{' {
				closing = '}'
			}
			c, err := s.peek()
			if err != nil {
				return err
			}
			if c == closing {
				s.pos++
				break
			}
			open = append(open, closing)
			if closing == '}' {
				if err := s.key(); err != nil {
					return err
				}
			}
			continue
		case c == '"':
			s.pos++
			if _, err := s.str(nil, 0); err != nil {
				return err
			}
		default:
			if _, err := s.token(nil, 0); err != nil {
				return err
			}
		}
		// After a value: close what ends here, then a comma or the end.
		for {
			if len(open) == 0 {
				return nil
			}
			c, err := s.peek()
			if err != nil {
				return err
			}
			closing := open[len(open)-1]
			if c == closing {
				s.pos++
				open = open[:len(open)-1]
				continue
			}
			if c != ',' {
				return s.errorf("want ',' or %q, found %s", closing, jsontext.QuoteByte(c))
			}
			s.pos++
			if closing == '}' {
				if err := s.key(); err != nil {
					return err
				}
			}
			break
		}
	}
}

// key consumes an object key that is skipped, and its colon.
func (s *scanner) key() error {
	if err := s.expect('"', "a key"); err != nil {
		return err
	}
	if _, err := s.str(nil, 0); err != nil {
		return err
	}
	return s.expect(':', "':' after a key")
}
