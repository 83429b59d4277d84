package loader

import (
	"fmt"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"

	"github.com/memsee/memsee/internal/heap"
)

// MemoryError says that a load stopped because it would need more memory than the machine (or
// MEMSEE_MEMORY_LIMIT) allows. It is not a damaged file: the same file loads where there is
// more memory.
type MemoryError struct {
	File  string
	Used  int64   // bytes mapped by memsee when it stopped
	Limit int64   // bytes it may map
	Need  int64   // an estimate of what the whole load needs; 0 when there is none
	Read  float64 // fraction of the file read when it stopped
}

func (e *MemoryError) Error() string {
	s := fmt.Sprintf("%s: out of memory: memsee had used %s of the %s it may use after reading %.0f%% of the file",
		e.File, mib(e.Used), mib(e.Limit), 100*e.Read)
	if e.Need > e.Limit {
		s += fmt.Sprintf("; the load needs about %s, %s more", mib(e.Need), mib(e.Need-e.Limit))
	}
	return s
}

func mib(n int64) string { return fmt.Sprintf("%d MiB", (n+1<<20-1)>>20) }

// memoryBudget stops a load before the kernel's OOM killer or the Go runtime's "fatal error: out
// of memory" would, both of which end the process with no word of why. It is checked every so
// many objects: a load's memory grows with the objects it has read, so what it has used after
// reading a part of the file, scaled to the whole file, says early whether the rest will fit.
type memoryBudget struct {
	file  string
	in    *heap.Input
	limit int64
	// room, when set, returns the bytes set aside ahead for the rest of the file (presized
	// slices, graphSink.room): they are counted as used, but not scaled to the whole file.
	room func() int64
}

// checkEvery is how many objects (or samples) go by between two checks of the budget: reading
// the runtime's metrics costs about a microsecond.
const checkEvery = 1 << 16

// newMemoryBudget makes the budget of one load. limit 0 takes what the machine has: the
// memory the system says is available, plus what memsee already uses, within the cgroup's
// limit. It also sets the runtime's soft memory limit there (setMemoryLimit: the load's end
// puts back the process's own), so that the collector works harder before the budget runs out.
func newMemoryBudget(file string, in *heap.Input, limit int64) *memoryBudget {
	if limit <= 0 {
		limit = systemMemory() + mapped()
	}
	setMemoryLimit(limit)
	return &memoryBudget{file: file, in: in, limit: limit}
}

// check returns a *MemoryError when the load has used more than 90% of its budget, or when
// what it has used so far, scaled to the whole file, is well over the budget once a quarter
// of the file is read.
func (b *memoryBudget) check() error {
	if b == nil {
		return nil
	}
	used := max(mapped(), resident())
	read := 1.0
	if b.in != nil && b.in.Size > 0 {
		read = min(float64(b.in.RawRead())/float64(b.in.Size), 1)
	}
	var room int64
	if b.room != nil {
		room = b.room()
	}
	need := estimate(used, room, read)
	if used > b.limit/10*9 || (read >= 0.25 && need > b.limit/10*11) {
		return &MemoryError{File: b.file, Used: used, Limit: b.limit, Need: max(need, used), Read: read}
	}
	return nil
}

// estimate scales what a load used after reading a fraction read of its file to the whole
// file (0 when nothing is read): what the part read filled grows with the file; room, set
// aside ahead for the rest (and counted in used), is already part of what it grows to.
func estimate(used, room int64, read float64) int64 {
	if read <= 0 {
		return 0
	}
	return int64(float64(used-min(room, used)) / read)
}

// mapped returns the memory the Go runtime has mapped and not returned: close to the
// process's resident memory, less SQLite's page cache.
func mapped() int64 {
	return metricBytes("/memory/classes/total:bytes") - metricBytes("/memory/classes/heap/released:bytes")
}

// resident returns the process's resident memory, 0 where it cannot be read. Unlike mapped, it
// counts the arrays kept outside the Go heap (graph.Arena).
func resident() int64 { return max(procBytes("/proc/self/status", "VmRSS:")[0], 0) }

// liveHeap returns the heap the last collection found live.
func liveHeap() int64 { return metricBytes("/gc/heap/live:bytes") }

// heapFree returns the memory the Go heap holds mapped and unused: what the next allocations
// take before the heap grows.
func heapFree() int64 { return metricBytes("/memory/classes/heap/free:bytes") }

// metricBytes reads one of the runtime's metrics in bytes; 0 for one this runtime lacks.
func metricBytes(name string) int64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}

// systemMemory returns the memory available to memsee: MemAvailable from /proc/meminfo,
// within what the cgroup v2 limit leaves, or 1<<62 where neither can be read (then only the
// runtime stops a load).
func systemMemory() int64 {
	avail := int64(1 << 62)
	if v := procBytes("/proc/meminfo", "MemAvailable:"); v[0] >= 0 {
		avail = v[0]
	}
	limit, err1 := os.ReadFile("/sys/fs/cgroup/memory.max")
	cur, err2 := os.ReadFile("/sys/fs/cgroup/memory.current")
	if err1 == nil && err2 == nil {
		m, e1 := strconv.ParseInt(strings.TrimSpace(string(limit)), 10, 64)
		c, e2 := strconv.ParseInt(strings.TrimSpace(string(cur)), 10, 64)
		if e1 == nil && e2 == nil && m-c < avail {
			avail = max(m-c, 0)
		}
	}
	return avail
}

// residentRoom returns how far the process's resident memory is below its peak so far
// (VmHWM less VmRSS, from /proc/self/status), which it may take again without raising the
// peak; 0 where that cannot be read.
func residentRoom() int64 {
	v := procBytes("/proc/self/status", "VmHWM:", "VmRSS:")
	if v[0] < 0 || v[1] < 0 {
		return 0
	}
	return max(v[0]-v[1], 0)
}

// procBytes reads the values of keys, in bytes, from a /proc file of lines "Key:   123 kB";
// -1 for a key the file lacks, or a file that cannot be read.
func procBytes(path string, keys ...string) []int64 {
	v := make([]int64, len(keys))
	for i := range v {
		v[i] = -1
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return v
	}
	for line := range strings.Lines(string(b)) {
		for i, key := range keys {
			if rest, ok := strings.CutPrefix(line, key); ok {
				if kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64); err == nil {
					v[i] = kb << 10
				}
			}
		}
	}
	return v
}
