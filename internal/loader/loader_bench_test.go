package loader

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/memsee/memsee/internal/store"
)

// BenchmarkLoadProfile loads a profile into a fresh database per iteration, in process (the
// child-process figures with RSS are in bench/). It uses the big synthetic profile that
// `make bench` writes, and skips when it is not there.
func BenchmarkLoadProfile(b *testing.B) {
	path := "../../bench/.data/base-250000.pb.gz"
	if _, err := filepath.Glob(path); err != nil {
		b.Skip(err)
	}
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		db, err := store.Open(ctx, filepath.Join(b.TempDir(), "b.db"))
		if err != nil {
			b.Fatal(err)
		}
		l, err := db.BeginLoad(ctx)
		if err != nil {
			b.Fatal(err)
		}
		res, err := Load(ctx, l, path, Options{Now: time.Unix(0, 0)})
		if err != nil {
			b.Skipf("%v (run make bench first)", err)
		}
		if err := l.Commit(); err != nil {
			b.Fatal(err)
		}
		db.Close()
		b.ReportMetric(float64(res.Samples), "samples/op")
	}
}

// BenchmarkLoadGraph loads a Python, V8, Go, JVM or Ruby dump into a fresh database per iteration, in process, so
// that -cpuprofile and -memprofile see the whole load: parse, graph work and SQLite. It uses the
// dumps that the benchmarks in bench/ write, and skips those that are not there.
func BenchmarkLoadGraph(b *testing.B) {
	for _, name := range []string{"meliae-1M.json", "meliae-10M.json", "v8-big.heapsnapshot", "godump-big.dump", "hprof-big.hprof", "ruby-1M.json", "ruby-5M.json"} {
		b.Run(name, func(b *testing.B) {
			path := "../../bench/.data/" + name
			if _, err := os.Stat(path); err != nil {
				b.Skipf("%v (run the benchmarks in bench/ first)", err)
			}
			ctx := context.Background()
			var objects int64
			for i := 0; i < b.N; i++ {
				db, err := store.Open(ctx, filepath.Join(b.TempDir(), "b.db"))
				if err != nil {
					b.Fatal(err)
				}
				l, err := db.BeginLoad(ctx)
				if err != nil {
					b.Fatal(err)
				}
				res, err := Load(ctx, l, path, Options{Now: time.Unix(0, 0)})
				if err != nil {
					b.Fatal(err)
				}
				if err := l.Commit(); err != nil {
					b.Fatal(err)
				}
				db.Close()
				objects += res.Objects
			}
			b.ReportMetric(float64(objects)/b.Elapsed().Seconds(), "objects/s")
		})
	}
}
