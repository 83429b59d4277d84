//go:build unix

package bench

import (
	"path/filepath"
	"testing"
)

// BenchmarkExportMeliae writes the loaded 10M-object dump as a profile and as folded stacks,
// each as a child process: one pass over its pages, each object's stack from its dominator's.
func BenchmarkExportMeliae(b *testing.B) {
	db := meliaeDB(b)
	out := b.TempDir()
	for _, c := range []struct{ name, format, file string }{
		{"profile", "pprof", "heap.pb.gz"},
		{"folded", "folded", "heap.folded"},
	} {
		b.Run(c.name, func(b *testing.B) {
			var rss int64
			for i := 0; i < b.N; i++ {
				if r := runChild(b, memsee, "--db", db, "export", "--format", c.format, "-o", filepath.Join(out, c.file)); r > rss {
					rss = r
				}
			}
			b.ReportMetric(float64(rss)/(1<<20), "MiB-RSS")
		})
	}
}
