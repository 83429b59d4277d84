package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// largeDir holds the dumps of 30M objects and more that make bench-large writes: git ignores
// it and make clean removes it. The smaller sizes share dataDir with make bench.
const largeDir = ".data-large"

// largeEnv must be set for the Large benchmarks to run: make bench runs every benchmark of the
// package, and these write about 25 GB and take about 25 minutes on a quiet machine.
const largeEnv = "MEMSEE_BENCH_LARGE"

// largeSizes are the object counts make bench-large measures, for each format.
var largeSizes = []struct {
	name string
	n    int
}{{"1M", 1_000_000}, {"10M", 10_000_000}, {"30M", 30_000_000}, {"100M", 100_000_000}}

// largeFormat is one format make bench-large measures: how it writes a dump of about n
// objects with a real runtime, and what to expect of its size, for the checks before.
type largeFormat struct {
	name string
	// dumpPerObject and dbPerObject are the bytes per object of a dump and of its database,
	// measured at 1M objects; genPerObject the generator's peak memory per object.
	dumpPerObject, dbPerObject, genPerObject float64
	pathType                                 string // the type path --type asks for
	// write writes a dump of about n objects to path, with the runtime's process under nice.
	write func(b *testing.B, n int, path string) error
}

var largeFormats = []largeFormat{
	{
		// testdata/gen/python/big.py: 128 B of JSON per object, a database half of that, and
		// the Python process at 98 B per object at 30M (111 at 1M: its heap, the dumper's list
		// of it).
		name: "meliae", dumpPerObject: 128, dbPerObject: 70, genPerObject: 120, pathType: "Event",
		write: func(b *testing.B, n int, path string) error {
			return runNice("python3", "../testdata/gen/python/big.py", "--objects", strconv.Itoa(n), "--out", path)
		},
	},
	{
		// testdata/gen/java/Big.java: about 8 objects per order, 54 B of HPROF per object and
		// 61 B of database; the JVM's heap is sized from the orders (javaHeap).
		name: "hprof", dumpPerObject: 55, dbPerObject: 62, genPerObject: 60, pathType: "Big$Order",
		write: func(b *testing.B, n int, path string) error {
			classes := filepath.Join(b.TempDir(), "classes")
			if err := run("javac", "-d", classes, "../testdata/gen/java/Big.java"); err != nil {
				return err
			}
			orders := n / 8
			// The JVM writes the dump as it walks the heap: a dump cut short by a killed run
			// must not be taken for a whole one by the next. (The JVM wants the name to end
			// in .hprof.)
			tmp := strings.TrimSuffix(path, ".hprof") + ".partial.hprof"
			os.Remove(tmp)
			if err := runNice("java", fmt.Sprintf("-Xmx%dm", javaHeap(orders)>>20), "-XX:+UseSerialGC", "-cp", classes,
				"Big", "--orders", strconv.Itoa(orders), "--out", tmp); err != nil {
				os.Remove(tmp)
				return err
			}
			return os.Rename(tmp, path)
		},
	},
}

// javaHeap is the heap Big.java needs for its orders: an order and what it holds take about
// 300 B, and the list of orders grows by copying; never less than make bench's 1 GiB.
func javaHeap(orders int) int64 {
	return max(int64(orders)*450+512<<20, 1<<30)
}

// runNice runs a command that writes a benchmark's input at a lower priority, so that what
// else runs on the machine suffers less, its errors on stderr.
func runNice(name string, args ...string) error {
	return run("nice", append([]string{"-n", "10", name}, args...)...)
}

// largeRun is one measured load, kept to compare the sizes of one format in one run.
type largeRun struct {
	objects      int64
	seconds, cpu float64
}

// BenchmarkLarge generates, with real runtimes, dumps of 1M to 100M objects (make bench-large)
// and measures memsee on each, one size at a time: the load (time, objects/s, MB/s of the
// dump, peak RSS per object), the database's size against the dump's, and the time of leaks,
// path --type and top on it. The database is deleted after; the dumps are kept for the next
// run. Before writing anything it checks that the disk and the memory have room, and refuses
// otherwise. The children run under nice.
func BenchmarkLarge(b *testing.B) {
	if os.Getenv(largeEnv) == "" {
		b.Skipf("set %s=1 to run (make bench-large): it writes about 25 GB and takes about 25 minutes on a quiet machine", largeEnv)
	}
	for _, f := range largeFormats {
		b.Run("format="+f.name, func(b *testing.B) {
			runs := map[string]largeRun{}
			for _, size := range largeSizes {
				b.Run("objects="+size.name, func(b *testing.B) {
					runs[size.name] = largeLoad(b, f, size.name, size.n)
					if first, r := runs[largeSizes[0].name], runs[size.name]; size.name != largeSizes[0].name && first.objects > 0 && r.objects > 0 {
						b.Logf("%s %s against %s: %.1fx the objects in %.1fx the time (%.1fx the CPU time)", f.name, size.name, largeSizes[0].name,
							float64(r.objects)/float64(first.objects), r.seconds/first.seconds, r.cpu/first.cpu)
					}
				})
			}
		})
	}
}

// largeDump returns the dump of format f with about n objects, writing it the first time. The
// meliae dumps of 1M and 10M objects are make bench's own.
func largeDump(b *testing.B, f largeFormat, name string, n int) string {
	b.Helper()
	if f.name == "meliae" && n <= 10_000_000 {
		return meliaeDump(b, n, name)
	}
	path, err := filepath.Abs(filepath.Join(largeDir, f.name+"-"+name+dumpExt(f.name)))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if err := os.MkdirAll(largeDir, 0o755); err != nil {
		b.Fatal(err)
	}
	dump, db := int64(f.dumpPerObject*float64(n)), int64(f.dbPerObject*float64(n))
	roomOnDisk(b, largeDir, dump+db, fmt.Sprintf("a %s dump of %s objects (~%s) and its database (~%s)", f.name, name, gb(dump), gb(db)))
	roomInMemory(b, int64(f.genPerObject*float64(n)), fmt.Sprintf("the process that writes a %s dump of %s objects", f.name, name))
	start := time.Now()
	if err := f.write(b, n, path); err != nil {
		os.Remove(path)
		b.Fatalf("writing %s: %v", path, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("wrote %s (%s) in %.0f s", filepath.Base(path), gb(st.Size()), time.Since(start).Seconds())
	return path
}

func dumpExt(format string) string {
	if format == "hprof" {
		return ".hprof"
	}
	return ".json"
}

// largeLoad loads one dump into a fresh database and times the commands on it; it returns the
// load's object count and times. A load that fails fails the benchmark, with memsee's error.
func largeLoad(b *testing.B, f largeFormat, name string, n int) largeRun {
	dump := largeDump(b, f, name, n)
	st, err := os.Stat(dump)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	db := filepath.Join(dir, "large.db")
	roomOnDisk(b, dir, int64(f.dbPerObject*float64(n)), fmt.Sprintf("the database of a %s dump of %s objects", f.name, name))
	defer removeDB(db)
	b.ResetTimer()
	load, err := timeChild(0, memsee, "--db", db, "load", dump)
	b.StopTimer()
	if err != nil {
		// A load that runs out of memory is a figure too: memsee's MemoryError says at which
		// point of the file.
		b.Fatalf("load of %s (%s) after %.0f s, peak RSS %s: %v", filepath.Base(dump), gb(st.Size()), load.seconds, gb(load.rss), err)
	}
	objects := loadedObjects(b, db)
	size := fileSize(db) + fileSize(db+"-wal")
	b.ReportMetric(load.seconds, "load-s")
	b.ReportMetric(load.cpu, "load-cpu-s")
	b.ReportMetric(loadAverage(), "loadavg")
	b.ReportMetric(float64(objects)/load.seconds, "objects/s")
	b.ReportMetric(float64(st.Size())/load.seconds/1e6, "MB/s")
	b.ReportMetric(float64(load.rss)/float64(objects), "RSS-B/obj")
	b.ReportMetric(float64(load.rss)/(1<<20), "MiB-RSS")
	b.ReportMetric(float64(size)/float64(st.Size()), "db/dump")
	b.Logf("%s: %d objects, dump %s, database %s, load %.1f s (%.1f s of CPU) at peak RSS %s, load average %.1f", filepath.Base(dump), objects,
		gb(st.Size()), gb(size), load.seconds, load.cpu, gb(load.rss), loadAverage())
	for _, q := range []struct {
		unit string
		args []string
	}{
		// leaks needs two snapshots: the one dump twice costs what two of its size do.
		{"leaks-s", []string{"leaks", "1", "1"}},
		{"path-type-s", []string{"path", "--type", f.pathType}},
		{"top-s", []string{"top", "1", "-n", "10"}},
	} {
		r, err := timeChild(30*time.Minute, memsee, append([]string{"--db", db}, q.args...)...)
		if err != nil {
			b.Logf("%s: %v after %.0f s", strings.Join(q.args, " "), err, r.seconds)
			continue
		}
		b.ReportMetric(r.seconds, q.unit)
	}
	return largeRun{objects: objects, seconds: load.seconds, cpu: load.cpu}
}

// childRun is what a child process took: its wall time, its CPU time (user and system, which
// other work on the machine changes less than the wall time) and its peak RSS.
type childRun struct {
	seconds, cpu float64
	rss          int64
}

// timeChild runs memsee under nice, its output discarded, and returns its wall time and peak
// RSS; an error carries its stderr. timeout 0 is none.
func timeChild(timeout time.Duration, name string, args ...string) (childRun, error) {
	ctx := context.Background()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, "nice", append([]string{"-n", "10", name}, args...)...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	start := time.Now()
	err := cmd.Run()
	r := childRun{seconds: time.Since(start).Seconds()}
	if cmd.ProcessState != nil {
		u := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		r.rss = u.Maxrss * 1024
		r.cpu = time.Duration(u.Utime.Nano() + u.Stime.Nano()).Seconds()
	}
	if ctx.Err() != nil {
		return r, fmt.Errorf("stopped after %v", timeout)
	}
	if err != nil {
		return r, fmt.Errorf("%v: %s", err, strings.TrimSpace(errb.String()))
	}
	return r, nil
}

// roomOnDisk refuses (fails the benchmark, saying why) when the file system of dir has less
// than need bytes free, and 2 GB more that are left to whoever else uses the disk.
func roomOnDisk(b *testing.B, dir string, need int64, what string) {
	b.Helper()
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err != nil {
		b.Fatal(err)
	}
	const spare = 2e9
	if free := int64(fs.Bavail) * fs.Bsize; free < need+spare {
		b.Fatalf("refused: %s needs %s on disk and %s are free in %s (%s kept spare)", what, gb(need), gb(free), dir, gb(spare))
	}
}

// roomInMemory refuses (fails the benchmark, saying why) when the memory the system says is
// available is less than need and 1 GB.
func roomInMemory(b *testing.B, need int64, what string) {
	b.Helper()
	avail := memAvailable()
	if avail < 0 {
		return // not Linux: nothing to check against
	}
	if avail < need+1e9 {
		b.Fatalf("refused: %s needs about %s of memory and %s are available", what, gb(need), gb(avail))
	}
}

// loadAverage returns the machine's load average over the last minute, or -1: the figures
// of a machine shared with other work are read beside it.
func loadAverage() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f, err := strconv.ParseFloat(strings.Fields(string(data) + " -1")[0], 64)
	if err != nil {
		return -1
	}
	return f
}

// memAvailable returns MemAvailable from /proc/meminfo in bytes, or -1.
func memAvailable() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return -1
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// removeDB removes a database and the files SQLite keeps beside it.
func removeDB(db string) {
	for _, p := range []string{db, db + "-wal", db + "-shm"} {
		os.Remove(p)
	}
}

func gb(n int64) string { return fmt.Sprintf("%.2f GB", float64(n)/1e9) }
