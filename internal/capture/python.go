package capture

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// pythonDumpPattern matches the dumps memsee's Python dumper writes for process pid into its
// directory (dump_to_directory: heap-<pid>-<time>-<n>.json.gz, renamed there once complete).
func pythonDumpPattern(dir string, pid int) string {
	return filepath.Join(dir, fmt.Sprintf("heap-%d-*.json.gz", pid))
}

// takePython has a Python process that runs memsee's dumper write a dump, by its signal
// (SIGUSR1, install_signal_handler), and waits for the dump's file to appear: the dumper
// renames it to its name only once complete. The signal is sent only to a Python process that
// catches it and whose dump directory is known, so that it cannot kill a process that would
// not expect it.
func takePython(ctx context.Context, t Target, o Options) (*Snapshot, error) {
	proc, err := runs(t.Raw, t.PID, "python")
	if err != nil {
		return nil, err
	}
	caught, err := catches(proc, sigUSR1)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.Raw, err)
	}
	if !caught {
		return nil, fmt.Errorf("%s does not catch SIGUSR1, which would end it: no signal sent; have it call memsee_dumper.install_signal_handler() at start-up (memsee dumper python)", t.Raw)
	}
	dir := o.DumpDir
	if dir == "" {
		dir = environ(proc, "MEMSEE_DUMP_DIR")
	}
	if dir == "" {
		return nil, fmt.Errorf("%s: memsee does not know where its dumper writes: pass --dump-dir, the directory it gave install_signal_handler (no signal sent)", t.Raw)
	}
	if !filepath.IsAbs(dir) {
		cwd, err := os.Readlink(proc + "/cwd")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.Raw, err)
		}
		dir = filepath.Join(cwd, dir)
	}
	before, err := filepath.Glob(pythonDumpPattern(dir, t.PID))
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("%s: its dump directory: %w (no signal sent)", t.Raw, err)
	}
	return signalForDump(ctx, t, o, sigUSR1, dir, before)
}

// signalForDump sends sig to the process of t, whose dumper (memsee's, Python's or Ruby's)
// then writes a dump into dir, and waits for a dump that was not there before: the dumpers
// rename a dump to its name only once it is complete.
func signalForDump(ctx context.Context, t Target, o Options, sig syscall.Signal, dir string, before []string) (*Snapshot, error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout())
	defer cancel()
	seen := map[string]bool{}
	for _, f := range before {
		seen[f] = true
	}
	start := o.now()
	if err := kill(t.PID, sig); err != nil {
		return nil, fmt.Errorf("%s: sending %v: %w", t.Raw, sig, err)
	}
	for {
		now, _ := filepath.Glob(pythonDumpPattern(dir, t.PID))
		for _, f := range now {
			if seen[f] {
				continue
			}
			fi, err := os.Stat(f)
			if err != nil {
				continue
			}
			if fi.Size() > o.maxBytes() {
				return nil, fmt.Errorf("%s: %w (%d bytes)", f, ErrTooLarge, o.maxBytes())
			}
			label := strings.TrimSuffix(filepath.Base(f), ".json.gz")
			return ownDump(f, t.Raw, label, start, o), nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%s: no dump appeared in %s within %s; the process says why on its stderr (memsee_dumper: ...); a large heap needs a longer --timeout", t.Raw, dir, o.timeout())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// runs returns the /proc directory of process pid (target, as the user wrote it) when its
// executable's name starts with runtime; otherwise an error that says no signal was sent, as
// to anything else a signal could be fatal.
func runs(target string, pid int, runtime string) (string, error) {
	if err := procReadable(target); err != nil {
		return "", err
	}
	proc := fmt.Sprintf("/proc/%d", pid)
	exe, err := os.Readlink(proc + "/exe")
	if err != nil {
		return "", fmt.Errorf("%s: no such process of yours (%w)", target, err)
	}
	if !strings.HasPrefix(filepath.Base(exe), runtime) {
		return "", fmt.Errorf("%s runs %s, not %s: no signal sent", target, exe, runtime)
	}
	return proc, nil
}

// procReadable says, on a system without /proc, that target (a process by its id) cannot be
// captured there.
func procReadable(target string) error {
	if goruntime.GOOS == "linux" {
		return nil
	}
	return fmt.Errorf("%s: memsee finds a process by its id on Linux only (it reads /proc); on %s, capture over HTTP (a URL, node://HOST:PORT) instead", target, goruntime.GOOS)
}

// catches reports whether the process at proc (its /proc directory) has a handler for sig
// (the SigCgt mask of its status).
func catches(proc string, sig syscall.Signal) (bool, error) {
	b, err := os.ReadFile(proc + "/status")
	if err != nil {
		return false, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "SigCgt:")
		if !ok {
			continue
		}
		mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		if err != nil {
			return false, fmt.Errorf("reading its signal mask: %w", err)
		}
		return mask&(1<<(uint(sig)-1)) != 0, nil
	}
	return false, fmt.Errorf("%s/status has no SigCgt line", proc)
}

// environ returns the variable name of the environment the process at proc started with.
func environ(proc, name string) string {
	b, err := os.ReadFile(proc + "/environ")
	if err != nil {
		return ""
	}
	for _, kv := range bytes.Split(b, []byte{0}) {
		if v, ok := strings.CutPrefix(string(kv), name+"="); ok {
			return v
		}
	}
	return ""
}
