//go:build !unix

package capture

import (
	"errors"
	"syscall"
)

// This system has none of these signals: the values only name them in messages, since kill
// refuses to send them.
const (
	sigUSR1  = syscall.Signal(10)
	sigUSR2  = syscall.Signal(12)
	sigURG   = syscall.Signal(23)
	sigWINCH = syscall.Signal(28)
)

// kill refuses: this system cannot signal a process.
func kill(int, syscall.Signal) error {
	return errors.New("this system has no signals to send a process: capture over HTTP (a URL, node://HOST:PORT) instead")
}
