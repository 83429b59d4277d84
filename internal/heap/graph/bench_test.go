package graph

import (
	"bufio"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memsee/memsee/internal/heap"
)

// heapLike streams a random, heap-shaped dump of n objects into b, the way a reader would:
// about 2.5 references per object (many leaves, a few large containers), half of them to
// objects allocated just after the source (the parts of one structure), a quarter to popular
// objects (a power law over ObjIDs: classes, interned strings, shared config), the rest
// uniform or just before the source. 1% are weak, 0.5% shortcuts, 0.1% dangling. Addresses are
// 16-byte aligned and scattered, roots one object in a thousand. Nothing but b holds memory.
func heapLike(b *Builder, n int, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 0x6d656d736565))
	k := bits.Len(uint(n))
	mask := uint64(1)<<k - 1
	addr := func(i int) uint64 { return 0xc000000000 + 16*((uint64(i)*0x9E3779B1)&mask) }
	degrees := [...]int{0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 8, 8} // mean 2.1, plus the tail below
	for i := range n {
		size := uint64(16) << r.IntN(5)
		if r.IntN(1000) == 0 {
			size = 1 << 16
		}
		id, _ := b.AddObject(addr(i), size)
		deg := degrees[r.IntN(len(degrees))]
		if r.IntN(100) < 2 {
			deg = 20 + r.IntN(20)
		}
		for range deg {
			var to int
			switch x := r.IntN(100); {
			case x < 50:
				to = i + 1 + r.IntN(16)
			case x < 75:
				u := r.Float64()
				to = int(float64(n) * u * u * u * u)
			case x < 95:
				to = r.IntN(n)
			default:
				to = i - 1 - r.IntN(16)
			}
			to = min(max(to, 0), n-1)
			kind := heap.EdgeField
			switch x := r.IntN(1000); {
			case x < 10:
				kind = heap.EdgeWeak
			case x < 15:
				kind = heap.EdgeShortcut
			case x < 16:
				b.AddEdge(id, 0xdead0000000+uint64(x), kind) // dangling
				continue
			}
			b.AddEdge(id, addr(to), kind)
		}
		if i%1000 == 0 {
			b.AddRoot(addr(i))
		}
	}
}

// peakHeap samples the bytes of live and not yet collected heap objects until stop is called,
// and returns the peak.
func peakHeap() (stop func() uint64) {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var (
		mu   sync.Mutex
		peak uint64
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	read := func() {
		metrics.Read(s)
		mu.Lock()
		peak = max(peak, s[0].Value.Uint64())
		mu.Unlock()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				read()
			}
		}
	}()
	return func() uint64 {
		read()
		close(done)
		wg.Wait()
		return peak
	}
}

func BenchmarkBuildAnalyze(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("objects=%d", n), func(b *testing.B) {
			var edges, peak uint64
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			base := before.HeapAlloc
			stop := peakHeap()
			for b.Loop() {
				bl := NewBuilder(n, 0)
				heapLike(bl, n, 1)
				g, err := bl.Build()
				if err != nil {
					b.Fatal(err)
				}
				if _, err := g.Analyze(); err != nil {
					b.Fatal(err)
				}
				edges = uint64(g.NumEdges())
			}
			peak = stop()
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			per := float64(n) * float64(b.N)
			b.ReportMetric(per/b.Elapsed().Seconds(), "objects/s")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/per, "alloc-B/obj")
			b.ReportMetric(float64(peak-min(peak, base))/float64(n), "peak-heap-B/obj")
			b.ReportMetric(float64(edges)/float64(n), "edges/obj")
		})
	}
}

// BenchmarkHeapLike is the generator alone, to subtract from BenchmarkBuildAnalyze.
func BenchmarkHeapLike(b *testing.B) {
	const n = 1_000_000
	for b.Loop() {
		heapLike(&Builder{built: true}, n, 1) // a used Builder ignores everything
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
}

// TestBigGraph loads a heap-like graph of $MEMSEE_GRAPH_OBJECTS objects (say 10000000) and
// reports the time of each step, the peak heap, and the peak RSS of the process (run it alone:
// go test -run TestBigGraph -v). It is skipped when the variable is not set.
func TestBigGraph(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("MEMSEE_GRAPH_OBJECTS"))
	if n <= 0 {
		t.Skip("set MEMSEE_GRAPH_OBJECTS to run")
	}
	stop := peakHeap()
	t0, c0 := time.Now(), cpuTime()
	bl := NewBuilder(n, 0)
	heapLike(bl, n, 1)
	t1, c1 := time.Now(), cpuTime()
	g, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	t2, c2 := time.Now(), cpuTime()
	a, err := g.Analyze()
	if err != nil {
		t.Fatal(err)
	}
	t3, c3 := time.Now(), cpuTime()
	peak := stop()
	runtime.KeepAlive(a)
	rate := func(d time.Duration) string { return fmt.Sprintf("%.0f objects/s", float64(n)/d.Seconds()) }
	t.Logf("%d objects, %d edges (%.2f per object), %d dangling, %d unreachable", n, g.NumEdges(), float64(g.NumEdges())/float64(n), g.Dangling, a.Unreachable)
	t.Logf("wall: generate+Add* %v, Build %v, Analyze %v; Build+Analyze %v = %s",
		t1.Sub(t0).Round(time.Millisecond), t2.Sub(t1).Round(time.Millisecond), t3.Sub(t2).Round(time.Millisecond), t3.Sub(t1).Round(time.Millisecond), rate(t3.Sub(t1)))
	t.Logf("cpu:  generate+Add* %v, Build %v, Analyze %v; Build+Analyze %v = %s",
		(c1 - c0).Round(time.Millisecond), (c2 - c1).Round(time.Millisecond), (c3 - c2).Round(time.Millisecond), (c3 - c1).Round(time.Millisecond), rate(c3-c1))
	t.Logf("peak heap %.1f B/object; peak RSS (VmHWM) %.1f B/object; GOGC=%q GOMEMLIMIT=%q",
		float64(peak)/float64(n), float64(vmHWM(t))/float64(n), os.Getenv("GOGC"), os.Getenv("GOMEMLIMIT"))
}

// vmHWM returns the peak resident set size of the process, from /proc.
func vmHWM(t *testing.T) uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Log(err)
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
