package godump

import (
	"bytes"
	"context"
	"testing"
)

// FuzzRead checks that no input makes the reader panic, hang or hold memory out of proportion
// to the input. It is seeded from the real samples, whole and truncated, and from a small dump
// built by hand.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"heap1", "churn2"} {
		data := mustRead(f, name)
		for _, n := range []int{17, 64, 200, 1000, 4096, 16384} {
			f.Add(data[:n])
		}
	}
	f.Add(mustRead(f, "churn1"))
	d := newDump()
	d.object(0xc000010000, 4, map[int]uint64{1: 0xc000010048})
	d.object(0xc000010040, 2, map[int]uint64{0: 0x4a0000})
	d.ints(tagMemProf, 0x77, 32, 1).str("main.f").str("main.go").ints(12, 1, 0)
	d.ints(tagAllocSample, 0xc000010000, 0x77, tagEOF)
	f.Add(d.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		s := newRecSink()
		_ = Reader{}.Read(context.Background(), "fuzz.dump", bytes.NewReader(b), s)
		// An object record takes at least three bytes, a pointer field two; a root is a
		// pointer field too.
		if s.objects > len(b) || s.edges > len(b) || len(s.roots) > len(b) {
			t.Errorf("%d objects, %d edges, %d roots from %d bytes", s.objects, s.edges, len(s.roots), len(b))
		}
	})
}
