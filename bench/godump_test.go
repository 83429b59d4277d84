//go:build unix

package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// goDumpObjects is how many objects the big Go heap dump's process holds.
const goDumpObjects = 10_000_000

// goDump returns (writing it once, with a real Go program) a large Go heap dump:
// testdata/gen/godump -big, a binary tree of 10M small objects, every one with an allocation
// sample (MemProfileRate=1).
func goDump(b *testing.B) string {
	b.Helper()
	return dataFile(b, "godump-big.dump", "go", func(path string) error {
		return run("go", "run", "-trimpath", "../testdata/gen/godump", "-big", strconv.Itoa(goDumpObjects),
			"-out", filepath.Dir(path), "-prefix", "godump-big")
	})
}

// loadedObjects returns the object count of the snapshot memsee loaded.
func loadedObjects(b *testing.B, db string) int64 {
	b.Helper()
	out, err := exec.Command(memsee, "--db", db, "query", "--format", "csv", "select object_count from snapshot order by id desc limit 1").Output()
	if err != nil {
		b.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	n, _ := strconv.ParseInt(lines[len(lines)-1], 10, 64)
	return n
}

// BenchmarkLoadGoDump loads the big Go heap dump with memsee load (parse, graph work with
// dominators and retained sizes, SQLite) as a child process, and reports objects/s and the
// peak RSS per object.
func BenchmarkLoadGoDump(b *testing.B) {
	dump := goDump(b)
	st, err := os.Stat(dump)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	var rss int64
	db := filepath.Join(dir, "godump.db")
	for i := 0; i < b.N; i++ {
		os.Remove(db)
		if r := runChild(b, memsee, "--db", db, "load", dump); r > rss {
			rss = r
		}
	}
	b.StopTimer()
	objects := float64(goDumpObjects)
	if n := loadedObjects(b, db); n > 0 {
		objects = float64(n)
	}
	b.ReportMetric(objects*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
	b.ReportMetric(float64(st.Size())*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s")
	b.ReportMetric(float64(rss)/objects, "RSS-B/object")
	b.ReportMetric(float64(rss)/(1<<20), "MiB-RSS")
}
