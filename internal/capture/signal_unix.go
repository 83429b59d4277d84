//go:build unix

package capture

import "syscall"

// The signals memsee may send a process that catches them.
const (
	sigUSR1  = syscall.SIGUSR1
	sigUSR2  = syscall.SIGUSR2
	sigURG   = syscall.SIGURG
	sigWINCH = syscall.SIGWINCH
)

// kill sends sig to process pid.
func kill(pid int, sig syscall.Signal) error { return syscall.Kill(pid, sig) }
