package loader

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"testing"

	"github.com/memsee/memsee/internal/heap/heaptest"
)

// processSettings sets the process's own GOGC and memory limit for a test, and puts back the
// ones it found when the test ends.
func processSettings(t *testing.T, gc int, limit int64) {
	t.Helper()
	gc0, limit0 := debug.SetGCPercent(gc), debug.SetMemoryLimit(limit)
	t.Cleanup(func() {
		debug.SetGCPercent(gc0)
		debug.SetMemoryLimit(limit0)
	})
}

func settingsNow() (gc int, limit int64) {
	gc = debug.SetGCPercent(-1)
	debug.SetGCPercent(gc)
	return gc, debug.SetMemoryLimit(-1)
}

// TestCollectorOverlappingLoads ends two loads in the order they began, the first while the
// second still runs: the second keeps its settings until it ends, and then the process has its
// own back, not the first load's nor what the second saw when it began.
func TestCollectorOverlappingLoads(t *testing.T) {
	const ownGC, ownLimit = 150, int64(3 << 40)
	processSettings(t, ownGC, ownLimit)
	endA := beginCollector()
	setGCPercent(25)
	setMemoryLimit(1 << 30)
	if !aloneInProcess() {
		t.Error("one load: not alone")
	}
	endB := beginCollector()
	setGCPercent(10)
	setMemoryLimit(64 << 20)
	if aloneInProcess() {
		t.Error("two loads: alone")
	}
	endA()
	if gc, limit := settingsNow(); gc != 10 || limit != 64<<20 {
		t.Errorf("the first load ended: GOGC %d, limit %d; want the second's, 10 and %d", gc, limit, 64<<20)
	}
	endB()
	if gc, limit := settingsNow(); gc != ownGC || limit != ownLimit {
		t.Errorf("both loads ended: GOGC %d, limit %d; want the process's own, %d and %d", gc, limit, ownGC, ownLimit)
	}

	// A load never sets a limit above the process's own (GOMEMLIMIT's).
	end := beginCollector()
	setMemoryLimit(ownLimit * 2)
	if _, limit := settingsNow(); limit != ownLimit {
		t.Errorf("a limit above the process's own: got %d, want %d", limit, ownLimit)
	}
	end()
}

// TestCollectorLoadsAtOnce loads real dumps in several goroutines at once, each into a
// database of its own, twice over: afterwards the process has its own GOGC and memory limit.
func TestCollectorLoadsAtOnce(t *testing.T) {
	const ownGC, ownLimit = 120, int64(5 << 40)
	processSettings(t, ownGC, ownLimit)
	files := []string{"../../testdata/java/heap1.hprof.gz", "../../testdata/node/heap1.heapsnapshot.gz",
		"../../testdata/python/shop1.json.gz", "../../testdata/go/heap1.pb.gz"}
	for range 2 {
		var wg sync.WaitGroup
		for _, f := range files {
			db := openDB(t)
			wg.Go(func() {
				if _, err := loadOne(t, db, f, Options{}); err != nil {
					t.Errorf("%s: %v", f, err)
				}
			})
		}
		wg.Wait()
	}
	if gc, limit := settingsNow(); gc != ownGC || limit != ownLimit {
		t.Errorf("after the loads: GOGC %d, limit %d; want the process's own, %d and %d", gc, limit, ownGC, ownLimit)
	}
}

// TestPacedFrom loads a real snapshot twice, as committed (gzip, under pacedFrom on disk) and
// unzipped (over it): the small file's load leaves the process's GOGC alone in every phase, the
// large one's sets objectGC for the graph work.
func TestPacedFrom(t *testing.T) {
	const ownGC = 130
	processSettings(t, ownGC, 7<<40)
	small := "../../testdata/node/heap1.heapsnapshot.gz"
	large := filepath.Join(t.TempDir(), "heap1.heapsnapshot")
	if err := os.WriteFile(large, heaptest.Gunzip(t, small), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{small, large} {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		paced := st.Size() >= pacedFrom
		if (f == large) != paced {
			t.Fatalf("%s: %d bytes, pacedFrom %d: the sample no longer falls on its side", f, st.Size(), pacedFrom)
		}
		phases := map[Phase]int{}
		o := Options{Progress: func(p Progress) {
			gc, _ := settingsNow()
			phases[p.Phase] = gc
		}}
		if _, err := loadOne(t, openDB(t), f, o); err != nil {
			t.Fatal(err)
		}
		for _, ph := range []Phase{PhaseGraph, PhaseDominators, PhaseWrite} {
			want := ownGC
			if paced {
				want = objectGC
			}
			if got, ok := phases[ph]; !ok || got != want {
				t.Errorf("%s, phase %v: GOGC %d (reported: %v), want %d", filepath.Base(f), ph, got, ok, want)
			}
		}
		if gc, _ := settingsNow(); gc != ownGC {
			t.Errorf("%s: GOGC %d after the load, want %d", filepath.Base(f), gc, ownGC)
		}
	}
}
