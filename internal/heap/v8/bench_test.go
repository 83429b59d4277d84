package v8

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/memsee/memsee/internal/heap"
)

// countSink counts what it is sent and keeps nothing.
type countSink struct {
	objects, edges, valueBytes, roots int
}

func (s *countSink) Begin(heap.Snapshot) error { return nil }
func (s *countSink) Sample(*heap.Sample) error { return nil }
func (s *countSink) Root(heap.Root) error      { s.roots++; return nil }
func (s *countSink) Object(o *heap.Object) error {
	s.objects++
	s.edges += len(o.Edges)
	s.valueBytes += len(o.Value)
	return nil
}

// BenchmarkRead reads the largest sample from memory, and reports nodes/s besides MB/s.
func BenchmarkRead(b *testing.B) {
	data := mustRead(b, "heap4")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var s countSink
	for b.Loop() {
		s = countSink{}
		if err := (Reader{}).Read(context.Background(), "heap4.heapsnapshot", bytes.NewReader(data), &s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(s.objects)*float64(b.N)/b.Elapsed().Seconds(), "nodes/s")
}

// TestBigSnapshot reads the snapshot named by $MEMSEE_V8_SNAPSHOT (gzip'd or not; make one with
// testdata/gen/node/gen.js as testdata/node/README.md says) from disk, and reports the rate,
// the CPU time, the peak heap and the peak RSS of the process (run it alone: go test -run
// TestBigSnapshot -v). It is skipped when the variable is not set.
func TestBigSnapshot(t *testing.T) {
	path := os.Getenv("MEMSEE_V8_SNAPSHOT")
	if path == "" {
		t.Skip("set MEMSEE_V8_SNAPSHOT to run")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = bufio.NewReaderSize(f, 1<<20)
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	cr := &countReader{r: r}
	stop := peakHeap()
	t0, c0 := time.Now(), cpuTime()
	var s countSink
	if err := (Reader{}).Read(context.Background(), path, cr, &s); err != nil {
		t.Fatal(err)
	}
	wall, cpu := time.Since(t0), cpuTime()-c0
	peak := stop()
	mb := float64(cr.n) / 1e6
	t.Logf("%.1f MB, %d nodes, %d edges, %d roots, %d value bytes", mb, s.objects, s.edges, s.roots, s.valueBytes)
	t.Logf("wall %v = %.0f MB/s; cpu %v = %.0f MB/s", wall.Round(time.Millisecond), mb/wall.Seconds(), cpu.Round(time.Millisecond), mb/cpu.Seconds())
	t.Logf("peak heap %.0f MB; peak RSS (VmHWM) %.0f MB; GOGC=%q", float64(peak)/1e6, float64(vmHWM(t))/1e6, os.Getenv("GOGC"))
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// peakHeap samples the live heap every millisecond until the returned function is called,
// which returns the largest value seen.
func peakHeap() func() uint64 {
	done := make(chan struct{})
	result := make(chan uint64)
	go func() {
		var peak uint64
		var m runtime.MemStats
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapAlloc)
			select {
			case <-done:
				result <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 { close(done); return <-result }
}

// vmHWM returns the peak resident set size of the process, from /proc; 0 where there is none.
func vmHWM(t *testing.T) uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkIntBlock parses the nodes and the edges of the largest sample as blocks of the
// size Read hands its workers (intBlock.parse), and reports values/s besides MB/s.
func BenchmarkIntBlock(b *testing.B) {
	data := mustRead(b, "heap4")
	var blocks [][]byte
	for _, key := range []string{`"nodes":[`, `"edges":[`} {
		start := bytes.Index(data, []byte(key)) + len(key)
		text := data[start : start+bytes.IndexByte(data[start:], ']')]
		for len(text) > 0 {
			cut := bytes.LastIndexByte(text[:min(len(text), bufSize)], ',') + 1
			if cut == 0 {
				break
			}
			blocks = append(blocks, text[:cut])
			text = text[cut:]
		}
	}
	var size, values int
	for _, t := range blocks {
		size += len(t)
	}
	b.SetBytes(int64(size))
	blk := &intBlock{record: "nodes"}
	for b.Loop() {
		values = 0
		for _, t := range blocks {
			blk.text, blk.err = t, nil
			blk.parse()
			if blk.err != nil {
				b.Fatal(blk.err)
			}
			values += len(blk.vals)
		}
	}
	b.ReportMetric(float64(values)*float64(b.N)/b.Elapsed().Seconds(), "values/s")
}
