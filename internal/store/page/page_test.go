package page

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/memsee/memsee/internal/heap"
)

// The columns round-trip, whatever their widths.
func TestIntsRoundTrip(t *testing.T) {
	for _, vs := range [][]uint64{
		nil,
		{7},
		{5, 5, 5},
		{0, 255},
		{1000, 1001, 65535 + 1000},
		{1 << 20, 1<<20 + 1<<31},
		{0, 1 << 63, ^uint64(0)},
	} {
		b := AppendInts([]byte{0xee}, vs)
		r := reader{b: b[1:]}
		c := r.ints(len(vs))
		if r.err != nil || len(r.b) != 0 {
			t.Fatalf("%v: err %v, %d bytes left", vs, r.err, len(r.b))
		}
		for i, v := range vs {
			if got := c.At(i); got != v {
				t.Errorf("%v: value %d is %d", vs, i, got)
			}
		}
		checkAppendAll(t, fmt.Sprint(vs), c, len(vs))
	}
}

// checkAppendAll checks that AppendAll appends what At reads, after what dst had.
func checkAppendAll(t *testing.T, name string, c Ints, n int) {
	t.Helper()
	got := c.AppendAll([]uint64{42}, n)
	if len(got) != n+1 || got[0] != 42 {
		t.Fatalf("%s: AppendAll gave %d values after %v, want %d after 42", name, len(got)-1, got[:min(1, len(got))], n)
	}
	for i := range n {
		if got[i+1] != c.At(i) {
			t.Errorf("%s: AppendAll value %d is %d, At %d", name, i, got[i+1], c.At(i))
		}
	}
}

// checkRows checks that the Rows of a text column's first n values, made in the memory of
// other Rows, read as View does.
func checkRows(t *testing.T, name string, c Texts, n int) {
	t.Helper()
	rows := c.Rows(Rows{ends: make([]uint64, 3, n+7)}, n)
	if len(rows.ends) != n {
		t.Fatalf("%s: Rows of %d values has %d ends", name, n, len(rows.ends))
	}
	for i := range n {
		if got, want := rows.View(i), c.View(i); !bytes.Equal(got, want) || cap(got) != len(got) {
			t.Errorf("%s: Rows value %d is %q (room %d), View %q", name, i, got, cap(got)-len(got), want)
		}
	}
}

// samplePage builds a page of five objects with references of every kind of name.
func samplePage() (*Builder, []Object) {
	var p Builder
	p.Reset()
	var objs []Object
	for i := 0; i < 5; i++ {
		p.Ref(&Ref{OID: int64(i * 3), Kind: 1, Index: int64(i)})
		p.Ref(&Ref{OID: 9, Name: ".x", NameKey: 4})
		p.Ref(&Ref{OID: 2, Name: "['k']"})
		p.Referrer(uint32(i))
		p.Referrer(7)
		if i%2 == 1 {
			p.RankedKids([]uint32{9, uint32(i * 3), 2})
		}
		o := Object{Addr: 0x1000 + int64(i)*32, Type: 3, Size: 32, Len: -1, Value: "v", Distance: int64(i), Parent: -1, Via: ".a", IDom: 0, Retained: 64}
		p.Add(&o)
		o.NRefs, o.NReferrers, o.Gen = 3, 2, -1
		objs = append(objs, o)
	}
	return &p, objs
}

// A page built and decoded gives back its objects, through All, and its references.
func TestPageRoundTrip(t *testing.T) {
	p, want := samplePage()
	objs, err := DecodeObjects(p.AppendObjects(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []Object
	for i, o := range objs.All() {
		if i != len(got) {
			t.Fatalf("All yielded index %d after %d objects", i, len(got))
		}
		got = append(got, o)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("objects:\n got %+v\nwant %+v", got, want)
	}
	objs, err = DecodeObjects(p.AppendObjects(nil), AppendGen(nil, []uint64{0, 1, 2, 3, 4}))
	if err != nil || !objs.HasGen || objs.Object(0).Gen != -1 || objs.Object(4).Gen != 3 {
		t.Errorf("with gen: %v, %+v", err, objs)
	}
	e, err := DecodeEdges(p.AppendEdges(nil))
	if err != nil || e.N != 5 {
		t.Fatalf("edges: %v, %+v", err, e)
	}
	lo, hi := e.Refs(2)
	var names []string
	for j := lo; j < hi; j++ {
		names = append(names, e.RefName(j))
	}
	if want := []string{"[2]", ".x", "['k']"}; !reflect.DeepEqual(names, want) || e.Target.At(lo) != 6 || heap.EdgeKind(e.Kind.At(lo)) != heap.EdgeElement {
		t.Errorf("refs of object 2: %q, target %d, kind %d", names, e.Target.At(lo), e.Kind.At(lo))
	}
	lo, hi = e.Referrers(2)
	if hi-lo != 2 || e.Referrer.At(lo) != 2 || e.Referrer.At(lo+1) != 7 {
		t.Errorf("referrers of object 2: %d..%d", lo, hi)
	}
	if lo, hi := e.RankedKids(2); lo != hi {
		t.Errorf("object 2 has ranked kids %d..%d, and was given none", lo, hi)
	}
	lo, hi = e.RankedKids(3)
	if hi-lo != 3 || e.Ranked.At(lo) != 9 || e.Ranked.At(lo+1) != 9 || e.Ranked.At(lo+2) != 2 {
		t.Errorf("ranked kids of object 3: %d..%d", lo, hi)
	}
	if _, err := DecodeObjects(append(p.AppendObjects(nil), 0), nil); err != ErrDamaged {
		t.Errorf("a byte left over: %v", err)
	}
}

// widePage builds a full page whose columns take every width: addresses far apart, retained
// sizes of gigabytes, references to oids across a large snapshot, many names.
func widePage() *Builder {
	var p Builder
	p.Reset()
	for i := range Size {
		for j := range i % 7 {
			p.Ref(&Ref{OID: int64(i*40503+j*977) % (1 << 26), Kind: heap.EdgeKind(j % 8), Index: int64(j - 1), Name: []string{"", ".next", "['k']", ""}[j%4]})
		}
		for j := range i % 3 {
			p.Referrer(uint32(i*2654435761+j) >> 6)
		}
		if i%5 == 4 {
			for j := range i % 7 {
				p.RankedKids([]uint32{uint32((i*40503 + j*977) % (1 << 26))})
			}
		}
		o := Object{Addr: 0xc000000000 + int64(i)*int64(i)*4096, Type: int64(i % 300), Size: int64(16 << (i % 20)),
			Len: int64(i%5) - 1, Value: strings.Repeat("x", i%11), Distance: int64(i%9) - 1, Parent: int64(i*7919) - 1,
			Via: []string{"", ".a", "[3]"}[i%3], IDom: int64(i*104729) - 1, Retained: int64(i) << 32}
		p.Add(&o)
	}
	return &p
}

// onePage is a page of one object with no references.
func onePage() *Builder {
	var p Builder
	p.Reset()
	p.Add(&Object{Len: -1, Distance: -1, Parent: -1, IDom: -1})
	return &p
}

// A packed page reads as the plain page it was packed from: every field of every object, every
// reference and referrer. A full page packs smaller; a page of a few objects is kept plain
// where packing would make it longer.
func TestPackedReadsAsPlain(t *testing.T) {
	sample, _ := samplePage()
	for _, tt := range []struct {
		name string
		page *Builder
	}{{"sample", sample}, {"wide", widePage()}, {"one object, no references", onePage()}} {
		t.Run(tt.name, func(t *testing.T) {
			var k Packer
			plainObjects, plainEdges := tt.page.AppendObjects(nil), tt.page.AppendEdges(nil)
			packedObjects, err := k.Objects(nil, plainObjects)
			if err != nil {
				t.Fatal(err)
			}
			packedEdges, err := k.Edges(nil, plainEdges)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range []struct{ plain, packed []byte }{{plainObjects, packedObjects}, {plainEdges, packedEdges}} {
				if b.packed[0] == VersionPacked && len(b.packed) >= len(b.plain) || b.packed[0] == VersionPlain && !bytes.Equal(b.packed, b.plain) {
					t.Errorf("version %d, %d bytes, from %d plain", b.packed[0], len(b.packed), len(b.plain))
				}
				if tt.page.Len() == Size && b.packed[0] != VersionPacked {
					t.Errorf("a full page was not packed")
				}
			}
			t.Logf("objects %d -> %d bytes, edges %d -> %d", len(plainObjects), len(packedObjects), len(plainEdges), len(packedEdges))
			gen := AppendGen(nil, make([]uint64, tt.page.Len()))
			want, err := DecodeObjects(plainObjects, gen)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeObjects(packedObjects, gen)
			if err != nil {
				t.Fatal(err)
			}
			if got.N != want.N {
				t.Fatalf("%d objects, want %d", got.N, want.N)
			}
			for i := range want.N {
				if g, w := got.Object(i), want.Object(i); g != w {
					t.Fatalf("object %d:\n got %+v\nwant %+v", i, g, w)
				}
			}
			for _, o := range []*Objects{want, got} { // plain, then in planes
				for name, c := range map[string]Ints{"addr": o.Addr, "type": o.Type, "size": o.Size, "len": o.Len,
					"distance": o.Distance, "parent": o.Parent, "idom": o.IDom, "retained": o.Retained} {
					checkAppendAll(t, name, c, o.N)
				}
				for name, c := range map[string]Texts{"value": o.Value, "via": o.Via} {
					checkRows(t, name, c, o.N)
				}
			}
			wantE, err := DecodeEdges(plainEdges)
			if err != nil {
				t.Fatal(err)
			}
			gotE, err := DecodeEdges(packedEdges)
			if err != nil {
				t.Fatal(err)
			}
			if msg := sameEdges(gotE, wantE); msg != "" {
				t.Fatal(msg)
			}
		})
	}
}

// DecodeObjectsOf reads each column it is asked for as DecodeObjects does, and the others as
// zero, on plain and packed pages, for single columns and for sets of them; compacted, the page
// reads the same, each column laid out one value after the other, whatever the blob stores.
func TestDecodeObjectsOf(t *testing.T) {
	sample, _ := samplePage()
	var k Packer
	sets := []Columns{0, AllColumns, ColType | ColSize | ColDistance | ColParent | ColIDom | ColRetained | ColVia | ColAddr}
	for c := ColAddr; c <= ColGen; c <<= 1 {
		sets = append(sets, c, AllColumns&^c)
	}
	for _, tt := range []struct {
		name string
		page *Builder
	}{{"sample", sample}, {"wide", widePage()}} {
		plain := tt.page.AppendObjects(nil)
		packed := mustPack(t, k.Objects, plain)
		gen := AppendGen(nil, make([]uint64, tt.page.Len()))
		for _, blob := range []struct {
			name string
			b    []byte
		}{{"plain", plain}, {"packed", packed}} {
			full, err := DecodeObjects(blob.b, gen)
			if err != nil {
				t.Fatal(err)
			}
			for _, cols := range sets {
				got, err := DecodeObjectsOf(blob.b, gen, cols)
				if err != nil {
					t.Fatalf("%s %s, columns %#x: %v", tt.name, blob.name, cols, err)
				}
				if msg := sameColumns(got, full, cols); msg != "" {
					t.Errorf("%s %s, columns %#x: %s", tt.name, blob.name, cols, msg)
				}
				for compact := range 2 {
					if compact == 1 {
						got.Compact()
						if msg := compacted(got, full, cols); msg != "" {
							t.Errorf("%s %s, columns %#x, compacted: %s", tt.name, blob.name, cols, msg)
						}
					}
					for name, c := range map[string]Ints{"addr": got.Addr, "type": got.Type, "size": got.Size, "len": got.Len,
						"distance": got.Distance, "parent": got.Parent, "idom": got.IDom, "retained": got.Retained} {
						checkAppendAll(t, name, c, got.N)
					}
				}
			}
		}
	}
}

// sameColumns says how got, decoded of the columns cols, differs from full, decoded whole: ""
// when each of cols reads the same, and the others read zero.
func sameColumns(got, full *Objects, cols Columns) string {
	return columnsAre(got, full, cols, false)
}

// compacted is sameColumns for a compacted page (Compact, CompactInto): each column is laid
// out one value after the other, as well.
func compacted(got, full *Objects, cols Columns) string {
	return columnsAre(got, full, cols, true)
}

// columnsAre is sameColumns, and, when flat is set, compacted.
func columnsAre(got, full *Objects, cols Columns, flat bool) string {
	if got.N != full.N {
		return fmt.Sprintf("%d objects, want %d", got.N, full.N)
	}
	if got.HasGen != (full.HasGen && cols&ColGen != 0) {
		return fmt.Sprintf("HasGen %v", got.HasGen)
	}
	ints := []struct {
		col       Columns
		got, full Ints
	}{
		{ColAddr, got.Addr, full.Addr}, {ColType, got.Type, full.Type}, {ColSize, got.Size, full.Size}, {ColLen, got.Len, full.Len},
		{ColDistance, got.Distance, full.Distance}, {ColParent, got.Parent, full.Parent}, {ColIDom, got.IDom, full.IDom},
		{ColRetained, got.Retained, full.Retained}, {ColNRefs, got.NRefs, full.NRefs}, {ColNReferrers, got.NReferrers, full.NReferrers},
		{ColGen, got.Gen, full.Gen}, {ColValue, got.Value.ends, full.Value.ends}, {ColVia, got.Via.ends, full.Via.ends},
	}
	for _, c := range ints {
		if flat && c.got.stride != 0 {
			return fmt.Sprintf("column %#x is in planes", c.col)
		}
		for i := range full.N {
			want := uint64(0)
			if cols&c.col != 0 && (c.col != ColGen || full.HasGen) {
				want = c.full.At(i)
			}
			if c.got.At(i) != want {
				return fmt.Sprintf("column %#x, value %d: %d, want %d", c.col, i, c.got.At(i), want)
			}
		}
	}
	texts := []struct {
		col       Columns
		got, full Texts
	}{{ColValue, got.Value, full.Value}, {ColVia, got.Via, full.Via}}
	for _, c := range texts {
		for i := range full.N {
			want := ""
			if cols&c.col != 0 {
				want = c.full.At(i)
			}
			if c.got.At(i) != want || string(c.got.View(i)) != want {
				return fmt.Sprintf("column %#x, value %d: %q, want %q", c.col, i, c.got.At(i), want)
			}
		}
	}
	return ""
}

// sameEdges says how two decoded refs blobs differ, "" when they read the same.
func sameEdges(got, want *Edges) string {
	if got.N != want.N || got.NNames != want.NNames {
		return fmt.Sprintf("%d objects, %d names; want %d, %d", got.N, got.NNames, want.N, want.NNames)
	}
	for i := range want.N {
		lo, hi := want.Refs(i)
		if glo, ghi := got.Refs(i); glo != lo || ghi != hi {
			return fmt.Sprintf("object %d: references %d..%d, want %d..%d", i, glo, ghi, lo, hi)
		}
		for j := lo; j < hi; j++ {
			if got.Target.At(j) != want.Target.At(j) || got.Kind.At(j) != want.Kind.At(j) || got.RefName(j) != want.RefName(j) {
				return fmt.Sprintf("reference %d: %d %d %q, want %d %d %q", j, got.Target.At(j), got.Kind.At(j), got.RefName(j),
					want.Target.At(j), want.Kind.At(j), want.RefName(j))
			}
		}
		for _, c := range []struct {
			name      string
			got, want func(int) (int, int)
			gc, wc    Ints
		}{{"referrers", got.Referrers, want.Referrers, got.Referrer, want.Referrer},
			{"ranked kids", got.RankedKids, want.RankedKids, got.Ranked, want.Ranked}} {
			lo, hi := c.want(i)
			if glo, ghi := c.got(i); glo != lo || ghi != hi {
				return fmt.Sprintf("object %d: %s %d..%d, want %d..%d", i, c.name, glo, ghi, lo, hi)
			}
			for j := lo; j < hi; j++ {
				if c.gc.At(j) != c.wc.At(j) {
					return fmt.Sprintf("%s %d: %d, want %d", c.name, j, c.gc.At(j), c.wc.At(j))
				}
			}
		}
	}
	return ""
}

// appendEdgesUnranked appends the refs blob of p as AppendEdges wrote it before kids were
// ranked: its columns end with the referrers.
func appendEdgesUnranked(p *Builder, b []byte) []byte { return p.appendEdges(b, false) }

// A refs blob stored before kids were ranked, plain or packed, reads as it did: every
// reference and referrer as the new blob has them, and no ranked kids, so that kids ranks them
// as it reads them. One whose ranked kids are damaged is damaged.
func TestEdgesWithoutRankedKids(t *testing.T) {
	var k Packer
	for _, p := range []*Builder{widePage(), onePage()} {
		now, err := DecodeEdges(p.AppendEdges(nil))
		if err != nil {
			t.Fatal(err)
		}
		old := appendEdgesUnranked(p, nil)
		for _, b := range [][]byte{old, mustPack(t, k.Edges, old)} {
			e, err := DecodeEdges(b)
			if err != nil {
				t.Fatalf("version %d: %v", b[0], err)
			}
			for i := range e.N {
				if lo, hi := e.RankedKids(i); lo != hi {
					t.Fatalf("version %d: object %d has ranked kids %d..%d", b[0], i, lo, hi)
				}
			}
			e.RankedEnd, e.Ranked, e.hasRanked = now.RankedEnd, now.Ranked, now.hasRanked
			if msg := sameEdges(e, now); msg != "" {
				t.Fatalf("version %d: %s", b[0], msg)
			}
		}
	}
	p, _ := samplePage()
	for name, ranked := range map[string][]byte{
		"ends that fall":          AppendInts(AppendInts(nil, []uint64{0, 3, 2, 3, 3}), []uint64{1, 2, 3}),
		"more than its refs":      AppendInts(AppendInts(nil, []uint64{0, 0, 0, 0, 16}), make([]uint64, 16)),
		"fewer than its ends say": AppendInts(AppendInts(nil, []uint64{0, 3, 3, 6, 6}), []uint64{1, 2, 3}),
		"ends of one object":      AppendInts(nil, []uint64{3}),
	} {
		if _, err := DecodeEdges(append(appendEdgesUnranked(p, nil), ranked...)); err != ErrDamaged {
			t.Errorf("%s: %v, want ErrDamaged", name, err)
		}
	}
}

// A damaged packed blob is ErrDamaged, never a panic nor a huge allocation.
func TestPackedDamaged(t *testing.T) {
	var k Packer
	good, err := k.Objects(nil, widePage().AppendObjects(nil))
	if err != nil || good[0] != VersionPacked {
		t.Fatal(err)
	}
	flipped := slices.Clone(good)
	flipped[len(flipped)-6] ^= 0x10
	size, n := binary.Uvarint(good[1:])
	claims := func(size uint64) []byte {
		return append(binary.AppendUvarint([]byte{VersionPacked}, size), good[1+n:]...)
	}
	for _, tt := range []struct {
		name string
		blob []byte
	}{
		{"cut", good[:len(good)-3]},
		{"a bit flipped in the frame", flipped},
		{"claims a byte more", claims(size + 1)},
		{"claims a gigabyte", claims(1 << 30)},
		{"claims more than a page can be", claims(1 << 40)},
		{"no frame", []byte{VersionPacked, 4}},
		{"no length", []byte{VersionPacked}},
		{"a later version", append([]byte{VersionPacked + 1}, good[1:]...)},
		{"an edge page's frame read as objects", mustPack(t, k.Edges, widePage().AppendEdges(nil))},
	} {
		if _, err := DecodeObjects(tt.blob, nil); err != ErrDamaged {
			t.Errorf("%s: %v, want ErrDamaged", tt.name, err)
		}
	}
	if _, err := k.Objects(nil, []byte{VersionPacked, 1}); err != ErrDamaged {
		t.Errorf("packing a blob that is not plain: %v", err)
	}
}

func mustPack(t *testing.T, pack func(dst, plain []byte) ([]byte, error), plain []byte) []byte {
	t.Helper()
	b, err := pack(nil, plain)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzDecodePage feeds damaged page blobs to the decoders: a damaged database must give an
// error, never a panic, and whatever decodes must be readable at every index.
func FuzzDecodePage(f *testing.F) {
	p, _ := samplePage()
	f.Add(p.AppendObjects(nil), p.AppendEdges(nil), AppendInts(nil, []uint64{1, 2, 3, 4, 5}))
	f.Add([]byte{VersionPlain, 1}, []byte{VersionPlain, 0}, []byte(nil))
	f.Add(p.AppendObjects(nil), appendEdgesUnranked(p, nil), []byte(nil)) // stored before kids were ranked
	var k Packer
	wide := widePage()
	packedObjects, _ := k.Objects(nil, wide.AppendObjects(nil))
	packedEdges, _ := k.Edges(nil, wide.AppendEdges(nil))
	f.Add(packedObjects, packedEdges, AppendInts(nil, []uint64{1, 2, 3, 4, 5}))
	f.Fuzz(func(t *testing.T, objects, edges, gen []byte) {
		// What decodes plain must pack, and read the same packed.
		if o, err := DecodeObjects(objects, gen); err == nil && objects[0] == VersionPlain {
			packed, err := k.Objects(nil, objects)
			if err != nil {
				t.Fatalf("packing a page that decodes: %v", err)
			}
			po, err := DecodeObjects(packed, gen)
			if err != nil {
				t.Fatalf("a packed page does not decode: %v", err)
			}
			for i := range o.N {
				if po.Object(i) != o.Object(i) {
					t.Fatalf("object %d packed: %+v, plain %+v", i, po.Object(i), o.Object(i))
				}
			}
		}
		if e, err := DecodeEdges(edges); err == nil && edges[0] == VersionPlain {
			packed, err := k.Edges(nil, edges)
			if err != nil {
				t.Fatalf("packing a page that decodes: %v", err)
			}
			pe, err := DecodeEdges(packed)
			if err != nil {
				t.Fatalf("a packed page does not decode: %v", err)
			}
			if msg := sameEdges(pe, e); msg != "" {
				t.Fatal(msg)
			}
		}
		// Decoded of some of its columns, a page reads as it does whole; a page damaged in a
		// column not asked for may decode, and must read too.
		full, fullErr := DecodeObjects(objects, gen)
		for _, cols := range []Columns{AllColumns, ColType | ColParent | ColIDom | ColVia, Columns(len(gen)*0x9e37) & AllColumns} {
			o, err := DecodeObjectsOf(objects, gen, cols)
			if fullErr == nil && err != nil {
				t.Fatalf("columns %#x: %v; whole, the page decodes", cols, err)
			}
			if err != nil {
				continue
			}
			if fullErr == nil {
				if msg := sameColumns(o, full, cols); msg != "" {
					t.Fatalf("columns %#x: %s", cols, msg)
				}
			}
			for i := 0; i < o.N; i++ {
				_ = o.Object(i)
			}
		}
		if o, err := DecodeObjects(objects, gen); err == nil {
			for i := 0; i < o.N; i++ {
				_ = o.Addr.At(i) + o.Type.At(i) + o.Size.At(i) + o.Len.At(i) + o.Distance.At(i) + o.Parent.At(i) +
					o.IDom.At(i) + o.Retained.At(i) + o.NRefs.At(i) + o.NReferrers.At(i)
				_, _ = o.Value.At(i), o.Via.At(i)
				if o.HasGen {
					_ = o.Gen.At(i)
				}
			}
			for range o.All() {
			}
			// The gen bytes as a site column (the same layout) of the page's objects.
			if sites, err := DecodeSites(gen, o.N); err == nil {
				for i := 0; i < o.N; i++ {
					_ = sites.At(i)
				}
			}
		}
		if e, err := DecodeEdges(edges); err == nil {
			for i := 0; i < e.N; i++ {
				lo, hi := e.Refs(i)
				for j := lo; j < hi; j++ {
					_ = e.Target.At(j) + e.Kind.At(j)
					_ = e.RefName(j)
				}
				lo, hi = e.Referrers(i)
				for j := lo; j < hi; j++ {
					_ = e.Referrer.At(j)
				}
			}
		}
	})
}

// BenchmarkDecode decodes a full page, plain and packed, and reads every value of it, as a
// scan over a snapshot does.
func BenchmarkDecode(b *testing.B) {
	var k Packer
	p := widePage()
	plainObjects, plainEdges := p.AppendObjects(nil), p.AppendEdges(nil)
	packedObjects, _ := k.Objects(nil, plainObjects)
	packedEdges, _ := k.Edges(nil, plainEdges)
	for _, bb := range []struct {
		name           string
		objects, edges []byte
	}{{"plain", plainObjects, plainEdges}, {"packed", packedObjects, packedEdges}} {
		b.Run(bb.name+"/objects", func(b *testing.B) {
			b.SetBytes(int64(len(plainObjects)))
			for range b.N {
				o, err := DecodeObjects(bb.objects, nil)
				if err != nil {
					b.Fatal(err)
				}
				for range o.All() {
				}
			}
		})
		b.Run(bb.name+"/edges", func(b *testing.B) {
			b.SetBytes(int64(len(plainEdges)))
			for range b.N {
				e, err := DecodeEdges(bb.edges)
				if err != nil {
					b.Fatal(err)
				}
				for i := range e.N {
					lo, hi := e.Refs(i)
					for j := lo; j < hi; j++ {
						_ = e.Target.At(j)
					}
				}
			}
		})
	}
	b.Run("pack", func(b *testing.B) {
		b.SetBytes(int64(len(plainObjects) + len(plainEdges)))
		var dst []byte
		for range b.N {
			dst, _ = k.Objects(dst[:0], plainObjects)
			dst, _ = k.Edges(dst[:0], plainEdges)
		}
	})
}

// A page with more names of its own than the builder finds again by text (maxNameIdx: a dict's
// keys) reads back every reference's name, those past the bound and those spelled again.
func TestManyNames(t *testing.T) {
	var p Builder
	p.Reset()
	const refs = 3 * maxNameIdx
	for j := range refs {
		p.Ref(&Ref{OID: int64(j), Name: fmt.Sprintf("['key %d']", j%(2*maxNameIdx))}) // the last third repeats
	}
	p.Add(&Object{Len: -1, Distance: -1, Parent: -1, IDom: -1})
	e, err := DecodeEdges(p.AppendEdges(nil))
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := e.Refs(0)
	if hi-lo != refs {
		t.Fatalf("%d references, want %d", hi-lo, refs)
	}
	for j := lo; j < hi; j++ {
		if want := fmt.Sprintf("['key %d']", (j-lo)%(2*maxNameIdx)); e.RefName(j) != want {
			t.Fatalf("reference %d is named %q, want %q", j-lo, e.RefName(j), want)
		}
	}
}

// TestCompactRelease checks that a packed page decoded of some columns and compacted reads as
// before while the memory it was unpacked into unpacks another page (Compact, Release), and
// that a page unpacked into memory given back reads right. Every other page is compacted into
// the caller's memory (CompactInto), which must then hold its columns.
func TestCompactRelease(t *testing.T) {
	var k Packer
	decode := func(p *Builder, cols Columns) (*Objects, *Objects) {
		b := mustPack(t, k.Objects, p.AppendObjects(nil))
		if b[0] != VersionPacked {
			t.Fatal("a wide page kept plain")
		}
		got, err := DecodeObjectsOf(b, nil, cols) // first, to take what the pool holds
		if err != nil {
			t.Fatal(err)
		}
		full, err := DecodeObjects(b, nil)
		if err != nil {
			t.Fatal(err)
		}
		return got, full
	}
	cols := ColType | ColSize | ColDistance | ColParent | ColIDom | ColRetained | ColVia | ColAddr
	reused := false
	for try := 0; try < 100 && (!reused || try < 2); try++ { // both ways, at least
		kept, keptFull := decode(widePage(), cols)
		if kept.buf == nil {
			t.Fatal("no unpacked memory to give back")
		}
		old := kept.buf
		var mine []byte
		if try%2 == 0 {
			kept.Compact()
		} else {
			kept.CompactInto(func(n int) []byte {
				mine = make([]byte, 0, n)
				return mine
			})
			lo := uintptr(unsafe.Pointer(unsafe.SliceData(mine)))
			for name, c := range map[string][]byte{"Type": kept.Type.data, "Via": kept.Via.data, "Addr": kept.Addr.data} {
				p := uintptr(unsafe.Pointer(unsafe.SliceData(c)))
				if len(c) == 0 || p < lo || p+uintptr(len(c)) > lo+uintptr(cap(mine)) {
					t.Fatalf("CompactInto: the %s column is not in the memory take gave", name)
				}
			}
		}
		if kept.buf != nil {
			t.Fatal("compacted, still holds its unpacked memory")
		}
		// A page of other values, and fewer of them, unpacked into the memory given back
		// (as a rule: a pool may drop what it holds).
		other, otherFull := decode(shortPage(), AllColumns)
		reused = other.buf == old
		if msg := sameColumns(other, otherFull, AllColumns); msg != "" {
			t.Fatalf("a page unpacked into memory given back: %s", msg)
		}
		if msg := compacted(kept, keptFull, cols); msg != "" {
			t.Fatalf("compacted: %s", msg)
		}
		other.Release()
		if other.N != 0 || other.buf != nil {
			t.Fatalf("released, still reads %d objects", other.N)
		}
	}
	if !reused {
		t.Error("the memory given back never unpacked another page")
	}
}

// shortPage is a page of half as many objects as widePage, each with other values.
func shortPage() *Builder {
	var p Builder
	p.Reset()
	for i := range Size / 2 {
		o := Object{Addr: 0xd000000000 + int64(i)*48, Type: int64(i % 17), Size: int64(24 + i%5*8), Len: -1,
			Value: strings.Repeat("y", i%5), Distance: int64(i % 4), Parent: int64(i*31) - 1, Via: ".b",
			IDom: int64(i*13) - 1, Retained: int64(i) << 20}
		p.Add(&o)
	}
	return &p
}
