package capture

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// rubyMarkerPrefix starts the name of the file memsee's Ruby dumper keeps open while it
// listens: .memsee-dumper-<pid>-<signal> in its dump directory (MemseeDumper.start). Ruby
// catches SIGUSR2 and SIGUSR1 itself, and ends the process on them when no handler was set,
// so a process's signal mask cannot tell that the dumper listens; a file it holds open can,
// and names the directory and the signal.
const rubyMarkerPrefix = ".memsee-dumper-"

// rubySignals are the signals the Ruby dumper may listen on, by the name its marker gives.
var rubySignals = map[string]syscall.Signal{"USR1": sigUSR1, "USR2": sigUSR2,
	"HUP": syscall.SIGHUP, "URG": sigURG, "WINCH": sigWINCH}

// takeRuby has a Ruby process that runs memsee's dumper write a dump, by the signal its marker
// names, and waits for the dump to appear in the marker's directory. Nothing is sent to a
// process that is not Ruby or holds no marker.
func takeRuby(ctx context.Context, t Target, o Options) (*Snapshot, error) {
	proc, err := runs(t.Raw, t.PID, "ruby")
	if err != nil {
		return nil, err
	}
	dir, sig, err := rubyMarker(proc, t.PID)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.Raw, err)
	}
	before, err := filepath.Glob(pythonDumpPattern(dir, t.PID))
	if err != nil {
		return nil, err
	}
	return signalForDump(ctx, t, o, sig, dir, before)
}

// rubyMarker finds the marker the process at proc holds open, and returns its directory and
// the signal it names.
func rubyMarker(proc string, pid int) (string, syscall.Signal, error) {
	fds, err := os.ReadDir(proc + "/fd")
	if err != nil {
		return "", 0, fmt.Errorf("reading its open files: %w", err)
	}
	prefix := rubyMarkerPrefix + strconv.Itoa(pid) + "-"
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join(proc, "fd", fd.Name()))
		if err != nil {
			continue
		}
		name, ok := strings.CutPrefix(filepath.Base(target), prefix)
		if !ok {
			continue
		}
		sig, ok := rubySignals[name]
		if !ok {
			return "", 0, fmt.Errorf("its dumper listens on SIG%s, which memsee does not send: no signal sent", name)
		}
		return filepath.Dir(target), sig, nil
	}
	return "", 0, fmt.Errorf("it does not run memsee's dumper (no %s%d-SIGNAL file open), and Ruby ends on a signal it does not expect: no signal sent; have it call MemseeDumper.start at start-up (memsee dumper ruby)", rubyMarkerPrefix, pid)
}
