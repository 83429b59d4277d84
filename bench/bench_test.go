//go:build unix

// Package bench measures memsee end to end against the tools people use today, as child
// processes, so that the numbers include start-up, I/O and the peak RSS a user sees. Run it
// with `make bench`; BENCHMARKS.md records the results.
package bench

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

var (
	memsee string // the memsee binary, built once
	// readAlone is internal/tools/readalone, built once: a format's reader alone, in a
	// process of its own (make bench-large's speed to measure loads against).
	readAlone string
	pprofGo   string // the pprof binary of the Go toolchain (go tool pprof)
	dataDir   = ".data"
)

// dataFile returns the absolute path of a large input in dataDir, calling write(path) to make
// it with a real runtime the first time. A write that fails skips the benchmark, saying which
// tool is needed, and leaves no half-written file.
func dataFile(b *testing.B, name, needs string, write func(path string) error) string {
	b.Helper()
	path, err := filepath.Abs(filepath.Join(dataDir, name))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		b.Fatal(err)
	}
	if err := write(path); err != nil {
		os.Remove(path)
		b.Skipf("writing %s: %v (%s needed)", path, err, needs)
	}
	return path
}

// run runs a command that writes a benchmark's input, its errors on stderr.
func run(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	return cmd.Run()
}

// launchEnv, set in its environment, makes the test binary a launcher (launch) rather than a
// test run.
const launchEnv = "MEMSEE_BENCH_LAUNCH"

func TestMain(m *testing.M) {
	if os.Getenv(launchEnv) != "" {
		os.Exit(launch(os.Args[1:]))
	}
	flag.Parse()
	if b := flag.Lookup("test.bench"); b == nil || b.Value.String() == "" {
		os.Exit(m.Run()) // no benchmark asked for: do not build anything
	}
	tmp, err := os.MkdirTemp("", "memsee-bench")
	if err != nil {
		panic(err)
	}
	memsee = filepath.Join(tmp, "memsee")
	if out, err := exec.Command("go", "build", "-o", memsee, "../cmd/memsee").CombinedOutput(); err != nil {
		panic(string(out))
	}
	readAlone = filepath.Join(tmp, "readalone")
	if out, err := exec.Command("go", "build", "-o", readAlone, "../internal/tools/readalone").CombinedOutput(); err != nil {
		panic(string(out))
	}
	out, err := exec.Command("go", "tool", "-n", "pprof").Output()
	if err != nil {
		panic(err)
	}
	pprofGo = strings.TrimSpace(string(out))
	code := m.Run()
	os.RemoveAll(tmp)
	os.Exit(code)
}

// profileSamples is the size of each synthetic profile.
const profileSamples = 250_000

// synthProfiles writes (once) two valid heap profiles of profileSamples samples each, shaped
// like a big Go service's: 20,000 functions, stacks 4 to 40 deep, head sharing 80% of base's
// stacks with changed values and adding new ones.
func synthProfiles(b *testing.B) (base, head string) {
	b.Helper()
	base = filepath.Join(dataDir, fmt.Sprintf("base-%d.pb.gz", profileSamples))
	head = filepath.Join(dataDir, fmt.Sprintf("head-%d.pb.gz", profileSamples))
	if _, err := os.Stat(head); err == nil {
		return base, head
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewSource(1))
	const nfunc = 20_000
	funcs := make([]*profile.Function, nfunc)
	locs := make([]*profile.Location, nfunc)
	for i := range funcs {
		pkg := fmt.Sprintf("example.com/svc/pkg%d", i%300)
		funcs[i] = &profile.Function{ID: uint64(i + 1), Name: fmt.Sprintf("%s.(*T%d).Method%d", pkg, i%97, i), SystemName: "", Filename: pkg + "/file.go"}
		locs[i] = &profile.Location{ID: uint64(i + 1), Address: uint64(0x400000 + 16*i), Line: []profile.Line{{Function: funcs[i], Line: int64(10 + i%500)}}}
	}
	stack := func() []*profile.Location {
		d := 4 + rng.Intn(37)
		s := make([]*profile.Location, d)
		for i := range s {
			// Callers near the root are few (main, server loops); leaves are many.
			span := nfunc
			if i > d-4 {
				span = 50
			}
			s[i] = locs[rng.Intn(span)]
		}
		return s
	}
	newProfile := func() *profile.Profile {
		return &profile.Profile{
			SampleType: []*profile.ValueType{{Type: "alloc_objects", Unit: "count"}, {Type: "alloc_space", Unit: "bytes"},
				{Type: "inuse_objects", Unit: "count"}, {Type: "inuse_space", Unit: "bytes"}},
			PeriodType: &profile.ValueType{Type: "space", Unit: "bytes"},
			Period:     512 * 1024,
			TimeNanos:  time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC).UnixNano(),
			Function:   funcs,
			Location:   locs,
		}
	}
	values := func() []int64 {
		n := int64(1 + rng.Intn(1000))
		sz := int64(8 << rng.Intn(10))
		return []int64{n * 3, n * 3 * sz, n, n * sz}
	}
	pb, ph := newProfile(), newProfile()
	for i := 0; i < profileSamples; i++ {
		st := stack()
		pb.Sample = append(pb.Sample, &profile.Sample{Location: st, Value: values()})
		if rng.Intn(5) != 0 {
			ph.Sample = append(ph.Sample, &profile.Sample{Location: st, Value: values()})
		}
	}
	for len(ph.Sample) < profileSamples {
		ph.Sample = append(ph.Sample, &profile.Sample{Location: stack(), Value: values()})
	}
	for path, p := range map[string]*profile.Profile{base: pb, head: ph} {
		if err := p.CheckValid(); err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		if err := p.Write(&buf); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return base, head
}

// runChild runs a command and returns its peak RSS in bytes.
//
// Linux counts in a process's peak RSS the resident memory of the process it was started from,
// as it was when it started: a command run straight from this one, after a benchmark that
// wrote its input in process, showed this process's 438 MiB as its own. So the command is
// started by a launcher, this test binary run afresh (launch), whose own few MiB are all it
// can inherit.
func runChild(b *testing.B, name string, args ...string) int64 {
	b.Helper()
	rssr, rssw, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	defer rssr.Close()
	cmd := exec.Command(os.Args[0], append([]string{name}, args...)...)
	cmd.Env = append(os.Environ(), launchEnv+"=1")
	cmd.ExtraFiles = []*os.File{rssw}
	var errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = nil, &errb
	err = cmd.Start()
	rssw.Close()
	if err == nil {
		err = cmd.Wait()
	}
	if err != nil {
		b.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, errb.String())
	}
	var rss int64
	if _, err := fmt.Fscan(rssr, &rss); err != nil {
		b.Fatalf("%s %s: no peak RSS from the launcher: %v", name, strings.Join(args, " "), err)
	}
	return rss
}

// launch runs args as a child process with this process's standard files, writes the child's
// peak RSS in bytes to file descriptor 3, and returns the child's exit code.
func launch(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "launch: no command")
		return 2
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "launch:", err)
		return 127
	}
	fmt.Fprintln(os.NewFile(3, "rss"), cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss*1024)
	return cmd.ProcessState.ExitCode()
}

// BenchmarkLoadPprof loads one synthetic profile into a fresh database per iteration.
func BenchmarkLoadPprof(b *testing.B) {
	base, _ := synthProfiles(b)
	dir := b.TempDir()
	var rss int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		db := filepath.Join(dir, fmt.Sprintf("load%d.db", i))
		if r := runChild(b, memsee, "--db", db, "load", base); r > rss {
			rss = r
		}
	}
	b.ReportMetric(float64(profileSamples)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
	b.ReportMetric(float64(rss)/(1<<20), "MiB-RSS")
}

// BenchmarkDiffPprof compares the same two profiles: memsee on a loaded database, and
// go tool pprof -top -diff_base on the files.
func BenchmarkDiffPprof(b *testing.B) {
	base, head := synthProfiles(b)
	db := filepath.Join(b.TempDir(), "diff.db")
	runChild(b, memsee, "--db", db, "load", base, head)
	for _, by := range []string{"function", "site"} {
		b.Run("memsee/by="+by, func(b *testing.B) {
			var rss int64
			for i := 0; i < b.N; i++ {
				if r := runChild(b, memsee, "--db", db, "diff", "1", "2", "--by", by); r > rss {
					rss = r
				}
			}
			b.ReportMetric(float64(rss)/(1<<20), "MiB-RSS")
		})
	}
	b.Run("memsee/leaks", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			runChild(b, memsee, "--db", db, "leaks", "1", "2")
		}
	})
	b.Run("memsee/check-files", func(b *testing.B) {
		var rss int64
		for i := 0; i < b.N; i++ {
			// Exit 1 (over budget) is an answer, not a failure: --max-growth 1000% keeps it 0.
			if r := runChild(b, memsee, "check", base, head, "--max-growth", "1000%"); r > rss {
				rss = r
			}
		}
		b.ReportMetric(float64(rss)/(1<<20), "MiB-RSS")
	})
	b.Run("go-tool-pprof", func(b *testing.B) {
		var rss int64
		for i := 0; i < b.N; i++ {
			if r := runChild(b, pprofGo, "-top", "-diff_base", base, head); r > rss {
				rss = r
			}
		}
		b.ReportMetric(float64(rss)/(1<<20), "MiB-RSS")
	})
}
