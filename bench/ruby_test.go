//go:build unix

package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// rubyDump returns (writing it once, with a real Ruby process) a Ruby heap dump of about n
// objects shaped like a long-running service: testdata/gen/ruby/big.rb.
func rubyDump(b *testing.B, n int, name string) string {
	b.Helper()
	return dataFile(b, "ruby-"+name+".json", "ruby", func(path string) error {
		return run("ruby", "--disable-gems", "../testdata/gen/ruby/big.rb", fmt.Sprint(n), path)
	})
}

// BenchmarkLoadRuby loads a Ruby dump into a fresh database per iteration: parse, graph work
// (BFS, dominators, retained sizes) and SQLite, as a user runs it.
func BenchmarkLoadRuby(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"1M", 1_000_000}, {"5M", 5_000_000}} {
		b.Run("objects="+size.name, func(b *testing.B) {
			path := rubyDump(b, size.n, size.name)
			objs := objectsIn(b, path) - 4 // the ROOT records
			dir := b.TempDir()
			var rss int64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				db := filepath.Join(dir, fmt.Sprintf("r%d.db", i))
				if r := runChild(b, memsee, "--db", db, "load", path); r > rss {
					rss = r
				}
				os.Remove(db)
			}
			b.ReportMetric(float64(objs)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
			b.ReportMetric(float64(rss)/float64(objs), "RSS-B/obj")
			b.ReportMetric(float64(rss)/(1<<20), "MiB-RSS")
		})
	}
}

// BenchmarkRubyCounts checks memsee's reading of the 1M-object Ruby dump against counts made
// from the JSON by Ruby's own json library (testdata/gen/ruby/counts.rb, as heapy counts):
// the objects, the objects of each class of the program, and of each allocation site
// (top --by site). It times the two.
func BenchmarkRubyCounts(b *testing.B) {
	path := rubyDump(b, 1_000_000, "1M")
	db := filepath.Join(b.TempDir(), "counts.db")
	runChild(b, memsee, "--db", db, "load", path)
	for i := 0; i < b.N; i++ {
		out, err := exec.Command("ruby", "--disable-gems", "../testdata/gen/ruby/counts.rb", path).Output()
		if err != nil {
			b.Fatalf("counts.rb: %v", err)
		}
		var want struct {
			Objects int64            `json:"objects"`
			ByClass map[string]int64 `json:"by_class"`
			BySite  map[string]int64 `json:"by_site"`
		}
		if err := json.Unmarshal(out, &want); err != nil {
			b.Fatal(err)
		}
		top, err := exec.Command(memsee, "--db", db, "top", "1", "--json", "-n", "0").Output()
		if err != nil {
			b.Fatalf("top: %v", err)
		}
		var rows []struct {
			Type  string
			Count int64
		}
		if err := json.Unmarshal(top, &rows); err != nil {
			b.Fatal(err)
		}
		got := map[string]int64{}
		var total int64
		for _, r := range rows {
			got[r.Type] = r.Count
			total += r.Count
		}
		if total != want.Objects {
			b.Errorf("memsee has %d objects, the JSON %d", total, want.Objects)
		}
		for _, class := range []string{"Session", "Event", "Node", "String", "Array", "Hash"} {
			if got[class] != want.ByClass[class] || got[class] == 0 {
				b.Errorf("%s: memsee %d, the JSON %d", class, got[class], want.ByClass[class])
			}
		}
		// Sites, as heapy groups them: every file:line of the JSON, the same count in memsee.
		bySite, err := exec.Command(memsee, "--db", db, "top", "1", "--by", "site", "--json", "-n", "0").Output()
		if err != nil {
			b.Fatalf("top --by site: %v", err)
		}
		var sites []struct {
			Site  string
			Count int64
		}
		if err := json.Unmarshal(bySite, &sites); err != nil {
			b.Fatal(err)
		}
		gotSite := map[string]int64{}
		for _, r := range sites {
			gotSite[r.Site] = r.Count
		}
		if len(gotSite) != len(want.BySite) {
			b.Errorf("memsee has %d allocation sites, the JSON %d", len(gotSite), len(want.BySite))
		}
		for site, n := range want.BySite {
			if gotSite[site] != n {
				b.Errorf("site %s: memsee %d objects, the JSON %d", site, gotSite[site], n)
			}
		}
		b.Logf("%d objects; Session %d, Event %d, Node %d, String %d; %d allocation sites, each with the JSON's count", total,
			got["Session"], got["Event"], got["Node"], got["String"], len(gotSite))
	}
}
