//go:build unix

package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// v8Snapshot returns (writing it once, with a real Node process) a large heap snapshot:
// testdata/gen/node/big.js, about 5M nodes and 350 MB.
func v8Snapshot(b *testing.B) string {
	b.Helper()
	return dataFile(b, "v8-big.heapsnapshot", "node", func(path string) error {
		return run("node", "../testdata/gen/node/big.js", "--records", "500000", "--out", path)
	})
}

// memlab returns memlab's command, installed from npm into the data directory once (no
// browser: memlab's analysis of a snapshot file needs none).
func memlab(b *testing.B) string {
	b.Helper()
	dir, err := filepath.Abs(filepath.Join(dataDir, "memlab"))
	if err != nil {
		b.Fatal(err)
	}
	bin := filepath.Join(dir, "node_modules", ".bin", "memlab")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--prefix", dir, "memlab")
	cmd.Env = append(os.Environ(), "PUPPETEER_SKIP_DOWNLOAD=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Skipf("installing memlab: %v\n%s", err, out)
	}
	return bin
}

// memlabArgs is memlab's command on a snapshot, the one make bench and make bench-large time:
// analyze object-size parses the snapshot and computes dominators and retained sizes, as
// memsee's load does.
func memlabArgs(snap string) []string {
	return []string{"analyze", "object-size", "--snapshot", snap}
}

// memlabFailure returns the first line of memlab's error output that says what went wrong
// (Node's "FATAL ERROR: ... JavaScript heap out of memory", an exception), or else its first
// line.
func memlabFailure(stderr string) string {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	for _, l := range lines {
		if strings.Contains(strings.ToLower(l), "error") {
			return strings.TrimSpace(l)
		}
	}
	return strings.TrimSpace(lines[0])
}

// BenchmarkLoadV8 loads one large Node heap snapshot: memsee load (parse, graph work with
// dominators and retained sizes, SQLite) against memlab analyze object-size (which parses the
// snapshot and computes dominators and retained sizes too), each as a child process.
func BenchmarkLoadV8(b *testing.B) {
	snap := v8Snapshot(b)
	out, err := exec.Command(memsee, "--db", filepath.Join(b.TempDir(), "probe.db"), "load", "--format", "v8", snap).CombinedOutput()
	if err != nil && strings.Contains(string(out), "format") {
		b.Skipf("memsee cannot read V8 snapshots yet: %s", out)
	}
	st, err := os.Stat(snap)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("memsee", func(b *testing.B) {
		dir := b.TempDir()
		var rss int64
		for i := 0; i < b.N; i++ {
			db := filepath.Join(dir, "v8.db")
			os.Remove(db)
			if r := runChild(b, memsee, "--db", db, "load", snap); r > rss {
				rss = r
			}
		}
		b.ReportMetric(float64(st.Size())*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s")
		b.ReportMetric(float64(rss)/(1<<20), "MiB-RSS")
	})
	b.Run("memlab", func(b *testing.B) {
		bin := memlab(b)
		var rss int64
		for i := 0; i < b.N; i++ {
			if r := runChild(b, bin, memlabArgs(snap)...); r > rss {
				rss = r
			}
		}
		b.ReportMetric(float64(st.Size())*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s")
		b.ReportMetric(float64(rss)/(1<<20), "MiB-RSS")
	})
}
