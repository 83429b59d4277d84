//go:build unix

package bench

import (
	"os"
	"testing"
)

// BenchmarkReadAlone reads each load benchmark's largest input with its format's reader alone
// (internal/tools/readalone: the reader into a sink that counts, in a process of its own, the
// file opened, hashed and read as a load reads it), and reports MB/s: the speed each load is
// measured against (issue 20: a load at least half as fast as its reader).
func BenchmarkReadAlone(b *testing.B) {
	for _, in := range []struct {
		format string
		path   func(b *testing.B) string
	}{
		{"meliae", func(b *testing.B) string { return meliaeDump(b, 10_000_000, "10M") }},
		{"hprof", hprofDump},
		{"v8", v8Snapshot},
		{"godump", goDump},
		{"ruby", func(b *testing.B) string { return rubyDump(b, 5_000_000, "5M") }},
	} {
		b.Run("format="+in.format, func(b *testing.B) {
			path := in.path(b)
			st, err := os.Stat(path)
			if err != nil {
				b.Fatal(err)
			}
			var rss int64
			b.ResetTimer()
			for range b.N {
				if r := runChild(b, readAlone, path); r > rss {
					rss = r
				}
			}
			b.ReportMetric(float64(st.Size())*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s")
			b.ReportMetric(float64(rss)/(1<<20), "MiB-RSS")
		})
	}
}
