//go:build !unix

package v8

import "time"

// cpuTime is not measured here.
func cpuTime() time.Duration { return 0 }
