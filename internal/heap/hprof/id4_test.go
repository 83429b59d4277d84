package hprof

import (
	"encoding/binary"
	"testing"
)

// No JVM at hand writes 4-byte ids (a 32-bit HotSpot, or Android's ART, would), so
// TestRewrittenToID4 checks them on a real 8-byte dump rewritten record by record to 4-byte
// ids by rewriteID4: every id, in records, sub-records and instance field values, is
// renumbered to a 32-bit one, and every length adjusted. Nothing else changes, so the reader
// must find the same objects, references and roots, with 32-bit object sizes.
func TestRewrittenToID4(t *testing.T) {
	orig := gunzip(t, "heap4.hprof.gz")
	b := rewriteID4(t, orig)
	want, got := read(t, orig, Reader{}), read(t, b, Reader{})
	if got.snap.Meta["id_size"] != "4" || got.objects != want.objects || got.edges != want.edges || len(got.roots) != len(want.roots) {
		t.Fatalf("id size %s: %d objects, %d edges, %d roots; want %d, %d, %d", got.snap.Meta["id_size"],
			got.objects, got.edges, len(got.roots), want.objects, want.edges, len(want.roots))
	}
	for ty, n := range want.count {
		if got.count[ty] != n {
			t.Errorf("%s: %d objects with 4-byte ids, %d with 8", ty, got.count[ty], n)
		}
	}
	// 32-bit layout: 8-byte headers, 4-byte references, 12-byte array headers.
	if got, want := got.bytes["shop.AuditEntry"]/got.count["shop.AuditEntry"], int64(24); got != want {
		t.Errorf("AuditEntry: %d bytes, want %d", got, want)
	}
	shop := got.class(t, "shop.Shop")
	recent, _ := got.edge(shop, "RECENT")
	if got.size[recent.To] != 48 { // 12 + 8 × 4, rounded up to 8
		t.Errorf("Session[8]: %d bytes, want 48", got.size[recent.To])
	}
	log, _ := got.edge(shop, "AUDIT_LOG")
	data, _ := got.edge(log.To, "elementData")
	first, _ := got.edge(data.To, "0")
	path, _ := got.edge(first.To, "path")
	value, _ := got.edge(path.To, "value")
	if got.value[value.To] != "/cart/0" {
		t.Errorf("first AuditEntry .path: %q", got.value[value.To])
	}
}

// rewriteID4 rewrites an HPROF dump with 8-byte ids to 4-byte ids (see TestRewrittenToID4).
// It expects HotSpot's order: every class dumped before its instances.
func rewriteID4(t *testing.T, in []byte) []byte {
	t.Helper()
	ids := map[uint64]uint32{0: 0}
	id := func(b []byte) []byte {
		v := binary.BigEndian.Uint64(b)
		n, ok := ids[v]
		if !ok {
			n = uint32(len(ids)) * 8
			ids[v] = n
		}
		return binary.BigEndian.AppendUint32(nil, n)
	}
	classes := map[uint64][]byte{} // class id -> its instance field types
	supers := map[uint64]uint64{}
	end := len("JAVA PROFILE 1.0.2") + 1
	out := append([]byte(nil), in[:end]...)
	out = binary.BigEndian.AppendUint32(out, 4)
	out = append(out, in[end+4:end+12]...)
	size := func(ty byte) int { return typeSize(ty, 8) }
	for at := end + 12; at < len(in); {
		tag, length := in[at], int(binary.BigEndian.Uint32(in[at+5:]))
		body := in[at+9 : at+9+length]
		var nb []byte
		switch tag {
		case recUTF8:
			nb = append(id(body), body[8:]...)
		case recLoadClass:
			nb = append(append(append(append([]byte(nil), body[:4]...), id(body[4:])...), body[12:16]...), id(body[16:])...)
		case recFrame:
			nb = append(append(append(append(id(body), id(body[8:])...), id(body[16:])...), id(body[24:])...), body[32:40]...)
		case recTrace:
			nb = append([]byte(nil), body[:12]...)
			for k := 12; k < len(body); k += 8 {
				nb = append(nb, id(body[k:])...)
			}
		case recHeapDump, recHeapDumpSeg:
			for p := 0; p < len(body); {
				sub := body[p]
				nb = append(nb, sub)
				p++
				switch sub {
				case subRootUnknown, subRootStickyClass, subRootMonitorUsed:
					nb = append(nb, id(body[p:])...)
					p += 8
				case subRootJNIGlobal:
					nb = append(append(nb, id(body[p:])...), id(body[p+8:])...)
					p += 16
				case subRootJNILocal, subRootJavaFrame, subRootThreadObj:
					nb = append(append(nb, id(body[p:])...), body[p+8:p+16]...)
					p += 16
				case subRootNativeStack, subRootThreadBlock:
					nb = append(append(nb, id(body[p:])...), body[p+8:p+12]...)
					p += 12
				case subClassDump:
					cid := binary.BigEndian.Uint64(body[p:])
					supers[cid] = binary.BigEndian.Uint64(body[p+12:])
					nb = append(append(nb, id(body[p:])...), body[p+8:p+12]...)
					p += 12
					for k := 0; k < 6; k++ {
						nb = append(nb, id(body[p:])...)
						p += 8
					}
					nb = append(nb, body[p:p+4]...) // instance size: HotSpot's, left as it is
					p += 4
					if n := binary.BigEndian.Uint16(body[p:]); n != 0 {
						t.Fatalf("constant pool of %d entries", n)
					}
					nb = append(nb, body[p:p+2]...)
					p += 2
					n := int(binary.BigEndian.Uint16(body[p:]))
					nb = append(nb, body[p:p+2]...)
					p += 2
					for k := 0; k < n; k++ {
						ty := body[p+8]
						nb = append(append(nb, id(body[p:])...), ty)
						p += 9
						if ty == tObject {
							nb = append(nb, id(body[p:])...)
						} else {
							nb = append(nb, body[p:p+size(ty)]...)
						}
						p += size(ty)
					}
					n = int(binary.BigEndian.Uint16(body[p:]))
					nb = append(nb, body[p:p+2]...)
					p += 2
					var types []byte
					for k := 0; k < n; k++ {
						types = append(types, body[p+8])
						nb = append(append(nb, id(body[p:])...), body[p+8])
						p += 9
					}
					classes[cid] = types
				case subInstanceDump:
					cid := binary.BigEndian.Uint64(body[p+12:])
					n := int(binary.BigEndian.Uint32(body[p+20:]))
					fields := body[p+24 : p+24+n]
					var nf []byte
					for c := cid; c != 0; c = supers[c] {
						for _, ty := range classes[c] {
							if ty == tObject {
								nf = append(nf, id(fields)...)
							} else {
								nf = append(nf, fields[:size(ty)]...)
							}
							fields = fields[size(ty):]
						}
					}
					nb = append(append(append(append(nb, id(body[p:])...), body[p+8:p+12]...), id(body[p+12:])...),
						binary.BigEndian.AppendUint32(nil, uint32(len(nf)))...)
					nb = append(nb, nf...)
					p += 24 + n
				case subObjArrayDump:
					n := int(binary.BigEndian.Uint32(body[p+12:]))
					nb = append(append(append(nb, id(body[p:])...), body[p+8:p+16]...), id(body[p+16:])...)
					p += 24
					for k := 0; k < n; k++ {
						nb = append(nb, id(body[p:])...)
						p += 8
					}
				case subPrimArrayDump:
					n := int(binary.BigEndian.Uint32(body[p+12:]))
					data := n * size(body[p+16])
					nb = append(append(nb, id(body[p:])...), body[p+8:p+17+data]...)
					p += 17 + data
				default:
					t.Fatalf("sub-record 0x%02x at %#x", sub, at)
				}
			}
		default:
			nb = body
		}
		out = append(out, in[at:at+5]...)
		out = binary.BigEndian.AppendUint32(out, uint32(len(nb)))
		out = append(out, nb...)
		at += 9 + length
	}
	return out
}
