package loader

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/memsee/memsee/internal/heap/graph"
	"github.com/memsee/memsee/internal/store/page"
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
		sp := spillEdges(dir, chunksOf(names), start, perm)
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
	if sp := spillEdges(filepath.Join(t.TempDir(), "no such directory"), chunksOf([]uint32{1, 2}), []uint32{0, 2}, []graph.ObjID{0}); sp != nil {
		sp.close()
		t.Errorf("spilled to a directory that does not exist")
	}
	spillMin = 100
	if sp := spillEdges(t.TempDir(), chunksOf([]uint32{1, 2}), []uint32{0, 2}, []graph.ObjID{0}); sp != nil {
		sp.close()
		t.Errorf("spilled %d names, below spillMin", 2)
	}
}

// TestPageNamesReadFails checks that a scratch file that cannot be read back gives the pages
// no names and keeps the error for the load to fail with.
func TestPageNamesReadFails(t *testing.T) {
	defer func(m int) { spillMin = m }(spillMin)
	spillMin = 1
	sp := spillEdges(t.TempDir(), chunksOf([]uint32{7, 8, 9}), []uint32{0, 3}, []graph.ObjID{0})
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

// TestSpillColumns checks that per-object columns come back from the scratch file a page at a
// time as they were, for object counts around the page size, and as they are when kept in
// memory; and read back whole.
func TestSpillColumns(t *testing.T) {
	defer func(m int) { spillMin = m }(spillMin)
	spillMin = 1
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, page.Size - 1, page.Size, page.Size + 1, 3*page.Size + 17} {
		cols := make([][]uint32, 3)
		for j := range cols {
			cols[j] = make([]uint32, n)
			for i := range cols[j] {
				cols[j][i] = r.Uint32()
			}
		}
		sp := spillColumns(t.TempDir(), cols...)
		if sp == nil {
			t.Fatalf("%d objects: not spilled", n)
		}
		for _, pc := range []*pageColumns{{file: sp}, {mem: cols}} {
			var buf []uint32
			got := make([][]uint32, 3)
			for lo := 0; lo < n; lo += page.Size {
				hi := min(lo+page.Size, n)
				pc.of(&buf, got, lo, hi)
				for j := range got {
					if !slices.Equal(got[j], cols[j][lo:hi]) {
						t.Fatalf("%d objects, from the file %v: column %d of the page at %d differs", n, pc.file != nil, j, lo)
					}
				}
			}
			if pc.err != nil {
				t.Fatal(pc.err)
			}
		}
		// Whole again, as the holdings read the dominators and distances after the pages.
		back, err := sp.columns(len(cols), n)
		if err != nil || !slices.EqualFunc(back, cols, slices.Equal) {
			t.Fatalf("%d objects: read back whole, the columns differ (%v)", n, err)
		}
		if _, err := sp.columns(2, n); err == nil {
			t.Fatalf("%d objects: read back as 2 columns of 3", n)
		}
		sp.close()
	}
	spillMin = 100
	if sp := spillColumns(t.TempDir(), []uint32{1}, []uint32{2}); sp != nil {
		sp.close()
		t.Errorf("spilled 2 values, below spillMin")
	}
}

// TestParking checks that parked arrays come back as they were and where they were, that
// arrays too short or with nowhere to go stay in memory, and that a file that cannot be read
// back fails the load rather than giving other values.
func TestParking(t *testing.T) {
	defer func(m int) { spillMin = m }(spillMin)
	spillMin = 1
	r := rand.New(rand.NewPCG(5, 6))
	fill := func() ([]uint32, []uint64, []byte, []int32) {
		a, b, c, d := make([]uint32, 1000+r.IntN(100)), make([]uint64, r.IntN(50)), make([]byte, 3+r.IntN(300)), make([]int32, 1+r.IntN(9))
		for i := range a {
			a[i] = r.Uint32()
		}
		for i := range b {
			b[i] = r.Uint64()
		}
		for i := range c {
			c[i] = byte(r.Uint32())
		}
		for i := range d {
			d[i] = int32(r.Uint32())
		}
		return a, b, c, d
	}
	a, b, c, d := fill()
	wa, wb, wc, wd := slices.Clone(a), slices.Clone(b), slices.Clone(c), slices.Clone(d)
	var empty []uint32
	var p parking
	parkArray(&p, &a)
	parkArray(&p, &b)
	parkArray(&p, &empty)
	parkArray(&p, &c)
	parkArray(&p, &d)
	dir := t.TempDir()
	if !p.park(dir) {
		t.Fatal("not parked")
	}
	if a != nil || b != nil && len(wb) > 0 || c != nil || d != nil {
		t.Fatal("parked arrays still held")
	}
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("%s still has a name while open", left[0].Name())
	}
	if err := p.unpark(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a, wa) || !slices.Equal(b, wb) || !slices.Equal(c, wc) || !slices.Equal(d, wd) || empty != nil {
		t.Fatal("arrays read back differ")
	}
	if p.f != nil {
		t.Error("the file is still open after unpark")
	}

	// Nowhere to go, or too short: they stay.
	for _, tc := range []struct {
		dir string
		min int
	}{{filepath.Join(dir, "no such directory"), 1}, {dir, 1 << 20}} {
		spillMin = tc.min
		p = parking{}
		parkArray(&p, &a)
		if p.park(tc.dir) || !slices.Equal(a, wa) {
			t.Errorf("%+v: parked, or the array changed", tc)
		}
		if err := p.unpark(); err != nil || !slices.Equal(a, wa) {
			t.Errorf("%+v: unpark of nothing parked: %v", tc, err)
		}
	}

	// A file that cannot be read back.
	spillMin = 1
	p = parking{}
	parkArray(&p, &a)
	if !p.park(dir) {
		t.Fatal("not parked")
	}
	p.f.Close() // as a failing disk would
	if err := p.unpark(); err == nil || a != nil {
		t.Errorf("unpark from a closed file: error %v, array of %d, want an error and none", err, len(a))
	}
}

// TestParkStaying checks that an array parkStaying added stays in the file through unpark, whole
// and in order at what parked gives, beside arrays that come back; that the file goes with
// close; and that pageAddrs reads a page's addresses from it, narrow and wide, as the
// addresses in memory give them, and keeps a failed read.
func TestParkStaying(t *testing.T) {
	defer func(m int) { spillMin = m }(spillMin)
	spillMin = 1
	r := rand.New(rand.NewPCG(7, 8))
	for _, wide := range []bool{false, true} {
		addrs := make([]uint64, 3000+r.IntN(100))
		base := uint64(0x7f00_0000_0000)
		for i := range addrs {
			addrs[i] = base + uint64(i)*16 + uint64(r.IntN(2))*8
			if wide && i%2 == 1 {
				addrs[i] += 1 << 40
			}
		}
		mem := graph.AddrsOf(addrs)
		narrow, wideWords, wbase := mem.Words()
		if (wideWords != nil) != wide {
			t.Fatalf("wide %v: the addresses are not as wide as meant", wide)
		}
		before := make([]uint32, 500)
		for i := range before {
			before[i] = r.Uint32()
		}
		after := slices.Clone(before[:77])
		wantBefore, wantAfter := slices.Clone(before), slices.Clone(after)

		var p parking
		parkArray(&p, &before)
		i := parkStaying(&p, &narrow)
		if wide {
			i = parkStaying(&p, &wideWords)
		}
		parkArray(&p, &after)
		if !p.park(t.TempDir()) {
			t.Fatal("not parked")
		}
		if narrow != nil || wideWords != nil || before != nil {
			t.Fatal("parked arrays still held")
		}
		if err := p.unpark(); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(before, wantBefore) || !slices.Equal(after, wantAfter) {
			t.Fatal("the arrays that come back differ")
		}
		if narrow != nil || wideWords != nil || p.f == nil {
			t.Fatal("the staying array came back, or its file went")
		}
		pa := &pageAddrs{file: p.parked(i), wide: wide, base: wbase}
		var buf []uint64
		var words []byte
		for lo := 0; lo < len(addrs); lo += 1024 {
			hi := min(lo+1024, len(addrs))
			if got := pa.of(&buf, &words, lo, hi); !slices.Equal(got, addrs[lo:hi]) {
				t.Fatalf("wide %v: addresses [%d, %d) read back differ", wide, lo, hi)
			}
			inMem := &pageAddrs{mem: mem}
			if got := inMem.of(&buf, &words, lo, hi); !slices.Equal(got, addrs[lo:hi]) {
				t.Fatalf("wide %v: addresses [%d, %d) from memory differ", wide, lo, hi)
			}
		}
		p.close()
		if pa.of(&buf, &words, 0, 10); pa.err == nil {
			t.Errorf("wide %v: a read from a closed file kept no error", wide)
		}
	}
}
