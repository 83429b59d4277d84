package heap

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/gzip"
)

// Input is an opened dump file. Reading it yields the decompressed bytes (gzip is detected from
// the content, not the name); as it is read, the bytes on disk are hashed and counted, so the
// loader can record a sha256 and show progress.
type Input struct {
	Name    string    // as the user gave it; used in errors
	Size    int64     // bytes on disk
	ModTime time.Time // of the file
	Gzip    bool
	// GzipTime is the MTIME of the first gzip member's header, when the file is gzip'd and
	// the header sets one: the time the program that compressed it gave (Python's gzip
	// module: when it began writing; the gzip command: the modification time of the file it
	// compressed). Zero when unset (0), as Go's and Node's zlib leave it.
	GzipTime time.Time

	f    *os.File
	raw  *rawReader
	r    *bufio.Reader // decompressed
	off  int64         // decompressed bytes handed to the reader
	zerr error         // first gzip error, positioned
}

// rawReader reads the file on a goroutine of its own, a few blocks ahead of the caller, and
// hashes and counts the bytes there: hashing on the reading goroutine took a tenth of the time
// of a Python dump's parse.
type rawReader struct {
	h     hash.Hash // written by the goroutine; read after it has sent the end of the file
	read  atomic.Int64
	full  chan rawBlock // blocks read, in file order
	empty chan []byte   // blocks given back, to read into again
	stop  chan struct{} // closed by Close: the goroutine returns
	done  chan struct{} // closed when the goroutine has returned
	once  sync.Once     // closes stop
	cur   rawBlock      // the block being consumed
	off   int           // how much of cur.b is consumed
	err   error         // the error that ended the stream, io.EOF at its end
}

type rawBlock struct {
	b   []byte
	err error // set on the last block
}

const (
	rawBlockSize = 1 << 20
	rawAhead     = 4 // blocks read ahead
)

func newRawReader(r io.Reader) *rawReader {
	c := &rawReader{h: sha256.New(), full: make(chan rawBlock, rawAhead), empty: make(chan []byte, rawAhead+1),
		stop: make(chan struct{}), done: make(chan struct{})}
	go c.run(r)
	return c
}

func (c *rawReader) run(r io.Reader) {
	defer close(c.done)
	for {
		var b []byte
		select {
		case b = <-c.empty:
		default:
			b = make([]byte, rawBlockSize)
		}
		n, err := io.ReadFull(r, b[:cap(b)])
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		c.h.Write(b[:n])
		c.read.Add(int64(n))
		select {
		case c.full <- rawBlock{b[:n], err}:
		case <-c.stop:
			return
		}
		if err != nil {
			return
		}
	}
}

func (c *rawReader) Read(p []byte) (int, error) {
	for c.off == len(c.cur.b) {
		if c.err != nil {
			return 0, c.err
		}
		if c.cur.b != nil {
			select {
			case c.empty <- c.cur.b[:0]:
			default: // enough are waiting
			}
		}
		c.cur, c.off = <-c.full, 0
		if c.cur.err != nil {
			c.err = c.cur.err
		}
	}
	n := copy(p, c.cur.b[c.off:])
	c.off += n
	return n, nil
}

// halt tells the goroutine to return, if it has not already.
func (c *rawReader) halt() { c.once.Do(func() { close(c.stop) }) }

// Open opens path and detects gzip. An empty file is an error.
func Open(path string) (*Input, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s is a directory, not a dump file", path)
	}
	in := &Input{Name: path, Size: st.Size(), ModTime: st.ModTime(), f: f}
	in.raw = newRawReader(f)
	br := bufio.NewReaderSize(in.raw, 1<<20)
	magic, _ := br.Peek(2)
	if len(magic) == 0 {
		in.Close()
		return nil, &FormatError{File: path, Offset: 0, Err: errors.New("empty file (0 bytes)")}
	}
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			in.Close()
			if msg, ok := strings.CutPrefix(err.Error(), "gzip: "); ok {
				err = errors.New(msg)
			}
			return nil, &FormatError{File: path, Offset: 0, Where: OfFile, Record: "gzip header", Err: err}
		}
		in.Gzip = true
		in.GzipTime = zr.ModTime
		zr.Multistream(false) // gzipReader goes on to the next member itself
		in.r = bufio.NewReaderSize(&gzipReader{in: in, zr: zr, br: br}, 1<<20)
	} else {
		in.r = br
	}
	return in, nil
}

// gzipReader turns decompression errors into positioned FormatErrors.
//
// A file may hold several gzip members one after the other (what `cat a.gz b.gz` makes, and
// what some dumpers write); anything else after a member is an error, not silently ignored.
type gzipReader struct {
	in *Input
	zr *gzip.Reader
	br *bufio.Reader // the compressed bytes
}

func (g *gzipReader) Read(p []byte) (int, error) {
	n, err := g.zr.Read(p)
	if err == io.EOF { // the end of a member, its CRC-32 and length checked
		next, _ := g.br.Peek(2)
		switch {
		case len(next) == 0:
			return n, io.EOF
		case len(next) == 2 && next[0] == 0x1f && next[1] == 0x8b:
			if rerr := g.zr.Reset(g.br); rerr != nil {
				err = rerr
				break
			}
			g.zr.Multistream(false)
			if n == 0 {
				return g.Read(p)
			}
			return n, nil
		default:
			err = errors.New("data after the end of the compressed stream (two files joined, or a damaged file?)")
		}
	}
	if err != nil && err != io.EOF {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = errors.New("compressed stream ends early (truncated file? take it again)")
		}
		if g.in.zerr == nil {
			// The gzip package's errors start with "gzip: ", which Record already says.
			if msg, ok := strings.CutPrefix(err.Error(), "gzip: "); ok {
				err = errors.New(msg)
			}
			off := g.in.raw.read.Load() - int64(g.br.Buffered())
			g.in.zerr = &FormatError{File: g.in.Name, Offset: off, Where: OfFile, Record: "gzip", Err: err}
		}
		return n, g.in.zerr
	}
	return n, err
}

// Read reads decompressed bytes.
func (in *Input) Read(p []byte) (int, error) {
	n, err := in.r.Read(p)
	in.off += int64(n)
	return n, err
}

// Offset returns how many decompressed bytes have been read.
func (in *Input) Offset() int64 { return in.off }

// Where says which bytes an offset of a reader's FormatError counts: those of the file, or of
// the data inside a gzip'd one.
func (in *Input) Where() string {
	if in.Gzip {
		return OfData
	}
	return ""
}

// ExpectEnd checks that the reader read the whole file: nothing may follow the end of the dump
// (a dump cut and glued to another, or a damaged end record that the reader took for the end
// would otherwise load silently short). Reading to the end also makes the gzip layer check
// the stream's CRC-32 and length, so a damaged or truncated compressed file is caught even
// when the data inside ended cleanly.
func (in *Input) ExpectEnd() error {
	if n, err := io.Copy(io.Discard, in.r); n > 0 {
		if in.zerr != nil {
			return in.zerr
		}
		return &FormatError{File: in.Name, Offset: in.off, Where: in.Where(),
			Err: fmt.Errorf("%d more bytes after the end of the dump (two files joined, or a damaged end record?)", n)}
	} else if err != nil {
		if in.zerr != nil {
			return in.zerr
		}
		return err
	}
	return in.zerr
}

// Peek returns up to n decompressed bytes without consuming them.
func (in *Input) Peek(n int) []byte {
	b, _ := in.r.Peek(n)
	return b
}

// RawRead returns how many bytes of the file on disk have been read so far. It is safe to call
// from another goroutine (progress).
func (in *Input) RawRead() int64 { return in.raw.read.Load() }

// GzipErr returns the first decompression error, if any. A reader that failed may have failed
// because the compressed stream was broken; this error says so with the file offset.
func (in *Input) GzipErr() error { return in.zerr }

// Finish reads what is left of the file on disk and returns its sha256, hex-encoded.
func (in *Input) Finish() (string, error) {
	if _, err := io.Copy(io.Discard, in.raw); err != nil {
		return "", err
	}
	return hex.EncodeToString(in.raw.h.Sum(nil)), nil
}

// Close closes the file.
func (in *Input) Close() error {
	in.raw.halt()
	err := in.f.Close()
	<-in.raw.done
	return err
}
