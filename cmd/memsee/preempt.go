package main

import "strings"

// preemptEnv returns env with asynchronous preemption turned off for the Go runtime
// (GODEBUG=asyncpreemptoff=1, added to what GODEBUG says), or nil when GODEBUG already says
// either way.
//
// With it on, the collector stops a running goroutine at each cycle by signalling its thread
// every few microseconds until the signal lands where the goroutine may stop; a load's
// goroutines spend long stretches where it may not (copies, map lookups, the allocator), and
// on the 2-vCPU VM memsee is measured on the signals slowed them: each of ten paired loads
// took 1-17% longer (BENCHMARKS.md). With it off, a goroutine stops at its next function
// call, which memsee's loops reach within microseconds. The runtime reads the setting only at
// start-up, and a program cannot set it for itself (//go:debug refuses it), so main starts
// memsee again with it, for the commands that load dumps (loads).
func preemptEnv(env []string) []string {
	out := make([]string, 0, len(env)+1)
	found := false
	for _, kv := range env {
		v, ok := strings.CutPrefix(kv, "GODEBUG=")
		if !ok {
			out = append(out, kv)
			continue
		}
		for _, setting := range strings.Split(v, ",") {
			if strings.HasPrefix(strings.TrimSpace(setting), "asyncpreemptoff=") {
				return nil
			}
		}
		found = true
		if v != "" {
			v += ","
		}
		out = append(out, "GODEBUG="+v+"asyncpreemptoff=1")
	}
	if !found {
		out = append(out, "GODEBUG=asyncpreemptoff=1")
	}
	return out
}

// loads reports whether args run a command that loads dumps (load, check, capture): the ones
// preemptEnv speeds up. The others answer from the database in milliseconds, to which a second
// start would add about 5. A flag's value that reads like such a command costs only that.
func loads(args []string) bool {
	for _, a := range args {
		switch a {
		case "load", "check", "capture":
			return true
		}
	}
	return false
}
