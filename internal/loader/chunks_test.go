package loader

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/graph"
	"github.com/memsee/memsee/internal/heap/meliae"
)

// chunksOf returns the values of vs in chunks, as the sink adds them.
func chunksOf(vs []uint32) *chunks {
	var c chunks
	for _, v := range vs {
		c.add(v)
	}
	return &c
}

// TestChunks checks each operation of chunks against a slice of the same values, at lengths
// around the size of a chunk: the values, the ranges a chunk boundary splits (each, write),
// the dangling edges dropped as graph.DropDangling drops them from a slice, and the values
// joined (flat).
func TestChunks(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 17, chunkLen - 1, chunkLen, chunkLen + 1, 3*chunkLen + 17} {
		want := make([]uint32, n)
		for i := range want {
			want[i] = r.Uint32()
		}
		c := chunksOf(want)
		if c.len() != n || len(c.c) != (n+chunkLen-1)/chunkLen {
			t.Fatalf("n=%d: len %d in %d chunks", n, c.len(), len(c.c))
		}
		for range 100 {
			if n == 0 {
				break
			}
			i := uint32(r.IntN(n))
			if c.at(i) != want[i] {
				t.Fatalf("n=%d: at(%d) = %d, want %d", n, i, c.at(i), want[i])
			}
		}
		for range 20 {
			lo := uint32(r.IntN(n + 1))
			hi := lo + uint32(r.IntN(n-int(lo)+1))
			if r.IntN(4) == 0 && n > chunkLen { // across a boundary
				lo, hi = chunkLen-3, min(chunkLen+5, uint32(n))
			}
			var got []uint32
			c.each(lo, hi, func(v []uint32) { got = append(got, v...) })
			if !slices.Equal(got, want[lo:hi]) {
				t.Fatalf("n=%d: each [%d, %d) gave %d values, want %d", n, lo, hi, len(got), hi-lo)
			}
			var buf bytes.Buffer
			w := bufio.NewWriter(&buf)
			c.write(w, lo, hi)
			w.Flush()
			if !bytes.Equal(buf.Bytes(), bytesOf(want[lo:hi])) {
				t.Fatalf("n=%d: write [%d, %d) wrote other bytes", n, lo, hi)
			}
		}
		var dropped []uint32
		for i := range n {
			if r.IntN(3) == 0 || i == n-1 {
				dropped = append(dropped, uint32(i))
			}
		}
		c.dropDangling(dropped)
		want = graph.DropDangling(&graph.Graph{Dropped: dropped}, want)
		if c.len() != len(want) || len(c.c) != (len(want)+chunkLen-1)/chunkLen {
			t.Fatalf("n=%d: %d values in %d chunks after dropping %d, want %d", n, c.len(), len(c.c), len(dropped), len(want))
		}
		if len(want) > 0 {
			c.set(0, 7)
			want[0] = 7
		}
		if got := c.flat(); !slices.Equal(got, want) {
			t.Fatalf("n=%d: flat gave %d values, not those dropDangling kept", n, len(got))
		}
		if c.len() != 0 || c.c != nil {
			t.Fatalf("n=%d: flat left %d values", n, c.len())
		}
	}
}

// TestRewriteValuesLonger checks that a naming pass that makes the values longer than the room
// rewriteValues makes ahead gets every value, moved to the new order, past the room as before
// it.
func TestRewriteValuesLonger(t *testing.T) {
	s := newGraphSink()
	if err := s.Begin(heap.Snapshot{Format: meliae.Format}); err != nil {
		t.Fatal(err)
	}
	const n = 3000
	for i := range n {
		v := ""
		if i%3 > 0 {
			v = strconv.Itoa(i)
		}
		if err := s.Object(&heap.Object{Addr: uint64(i + 1), Type: "str", Size: 50, Len: -1, Value: v}); err != nil {
			t.Fatal(err)
		}
	}
	s.trim()
	// Values of 3,000 bytes for a third of the objects: 3 MB, past the room of 1 MiB, and
	// then past the room again as each pass makes them longer.
	long := func(id graph.ObjID) string {
		if id%3 != 1 {
			return s.value(id)
		}
		return strings.Repeat(strconv.Itoa(int(id)%10), 3000) + strconv.Itoa(int(id))
	}
	want := make([]string, n)
	old := make([]graph.ObjID, n)
	for i := range n {
		old[i] = graph.ObjID(n - 1 - i)
	}
	for i := range n {
		want[i] = long(old[i])
	}
	s.newValue = long
	s.rewriteValues(old)
	for range 2 {
		prev := s.value
		s.newValue = func(id graph.ObjID) string {
			if v := prev(id); v != "" {
				return v + strings.Repeat("x", 1200)
			}
			return ""
		}
		s.rewriteValues(nil)
		for i := range want {
			if want[i] != "" {
				want[i] += strings.Repeat("x", 1200)
			}
		}
	}
	if len(s.values) <= 1<<20 {
		t.Fatalf("values %d bytes, want past the room of 1 MiB", len(s.values))
	}
	for i := range n {
		if got := s.value(graph.ObjID(i)); got != want[i] {
			t.Fatalf("object %d: value of %d bytes, want %d", i, len(got), len(want[i]))
		}
	}
}

// TestOrderValuesToFile checks that values put in a new order go to a scratch file and read
// back as rewriteValues makes them in memory, with what newValue spells, and that a directory
// that cannot take the file leaves them to be made in memory, the same.
func TestOrderValuesToFile(t *testing.T) {
	defer func(m int) { spillMin = m }(spillMin)
	spillMin = 1
	const n = 2000
	sink := func() *graphSink {
		s := newGraphSink()
		if err := s.Begin(heap.Snapshot{Format: meliae.Format}); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			v := ""
			if i%4 > 0 {
				v = strings.Repeat(strconv.Itoa(i%7), 1+i%13)
			}
			if err := s.Object(&heap.Object{Addr: uint64(i + 1), Type: "str", Size: 50, Len: -1, Value: v}); err != nil {
				t.Fatal(err)
			}
		}
		s.trim()
		s.newValue = func(id graph.ObjID) string {
			if id%5 == 0 {
				return "" // a value the naming pass drops
			}
			return s.value(id) + "!"
		}
		return s
	}
	old := make([]graph.ObjID, n)
	for i := range n {
		old[i] = graph.ObjID((i*7 + 3) % n)
	}
	mem := sink()
	if sp := mem.orderValues(old, ""); sp != nil {
		t.Fatal("values spilled with no directory")
	}
	for _, tc := range []struct {
		dir     string
		spilled bool
	}{{t.TempDir(), true}, {filepath.Join(t.TempDir(), "no such directory"), false}} {
		s := sink()
		sp := s.orderValues(old, tc.dir)
		if (sp != nil) != tc.spilled {
			t.Fatalf("%s: spilled %v, want %v", tc.dir, sp != nil, tc.spilled)
		}
		if sp != nil {
			if s.values != nil || s.newValue != nil {
				t.Fatal("values held, or newValue kept, while in the file")
			}
			if err := s.readValues(sp); err != nil {
				t.Fatal(err)
			}
			if sp.f != nil {
				t.Error("the values' file is still open once read")
			}
		}
		for i := range n {
			if got, want := s.value(graph.ObjID(i)), mem.value(graph.ObjID(i)); got != want {
				t.Fatalf("%s: object %d: value %q, want %q", tc.dir, i, got, want)
			}
		}
	}
}

// TestByteChunksJoin appends values of every length around a chunk's, in the Go heap and in an
// arena, and finds them joined after a head, in order; the arena gets back every chunk.
func TestByteChunksJoin(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	for _, arena := range []*graph.Arena{nil, graph.NewHugeArena()} {
		var b byteChunks
		b.arena = arena
		var want []byte
		want = append(want, "head:"...)
		for range 3000 {
			v := strings.Repeat(string(rune('a'+r.IntN(26))), r.IntN(3*firstValueChunk))
			b.add(v)
			want = append(want, v...)
		}
		n := b.n
		released := arena.Released()
		got := b.join([]byte("head:"))
		if !bytes.Equal(got, want) {
			t.Fatalf("arena %v: joined %d bytes, want %d, or not the same", arena != nil, len(got), len(want))
		}
		if arena != nil && graph.ArenaMake[byte](arena, 1) != nil && arena.Released()-released != int64(n) {
			t.Errorf("the arena got back %d bytes of %d", arena.Released()-released, n)
		}
		if b.n != 0 || len(b.c) != 0 || b.arena != arena {
			t.Errorf("after join: %d bytes in %d chunks, arena kept: %v", b.n, len(b.c), b.arena == arena)
		}
		arena.Free()
	}
}
