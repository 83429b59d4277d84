package page

import (
	"reflect"
	"testing"

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
	}
}

// samplePage builds a page of five objects with references of every kind of name.
func samplePage() (*Builder, []Object) {
	var p Builder
	p.Reset()
	var objs []Object
	for i := 0; i < 5; i++ {
		p.Ref(Ref{OID: int64(i * 3), Kind: 1, Index: int64(i)})
		p.Ref(Ref{OID: 9, Name: ".x", NameKey: 4})
		p.Ref(Ref{OID: 2, Name: "['k']"})
		p.Referrer(uint32(i))
		p.Referrer(7)
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
	if _, err := DecodeObjects(append(p.AppendObjects(nil), 0), nil); err != ErrDamaged {
		t.Errorf("a byte left over: %v", err)
	}
}

// FuzzDecodePage feeds damaged page blobs to the decoders: a damaged database must give an
// error, never a panic, and whatever decodes must be readable at every index.
func FuzzDecodePage(f *testing.F) {
	p, _ := samplePage()
	f.Add(p.AppendObjects(nil), p.AppendEdges(nil), AppendInts(nil, []uint64{1, 2, 3, 4, 5}))
	f.Add([]byte{Version, 1}, []byte{Version, 0}, []byte(nil))
	f.Fuzz(func(t *testing.T, objects, edges, gen []byte) {
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
