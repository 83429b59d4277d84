package v8

import (
	"strings"
	"time"
)

// NameTime reads the time from the name Node.js gives a heap snapshot when it chooses one
// (v8.writeHeapSnapshot() without a file name, --heapsnapshot-signal,
// --heapsnapshot-near-heap-limit): Heap.<yyyymmdd>.<hhmmss>.<pid>.<thread>.<seq>.heapsnapshot,
// as Heap.20261129.184512.1234.0.001.heapsnapshot, or that name gzip'd (.heapsnapshot.gz).
//
// Node writes the local time of the machine that took the snapshot, and no zone; it is read
// in loc (memsee's local zone, which TZ sets). Snapshots of one process are ordered, and their
// rates worked out, right in any zone (but across a change of daylight saving time); the time
// shown is off by the difference between the two machines' zones.
func (Reader) NameTime(base string, loc *time.Location) (time.Time, bool) {
	base = strings.TrimSuffix(base, ".gz")
	rest, ok := strings.CutSuffix(base, ".heapsnapshot")
	if !ok {
		return time.Time{}, false
	}
	parts := strings.Split(rest, ".")
	if len(parts) != 6 || parts[0] != "Heap" || len(parts[1]) != 8 || len(parts[2]) != 6 {
		return time.Time{}, false
	}
	for _, p := range parts[1:] {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return time.Time{}, false
		}
	}
	if loc == nil {
		loc = time.Local
	}
	t, err := time.ParseInLocation("20060102.150405", parts[1]+"."+parts[2], loc)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}
