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

// hprofOrders is how many orders testdata/gen/java/Big.java keeps: about 8 objects each,
// 13.6M objects and a 650 MB dump.
const hprofOrders = 1700000

// hprofDump returns (writing it once, with a real JVM) a large HPROF dump:
// testdata/gen/java/Big.java, compiled with javac and run with java.
func hprofDump(b *testing.B) string {
	b.Helper()
	return dataFile(b, "hprof-big.hprof", "a JDK", func(path string) error {
		classes := filepath.Join(b.TempDir(), "classes")
		if err := run("javac", "-d", classes, "../testdata/gen/java/Big.java"); err != nil {
			return err
		}
		return run("java", "-Xmx1g", "-XX:+UseSerialGC", "-cp", classes, "Big", "--orders", strconv.Itoa(hprofOrders), "--out", path)
	})
}

// BenchmarkLoadHPROF loads one large JVM heap dump with memsee load (parse, graph work with
// dominators and retained sizes, SQLite) as a child process, and reports objects/s and the
// peak RSS per object.
func BenchmarkLoadHPROF(b *testing.B) {
	dump := hprofDump(b)
	st, err := os.Stat(dump)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	var rss int64
	objects := 0
	for i := 0; i < b.N; i++ {
		db := filepath.Join(dir, "hprof.db")
		os.Remove(db)
		if r := runChild(b, memsee, "--db", db, "load", dump); r > rss {
			rss = r
		}
		if objects == 0 {
			out, err := exec.Command(memsee, "--db", db, "query", "--format", "csv", "select object_count from snapshot").Output()
			if err != nil {
				b.Fatal(err)
			}
			lines := strings.Fields(string(out))
			if objects, err = strconv.Atoi(lines[len(lines)-1]); err != nil {
				b.Fatalf("object count: %q", out)
			}
		}
	}
	b.ReportMetric(float64(st.Size())*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s")
	b.ReportMetric(float64(objects)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
	b.ReportMetric(float64(rss)/float64(objects), "RSS-B/obj")
	b.ReportMetric(float64(rss)/(1<<20), "MiB-RSS")
}
