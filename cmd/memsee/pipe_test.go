package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"testing"
)

// brokenPipe is a stdout whose reader went away after `room` bytes.
type brokenPipe struct {
	room   int
	writes int
}

func (b *brokenPipe) Write(p []byte) (int, error) {
	b.writes++
	if len(p) <= b.room {
		b.room -= len(p)
		return len(p), nil
	}
	n := b.room
	b.room = 0
	return n, &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}
}

func TestPipeOut(t *testing.T) {
	tests := []struct {
		name   string
		room   int
		writes []string
		err    bool // the last write fails
		calls  int  // writes that reach the pipe
	}{
		{"all fits", 100, []string{"a,b\n", "1,2\n"}, false, 2},
		{"closed at once", 0, []string{"a,b\n", "1,2\n", "3,4\n"}, true, 1},
		{"closed midway", 5, []string{"a,b\n", "1,2\n", "3,4\n"}, true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bp := &brokenPipe{room: tt.room}
			p := &pipeOut{w: bp}
			var err error
			for _, s := range tt.writes {
				_, err = io.WriteString(p, s)
			}
			if (err != nil) != tt.err || (err != nil && !isClosedPipe(err)) {
				t.Errorf("pipeOut(%s): last write %v, want a closed pipe: %v", tt.name, err, tt.err)
			}
			if bp.writes != tt.calls {
				t.Errorf("pipeOut(%s): %d writes reached the pipe, want %d", tt.name, bp.writes, tt.calls)
			}
		})
	}
}

func TestExitCodeOfClosedPipe(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		code   int
		stderr bool
	}{
		{"closed pipe", errClosedPipe, exitOK, false},
		{"wrapped", fmt.Errorf("rendering: %w", errClosedPipe), exitOK, false},
		{"EPIPE from the file", &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}, exitOK, false},
		{"check failed", ErrCheckFailed, exitFound, false},
		{"another write error", &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.ENOSPC}, exitError, true},
		{"other", errors.New("boom"), exitError, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if got := exitCode(tt.err, &b, false); got != tt.code || (b.Len() > 0) != tt.stderr {
				t.Errorf("exitCode(%s): %d, stderr %q; want %d, stderr: %v", tt.name, got, b.String(), tt.code, tt.stderr)
			}
		})
	}
}
