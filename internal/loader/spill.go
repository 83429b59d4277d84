package loader

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"os"
	"slices"
	"unsafe"

	"github.com/memsee/memsee/internal/heap/graph"
	"github.com/memsee/memsee/internal/store/page"
)

// spillMin is the fewest 4-byte values worth a scratch file (worthSpilling): below it the file
// costs more than the memory it frees. (A variable for the tests, which spill every array.)
var spillMin = 1 << 22

// spilled is an array of uint32 kept in a scratch file while the load does not need it.
type spilled struct {
	f *os.File
	n int // values
}

// spillEdges writes names (edge index -> name) to a new scratch file in dir in the order perm
// gives the objects (perm[i] is the object whose edges come i-th; start is edge start by
// object, as names is indexed), so that it reads back in that order, and returns the file for
// the caller to let names go. It returns nil, and names stays where it was needed, when names
// is short or the file cannot be written (writeScratch): spilling only lowers the peak.
func spillEdges(dir string, names *chunks, start []uint32, perm []graph.ObjID) *spilled {
	if !worthSpilling(4 * names.len()) {
		return nil
	}
	f := writeScratch(dir, func(w *bufio.Writer) {
		lo, hi := uint32(0), uint32(0) // the edges to write next: objects in a row write at once
		for _, v := range perm {
			if start[v] != hi {
				names.write(w, lo, hi)
				lo = start[v]
			}
			hi = start[v+1]
		}
		names.write(w, lo, hi)
	})
	if f == nil {
		return nil
	}
	return &spilled{f: f, n: names.len()}
}

// writeScratch writes what write writes to a new scratch file in dir and returns the file, or
// nil when it cannot be made or written (a full disk, a directory that cannot be written to).
// The file is removed at once where the system allows a file to be removed while open, so that
// it goes with the process whatever happens; closeScratch removes it elsewhere.
func writeScratch(dir string, write func(w *bufio.Writer)) *os.File {
	f, err := os.CreateTemp(dir, ".memsee-scratch-*")
	if err != nil {
		return nil
	}
	os.Remove(f.Name()) // fails where an open file cannot be removed: closeScratch does it then
	w := bufio.NewWriterSize(f, 1<<20)
	write(w)
	if err := w.Flush(); err != nil {
		closeScratch(f)
		return nil
	}
	return f
}

// closeScratch closes a file writeScratch made and removes it, if it is still there.
func closeScratch(f *os.File) {
	f.Close()
	os.Remove(f.Name())
}

// spillColumns writes per-object columns, each indexed by object and all as long, to a new
// scratch file in dir a page at a time: page p's block holds, for the objects of the page
// (page.Size of them from p*page.Size), the values of each column in turn, so that a page reads
// its values in one read (pageColumns.of). It returns nil, and the columns stay where they are
// needed, as spillEdges does: when they are short or the file cannot be written.
func spillColumns(dir string, cols ...[]uint32) *spilled {
	n := len(cols[0])
	if !worthSpilling(4 * len(cols) * n) {
		return nil
	}
	f := writeScratch(dir, func(w *bufio.Writer) {
		for lo := 0; lo < n; lo += page.Size {
			hi := min(lo+page.Size, n)
			for _, c := range cols {
				w.Write(bytesOf(c[lo:hi]))
			}
		}
	})
	if f == nil {
		return nil
	}
	return &spilled{f: f, n: len(cols) * n}
}

// columns reads back whole the k columns of n values each that spillColumns wrote.
func (sp *spilled) columns(k, n int) ([][]uint32, error) {
	if sp.n != k*n {
		return nil, fmt.Errorf("reading back the load's scratch file: %d values, not %d columns of %d", sp.n, k, n)
	}
	cols := make([][]uint32, k)
	for j := range cols {
		cols[j] = make([]uint32, n)
	}
	var buf []uint32
	for lo := 0; lo < n; lo += page.Size {
		hi := min(lo+page.Size, n)
		var err error
		if buf, err = sp.readAt(buf, uint32(k*lo), uint32(k*hi)); err != nil {
			return nil, err
		}
		for j, c := range cols {
			copy(c[lo:hi], buf[j*(hi-lo):(j+1)*(hi-lo)])
		}
	}
	return cols, nil
}

// readAt reads the values [lo, hi) into buf, grown as needed, and returns them.
func (sp *spilled) readAt(buf []uint32, lo, hi uint32) ([]uint32, error) {
	buf = slices.Grow(buf[:0], int(hi-lo))[:hi-lo]
	if err := readScratch(sp.f, bytesOf(buf), 4*int64(lo)); err != nil {
		return nil, err
	}
	return buf, nil
}

// gather returns, for each index of at (NoEdge: none), the value at that index in the file:
// the names of the edges the objects were reached over. It reads the file once, in a few
// parts, and looks through at for each part.
func (sp *spilled) gather(at []uint32) ([]uint32, error) {
	out := make([]uint32, len(at))
	part := uint32(max(sp.n/gatherParts, gatherMin))
	var buf []uint32
	for lo := uint32(0); int(lo) < sp.n; lo += part {
		hi := uint32(min(int(lo)+int(part), sp.n))
		var err error
		if buf, err = sp.readAt(buf, lo, hi); err != nil {
			return nil, err
		}
		pickAt(out, at, buf, lo)
	}
	return out, nil
}

// pickAt sets out[i] to the value at index at[i] of an array whose values [lo, lo+len(vals)) are
// vals, for each at[i] among them (NoEdge never is).
func pickAt(out, at, vals []uint32, lo uint32) {
	n := uint32(len(vals))
	for i, e := range at {
		if e-lo < n { // lo <= e < lo+n, in one comparison
			out[i] = vals[e-lo]
		}
	}
}

// gatherParts is how many parts gather reads the file in, at most, and gatherMin the fewest
// values in a part: each part is a pass over the indices, and takes 4 bytes per value in it.
// (gatherMin is a variable for the tests, which read in many parts.)
const gatherParts = 4

var gatherMin = 1 << 20

// close removes the file, if it is still there. A nil spilled has nothing to close.
func (sp *spilled) close() {
	if sp != nil && sp.f != nil {
		closeScratch(sp.f)
		sp.f = nil
	}
}

// parking moves arrays that a step of the load does not read to a scratch file, and back once
// the step is over (the sink's types, values and lengths and the graph's addresses, around the
// analysis), so that they do not add to the step's peak. Arrays are added with parkArray, then
// parked together.
type parking struct {
	arrays []parkedArray
	f      *os.File     // once parked
	arena  *graph.Arena // where some of the arrays may be: given back when parked
}

// parkedArray is one array of a parking.
type parkedArray struct {
	mem  []byte                  // the array's memory, until it is written
	drop func()                  // lets the array go, once it is in the file
	back func(io.ReaderAt) error // reads it back from its bytes in the file, where it was
	stay bool                    // unpark leaves it in the file (parkStaying)
	at   *io.SectionReader       // its bytes in the file, once parked
}

// parkArray adds *s to p: park sets *s to nil, unpark to an array of the same values.
func parkArray[T uint8 | uint32 | int32 | uint64](p *parking, s *[]T) {
	addParked(p, s, false)
}

// parkStaying adds *s to p as parkArray does, but unpark leaves it in the file, for its reader
// to read a part at a time from what parked returns. It returns the array's index in p, or -1
// for an empty array, which nothing is parked for.
func parkStaying[T uint8 | uint32 | int32 | uint64](p *parking, s *[]T) int {
	if !addParked(p, s, true) {
		return -1
	}
	return len(p.arrays) - 1
}

// parked returns the bytes of array i (parkStaying's index) in the file, or nil when it is not
// there: p did not park, or the array was empty.
func (p *parking) parked(i int) *io.SectionReader {
	if p.f == nil || i < 0 || i >= len(p.arrays) {
		return nil
	}
	return p.arrays[i].at
}

// addParked adds *s to p, unless it is empty, and reports whether it did.
func addParked[T uint8 | uint32 | int32 | uint64](p *parking, s *[]T, stay bool) bool {
	n := len(*s)
	if n == 0 {
		return false
	}
	p.arrays = append(p.arrays, parkedArray{
		stay: stay,
		mem:  bytesOf(*s),
		drop: func() { graph.ArenaRelease(p.arena, *s); *s = nil },
		back: func(r io.ReaderAt) error {
			v := make([]T, n)
			if err := readScratch(r, bytesOf(v), 0); err != nil {
				return err
			}
			*s = v
			return nil
		},
	})
	return true
}

// readScratch reads len(b) bytes at off of a scratch file: all of them, or an error.
func readScratch(r io.ReaderAt, b []byte, off int64) error {
	if k, err := r.ReadAt(b, off); k < len(b) {
		return fmt.Errorf("reading back the load's scratch file: %w", cmp.Or(err, io.ErrUnexpectedEOF))
	}
	return nil
}

// worthSpilling reports whether so many bytes are worth a scratch file: below 4*spillMin (16
// MiB) the file costs more than the memory it frees.
func worthSpilling(bytes int) bool { return bytes >= 4*spillMin }

// bytesOf returns the memory of s as bytes.
func bytesOf[T uint8 | uint32 | int32 | uint64](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var x T
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(x)))
}

// park writes the arrays to a new scratch file in dir and lets them go, and reports whether it
// did. They stay where they are when they are short (as spillEdges keeps a short array) or the
// file cannot be written.
func (p *parking) park(dir string) bool {
	total := 0
	for _, a := range p.arrays {
		total += len(a.mem)
	}
	if !worthSpilling(total) {
		p.arrays = nil
		return false
	}
	f := writeScratch(dir, func(w *bufio.Writer) {
		for _, a := range p.arrays {
			w.Write(a.mem)
		}
	})
	if f == nil {
		p.arrays = nil
		return false
	}
	off := int64(0)
	for i := range p.arrays {
		a := &p.arrays[i]
		a.at = io.NewSectionReader(f, off, int64(len(a.mem)))
		off += int64(len(a.mem))
		a.mem = nil
		a.drop()
	}
	p.f = f
	return true
}

// unpark reads the parked arrays back, each where it was, and removes the file, unless an
// array stays in it (parkStaying): close removes it then. With nothing parked it does nothing.
func (p *parking) unpark() error {
	if p.f == nil {
		return nil
	}
	staying := false
	for _, a := range p.arrays {
		if a.stay {
			staying = true
			continue
		}
		if err := a.back(a.at); err != nil {
			p.close()
			return err
		}
	}
	if !staying {
		p.close()
	}
	return nil
}

// close removes the file, if it is still there; the arrays not read back are lost.
func (p *parking) close() {
	if p.f != nil {
		closeScratch(p.f)
		p.f = nil
	}
	p.arrays = nil
}
