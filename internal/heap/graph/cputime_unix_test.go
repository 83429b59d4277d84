//go:build unix

package graph

import (
	"syscall"
	"time"
)

// cpuTime returns the user plus system CPU time the process has used, GC workers included,
// which on a shared machine measures the work better than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
