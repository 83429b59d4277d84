package loader

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/memsee/memsee/internal/heap/graph"
)

// TestSpillEdges checks that the edge names come back from the scratch file in the order the
// permutation gives the objects, with runs of objects in order and objects moved alone, and
// that the file is gone once they are back.
func TestSpillEdges(t *testing.T) {
	defer func(m int) { spillMin = m }(spillMin)
	spillMin = 1
	r := rand.New(rand.NewPCG(1, 2))
	for run := range 50 {
		n := 1 + r.IntN(300)
		start := make([]uint32, n+1)
		for i := range n {
			start[i+1] = start[i] + uint32(r.IntN(4))
		}
		names := make([]uint32, start[n])
		for e := range names {
			names[e] = r.Uint32()
		}
		perm := make([]graph.ObjID, n)
		for i := range perm {
			perm[i] = graph.ObjID(i)
		}
		if run%2 == 1 {
			for i, p := range r.Perm(n) {
				perm[i] = graph.ObjID(p)
			}
		} else {
			for range r.IntN(4) { // a few moved out of the run
				i, j := r.IntN(n), r.IntN(n)
				o := perm[i]
				perm = slices.Insert(slices.Delete(perm, i, i+1), j, o)
			}
		}
		var want []uint32
		for _, v := range perm {
			want = append(want, names[start[v]:start[v+1]]...)
		}
		dir := t.TempDir()
		sp := spillEdges(dir, names, start, perm)
		if len(names) == 0 {
			continue // nothing to write: spillEdges may keep it or not
		}
		if sp == nil {
			t.Fatalf("run %d: not spilled", run)
		}
		if fi, err := sp.f.Stat(); err != nil {
			t.Fatal(err)
		} else if fi.Mode().Perm() != 0o600 {
			t.Fatalf("run %d: the scratch file's mode %v, want 0600", run, fi.Mode())
		}
		if left, _ := os.ReadDir(dir); len(left) > 0 {
			t.Errorf("run %d: %s still has a name while open", run, left[0].Name())
		}
		// A page's names, and the names at some indices, as the pages read them.
		var buf []uint32
		for range 5 {
			lo := uint32(r.IntN(len(want) + 1))
			hi := lo + uint32(r.IntN(len(want)-int(lo)+1))
			got, err := sp.readAt(buf, lo, hi)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want[lo:hi]) {
				t.Fatalf("run %d: read back [%d, %d) %v, want %v", run, lo, hi, got, want[lo:hi])
			}
			buf = got
		}
		at := make([]uint32, r.IntN(50))
		for i := range at {
			at[i] = graph.NoEdge
			if r.IntN(4) > 0 {
				at[i] = uint32(r.IntN(len(want)))
			}
		}
		gatherMin = 1 + r.IntN(len(want))
		got, err := sp.gather(at)
		gatherMin = 1 << 20
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range at {
			if w := uint32(0); e != graph.NoEdge && got[i] != want[e] || e == graph.NoEdge && got[i] != w {
				t.Fatalf("run %d: gathered %d for index %d, want its name", run, got[i], e)
			}
		}
		sp.close()
		if left, _ := os.ReadDir(dir); len(left) > 0 {
			t.Errorf("run %d: %s left in the directory", run, left[0].Name())
		}
	}
}

// TestSpillEdgesCannotWrite checks that names that cannot go to a file stay where they are.
func TestSpillEdgesCannotWrite(t *testing.T) {
	defer func(m int) { spillMin = m }(spillMin)
	spillMin = 1
	if sp := spillEdges(filepath.Join(t.TempDir(), "no such directory"), []uint32{1, 2}, []uint32{0, 2}, []graph.ObjID{0}); sp != nil {
		sp.close()
		t.Errorf("spilled to a directory that does not exist")
	}
	spillMin = 100
	if sp := spillEdges(t.TempDir(), []uint32{1, 2}, []uint32{0, 2}, []graph.ObjID{0}); sp != nil {
		sp.close()
		t.Errorf("spilled %d names, below spillMin", 2)
	}
}

// TestPageNamesReadFails checks that a scratch file that cannot be read back gives the pages
// no names and keeps the error for the load to fail with.
func TestPageNamesReadFails(t *testing.T) {
	defer func(m int) { spillMin = m }(spillMin)
	spillMin = 1
	sp := spillEdges(t.TempDir(), []uint32{7, 8, 9}, []uint32{0, 3}, []graph.ObjID{0})
	if sp == nil {
		t.Fatal("not spilled")
	}
	sp.f.Close() // as a failing disk would
	pn := &pageNames{file: sp}
	var buf []uint32
	names := pn.of(&buf, 0, 3)
	if !slices.Equal(names, []uint32{0, 0, 0}) || pn.err == nil {
		t.Errorf("names %v and error %v from a file that cannot be read, want none and an error", names, pn.err)
	}
	sp.close()
}
