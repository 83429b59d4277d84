//go:build unix

package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// largeDir holds the dumps that make bench-large writes: git ignores it and make clean removes
// it. The dumps make bench writes too (meliae's 1M and 10M, Go's 10M, Ruby's 1M) stay in
// dataDir, shared.
const largeDir = ".data-large"

// largeEnv must be set for the Large benchmarks to run: make bench runs every benchmark of the
// package, and these write about 42 GB and take about 30 minutes on a quiet machine.
const largeEnv = "MEMSEE_BENCH_LARGE"

// largeSizes are the object counts make bench-large measures, each format up to its largest.
var largeSizes = []struct {
	name string
	n    int
}{{"1M", 1_000_000}, {"10M", 10_000_000}, {"30M", 30_000_000}, {"100M", 100_000_000}}

// largeFormat is one format make bench-large measures: how it writes a dump of about n
// objects with a real runtime, and what to expect of its size, for the checks before.
type largeFormat struct {
	name string
	ext  string // the dump's file name ends so
	// largest is the largest object count of largeSizes it runs: 100M for two formats, 30M for
	// the others (issue 20).
	largest int
	// dumpPerObject and dbPerObject are the bytes per object of a dump and of its database,
	// measured at 1M objects; genPerObject the generator's peak memory per object.
	dumpPerObject, dbPerObject, genPerObject float64
	pathType                                 string // the type path --type asks for
	// write writes a dump of about n objects to path, with the runtime's process under nice.
	write func(b *testing.B, n int, path string) error
	// shared, if not nil, returns make bench's own dump of n objects, or "" when make bench
	// has none of that size.
	shared func(b *testing.B, n int) string
	// peer, if not nil, runs the tool people use today for this format on the dump of n
	// objects and reports its figures beside memsee's.
	peer func(b *testing.B, n int, dump string)
}

var largeFormats = []largeFormat{
	{
		// testdata/gen/python/big.py: 128 B of JSON per object, a database half of that, and
		// the Python process at 98 B per object at 30M (111 at 1M: its heap, the dumper's list
		// of it).
		name: "meliae", ext: ".json", largest: 100_000_000, dumpPerObject: 128, dbPerObject: 70, genPerObject: 120, pathType: "Event",
		write: func(b *testing.B, n int, path string) error {
			return runNice("python3", "../testdata/gen/python/big.py", "--objects", strconv.Itoa(n), "--out", path)
		},
		shared: func(b *testing.B, n int) string {
			if n > 10_000_000 {
				return ""
			}
			return meliaeDump(b, n, largeName(n))
		},
	},
	{
		// testdata/gen/java/Big.java: about 8 objects per order, 54 B of HPROF per object and
		// 61 B of database; the JVM's heap is sized from the orders (javaHeap).
		name: "hprof", ext: ".hprof", largest: 100_000_000, dumpPerObject: 55, dbPerObject: 62, genPerObject: 60, pathType: "Big$Order",
		write: func(b *testing.B, n int, path string) error {
			classes := filepath.Join(b.TempDir(), "classes")
			if err := run("javac", "-d", classes, "../testdata/gen/java/Big.java"); err != nil {
				return err
			}
			orders := n / 8
			return runNice("java", fmt.Sprintf("-Xmx%dm", javaHeap(orders)>>20), "-XX:+UseSerialGC", "-cp", classes,
				"Big", "--orders", strconv.Itoa(orders), "--out", path)
		},
	},
	{
		// testdata/gen/node/big.js --nodes: 68 B of snapshot per node, so 30M nodes are the
		// snapshot of about 2 GB of issue 20 (2.10 GB); 12 B of database per node; node at
		// about 315 B per node writing it (473 MB at 1M, 3.1 GB at 10M, 9.4 GB at 30M). memlab
		// runs beside memsee from 10M.
		name: "v8", ext: ".heapsnapshot", largest: 30_000_000, dumpPerObject: 69, dbPerObject: 14, genPerObject: 340,
		pathType: "Record",
		write: func(b *testing.B, n int, path string) error {
			return runNice("node", fmt.Sprintf("--max-old-space-size=%d", nodeHeap(n)>>20), "../testdata/gen/node/big.js",
				"--nodes", strconv.Itoa(n), "--out", path)
		},
		peer: func(b *testing.B, n int, dump string) {
			if n >= 10_000_000 {
				largeMemlab(b, dump)
			}
		},
	},
	{
		// testdata/gen/godump -big: a binary tree of n nodes, 79 B of dump and 8 B of database
		// per object; the Go process at 93 B per object (every allocation sampled). make
		// bench's godump-big is the 10M. Every node of a tree has a path of its own: path
		// --type took 102 s and 18.3 GB of RSS at 10M, and at 30M passes childRSSLimit.
		name: "godump", ext: ".dump", largest: 30_000_000, dumpPerObject: 80, dbPerObject: 10, genPerObject: 100,
		pathType: "main.newNode (new 48 B)", // named by its allocation site
		write: func(b *testing.B, n int, path string) error {
			// The generator writes <out>/<prefix>.dump.
			return runNice("go", "run", "-trimpath", "../testdata/gen/godump", "-big", strconv.Itoa(n),
				"-out", filepath.Dir(path), "-prefix", strings.TrimSuffix(filepath.Base(path), ".dump"))
		},
		shared: func(b *testing.B, n int) string {
			if n != goDumpObjects {
				return ""
			}
			return goDump(b)
		},
	},
	{
		// testdata/gen/ruby/big.rb: 319 B of JSON and 30 B of database per object; Ruby at
		// 166 to 204 B per object (5.7 GB at 30M). make bench's ruby-1M is the 1M.
		name: "ruby", ext: ".json", largest: 30_000_000, dumpPerObject: 320, dbPerObject: 32, genPerObject: 210,
		pathType: "Event",
		write: func(b *testing.B, n int, path string) error {
			return runNice("ruby", "--disable-gems", "../testdata/gen/ruby/big.rb", strconv.Itoa(n), path)
		},
		shared: func(b *testing.B, n int) string {
			if n != 1_000_000 {
				return ""
			}
			return rubyDump(b, n, largeName(n))
		},
	},
}

// nodeHeap is the JavaScript heap big.js gets for n nodes: about 250 B a node, never less
// than node's own default here (4 GiB).
func nodeHeap(n int) int64 {
	return max(int64(n)*250, 4<<30)
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
// and measures memsee on each, one size at a time: the format's reader alone (MB/s, in a
// process of its own, internal/tools/readalone), the load (time, objects/s, MB/s of the dump and its share of the reader's, peak
// RSS per object), the database's size against the dump's, and the time of leaks, path --type
// and top on it. The database is deleted after; the dumps are kept for the next
// run. Before writing anything it checks that the disk and the memory have room, and refuses
// otherwise. The children run under nice.
func BenchmarkLarge(b *testing.B) {
	if os.Getenv(largeEnv) == "" {
		b.Skipf("set %s=1 to run (make bench-large): it writes about 42 GB and takes about 30 minutes on a quiet machine", largeEnv)
	}
	for _, f := range largeFormats {
		b.Run("format="+f.name, func(b *testing.B) {
			runs := map[string]largeRun{}
			for _, size := range largeSizes {
				if size.n > f.largest {
					continue
				}
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

// largeName is the name of a size in largeSizes: 10_000_000 is "10M".
func largeName(n int) string {
	for _, size := range largeSizes {
		if size.n == n {
			return size.name
		}
	}
	return strconv.Itoa(n)
}

// largeDump returns the dump of format f with about n objects, make bench's own if it has
// one, or else written the first time into largeDir.
func largeDump(b *testing.B, f largeFormat, name string, n int) string {
	b.Helper()
	if f.shared != nil {
		if path := f.shared(b, n); path != "" {
			return path
		}
	}
	path, err := filepath.Abs(filepath.Join(largeDir, f.name+"-"+name+f.ext))
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
	// A runtime writes its dump as it walks its heap: a dump cut short by a killed run must
	// not be taken for a whole one by the next, so it is written under another name first.
	// (The JVM wants the name to end in .hprof, and the Go generator in .dump.)
	tmp := strings.TrimSuffix(path, f.ext) + ".partial" + f.ext
	os.Remove(tmp)
	start := time.Now()
	if err := f.write(b, n, tmp); err != nil {
		os.Remove(tmp)
		b.Fatalf("writing %s: %v", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("wrote %s (%s) in %.0f s", filepath.Base(path), gb(st.Size()), time.Since(start).Seconds())
	return path
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
	// The reader alone first, in a process of its own (a child started from a process that
	// held the memory of a read would be charged that memory's peak: Linux counts the
	// parent's at the child's exec). The dump is read once before, so that the reader alone
	// and the load after it both find it in the page cache, as far as it fits there: timed
	// on the disk while the load read the cache, the reader alone took up to a third longer
	// than on the cache (BENCHMARKS.md, ninth session).
	warm(b, dump)
	alone, err := timeChild(0, 0, readAlone, dump)
	if err != nil {
		b.Fatalf("reading %s alone: %v", filepath.Base(dump), err)
	}
	reader := alone.seconds
	// What the last load wrote is still being written out to disk (a database of a gigabyte
	// and more at 100M objects): it goes before the timing, not during it.
	syscall.Sync()
	b.ResetTimer()
	load, err := timeChild(0, 0, memsee, "--db", db, "load", dump)
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
	b.ReportMetric(float64(st.Size())/reader/1e6, "reader-MB/s")
	b.ReportMetric(reader/load.seconds, "of-reader")
	b.ReportMetric(float64(load.rss)/float64(objects), "RSS-B/obj")
	b.ReportMetric(float64(load.rss)/(1<<20), "MiB-RSS")
	b.ReportMetric(float64(size)/float64(st.Size()), "db/dump")
	b.Logf("%s: %d objects, dump %s, database %s, load %.1f s (%.1f s of CPU) at peak RSS %s, the reader alone %.2f s at peak RSS %s, load average %.1f", filepath.Base(dump), objects,
		gb(st.Size()), gb(size), load.seconds, load.cpu, gb(load.rss), reader, gb(alone.rss), loadAverage())
	for _, q := range []struct {
		unit string
		args []string
	}{
		// leaks needs two snapshots; the one dump three times costs what three of its size do
		// (the goal: three 10M-object snapshots in 1 s).
		{"leaks3-s", []string{"leaks", "1", "1", "1"}},
		{"path-type-s", []string{"path", "--type", f.pathType}},
		{"top-s", []string{"top", "1", "-n", "10"}},
	} {
		r, err := timeChild(30*time.Minute, childRSSLimit(), memsee, append([]string{"--db", db}, q.args...)...)
		if err != nil {
			b.Logf("%s: %v after %.0f s at peak RSS %s", strings.Join(q.args, " "), err, r.seconds, gb(r.rss))
			continue
		}
		b.ReportMetric(r.seconds, q.unit)
		b.Logf("%s: %.2f s at peak RSS %s", strings.Join(q.args, " "), r.seconds, gb(r.rss))
	}
	if f.peer != nil {
		f.peer(b, n, dump)
	}
	return largeRun{objects: objects, seconds: load.seconds, cpu: load.cpu}
}

// warm reads the file at path once, to bring it into the page cache as far as it fits.
func warm(b *testing.B, path string) {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(io.Discard, f); err != nil {
		b.Fatal(err)
	}
}

// memlabTimeout bounds memlab's run on one snapshot of make bench-large.
const memlabTimeout = 30 * time.Minute

// largeMemlab runs memlab (make bench's command, memlabArgs) on a snapshot of make
// bench-large, under nice as memsee's load is, and reports its time and peak RSS beside
// memsee's. A memlab that fails (Node's heap limit, out of memory) or runs past memlabTimeout
// is a figure too: it is logged with memlab's first error line, and the benchmark goes on.
func largeMemlab(b *testing.B, snap string) {
	r, err := timeChild(memlabTimeout, childRSSLimit(), memlab(b), memlabArgs(snap)...)
	if err != nil {
		msg := err.Error()
		var failed *childError
		if errors.As(err, &failed) {
			msg = fmt.Sprintf("%s: %s", failed.err, memlabFailure(failed.stderr))
		}
		b.Logf("memlab on %s failed after %.0f s at peak RSS %s: %s", filepath.Base(snap), r.seconds, gb(r.rss), msg)
		b.ReportMetric(1, "memlab-failed")
		return
	}
	b.ReportMetric(r.seconds, "memlab-s")
	b.ReportMetric(float64(r.rss)/(1<<20), "memlab-MiB-RSS")
	b.Logf("memlab on %s: %.1f s (%.1f s of CPU) at peak RSS %s", filepath.Base(snap), r.seconds, r.cpu, gb(r.rss))
}

// childRun is what a child process took: its wall time, its CPU time (user and system, which
// other work on the machine changes less than the wall time) and its peak RSS.
type childRun struct {
	seconds, cpu float64
	rss          int64
}

// timeChild runs a command (memsee, readalone, a peer) under nice, its output discarded, and
// returns its wall time and peak RSS; an error carries its stderr. timeout 0 is none; so is
// rssLimit 0, else the child is killed once its RSS passes rssLimit bytes (a query that would
// take the machine's memory stops, and says so, before the machine swaps or kills something
// else).
func timeChild(timeout time.Duration, rssLimit int64, name string, args ...string) (childRun, error) {
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
	err := cmd.Start()
	var overLimit atomic.Bool
	if err == nil {
		done := make(chan struct{})
		defer close(done)
		if rssLimit > 0 {
			go watchRSS(cmd.Process, rssLimit, &overLimit, done)
		}
		err = cmd.Wait()
	}
	r := childRun{seconds: time.Since(start).Seconds()}
	if cmd.ProcessState != nil {
		u := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		r.rss = u.Maxrss * 1024
		r.cpu = time.Duration(u.Utime.Nano() + u.Stime.Nano()).Seconds()
	}
	if ctx.Err() != nil {
		return r, fmt.Errorf("stopped after %v", timeout)
	}
	if overLimit.Load() {
		return r, fmt.Errorf("stopped: its RSS passed %s", gb(rssLimit))
	}
	if err != nil {
		return r, &childError{err: err, stderr: errb.String()}
	}
	return r, nil
}

// childRSSLimit is the RSS past which a query of make bench-large (or memlab) is stopped: half
// of the machine's memory, which leaves the rest to whatever else runs on it.
func childRSSLimit() int64 {
	total := memInfo("MemTotal:")
	if total < 0 {
		return 0 // not Linux: nothing to watch
	}
	return total / 2
}

// watchRSS kills p once its resident set passes limit bytes, and says so in over; it returns
// when done is closed or the process is gone. (nice runs the child in its own process, so p's
// RSS is the child's.)
func watchRSS(p *os.Process, limit int64, over *atomic.Bool, done <-chan struct{}) {
	status := fmt.Sprintf("/proc/%d/status", p.Pid)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		rss := procKB(status, "VmRSS:")
		if rss < 0 {
			return
		}
		if rss<<10 > limit {
			over.Store(true)
			p.Kill()
			return
		}
	}
}

// childError is a child that failed: how it ended and what it wrote on stderr.
type childError struct {
	err    error
	stderr string
}

func (e *childError) Error() string { return fmt.Sprintf("%v: %s", e.err, strings.TrimSpace(e.stderr)) }

// roomOnDisk refuses (fails the benchmark, saying why) when the file system of dir has less
// than need bytes free, and 2 GB more that are left to whoever else uses the disk.
func roomOnDisk(b *testing.B, dir string, need int64, what string) {
	b.Helper()
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err != nil {
		b.Fatal(err)
	}
	const spare = 2e9
	if free := int64(fs.Bavail) * int64(fs.Bsize); free < need+spare {
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
func memAvailable() int64 { return memInfo("MemAvailable:") }

// memInfo returns a field of /proc/meminfo (key with its colon) in bytes, or -1.
func memInfo(key string) int64 {
	kb := procKB("/proc/meminfo", key)
	if kb < 0 {
		return -1
	}
	return kb << 10
}

// procKB returns the value in kB of the line of a /proc file that begins with key, or -1.
func procKB(path, key string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), key); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb
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
