package ruby

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"testing"
)

// BenchmarkRead reads a dump of about a million lines, made from the real samples' lines
// repeated with their addresses renumbered, and reports lines/s besides MB/s.
func BenchmarkRead(b *testing.B) {
	var src []byte
	for _, name := range samples {
		src = append(src, mustRead(b, name)...)
	}
	srcLines := bytes.Count(src, []byte("\n"))
	addr := regexp.MustCompile(`"0x([0-9a-f]+)"`)
	var dump []byte
	for k := 0; len(dump) == 0 || bytes.Count(dump, []byte("\n")) < 1000000; k++ {
		off := uint64(k) << 48
		dump = append(dump, addr.ReplaceAllFunc(src, func(a []byte) []byte {
			v, err := strconv.ParseUint(string(a[3:len(a)-1]), 16, 64)
			if err != nil {
				return a
			}
			return []byte(`"0x` + strconv.FormatUint(v+off, 16) + `"`)
		})...)
	}
	n := bytes.Count(dump, []byte("\n"))
	b.Logf("%d lines (%d sample lines repeated), %d MB", n, srcLines, len(dump)>>20)
	b.SetBytes(int64(len(dump)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := (Reader{}).Read(context.Background(), "bench.json", bytes.NewReader(dump), &countSink{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
