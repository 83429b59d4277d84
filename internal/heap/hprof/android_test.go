package hprof

import (
	"context"
	"encoding/binary"
	"testing"
)

// TestAndroidSubRecords reads one heap dump segment made of Android's extra sub-records (as
// ART writes them with 4-byte ids, before hprof-conv), each followed by a sticky-class root:
// every one must be read by its own length, or the roots after it would not be found.
func TestAndroidSubRecords(t *testing.T) {
	u4 := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	var seg []byte
	subs := []struct {
		tag  byte
		body []byte
		kind string // the root it makes; "" for none
	}{
		{subHeapDumpInfo, cat(u4(0x50), u4(0x99)), ""}, // heap "app", its name an UTF8 id
		{subRootInternedString, u4(0x10), "interned string"},
		{subRootFinalizing, u4(0x11), "finalizing"},
		{subRootDebugger, u4(0x12), "debugger"},
		{subRootReferenceCleanup, u4(0x13), "reference cleanup"},
		{subRootVMInternal, u4(0x14), "vm internal"},
		{subRootJNIMonitor, cat(u4(0x15), u4(1), u4(0)), "jni monitor"},
		{subRootUnreachable, u4(0x16), ""},
		{subPrimArrayNoData, cat(u4(0x17), u4(0), u4(1000), []byte{tInt}), ""},
	}
	for _, s := range subs {
		seg = append(append(append(seg, s.tag), s.body...), subRootStickyClass)
		seg = append(seg, u4(0x20)...)
	}
	b := append([]byte("JAVA PROFILE 1.0.3\x00"), u4(4)...)
	b = append(b, make([]byte, 8)...)
	b = record(b, recHeapDumpSeg, uint32(len(seg)), seg)
	b = record(b, recHeapDumpEnd, 0, nil)
	s := newRecordSink()
	if err := (Reader{}).Read(context.Background(), "android.hprof", bytesReader(b), s); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, r := range s.roots {
		kinds[r.Kind]++
	}
	for _, sub := range subs {
		if sub.kind != "" && kinds[sub.kind] != 1 {
			t.Errorf("%s: %d roots, want 1", sub.kind, kinds[sub.kind])
		}
	}
	if kinds["sticky class"] != len(subs) || len(s.roots) != 2*len(subs)-3 {
		t.Errorf("roots %v", kinds)
	}
	// PRIMITIVE_ARRAY_NODATA is an int[1000] without its elements: 12 + 4000 bytes.
	if s.count["int[]"] != 1 || s.bytes["int[]"] != 4016 {
		t.Errorf("int[]: %d objects, %d bytes", s.count["int[]"], s.bytes["int[]"])
	}
}
