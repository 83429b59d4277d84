package jsontext

import (
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/memsee/memsee/internal/heap"
)

// ErrTruncated is the error of a stream that ends inside a line.
var ErrTruncated = errors.New("the file ends in the middle of this line: it looks truncated (take the dump again)")

// ErrLineEnds is the error of a record that a newline cuts short.
var ErrLineEnds = errors.New("the line ends in the middle of a record")

// Lines is the window of a reader of JSON lines (one record a line, as meliae and Ruby's
// dump_all write them) over its stream, and where it is: the readers embed it and parse from
// Buf[Pos:End], calling Fill for more. Its errors are heap.FormatErrors that name the file,
// the line and the column.
type Lines struct {
	Name string    // the file, for errors
	R    io.Reader // the stream
	Buf  []byte    // the window; its size is the reader's choice
	Pos  int       // the next unread byte is Buf[Pos]
	End  int       // the unread bytes are Buf[Pos:End]
	Base int64     // the stream offset of Buf[0]
	RErr error     // sticky: the error that ended reading (io.EOF at the end)

	Line      int64 // the number of the current line, from 1
	LineStart int64 // its offset
	Repaired  bool  // Str met a string that is not valid JSON, and repaired it
}

// Fill makes at least n unread bytes available, moving the unread ones to the front of the
// window; it reports false when the stream ends first.
func (l *Lines) Fill(n int) bool {
	if l.End-l.Pos >= n {
		return true
	}
	if l.Pos > 0 {
		copy(l.Buf, l.Buf[l.Pos:l.End])
		l.Base += int64(l.Pos)
		l.End -= l.Pos
		l.Pos = 0
	}
	for empty := 0; l.End < n && l.RErr == nil; {
		m, err := l.R.Read(l.Buf[l.End:])
		l.End += m
		if err != nil {
			l.RErr = err
		} else if m == 0 {
			if empty++; empty >= 100 {
				l.RErr = io.ErrNoProgress
			}
		}
	}
	return l.End-l.Pos >= n
}

// More reports whether an unread byte is available.
func (l *Lines) More() bool { return l.Pos < l.End || l.Fill(1) }

// Offset is the stream offset of the next unread byte.
func (l *Lines) Offset() int64 { return l.Base + int64(l.Pos) }

// Fail returns a positioned error for the current line, at the next unread byte's column.
func (l *Lines) Fail(format string, args ...any) error {
	return l.FailErr(fmt.Errorf("column %d: %s", l.Offset()-l.LineStart+1, fmt.Sprintf(format, args...)))
}

// FailErr returns err positioned at the current line.
func (l *Lines) FailErr(err error) error {
	return &heap.FormatError{File: l.Name, Offset: l.LineStart, Record: fmt.Sprintf("line %d", l.Line), Err: err}
}

// Ended returns the error for a stream that ended inside a record: the reader's own error,
// or ErrTruncated at the end of the file.
func (l *Lines) Ended() error {
	if l.RErr != nil && l.RErr != io.EOF {
		var fe *heap.FormatError
		if errors.As(l.RErr, &fe) {
			return l.RErr // the gzip layer's, positioned in the compressed file
		}
		return l.FailErr(l.RErr)
	}
	return l.FailErr(ErrTruncated)
}

// Peek returns the next unread byte, skipping spaces; a newline ends the record.
func (l *Lines) Peek() (byte, error) {
	for {
		for l.Pos < l.End {
			c := l.Buf[l.Pos]
			switch c {
			case ' ', '\t', '\r':
				l.Pos++
				continue
			case '\n':
				return 0, l.FailErr(fmt.Errorf("column %d: %w", l.Offset()-l.LineStart+1, ErrLineEnds))
			}
			return c, nil
		}
		if !l.Fill(1) {
			return 0, l.Ended()
		}
	}
}

// Expect consumes c, after spaces.
func (l *Lines) Expect(c byte, what string) error {
	got, err := l.Peek()
	if err != nil {
		return err
	}
	if got != c {
		return l.Fail("want %s, found %s", what, QuoteByte(got))
	}
	l.Pos++
	return nil
}

// ListNext reads what follows an element of a list: ',' and the whitespace after it (more is
// true, and the next element's first byte is at Pos), or the closing ']'.
func (l *Lines) ListNext(what string) (more bool, err error) { return l.Next(']', "in "+what) }

// Next reads what follows a value in a list or an object that ends with closing: ',' and the
// whitespace after it (more is true, and the next value's first byte is at Pos), or closing.
// where says where the value is, for the error ("after a value", "in the refs"; "" for none).
func (l *Lines) Next(closing byte, where string) (more bool, err error) {
	c, err := l.Peek()
	if err != nil {
		return false, err
	}
	l.Pos++
	switch c {
	case ',':
		_, err := l.Peek()
		return err == nil, err
	case closing:
		return false, nil
	}
	l.Pos--
	if where != "" {
		where = " " + where
	}
	return false, l.Fail("want ',' or %q%s, found %s", closing, where, QuoteByte(c))
}

// StrSpecial marks the bytes the fast loop of Str stops at: control bytes, a quote, a
// backslash, and every byte of a multi-byte rune.
var StrSpecial = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	for c := 0x80; c < 0x100; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// Str decodes a JSON string, after its opening quote, through its closing quote, appending
// up to limit runes of it to dst. What is not valid JSON (a lone surrogate escape, a raw
// control byte, bytes that are not UTF-8, an unknown escape) becomes U+FFFD and sets
// Repaired; only a newline or the end of the file inside a string is an error.
func (l *Lines) Str(dst []byte, limit int) ([]byte, error) {
	n := 0 // runes seen
	for {
		// The fast loop: plain ASCII.
		i := l.Pos
		for i < l.End && !StrSpecial[l.Buf[i]] {
			i++
		}
		if n < limit {
			k := min(i-l.Pos, limit-n)
			dst = append(dst, l.Buf[l.Pos:l.Pos+k]...)
		}
		n += i - l.Pos
		l.Pos = i
		if l.Pos == l.End {
			if !l.Fill(1) {
				return dst, l.Ended()
			}
			continue
		}
		c := l.Buf[l.Pos]
		if c == '"' {
			l.Pos++
			return dst, nil
		}
		if c < 0x80 {
			r, err := l.escapeOrControl()
			if err != nil {
				return dst, err
			}
			if n < limit {
				dst = utf8.AppendRune(dst, r)
			}
			n++
			continue
		}
		l.Fill(utf8.UTFMax) // a rune cut by the end of the window; short at the end of the file
		r, size := utf8.DecodeRune(l.Buf[l.Pos:l.End])
		if r == utf8.RuneError && size <= 1 {
			l.Repaired = true
			size = 0 // U+FFFD itself, below
		}
		if n < limit {
			if size == 0 {
				dst = utf8.AppendRune(dst, utf8.RuneError)
			} else {
				dst = append(dst, l.Buf[l.Pos:l.Pos+size]...)
			}
		}
		n++
		l.Pos += max(size, 1)
	}
}

// escapeOrControl decodes the escape (a backslash) or control byte at Pos into one rune.
func (l *Lines) escapeOrControl() (rune, error) {
	c := l.Buf[l.Pos]
	if c == '\n' {
		return 0, l.Fail("the line ends inside a string")
	}
	if c != '\\' {
		l.Repaired = true
		l.Pos++
		return utf8.RuneError, nil
	}
	if !l.Fill(2) {
		return 0, l.Ended()
	}
	if l.Buf[l.Pos+1] == '\n' {
		l.Pos++
		return 0, l.Fail("the line ends inside a string")
	}
	l.Fill(MaxEscape)
	r, n, ok := Escape(l.Buf[l.Pos:l.End])
	l.Pos += n
	l.Repaired = l.Repaired || !ok
	return r, nil
}

// Token parses a bare number or literal, whose bytes isToken marks, keeping up to limit bytes
// of it.
func (l *Lines) Token(dst []byte, limit int, isToken *[256]bool) ([]byte, error) {
	n := 0
	for {
		for l.Pos < l.End {
			c := l.Buf[l.Pos]
			if !isToken[c] {
				if n == 0 {
					return dst, l.Fail("want a value, found %s", QuoteByte(c))
				}
				return dst, nil
			}
			if n < limit {
				dst = append(dst, c)
			}
			n++
			l.Pos++
		}
		if !l.Fill(1) {
			return dst, l.Ended()
		}
	}
}

// StartRecord moves to the first byte of the next line that is not blank, past the spaces
// before it, counting the lines it passes (Line, LineStart). It returns false at the end of
// the stream, and the reader's error if the stream failed.
func (l *Lines) StartRecord() (bool, error) {
	for {
		if !l.More() {
			if l.RErr != io.EOF {
				l.LineStart = l.Offset()
				return false, l.Ended()
			}
			return false, nil
		}
		l.Line++
		l.LineStart = l.Offset()
		for l.More() { // the spaces before the record, or a blank line
			if c := l.Buf[l.Pos]; c != ' ' && c != '\t' && c != '\r' {
				break
			}
			l.Pos++
		}
		if !l.More() {
			if l.RErr != io.EOF {
				return false, l.Ended()
			}
			return false, nil
		}
		if l.Buf[l.Pos] != '\n' {
			return true, nil
		}
		l.Pos++
	}
}

// EndRecord reads what may follow a record on its line: spaces, then the end of the line or
// of the stream.
func (l *Lines) EndRecord() error {
	for l.More() {
		c := l.Buf[l.Pos]
		if c == ' ' || c == '\t' || c == '\r' {
			l.Pos++
			continue
		}
		if c != '\n' {
			return l.Fail("found %s after the end of the record", QuoteByte(c))
		}
		l.Pos++
		break
	}
	return nil
}

// Skip parses and drops a value the reader does not keep (a key it does not know), nested at
// most maxDepth deep below depth. isToken marks the bytes of a bare number or literal; str,
// when not nil, skips a string after its opening quote (else Str does).
func (l *Lines) Skip(depth, maxDepth int, isToken *[256]bool, str func() error) error {
	if depth > maxDepth {
		return l.Fail("values nested too deeply")
	}
	c, err := l.Peek()
	if err != nil {
		return err
	}
	switch c {
	case '"':
		l.Pos++
		if str != nil {
			return str()
		}
		_, err := l.Str(nil, 0)
		return err
	case '[', '{':
		l.Pos++
		closing := byte(']')
		if c == '{' {
			closing = '}'
		}
		c, err := l.Peek()
		if err != nil {
			return err
		}
		if c == closing {
			l.Pos++
			return nil
		}
		for {
			if closing == '}' {
				if err := l.Expect('"', "a key"); err != nil {
					return err
				}
				if _, err := l.Str(nil, 0); err != nil {
					return err
				}
				if err := l.Expect(':', "':' after a key"); err != nil {
					return err
				}
			}
			if err := l.Skip(depth+1, maxDepth, isToken, str); err != nil {
				return err
			}
			if more, err := l.Next(closing, ""); !more {
				return err
			}
		}
	}
	_, err = l.Token(nil, 0, isToken)
	return err
}
