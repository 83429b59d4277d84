//go:build unix

package ruby

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/memsee/memsee/internal/heap"
)

// dumperHost is a Ruby program that starts the dumper for the directory in ARGV[0], keeps
// ARGV[1] payloads, says "ready" and waits to be signalled.
const dumperHost = `require_relative "memsee_dumper"
MemseeDumper.start(ARGV[0])
Payload = Struct.new(:i, :name)
KEPT = Array.new(Integer(ARGV[1])) { |i| Payload.new(i, "payload-#{i}") }
$kept_too = KEPT
$stdout.puts "ready"
$stdout.flush
loop { sleep 0.05 }
`

// TestDumperSignal runs real Ruby with the dumper: each SIGUSR2 writes a dump named with its
// time, mode 0600, no temporary file left, that the reader reads whole, with the program's
// objects under their class, the names of a constant and a global variable that hold them.
func TestDumperSignal(t *testing.T) {
	h := startRubyHost(t, 3000)
	out := h.out
	for n := 1; n <= 2; n++ {
		if err := h.cmd.Process.Signal(syscall.SIGUSR2); err != nil {
			t.Fatal(err)
		}
		if note := h.note(t); !strings.HasPrefix(note, "memsee_dumper: heap dump written to ") {
			t.Fatalf("dump %d: %q", n, note)
		}
	}
	all, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	// Beside the dumps, the file that says the dumper listens (memsee capture ruby:PID).
	marker := ".memsee-dumper-" + strconv.Itoa(h.cmd.Process.Pid) + "-USR2"
	var ents []os.DirEntry
	for _, e := range all {
		if e.Name() != marker {
			ents = append(ents, e)
		}
	}
	if len(ents) != 2 || len(all) != 3 {
		t.Fatalf("%d files in the directory, want the 2 dumps and %s: %v", len(all), marker, all)
	}
	var prev time.Time
	for i, e := range ents {
		taken, ok := Reader{}.NameTime(e.Name(), nil)
		if !ok || !strings.HasSuffix(e.Name(), "-"+string(rune('1'+i))+".json.gz") || taken.Before(prev) {
			t.Errorf("dump %s: not named heap-<pid>-<time>-%d.json.gz in order (%v, %v)", e.Name(), i+1, taken, ok)
		}
		prev = taken
		info, _ := e.Info()
		if info.Mode().Perm() != 0o600 {
			t.Errorf("dump %s: mode %v, want 0600", e.Name(), info.Mode().Perm())
		}
		in, err := heap.Open(filepath.Join(out, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		rec := &recorder{}
		err = Reader{}.Read(context.Background(), e.Name(), in, rec)
		in.Close()
		if err != nil {
			t.Fatalf("dump %s: %v", e.Name(), err)
		}
		payloads := 0
		var kept uint64
		for _, o := range rec.objects {
			if o.Type == "Payload" {
				payloads++
			}
			for _, e := range o.Edges {
				if e.Name == "::KEPT" {
					kept = e.To
				}
			}
		}
		if kept == 0 {
			t.Errorf("dump %s: no reference named ::KEPT", e.Name())
		}
		global := false
		for _, r := range rec.roots {
			global = global || (r.Name == "$kept_too" && r.Addr == kept)
		}
		if !global {
			t.Errorf("dump %s: no root $kept_too at %#x, the value of ::KEPT", e.Name(), kept)
		}
		if payloads != 3000 {
			t.Errorf("dump %s: %d Payload objects, want 3000", e.Name(), payloads)
		}
	}
}

// TestReliabilityRubyDumperWriteFails removes the dump directory under the running program:
// the signal's dump fails with a line on stderr, no file is left, and the program goes on
// (a second signal, once the directory is back, writes a dump).
func TestReliabilityRubyDumperWriteFails(t *testing.T) {
	h := startRubyHost(t, 100)
	if err := os.RemoveAll(h.out); err != nil {
		t.Fatal(err)
	}
	if err := h.cmd.Process.Signal(syscall.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	if note := h.note(t); !strings.HasPrefix(note, "memsee_dumper: heap dump into "+h.out+" failed: ") {
		t.Fatalf("stderr: %q, want the failure", note)
	}
	if err := os.Mkdir(h.out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := h.cmd.Process.Signal(syscall.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	if note := h.note(t); !strings.HasPrefix(note, "memsee_dumper: heap dump written to ") {
		t.Fatalf("stderr after the directory is back: %q", note)
	}
	if ents, _ := os.ReadDir(h.out); len(ents) != 1 {
		t.Errorf("%d files in the directory, want the one dump: %v", len(ents), ents)
	}
}

// rubyHost is a Ruby program running the dumper (dumperHost), its dump directory and the
// lines it writes on stderr.
type rubyHost struct {
	cmd   *exec.Cmd
	out   string
	notes chan string
}

// startRubyHost starts dumperHost with payloads objects kept, and waits for it to be ready;
// it skips the test when ruby is not installed.
func startRubyHost(t *testing.T, payloads int) *rubyHost {
	t.Helper()
	rb, err := exec.LookPath("ruby")
	if err != nil {
		t.Skip("ruby is not installed (apt-get install ruby): the Ruby dumper is not tested")
	}
	dir := t.TempDir()
	h := &rubyHost{out: filepath.Join(dir, "dumps"), notes: make(chan string, 4)}
	if err := os.Mkdir(h.out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "memsee_dumper.rb"), []byte(DumperSource), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "host.rb"), []byte(dumperHost), 0o644); err != nil {
		t.Fatal(err)
	}
	h.cmd = exec.Command(rb, "--disable-gems", "host.rb", h.out, strconv.Itoa(payloads))
	h.cmd.Dir = dir
	stdout, _ := h.cmd.StdoutPipe()
	stderr, _ := h.cmd.StderrPipe()
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.cmd.Process.Kill(); _ = h.cmd.Wait() })
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("host: %q, %v", line, err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			h.notes <- sc.Text()
		}
		close(h.notes)
	}()
	return h
}

// note returns the next line the host writes on stderr.
func (h *rubyHost) note(t *testing.T) string {
	t.Helper()
	select {
	case n := <-h.notes:
		return n
	case <-time.After(30 * time.Second):
		t.Fatal("nothing on stderr after 30 s")
	}
	return ""
}

// TestReliabilityRubyDumperNames: when the names cannot be written after the dump (writing
// them fails, or the heap was compacted in between and objects moved), the dumper keeps the
// dump without them and says so on stderr; the reader reads it whole, with no names.
func TestReliabilityRubyDumperNames(t *testing.T) {
	rb, err := exec.LookPath("ruby")
	if err != nil {
		t.Skip("ruby is not installed (apt-get install ruby): the Ruby dumper is not tested")
	}
	tests := []struct {
		name, patch, note string
	}{
		{"writing fails", `io.write("{\"type\":\"MEMSEE_NAME\", \"na"); raise IOError, "disk full"`, "writing the names failed (IOError: disk full)"},
		{"compacted", `orig_write_names(io).tap { GC.compact }`, "the heap was compacted while the names were written"},
		{"written", `orig_write_names(io)`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "memsee_dumper.rb"), []byte(DumperSource), 0o644); err != nil {
				t.Fatal(err)
			}
			host := `require_relative "memsee_dumper"
KEPT = Array.new(100) { |i| "kept-#{i}" }
module MemseeDumper
  class << self
    alias_method :orig_write_names, :write_names
    def write_names(io)
      ` + tt.patch + `
    end
  end
end
File.open(ARGV[0], "w") { |f| MemseeDumper.dump_all(f) }
`
			if err := os.WriteFile(filepath.Join(dir, "host.rb"), []byte(host), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "heap.json")
			cmd := exec.Command(rb, "--disable-gems", "host.rb", out)
			cmd.Dir = dir
			stderr, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("ruby: %v\n%s", err, stderr)
			}
			want := ""
			if tt.note != "" {
				want = "memsee_dumper: " + tt.note + ": the dump has none\n"
			}
			if string(stderr) != want {
				t.Errorf("output %q, want %q", stderr, want)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			rec, _, err := read(t, data)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			named := false
			for _, o := range rec.objects {
				for _, e := range o.Edges {
					named = named || e.Name == "::KEPT"
				}
			}
			if hasNames := bytes.Contains(data, []byte(`{"type":"MEMSEE_NAME"`)); named != (tt.note == "") || hasNames != named {
				t.Errorf("::KEPT named %v, MEMSEE_NAME lines %v; want both %v", named, hasNames, tt.note == "")
			}
		})
	}
}
