//go:build unix

package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// meliaeDump returns (writing it once, with a real Python process and memsee's dumper) a
// meliae dump of about n objects shaped like a long-running service: testdata/gen/python/big.py.
func meliaeDump(b *testing.B, n int, name string) string {
	b.Helper()
	return dataFile(b, "meliae-"+name+".json", "python3", func(path string) error {
		return run("python3", "../testdata/gen/python/big.py", "--objects", fmt.Sprint(n), "--out", path)
	})
}

// objectsIn counts the lines of a meliae dump: one object each.
func objectsIn(b *testing.B, path string) int {
	b.Helper()
	out, err := exec.Command("wc", "-l", path).Output()
	if err != nil {
		b.Fatal(err)
	}
	var n int
	fmt.Sscan(string(out), &n)
	return n
}

// BenchmarkLoadMeliae loads a Python dump into a fresh database per iteration: parse, graph
// work (BFS, dominators, retained sizes) and SQLite, as a user runs it.
func BenchmarkLoadMeliae(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"1M", 1_000_000}, {"10M", 10_000_000}} {
		b.Run("objects="+size.name, func(b *testing.B) {
			path := meliaeDump(b, size.n, size.name)
			objs := objectsIn(b, path)
			dir := b.TempDir()
			var rss int64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				db := filepath.Join(dir, fmt.Sprintf("g%d.db", i))
				if r := runChild(b, memsee, "--db", db, "load", path); r > rss {
					rss = r
				}
				os.Remove(db) // keep the disk use to one database
			}
			b.ReportMetric(float64(objs)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
			b.ReportMetric(float64(rss)/float64(objs), "RSS-B/obj")
			b.ReportMetric(float64(rss)/(1<<20), "MiB-RSS")
		})
	}
}

// BenchmarkQueryMeliae times the object commands on the loaded 10M-object dump, each as a
// child process (start-up included).
func BenchmarkQueryMeliae(b *testing.B) {
	db := meliaeDB(b)
	// An object deep in the graph, and one with many referrers.
	pick := func(q string) string {
		out, err := exec.Command(memsee, "--db", db, "query", "--objects", "1", "--format", "csv", q).Output()
		if err != nil {
			b.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		return lines[len(lines)-1]
	}
	// Typical objects (an Event in the audit log), and the worst cases: the deepest object (at
	// the end of a 1,000-long chain), the object with the most referrers, and the largest
	// collection (the most references out), whose kids are all listed.
	typical := pick("select printf('0x%x', addr) from object where snapshot = 1 and type = (select id from type where name = 'Event') and oid % 1000 = 7 limit 1")
	deep := pick("select printf('0x%x', addr) from object where snapshot = 1 and distance is not null order by distance desc limit 1")
	popular := pick("select printf('0x%x', addr) from object where snapshot = 1 order by referrers desc limit 1")
	largest := pick("select printf('0x%x', addr) from object where snapshot = 1 order by refs desc limit 1")
	for _, c := range []struct {
		name string
		args []string
	}{
		{"show", []string{"show", typical}},
		{"path", []string{"path", typical}},
		{"refs", []string{"refs", typical}},
		{"kids", []string{"kids", typical}},
		{"path/deepest", []string{"path", deep}},
		{"refs/most-referred", []string{"refs", popular, "-n", "20"}},
		{"kids/largest", []string{"kids", largest}},
		{"kids/largest-all", []string{"kids", largest, "-n", "0"}},
		// leaks needs two snapshots; the one dump twice costs what two snapshots of its size do,
		// three times what three do (the goal: three 10M-object snapshots in 1 s).
		{"leaks/same-dump-twice", []string{"leaks", "1", "1"}},
		{"leaks/same-dump-thrice", []string{"leaks", "1", "1", "1"}},
		{"top", []string{"top", "1"}},
		{"path/type-dict", []string{"path", "--type", "dict", "--snap", "1"}},
		// The HTML report of the one snapshot: timeline, dominator tree, top types.
		{"report", []string{"report", "1", "-o", os.DevNull}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				runChild(b, memsee, append([]string{"--db", db}, c.args...)...)
			}
		})
	}
}

// meliaeDB is the database of the 10M-object meliae dump, loaded once and kept in dataDir. One
// kept from an older memsee is brought to this one's schema first (a write, as a user's would
// be), so that the commands that only read find it current; one loaded before loads kept the
// holdings leaks reads, or their holders' sums (holder_key), or loaded before large
// collections' kids were ranked (schema 8), is loaded again, for leaks and kids to be timed as
// a user's new load has them.
func meliaeDB(b *testing.B) string {
	path := meliaeDump(b, 10_000_000, "10M")
	db := filepath.Join(dataDir, "meliae-10M.db")
	if _, err := os.Stat(db); err == nil {
		runChild(b, memsee, "--db", db, "query", "--write", "select 1")
		out, err := exec.Command(memsee, "--db", db, "query", "--format", "csv",
			`select exists (select 1 from holding_set) and exists (select 1 from holder_key) and not exists (select 1
			from snapshot where loaded_at < (select applied_at from schema_version where version = 8)) as kept`).Output()
		if err == nil && strings.TrimSpace(string(out)) == "kept\n1" {
			return db
		}
		for _, f := range []string{db, db + "-wal", db + "-shm"} {
			os.Remove(f)
		}
	}
	runChild(b, memsee, "--db", db, "load", path)
	return db
}
