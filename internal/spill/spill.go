// Package spill keeps arrays that a load writes once and reads back later, in order, in a
// temporary file rather than in memory: what is only read again after a long step (the pages'
// edge names during the dominators, say) then takes no memory meanwhile.
package spill

import (
	"errors"
	"fmt"
	"io"
	"os"
	"unsafe"
)

// File is a temporary file of arrays. Its name is removed as soon as it is created, where the
// system allows (then nothing is left behind, whatever ends the process), and at Close
// elsewhere. Its arrays are written and read in the machine's own byte order: only the process
// that wrote them reads them.
type File struct {
	f    *os.File
	dir  string
	name string // the file's name while it is still to be removed (at Close), else ""
	size int64  // bytes written
}

// Element is what a File keeps arrays of.
type Element interface {
	~uint8 | ~int32 | ~uint32 | ~uint64
}

// Error says that the temporary file could not be created, written or read back: most often
// a full disk. Nothing of the load is in the database then.
type Error struct {
	Dir string
	Err error
}

func (e *Error) Error() string {
	return fmt.Sprintf("the load's scratch file in %s: %v: free space there, or set TMPDIR to a directory on a disk with room", e.Dir, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Create makes a File in dir (os.TempDir() when dir is ""), readable and writable by its owner
// only.
func Create(dir string) (*File, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	f, err := os.CreateTemp(dir, "memsee-spill-*") // mode 0600
	if err != nil {
		return nil, &Error{Dir: dir, Err: err}
	}
	sf := &File{f: f, dir: dir}
	if err := os.Remove(f.Name()); err != nil {
		sf.name = f.Name() // a system that cannot remove an open file: removed at Close
	}
	return sf, nil
}

// Close closes the file and removes it if Create could not. Sections of a closed File are
// not to be read.
func (f *File) Close() error {
	if f == nil || f.f == nil {
		return nil
	}
	err := f.f.Close()
	f.f = nil
	if f.name != "" {
		if rerr := os.Remove(f.name); rerr != nil && err == nil {
			err = rerr
		}
		f.name = ""
	}
	return err
}

// Size returns the bytes written to f.
func (f *File) Size() int64 { return f.size }

// Section is an array of T written to a File.
type Section[T Element] struct {
	f   *File
	off int64 // byte offset in f
	n   int   // elements
}

// Len returns the number of elements.
func (s Section[T]) Len() int { return s.n }

// Write appends s to f and returns where it is.
func Write[T Element](f *File, s []T) (Section[T], error) {
	if f == nil || f.f == nil {
		return Section[T]{}, errors.New("spill: write to a closed file")
	}
	sec := Section[T]{f: f, off: f.size, n: len(s)}
	if len(s) == 0 {
		return sec, nil
	}
	b := asBytes(s)
	if _, err := f.f.WriteAt(b, f.size); err != nil {
		return Section[T]{}, &Error{Dir: f.dir, Err: err}
	}
	f.size += int64(len(b))
	return sec, nil
}

// ReadAt fills dst with the elements of s from index i on; fewer than len(dst) where s ends
// first. It returns how many it read.
func (s Section[T]) ReadAt(dst []T, i int) (int, error) {
	if i < 0 || i > s.n {
		return 0, fmt.Errorf("spill: element %d of %d", i, s.n)
	}
	dst = dst[:min(len(dst), s.n-i)]
	if len(dst) == 0 {
		return 0, nil
	}
	if s.f == nil || s.f.f == nil {
		return 0, errors.New("spill: read of a closed file")
	}
	var t T
	size := int64(unsafe.Sizeof(t))
	if _, err := s.f.f.ReadAt(asBytes(dst), s.off+int64(i)*size); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return 0, &Error{Dir: s.f.dir, Err: err}
	}
	return len(dst), nil
}

// Load reads the whole of s back into a new slice.
func (s Section[T]) Load() ([]T, error) {
	out := make([]T, s.n)
	if _, err := s.ReadAt(out, 0); err != nil {
		return nil, err
	}
	return out, nil
}

// Reader reads a Section in order through a buffer of its own.
type Reader[T Element] struct {
	s    Section[T]
	buf  []T
	i    int // index in buf of the next element
	next int // index in s of the element after buf
	err  error
}

// NewReader returns a Reader of s with a buffer of size elements (at least one).
func NewReader[T Element](s Section[T], size int) *Reader[T] {
	return &Reader[T]{s: s, buf: make([]T, 0, max(size, 1))}
}

// Next returns the next element; zero past the end or after an error (see Err).
func (r *Reader[T]) Next() T {
	if r.i == len(r.buf) {
		if r.err != nil || r.next >= r.s.n {
			if r.err == nil {
				r.err = io.ErrUnexpectedEOF
			}
			var zero T
			return zero
		}
		n, err := r.s.ReadAt(r.buf[:cap(r.buf)], r.next)
		if err != nil {
			r.err = err
			var zero T
			return zero
		}
		r.buf, r.i, r.next = r.buf[:n], 0, r.next+n
	}
	v := r.buf[r.i]
	r.i++
	return v
}

// Err returns the first error Next met: a read that failed, or a read past the end.
func (r *Reader[T]) Err() error { return r.err }

func asBytes[T Element](s []T) []byte {
	var t T
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(t)))
}

// Writer writes an array to a File a run at a time, through a buffer of its own: for an array
// that is never whole in memory. Nothing else may be written to the File until it is closed.
type Writer[T Element] struct {
	f     *File
	start int64 // byte offset in f of the array
	n     int   // elements written, the buffer's included
	buf   []T
	err   error
}

// NewWriter returns a Writer of a new array at the end of f, with a buffer of size elements
// (at least one).
func NewWriter[T Element](f *File, size int) *Writer[T] {
	w := &Writer[T]{f: f, buf: make([]T, 0, max(size, 1))}
	if f != nil {
		w.start = f.size
	}
	return w
}

// Write appends run to the array.
func (w *Writer[T]) Write(run []T) error {
	for len(run) > 0 && w.err == nil {
		k := copy(w.buf[len(w.buf):cap(w.buf)], run)
		w.buf, run, w.n = w.buf[:len(w.buf)+k], run[k:], w.n+k
		if len(w.buf) == cap(w.buf) {
			w.flush()
		}
	}
	return w.err
}

// Add appends v to the array.
func (w *Writer[T]) Add(v T) error {
	w.buf = append(w.buf, v)
	w.n++
	if len(w.buf) == cap(w.buf) {
		w.flush()
	}
	return w.err
}

func (w *Writer[T]) flush() {
	if w.err == nil && len(w.buf) > 0 {
		_, w.err = Write(w.f, w.buf)
	}
	w.buf = w.buf[:0]
}

// Close writes what the buffer holds and returns the array.
func (w *Writer[T]) Close() (Section[T], error) {
	w.flush()
	if w.err != nil {
		return Section[T]{}, w.err
	}
	return Section[T]{f: w.f, off: w.start, n: w.n}, nil
}
