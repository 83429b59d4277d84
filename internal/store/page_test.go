package store

import "testing"

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
		b := appendInts([]byte{0xee}, vs)
		r := pageReader{b: b[1:]}
		c := r.ints(len(vs))
		if r.err != nil || len(r.b) != 0 {
			t.Fatalf("%v: err %v, %d bytes left", vs, r.err, len(r.b))
		}
		for i, v := range vs {
			if got := c.at(i); got != v {
				t.Errorf("%v: value %d is %d", vs, i, got)
			}
		}
	}
}

// FuzzDecodePage feeds damaged page blobs to the decoders: a damaged database must give an
// error, never a panic, and whatever decodes must be readable at every index.
func FuzzDecodePage(f *testing.F) {
	var p pageBuilder
	p.reset()
	for i := 0; i < 5; i++ {
		p.ref(Ref{OID: int64(i * 3), Kind: 1, Index: int64(i)})
		p.ref(Ref{OID: 9, Name: ".x", NameKey: 4})
		p.ref(Ref{OID: 2, Name: "['k']"})
		p.referrer = append(p.referrer, uint32(i), 7)
		p.add(&GraphObject{OID: int64(i), Addr: 0x1000 + int64(i)*32, Type: 3, Size: 32, Len: -1, Value: "v", Distance: int64(i), Parent: -1, Via: ".a", IDom: 0, Retained: 64})
	}
	f.Add(p.appendObjects(nil), p.appendEdges(nil), appendInts(nil, []uint64{1, 2, 3, 4, 5}))
	f.Add([]byte{pageVersion, 1}, []byte{pageVersion, 0}, []byte(nil))
	f.Fuzz(func(t *testing.T, objects, edges, gen []byte) {
		if o, err := decodeObjectPage(objects, gen); err == nil {
			for i := 0; i < o.n; i++ {
				_ = o.addr.at(i) + o.typ.at(i) + o.size.at(i) + o.len.at(i) + o.dist.at(i) + o.parent.at(i) +
					o.idom.at(i) + o.retained.at(i) + o.nrefs.at(i) + o.nreferrers.at(i)
				_, _ = o.value.at(i), o.via.at(i)
				if o.hasGen {
					_ = o.gen.at(i)
				}
			}
		}
		if e, err := decodeEdgePage(edges); err == nil {
			for i := 0; i < e.n; i++ {
				lo, hi := e.refRange(i)
				for j := lo; j < hi; j++ {
					_ = e.dst.at(j) + e.kind.at(j)
					_ = e.refText(j)
				}
				lo, hi = e.referrerRange(i)
				for j := lo; j < hi; j++ {
					_ = e.referrer.at(j)
				}
			}
		}
	})
}
