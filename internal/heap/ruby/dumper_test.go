//go:build unix

package ruby

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
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
$stdout.puts "ready"
$stdout.flush
loop { sleep 0.05 }
`

// TestDumperSignal runs real Ruby with the dumper: each SIGUSR2 writes a dump named with its
// time, mode 0600, no temporary file left, that the reader reads whole, with the program's
// objects under their class and its allocation sites traced.
func TestDumperSignal(t *testing.T) {
	rb, err := exec.LookPath("ruby")
	if err != nil {
		t.Skip("ruby is not installed (apt-get install ruby): the Ruby dumper is not tested")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "dumps")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "memsee_dumper.rb"), []byte(DumperSource), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "host.rb"), []byte(dumperHost), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(rb, "--disable-gems", "host.rb", out, "3000")
	cmd.Dir = dir
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("host: %q, %v", line, err)
	}
	notes := make(chan string, 4)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			notes <- sc.Text()
		}
		close(notes)
	}()
	for n := 1; n <= 2; n++ {
		if err := cmd.Process.Signal(syscall.SIGUSR2); err != nil {
			t.Fatal(err)
		}
		var note string
		select {
		case note = <-notes:
		case <-time.After(30 * time.Second):
			t.Fatalf("dump %d: nothing on stderr after 30 s", n)
		}
		if !strings.HasPrefix(note, "memsee_dumper: heap dump written to ") {
			t.Fatalf("dump %d: %q", n, note)
		}
	}
	ents, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 2 {
		t.Fatalf("%d files in the directory, want the 2 dumps: %v", len(ents), ents)
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
		for _, o := range rec.objects {
			if o.Type == "Payload" {
				payloads++
			}
		}
		if payloads != 3000 {
			t.Errorf("dump %s: %d Payload objects, want 3000", e.Name(), payloads)
		}
	}
}
