//go:build unix

package main

import (
	"os"
	"syscall"
)

// preemptByCalls starts memsee again, in the same process, with asynchronous preemption off
// (preemptEnv) for a command that loads dumps, unless GODEBUG already says either way. Exec returns only when it fails: then
// memsee goes on as it is.
func preemptByCalls() {
	if !loads(os.Args[1:]) {
		return
	}
	env := preemptEnv(os.Environ())
	if env == nil {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	_ = syscall.Exec(exe, os.Args, env)
}
