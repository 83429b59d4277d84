package loader

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"unsafe"

	"github.com/memsee/memsee/internal/heap/graph"
)

// spillMin is the shortest array spillEdges moves to a file: below it the file costs more than
// the memory it frees. (A variable for the tests, which spill every array.)
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
// is short or the file cannot be written (a full disk, a directory that cannot be written
// to): spilling only lowers the peak. The file is removed at once where the system allows a
// file to be removed while open, so that it goes with the process whatever happens; close
// removes it elsewhere.
func spillEdges(dir string, names, start []uint32, perm []graph.ObjID) *spilled {
	if len(names) < spillMin {
		return nil
	}
	f, err := os.CreateTemp(dir, ".memsee-scratch-*")
	if err != nil {
		return nil
	}
	os.Remove(f.Name()) // fails where an open file cannot be removed: close does it then
	sp := &spilled{f: f, n: len(names)}
	w := bufio.NewWriterSize(f, 1<<20)
	lo, hi := uint32(0), uint32(0) // the edges to write next: objects in a row write at once
	for _, v := range perm {
		if start[v] != hi {
			w.Write(asBytes(names[lo:hi]))
			lo = start[v]
		}
		hi = start[v+1]
	}
	w.Write(asBytes(names[lo:hi]))
	if err := w.Flush(); err != nil {
		sp.close()
		return nil
	}
	return sp
}

// asBytes returns the memory of s as bytes.
func asBytes(s []uint32) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), 4*len(s))
}

// readAt reads the values [lo, hi) into buf, grown as needed, and returns them.
func (sp *spilled) readAt(buf []uint32, lo, hi uint32) ([]uint32, error) {
	buf = slices.Grow(buf[:0], int(hi-lo))[:hi-lo]
	_, err := sp.f.ReadAt(asBytes(buf), 4*int64(lo))
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, fmt.Errorf("reading back the load's scratch file: %w", err)
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
		for i, e := range at {
			if e-lo < hi-lo { // lo <= e < hi; NoEdge never is
				out[i] = buf[e-lo]
			}
		}
	}
	return out, nil
}

// gatherParts is how many parts gather reads the file in, at most, and gatherMin the fewest
// values in a part: each part is a pass over the indices, and takes 4 bytes per value in it.
// (gatherMin is a variable for the tests, which read in many parts.)
const gatherParts = 4

var gatherMin = 1 << 20

// close removes the file, if it is still there. A nil spilled has nothing to close.
func (sp *spilled) close() {
	if sp != nil && sp.f != nil {
		sp.f.Close()
		os.Remove(sp.f.Name())
		sp.f = nil
	}
}
