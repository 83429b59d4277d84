//go:build unix

package meliae

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/memsee/memsee/internal/heap"
)

// dumperHost is a Python program that imports the dumper, holds payloads Payload instances
// (enough that a dump takes most of a second, so that a second request arrives during it even
// when the test is descheduled for a while on a busy machine),
// installs the signal handler for the directory in argv[1], and then obeys its stdin:
//
//	beat            print "beat": the program is still running
//	direct PATH     dump_all_objects(PATH), print what it returned or raised
//	threads         two threads call dump_to_directory at once; print how many wrote, skipped
const dumperHost = `import sys, threading, memsee_dumper

class Payload:
    def __init__(self, i):
        self.i = i
        self.name = "payload-%d" % i

kept = [Payload(i) for i in range(int(sys.argv[2]))]
out = sys.argv[1]
memsee_dumper.install_signal_handler(out)
print("ready", flush=True)
for line in sys.stdin:
    cmd = line.split()
    if cmd[0] == "beat":
        print("beat", flush=True)
    elif cmd[0] == "direct":
        try:
            print("direct wrote", memsee_dumper.dump_all_objects(cmd[1]), flush=True)
        except OSError as e:
            print("direct raised", type(e).__name__, e.errno, flush=True)
    elif cmd[0] == "threads":
        barrier, results = threading.Barrier(2), []
        def run():
            barrier.wait()
            results.append(memsee_dumper.dump_to_directory(out))
        ts = [threading.Thread(target=run) for _ in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        print("threads", sum(r is not None for r in results), "written",
              sum(r is None for r in results), "skipped", flush=True)
`

// payloads is how many Payload instances a host holds unless a test asks for another number:
// enough that a dump takes long enough for a second signal to arrive while it is written.
const payloads = 80000

// host is a running dumperHost.
type host struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Scanner
	mu     sync.Mutex
	stderr strings.Builder
	// payloads is how many Payload instances the host holds, and every dump of it has.
	payloads int
}

// startHost writes the dumper and dumperHost into a new directory and starts the host with
// dumps going to dir, through sh -c with shell (a ulimit, say) run first, itself run by wrap
// (unshare -m, say) unless nil.
func startHost(t *testing.T, dir string, wrap []string, shell string) *host {
	t.Helper()
	return startHostWith(t, dir, wrap, shell, payloads)
}

// startHostWith is startHost with n Payload instances in the host.
func startHostWith(t *testing.T, dir string, wrap []string, shell string, n int) *host {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found: the Python dumper's end-to-end tests need it")
	}
	src := t.TempDir()
	for name, text := range map[string]string{"memsee_dumper.py": DumperSource, "host.py": dumperHost} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	args := append(wrap, "sh", "-c", shell+`; exec "$0" "$@"`, py, "host.py", dir, fmt.Sprint(n))
	h := &host{t: t, cmd: exec.Command(args[0], args[1:]...), payloads: n}
	h.cmd.Dir = src
	h.cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	h.cmd.Stderr = &syncWriter{h}
	if h.stdin, err = h.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := h.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	h.stdout = bufio.NewScanner(out)
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		h.cmd.Process.Kill()
		h.cmd.Wait()
	})
	h.expect("ready")
	return h
}

type syncWriter struct{ h *host }

func (w *syncWriter) Write(b []byte) (int, error) {
	w.h.mu.Lock()
	defer w.h.mu.Unlock()
	return w.h.stderr.Write(b)
}

func (h *host) errText() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stderr.String()
}

// expect reads the host's next stdout line and fails unless it starts with want.
func (h *host) expect(want string) string {
	h.t.Helper()
	if !h.stdout.Scan() {
		time.Sleep(100 * time.Millisecond) // let stderr arrive
		h.t.Fatalf("host: stdout ended (%v) waiting for %q; stderr:\n%s", h.stdout.Err(), want, h.errText())
	}
	if line := h.stdout.Text(); strings.HasPrefix(line, want) {
		return line
	} else {
		h.t.Fatalf("host: got %q, want %q; stderr:\n%s", line, want, h.errText())
		return ""
	}
}

func (h *host) send(line string) {
	h.t.Helper()
	if _, err := io.WriteString(h.stdin, line+"\n"); err != nil {
		h.t.Fatalf("host: writing %q: %v; stderr:\n%s", line, err, h.errText())
	}
}

// waitErr waits until the host's stderr holds n lines containing sub.
func (h *host) waitErr(sub string, n int) {
	h.t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if strings.Count(h.errText(), sub) >= n {
			return
		}
	}
	h.t.Fatalf("host: no %d lines with %q on stderr:\n%s", n, sub, h.errText())
}

// stop closes the host's stdin and checks that it exits 0.
func (h *host) stop() {
	h.t.Helper()
	h.stdin.Close()
	for h.stdout.Scan() {
	}
	if err := h.cmd.Wait(); err != nil {
		h.t.Fatalf("host: %v; stderr:\n%s", err, h.errText())
	}
}

// waitFor polls dir until a file whose name matches glob appears.
func waitFor(t *testing.T, dir, glob string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if m, _ := filepath.Glob(filepath.Join(dir, glob)); len(m) > 0 {
			return
		}
	}
	t.Fatalf("no %s in %s", glob, dir)
}

// checkTimes checks that the dump at path, written by dump_to_directory after start, says
// when it was taken in its name and in its gzip header, both between start and now (to the
// second, as they are written).
func checkTimes(t *testing.T, path string, start time.Time) {
	t.Helper()
	start, end := start.Truncate(time.Second), time.Now()
	named, ok := Reader{}.NameTime(filepath.Base(path), time.UTC)
	if !ok || named.Before(start) || named.After(end) {
		t.Errorf("%s: time in the name %v (%v), want one between %v and %v", filepath.Base(path), named, ok, start, end)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if h := zr.Header.ModTime; h.Before(start) || h.After(end) {
		t.Errorf("%s: gzip header time %v, want one between %v and %v", filepath.Base(path), h, start, end)
	}
}

// regularFiles lists dir's regular files (not symlinks).
func regularFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		if e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	return names
}

// checkDump checks that path is a regular file, mode 0600, that memsee's reader loads with
// every Payload of the host in it (payloads, the host's count).
func checkDump(t *testing.T, path string, payloads int) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
		t.Errorf("%s: mode %v, want a regular file, 0600", filepath.Base(path), fi.Mode())
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var in io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(path), err)
		}
		in = zr
	}
	rec := &recorder{noEdges: true}
	if _, err := (Reader{}).ReadStats(context.Background(), filepath.Base(path), in, rec); err != nil {
		t.Fatalf("reading the dump: %v", err)
	}
	n := 0
	for _, o := range rec.objects {
		if o.Type == "Payload" {
			n++
		}
	}
	if n != payloads {
		t.Errorf("%s: %d Payload objects, want %d", filepath.Base(path), n, payloads)
	}
}

// TestReliabilityPythonDumperSignal sends the host two SIGUSR1, the second while the first dump is being
// written: the second is skipped with a line on stderr, the program goes on, and the one dump
// is complete, 0600, and written over (not through) symlinks planted at the names it could
// take. Then two threads ask for a dump at once: one writes, one is skipped.
func TestReliabilityPythonDumperSignal(t *testing.T) {
	dir := t.TempDir()
	h := startHost(t, dir, nil, "true")

	// Symlinks at the names the next dump may take (its pid, every millisecond from a second
	// ago to five seconds on), to a file that must not change.
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("victim"), 0o600); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for ms := -1000; ms <= 5000; ms++ {
		name := fmt.Sprintf("heap-%d-%s-1.json.gz", h.cmd.Process.Pid, now.Add(time.Duration(ms)*time.Millisecond).UTC().Format(heap.StampLayout))
		if err := os.Symlink(victim, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}

	if err := h.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, dir, ".heap-*.tmp") // the first dump is being written
	if err := h.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	h.waitErr("heap dump written to", 1)
	h.send("beat")
	h.expect("beat")
	if got := strings.Count(h.errText(), "heap dump skipped"); got != 1 {
		t.Errorf("stderr has %d 'skipped' lines, want 1:\n%s", got, h.errText())
	}
	files := regularFiles(t, dir)
	if len(files) != 1 || !strings.HasPrefix(files[0], "heap-") || !strings.HasSuffix(files[0], ".json.gz") {
		t.Fatalf("files after two signals: %q, want one heap-*.json.gz", files)
	}
	if !strings.Contains(h.errText(), filepath.Join(dir, files[0])) {
		t.Errorf("stderr does not name the dump %s:\n%s", files[0], h.errText())
	}
	checkDump(t, filepath.Join(dir, files[0]), h.payloads)
	checkTimes(t, filepath.Join(dir, files[0]), now)
	if b, err := os.ReadFile(victim); err != nil || string(b) != "victim" {
		t.Errorf("the symlinks' target changed: %q, %v", b, err)
	}

	h.send("threads")
	h.expect("threads 1 written 1 skipped")
	if got := strings.Count(h.errText(), "heap dump skipped"); got != 2 {
		t.Errorf("stderr has %d 'skipped' lines, want 2:\n%s", got, h.errText())
	}
	if files := regularFiles(t, dir); len(files) != 2 {
		t.Errorf("files after the threads: %q, want two dumps", files)
	}
	h.stop()
}

// TestReliabilityPythonDumperSymlink calls dump_all_objects on a path where a symlink stands: the dump replaces
// the symlink, and the file it pointed to is untouched.
func TestReliabilityPythonDumperSymlink(t *testing.T) {
	dir := t.TempDir()
	h := startHostWith(t, dir, nil, "true", 5000) // no signal to race: a small heap will do
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("victim"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"x.json.gz", "x.json"} {
		path := filepath.Join(dir, name)
		if err := os.Symlink(victim, path); err != nil {
			t.Fatal(err)
		}
		h.send("direct " + path)
		h.expect("direct wrote")
		checkDump(t, path, h.payloads)
		if b, err := os.ReadFile(victim); err != nil || string(b) != "victim" {
			t.Errorf("%s: the symlink's target changed: %.20q, %v", name, b, err)
		}
	}
	h.stop()
}

// TestReliabilityPythonDumperWriteFails runs the host under a file size limit (RLIMIT_FSIZE, which Python
// turns into EFBIG by ignoring SIGXFSZ) that a dump exceeds: the signal's dump fails with a
// line on stderr and the program goes on; a direct call raises OSError; neither leaves a
// file behind.
func TestReliabilityPythonDumperWriteFails(t *testing.T) {
	if err := exec.Command("sh", "-c", "ulimit -f 100").Run(); err != nil {
		t.Skipf("sh cannot set a file size limit (ulimit -f): %v", err)
	}
	dir := t.TempDir()
	h := startHost(t, dir, nil, "ulimit -f 100") // 50 or 100 KiB: the dump is megabytes
	if err := h.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	h.waitErr("failed: ", 1)
	if !strings.Contains(h.errText(), "File too large") {
		t.Errorf("stderr does not say why:\n%s", h.errText())
	}
	h.send("beat")
	h.expect("beat")
	h.send("direct " + filepath.Join(dir, "d.json"))
	h.expect(fmt.Sprintf("direct raised OSError %d", syscall.EFBIG))
	if ents, err := os.ReadDir(dir); err != nil || len(ents) != 0 {
		t.Errorf("files left after failed dumps: %v, %v", ents, err)
	}
	h.stop()
}
