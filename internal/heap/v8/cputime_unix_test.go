//go:build unix

package v8

import (
	"syscall"
	"time"
)

// cpuTime returns the user plus system CPU time the process has used, GC workers included.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
