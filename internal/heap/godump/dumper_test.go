//go:build unix

package godump

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// dumperMain is the main.go of a program built with DumperSource as heapdump.go. It keeps
// 20,000 objects from main.newEntry and serves the default mux on a free port of 127.0.0.1,
// printing its address; "check FILE..." runs the dumper's checkHeapDump on each file instead.
const dumperMain = `package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
)

type entry struct{ payload []byte }

var kept []*entry

//go:noinline
func newEntry() *entry { return &entry{payload: make([]byte, 100)} }

func main() {
	if len(os.Args) > 1 && os.Args[1] == "check" {
		for _, name := range os.Args[2:] {
			f, err := os.Open(name)
			if err == nil {
				err = checkHeapDump(f)
				f.Close()
			}
			if err != nil {
				fmt.Println(name, err)
			} else {
				fmt.Println(name, "ok")
			}
		}
		return
	}
	for range 20000 {
		kept = append(kept, newEntry())
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr())
	fmt.Fprintln(os.Stderr, http.Serve(ln, nil))
}
`

// fileLimit is the file size limit (ulimit -f, in blocks of 512 or 1024 bytes) under which a
// dump of dumperMain is cut short.
const fileLimit = 200

// buildDumperProgram builds dumperMain with the dumper and returns the executable.
func buildDumperProgram(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a Go program")
	}
	dir := t.TempDir()
	files := map[string]string{"go.mod": "module dumpertest\n\ngo 1.26\n", "heapdump.go": DumperSource, "main.go": dumperMain}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	build := exec.Command("go", "build", "-o", "server", ".")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return filepath.Join(dir, "server")
}

// startServer runs prog through sh -c with shell (a ulimit, say) first, itself run by wrap
// (unshare -m, say) unless nil, dumps going to dumpDir, and returns the process and its
// address.
func startServer(t *testing.T, prog string, wrap []string, shell, dumpDir string) (*os.Process, string) {
	t.Helper()
	args := append(wrap, "sh", "-c", shell+`; exec "$0"`, prog)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "MEMSEE_DUMP_DIR="+dumpDir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("server: no address: %v", err)
	}
	return cmd.Process, strings.TrimSpace(addr)
}

// postDump asks the server at addr for a dump, and returns the status and body.
func postDump(t *testing.T, addr string) (int, string) {
	t.Helper()
	resp, err := http.Post("http://"+addr+"/debug/heapdump", "", nil)
	if err != nil {
		t.Fatalf("POST /debug/heapdump: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, strings.TrimSpace(string(body))
}

// TestReliabilityGoDumper builds a program with the dumper and asks it for a dump: the dump is complete,
// 0600, in the directory MEMSEE_DUMP_DIR names, and memsee reads it. Under a file size limit
// the dump is cut short: the answer is an HTTP error and no file is left. Then the dumper's
// check is run on truncated and extended copies of the dump, and on the committed samples.
func TestReliabilityGoDumper(t *testing.T) {
	prog := buildDumperProgram(t)
	dumps := t.TempDir()
	_, addr := startServer(t, prog, nil, "true", dumps)
	before := time.Now().Truncate(time.Second)
	code, path := postDump(t, addr)
	if code != http.StatusOK {
		t.Fatalf("POST /debug/heapdump: %d %s", code, path)
	}
	if filepath.Dir(path) != dumps || !strings.HasSuffix(path, ".dump") {
		t.Errorf("dump written to %s, want a .dump in MEMSEE_DUMP_DIR", path)
	}
	// The name says when the dump was taken (NameTime reads it back), and counts the dumps.
	if at, ok := (Reader{}).NameTime(filepath.Base(path), time.UTC); !ok || at.Before(before) || at.After(time.Now()) ||
		!strings.HasSuffix(path, "-1.dump") {
		t.Errorf("dump named %s: time %v (%v), want the first dump, taken between %v and now", filepath.Base(path), at, ok, before)
	}
	if ents, _ := os.ReadDir(dumps); len(ents) != 1 {
		t.Errorf("files in the dump directory: %v, want the dump only", ents)
	}
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
		t.Errorf("dump mode %v, want a regular file, 0600", fi.Mode())
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	sink := newRecSink()
	_, err = Reader{}.ReadStats(context.Background(), "server.dump", bufio.NewReader(f), sink)
	f.Close()
	if err != nil {
		t.Fatalf("reading the dump: %v", err)
	}
	if n := sink.types["main.newEntry (new 24 B)"]; n != 20000 {
		t.Errorf("main.newEntry objects: %d, want 20000", n)
	}
	if fi.Size() < 8*fileLimit*1024 {
		t.Fatalf("the dump has %d bytes: too small to be cut short by ulimit -f %d", fi.Size(), fileLimit)
	}

	t.Run("cut short", func(t *testing.T) {
		dumps := t.TempDir()
		_, addr := startServer(t, prog, nil, fmt.Sprintf("ulimit -f %d", fileLimit), dumps)
		for range 2 { // the server survives the first
			code, body := postDump(t, addr)
			if code != http.StatusInternalServerError || !strings.Contains(body, "the dump written is incomplete") {
				t.Errorf("POST /debug/heapdump under ulimit -f: %d %q, want 500 and why", code, body)
			}
			if ents, err := os.ReadDir(dumps); err != nil || len(ents) != 0 {
				t.Errorf("files left after a failed dump: %v, %v", ents, err)
			}
		}
	})

	// The dump directory on a tmpfs too small for the dump, mounted in a mount namespace of
	// the server's own, so that only it sees the tmpfs (and /proc/<pid>/root shows its view).
	t.Run("disk full", func(t *testing.T) {
		dumps := t.TempDir()
		mount := fmt.Sprintf("mount -t tmpfs -o size=%dk tmpfs %s", fileLimit, dumps)
		if runtime.GOOS != "linux" {
			t.Skip("mounts a tmpfs in a mount namespace: Linux only")
		}
		if out, err := exec.Command("unshare", "-m", "sh", "-c", mount).CombinedOutput(); err != nil {
			t.Skipf("cannot mount a small tmpfs in a mount namespace (unshare -m, needs root): %v %s", err, out)
		}
		p, addr := startServer(t, prog, []string{"unshare", "-m"}, mount+" || exit 97", dumps)
		code, body := postDump(t, addr)
		if code != http.StatusInternalServerError || !strings.Contains(body, "the dump written is incomplete") {
			t.Errorf("POST /debug/heapdump on a full tmpfs: %d %q, want 500 and why", code, body)
		}
		mounts, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", p.Pid))
		if err != nil || !strings.Contains(string(mounts), " "+dumps+" ") {
			t.Fatalf("the server's mounts do not have the tmpfs at %s: %v\n%s", dumps, err, mounts)
		}
		seen := fmt.Sprintf("/proc/%d/root%s", p.Pid, dumps)
		if ents, err := os.ReadDir(seen); err != nil || len(ents) != 0 {
			t.Errorf("files left on the full tmpfs: %v, %v", ents, err)
		}
	})

	t.Run("check", func(t *testing.T) {
		full, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		want := map[string]string{} // file -> what check says
		write := func(name string, b []byte, says string) {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
				t.Fatal(err)
			}
			want[name] = says
		}
		write("full", full, "ok")
		for i := 1; i <= 24; i++ {
			n := len(full) * i / 25
			write(fmt.Sprintf("cut-%d", n), full[:n], "the dump written is incomplete")
		}
		write("cut-header", full[:7], "the dump written is incomplete (7 bytes, no header)")
		write("cut-last-byte", full[:len(full)-1], fmt.Sprintf("the dump written is incomplete (%d bytes, no end record)", len(full)-1))
		write("trailing", append(full[:len(full):len(full)], 0), fmt.Sprintf("the dump written is incomplete (%d bytes, bytes after the end record)", len(full)+1))
		for _, s := range []string{"heap1", "heap4", "churn1"} {
			write(s, mustRead(t, s), "ok")
		}
		var names []string
		for name := range want {
			names = append(names, filepath.Join(dir, name))
		}
		out, err := exec.Command(prog, append([]string{"check"}, names...)...).Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			name, says, _ := strings.Cut(line, " ")
			name = filepath.Base(name)
			if !strings.HasPrefix(says, want[name]) {
				t.Errorf("check %s: %q, want %q", name, says, want[name])
			}
			delete(want, name)
		}
		if len(want) > 0 {
			t.Errorf("check said nothing of %v", want)
		}
	})
}
