package main

import (
	"errors"
	"io"
	"sync/atomic"
	"syscall"
)

// pipeOut is stdout when it may be a pipe that a reader closes early (memsee leaks | head -1).
// memsee ignores SIGPIPE (Main), so such a write fails with EPIPE instead of killing memsee
// with exit 141; pipeOut remembers that the reader is gone and fails every later write at
// once, and exitCode takes the error as a quiet success: the reader had what it wanted.
type pipeOut struct {
	w      io.Writer
	closed atomic.Bool
}

func (p *pipeOut) Write(b []byte) (int, error) {
	if p.closed.Load() {
		return 0, errClosedPipe
	}
	n, err := p.w.Write(b)
	if isClosedPipe(err) {
		p.closed.Store(true)
		return n, errClosedPipe
	}
	return n, err
}

// errClosedPipe is a write to stdout after its reader closed it.
var errClosedPipe = &closedPipeError{}

type closedPipeError struct{}

func (*closedPipeError) Error() string { return "stdout closed by its reader" }
func (*closedPipeError) Unwrap() error { return syscall.EPIPE }

// isClosedPipe reports whether err is a write to a pipe whose reader is gone.
func isClosedPipe(err error) bool { return err != nil && errors.Is(err, syscall.EPIPE) }
