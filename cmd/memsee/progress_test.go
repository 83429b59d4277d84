package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/memsee/memsee/internal/report"
)

// runWithStderr runs the memsee built by TestMain with stderr on errOut, a terminal or a pipe,
// and stdout on a pipe; it returns what stderr got and the exit code.
func runWithStderr(t *testing.T, db string, terminal bool, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"--db", db}, args...)...)
	cmd.Env = append(os.Environ(), "TZ=UTC")
	var out bytes.Buffer
	cmd.Stdout = &out
	if !terminal {
		var errb bytes.Buffer
		cmd.Stderr = &errb
		err := cmd.Run()
		return errb.String(), exitOf(t, err)
	}
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	cmd.Stderr = tty
	if err := cmd.Start(); err != nil {
		tty.Close()
		t.Fatal(err)
	}
	tty.Close() // the child has its own; the reads below end when it exits
	got := make(chan string)
	go func() {
		b, _ := io.ReadAll(ptmx) // ends with EIO once the child has closed the terminal
		got <- string(b)
	}()
	code := exitOf(t, cmd.Wait())
	return <-got, code
}

func exitOf(t *testing.T, err error) int {
	t.Helper()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

// The lines a load of the Python sample draws for its phases.
var loadPhases = []string{
	"loading shop1.json.gz: read",
	"loading shop1.json.gz: graph",
	"loading shop1.json.gz: dominators",
	"loading shop1.json.gz: retained sizes",
	"loading shop1.json.gz: shortest paths",
	"loading shop1.json.gz: write",
}

// TestProgress runs memsee with stderr on a pseudo-terminal and on a pipe: a load names each of
// its phases on a terminal, and never on a pipe or with --quiet; a quick query draws nothing,
// not even for a moment.
func TestProgress(t *testing.T) {
	py := filepath.Join("..", "..", "testdata", "python", "shop1.json.gz")
	tests := []struct {
		name     string
		terminal bool
		args     []string // after load or top, the database a fresh one
		want     bool     // the phases are named
	}{
		{"load on a terminal", true, []string{"load", py}, true},
		{"load on a terminal, --quiet", true, []string{"--quiet", "load", py}, false},
		{"load on a terminal, -q after the command", true, []string{"load", "-q", py}, false},
		{"load through a pipe", false, []string{"load", py}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "memsee.db")
			stderr, code := runWithStderr(t, db, tt.terminal, tt.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, p := range loadPhases {
				if got := strings.Contains(stderr, p); got != tt.want {
					t.Errorf("stderr has %q: %v, want %v; stderr:\n%q", p, got, tt.want, stderr)
				}
			}
			if !tt.want && strings.Contains(stderr, "\033[K") {
				t.Errorf("stderr draws a line:\n%q", stderr)
			}
		})
	}
	t.Run("a quick query on a terminal", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "memsee.db")
		if _, code := runWithStderr(t, db, false, "load", py); code != 0 {
			t.Fatalf("load: exit %d", code)
		}
		start := time.Now()
		stderr, code := runWithStderr(t, db, true, "top", "last", "--by", "holder")
		took := time.Since(start)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if took >= report.QueryDelay {
			// A loaded machine: the query was not quick, and may rightly have drawn its line.
			t.Skipf("the query took %v here, past the %v a query waits before it shows", took, report.QueryDelay)
		}
		if stderr != "" {
			t.Errorf("a query quicker than %v wrote on the terminal:\n%q", "300ms", stderr)
		}
	})
}

// statusDraw is what a progress line writes before each line it draws, and to clear it.
const statusDraw = "\r\033[K"

// onScreen is what stays on a terminal of stderr once the progress lines are cleared: each
// statusDraw erases the text since the last newline.
func onScreen(stderr string) string {
	var b strings.Builder
	for i, part := range strings.Split(stderr, statusDraw) {
		if i > 0 {
			s := b.String()
			b.Reset()
			b.WriteString(s[:strings.LastIndex(s, "\n")+1])
		}
		b.WriteString(part)
	}
	return b.String()
}

func TestOnScreen(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"note\n", "note\n"},
		{statusDraw + "read" + statusDraw + "write" + statusDraw + "loaded\n", "loaded\n"},
		{"note\n" + statusDraw + "graph" + statusDraw, "note\n"},
	}
	for _, tt := range tests {
		if got := onScreen(tt.in); got != tt.want {
			t.Errorf("onScreen(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
