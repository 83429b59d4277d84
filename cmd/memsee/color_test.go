package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/creack/pty"
)

func TestColorAuto(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		tty  bool
		want bool
	}{
		{"a terminal", nil, true, true},
		{"a pipe", nil, false, false},
		{"a terminal, NO_COLOR", map[string]string{"NO_COLOR": "1"}, true, false},
		{"a terminal, NO_COLOR empty", map[string]string{"NO_COLOR": ""}, true, true},
		{"a dumb terminal", map[string]string{"TERM": "dumb"}, true, false},
		{"a pipe, CLICOLOR_FORCE", map[string]string{"CLICOLOR_FORCE": "1"}, false, true},
		{"a pipe, CLICOLOR_FORCE=0", map[string]string{"CLICOLOR_FORCE": "0"}, false, false},
		{"a pipe, CLICOLOR_FORCE and NO_COLOR", map[string]string{"CLICOLOR_FORCE": "1", "NO_COLOR": "1"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string { return tt.env[k] }
			if got := colorAuto(getenv, tt.tty); got != tt.want {
				t.Errorf("colorAuto(%s) = %v, want %v", tt.name, got, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		mode colorMode
		auto bool
		want bool
	}{
		{"", true, true}, {"", false, false}, {"auto", true, true}, {"auto", false, false},
		{"always", false, true}, {"always", true, true}, {"never", true, false}, {"never", false, false},
	} {
		if got := tt.mode.on(tt.auto); got != tt.want {
			t.Errorf("colorMode(%q).on(%v) = %v, want %v", tt.mode, tt.auto, got, tt.want)
		}
	}
}

// sgrSeq matches an SGR sequence; anyEsc an escape character.
var (
	sgrSeq = regexp.MustCompile("\x1b\\[[0-9;]*m")
	anyEsc = regexp.MustCompile("\x1b")
)

// colorDB loads the four Python samples (an incremental and a static leak) once.
func colorDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "memsee.db")
	if r := memsee(t, db, false, append([]string{"load", "--quiet"}, shops...)...); r.code != 0 {
		t.Fatalf("load: exit %d: %s", r.code, r.err)
	}
	return db
}

// TestColorFlag runs memsee in process: --color=always colours stdout's tables (buffers are
// no terminals), auto and never do not, and a word that is not a mode is refused.
func TestColorFlag(t *testing.T) {
	db := colorDB(t)
	tests := []struct {
		name  string
		args  []string
		color bool
	}{
		{"auto, a buffer that claims to be a terminal", []string{"leaks"}, false},
		{"always", []string{"--color=always", "leaks"}, true},
		{"always after the command", []string{"leaks", "--color", "always"}, true},
		{"never", []string{"leaks", "--color=never"}, false},
		{"always, json", []string{"leaks", "--color=always", "--json"}, false},
		{"always, csv", []string{"leaks", "--color=always", "--format", "csv"}, false},
		{"always, markdown", []string{"leaks", "--color=always", "--format", "markdown"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := memsee(t, db, true, tt.args...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.err)
			}
			if got := strings.Contains(r.out, "\x1b[1;31mincremental\x1b[0m"); got != tt.color {
				t.Errorf("coloured: %v, want %v:\n%q", got, tt.color, r.out)
			}
			if !tt.color && strings.Contains(r.out, "\x1b") {
				t.Errorf("an escape sequence without colour:\n%q", r.out)
			}
		})
	}
	r := memsee(t, db, false, "leaks", "--color=sometimes")
	if r.code != 2 || !strings.Contains(r.err, "want auto, always or never") {
		t.Errorf("--color=sometimes: exit %d, stderr %q; want 2 and the modes", r.code, r.err)
	}
}

// runOnTerminal runs the memsee built by TestMain with env added to a clean environment and
// stdout (and stderr, with errTTY) on a pseudo-terminal of 100 columns, or on pipes; it
// returns what each got, the terminal's line ends as "\n", and the exit code.
func runOnTerminal(t *testing.T, db string, tty, errTTY bool, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"--db", db}, args...)...)
	for _, kv := range os.Environ() {
		switch strings.SplitN(kv, "=", 2)[0] {
		case "NO_COLOR", "CLICOLOR_FORCE", "TERM", "COLUMNS":
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, "TZ=UTC", "TERM=xterm")
	cmd.Env = append(cmd.Env, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if !tty {
		err := cmd.Run()
		return out.String(), errb.String(), exitOf(t, err)
	}
	ptmx, term, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 100}); err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = term
	if errTTY {
		cmd.Stderr = term
	}
	if err := cmd.Start(); err != nil {
		term.Close()
		t.Fatal(err)
	}
	term.Close()
	got := make(chan string)
	go func() {
		b, _ := io.ReadAll(ptmx)
		got <- string(b)
	}()
	code := exitOf(t, cmd.Wait())
	screen := strings.ReplaceAll(<-got, "\r\n", "\n")
	return screen, errb.String(), code
}

// TestColorTerminal runs memsee on the Python samples with stdout on a pseudo-terminal and
// through a pipe: on the terminal leaks, check and diff are coloured unless NO_COLOR or
// --color=never says not; through a pipe they are not, unless --color=always or
// CLICOLOR_FORCE says so. Coloured or not, the text and layout are the same: the terminal's
// output without its SGR sequences is the pipe's at the terminal's width.
func TestColorTerminal(t *testing.T) {
	db := colorDB(t)
	commands := []struct {
		name    string
		args    []string
		code    int
		colored []string // pieces of the coloured output
	}{
		{"leaks", []string{"leaks"}, 0, []string{"\x1b[1;31mincremental\x1b[0m", "\x1b[33mstatic\x1b[0m", "\x1b[1mKIND\x1b[0m"}},
		{"check", []string{"check", "first", "last", "--max-growth", "1%", "--max-key-growth", "100KiB"}, 1,
			[]string{"memsee check: \x1b[31mFAIL: over budget\x1b[0m", "\x1b[31mstr\x1b[0m"}},
		{"diff", []string{"diff", "first", "last"}, 0, []string{"\x1b[31m+403 KiB\x1b[0m", "\x1b[31mnew\x1b[0m"}},
	}
	modes := []struct {
		name  string
		tty   bool
		env   []string
		flags []string
		color bool
	}{
		{"terminal", true, nil, nil, true},
		{"terminal, NO_COLOR", true, []string{"NO_COLOR=1"}, nil, false},
		{"terminal, --color=never", true, nil, []string{"--color=never"}, false},
		{"terminal, TERM=dumb", true, []string{"TERM=dumb"}, nil, false},
		{"terminal, NO_COLOR and --color=always", true, []string{"NO_COLOR=1"}, []string{"--color=always"}, true},
		{"pipe", false, []string{"COLUMNS=100"}, nil, false},
		{"pipe, --color=always", false, []string{"COLUMNS=100"}, []string{"--color=always"}, true},
		{"pipe, CLICOLOR_FORCE", false, []string{"COLUMNS=100", "CLICOLOR_FORCE=1"}, nil, true},
		{"pipe, CLICOLOR_FORCE and NO_COLOR", false, []string{"COLUMNS=100", "CLICOLOR_FORCE=1", "NO_COLOR=1"}, nil, false},
	}
	for _, c := range commands {
		// The pipe's output with no colour: what every run shows once its colour is stripped.
		want, _, code := runOnTerminal(t, db, false, false, []string{"COLUMNS=100"}, c.args...)
		if code != c.code {
			t.Fatalf("%s through a pipe: exit %d, want %d", c.name, code, c.code)
		}
		if strings.Contains(want, "\x1b") {
			t.Fatalf("%s through a pipe: escape sequences:\n%q", c.name, want)
		}
		for _, m := range modes {
			t.Run(c.name+", "+m.name, func(t *testing.T) {
				out, stderr, code := runOnTerminal(t, db, m.tty, false, m.env, append(c.args, m.flags...)...)
				if code != c.code {
					t.Fatalf("exit %d, want %d: %s", code, c.code, stderr)
				}
				for _, p := range c.colored {
					if got := strings.Contains(out, p); got != m.color {
						t.Errorf("output has %q: %v, want %v:\n%s", p, got, m.color, out)
					}
				}
				if got := sgrSeq.ReplaceAllString(out, ""); got != want {
					t.Errorf("without its SGR sequences the output is\n%s\nwant (the pipe's)\n%s", got, want)
				}
				if !m.color && anyEsc.MatchString(out) {
					t.Errorf("an escape sequence without colour:\n%q", out)
				}
				if stderr != "" && strings.Contains(stderr, "\x1b") {
					t.Errorf("stderr (a pipe) coloured: %q", stderr)
				}
			})
		}
	}
}

// TestColorError checks the prefix of an error on stderr: bold red on a terminal, plain
// through a pipe or with NO_COLOR; the line of what to do next is never coloured.
func TestColorError(t *testing.T) {
	db := filepath.Join(t.TempDir(), "none.db") // no database: an error
	tests := []struct {
		name  string
		tty   bool
		env   []string
		color bool
	}{
		{"terminal", true, nil, true},
		{"terminal, NO_COLOR", true, []string{"NO_COLOR=1"}, false},
		{"pipe", false, nil, false},
		{"pipe, CLICOLOR_FORCE", false, []string{"CLICOLOR_FORCE=1"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errPipe, code := runOnTerminal(t, db, tt.tty, true, tt.env, "top", "last")
			if code != 2 {
				t.Fatalf("exit %d, want 2", code)
			}
			stderr := out + errPipe // on the terminal, stderr shares it with stdout
			wantLine := "memsee: no memsee database"
			if tt.color {
				wantLine = "\x1b[1;31mmemsee:\x1b[0m no memsee database"
			}
			if !strings.HasPrefix(stderr, wantLine) {
				t.Errorf("stderr begins %q, want %q", stderr, wantLine)
			}
			if n := strings.Count(stderr, "\x1b[1;31m"); n > 1 || (n == 1) != tt.color {
				t.Errorf("stderr has %d coloured prefixes:\n%q", n, stderr)
			}
		})
	}
}
