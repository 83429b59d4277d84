package loader

import (
	"runtime/debug"
	"sync"
)

// The collector's settings (debug.SetGCPercent, debug.SetMemoryLimit) belong to the process,
// and loads may overlap in one process: memsee loads one file at a time, but a program using
// this package, or its tests, may run several at once. A load that put back, as it ended, what
// it saw when it began would undo the setting of a load that began after it, or bring back
// that load's setting after both had ended: a memory limit left at the size of a small load,
// say, under which the collector runs without pause from then on. So loads change the
// settings here. The first change saves the process's own value, and the last load to end
// puts it back.
var collector struct {
	sync.Mutex
	loads int // loads begun and not ended
	// The process's own GOGC and memory limit (GOMEMLIMIT's, or none), once saved.
	gcSaved, limitSaved bool
	gc                  int
	limit               int64
}

// beginCollector marks a load begun. The function it returns marks it ended, and puts back the
// process's own settings when no other load is in progress.
func beginCollector() (end func()) {
	collector.Lock()
	collector.loads++
	collector.Unlock()
	return func() {
		collector.Lock()
		defer collector.Unlock()
		if collector.loads--; collector.loads > 0 {
			return
		}
		if collector.gcSaved {
			debug.SetGCPercent(collector.gc)
		}
		if collector.limitSaved {
			debug.SetMemoryLimit(collector.limit)
		}
		collector.gcSaved, collector.limitSaved = false, false
	}
}

// setGCPercent sets the collector's pace.
func setGCPercent(percent int) {
	collector.Lock()
	defer collector.Unlock()
	old := debug.SetGCPercent(percent)
	if !collector.gcSaved {
		collector.gcSaved, collector.gc = true, old
	}
}

// setMemoryLimit sets the runtime's soft memory limit to limit, or to the process's own limit
// if that is lower: a load never raises a limit the user set with GOMEMLIMIT.
func setMemoryLimit(limit int64) {
	collector.Lock()
	defer collector.Unlock()
	old := debug.SetMemoryLimit(-1) // reads the limit without changing it
	if !collector.limitSaved {
		collector.limitSaved, collector.limit = true, old
	}
	debug.SetMemoryLimit(min(collector.limit, limit))
}

// aloneInProcess reports whether no other load than the caller's is in progress, so that a
// memory limit drawn from the process's live heap is drawn from the caller's own.
func aloneInProcess() bool {
	collector.Lock()
	defer collector.Unlock()
	return collector.loads <= 1
}
