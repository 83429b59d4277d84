package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runBinary runs the memsee built by TestMain with MEMSEE_DB set, as a user's shell would.
func runBinary(t *testing.T, db string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "MEMSEE_DB="+db, "TZ=UTC", "COLUMNS=") // tables whole, whatever the shell exports
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}

// TestEndToEnd drives the real binary through a user's session: load, look, diff, remove,
// and a bad file, checking exit codes and that output matches the golden files.
func TestEndToEnd(t *testing.T) {
	db := filepath.Join(t.TempDir(), "e2e.db")
	steps := []struct {
		name   string
		args   []string
		code   int
		golden string // compare stdout with this golden file
		stderr string // stderr must contain this
	}{
		{"load", append([]string{"load"}, heaps...), 0, "load", ""},
		{"ls", []string{"ls"}, 0, "ls", ""},
		{"diff", []string{"diff", "1", "4"}, 0, "diff", ""},
		{"top by site", []string{"top", "--by", "site", "-n", "5"}, 0, "top.site", ""},
		{"load again", []string{"load", heaps[2]}, 2, "", "already loaded as snapshot 3 (heap3)"},
		{"load an empty file", []string{"load", "/dev/null"}, 2, "", "/dev/null: offset 0x0: empty file"},
		{"no such command", []string{"leak"}, 2, "", "unknown command"},
		{"rm", []string{"rm", "-1"}, 0, "", ""},
		{"ls after rm", []string{"query", "--format", "csv", "select label from snapshot order by id"}, 0, "", ""},
	}
	for _, s := range steps {
		r := runBinary(t, db, s.args...)
		if r.code != s.code {
			t.Fatalf("%s: exit %d, want %d; stderr:\n%s", s.name, r.code, s.code, r.err)
		}
		if s.golden != "" {
			want, err := os.ReadFile(filepath.Join("testdata", s.golden+".golden"))
			if err != nil {
				t.Fatal(err)
			}
			want, _, _ = bytes.Cut(want, []byte("--- stderr\n")) // load's golden also holds stderr
			if r.out != string(want) {
				t.Errorf("%s: stdout differs from %s.golden:\n%s", s.name, s.golden, r.out)
			}
		}
		if !strings.Contains(r.err, s.stderr) {
			t.Errorf("%s: stderr %q does not say %q", s.name, r.err, s.stderr)
		}
		if s.name == "ls after rm" && r.out != "label\nheap1\nheap2\nheap3\n" {
			t.Errorf("after rm -1: %q", r.out)
		}
	}
}

// printedPythonDumper writes the dumper `memsee dumper python` prints, as memsee_dumper.py,
// into a new directory, and returns this machine's python3 and that directory; it skips the
// test when there is no python3.
func printedPythonDumper(t *testing.T) (py, dir string) {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	dir = t.TempDir()
	r := memsee(t, filepath.Join(dir, "x.db"), false, "dumper", "python")
	if r.code != 0 {
		t.Fatalf("dumper python: exit %d: %s", r.code, r.err)
	}
	if err := os.WriteFile(filepath.Join(dir, "memsee_dumper.py"), []byte(r.out), 0o644); err != nil {
		t.Fatal(err)
	}
	return py, dir
}

// TestDumperPython checks that the printed dumper runs on this machine's Python and writes a
// dump that memsee loads, with the caller's module as a root.
func TestDumperPython(t *testing.T) {
	py, dir := printedPythonDumper(t)
	prog := "import memsee_dumper\nkept = [bytearray(100) for _ in range(500)]\nmemsee_dumper.dump_all_objects('d.json.gz')\n"
	cmd := exec.Command(py, "-c", prog)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "x.db")
	if r := memsee(t, db, false, "load", filepath.Join(dir, "d.json.gz")); r.code != 0 {
		t.Fatalf("load: %s", r.err)
	}
	r := memsee(t, db, false, "path", "--type", "bytearray", "--format", "csv")
	if r.code != 0 || !strings.Contains(r.out, "500,") || !strings.Contains(r.out, "module __main__ -> .kept (list) -> [*] (bytearray)") {
		t.Errorf("path --type bytearray: want 500 held by __main__.kept, got:\n%s%s", r.out, r.err)
	}
}

// TestHelp checks that every command explains itself with examples that use real file names.
func TestHelp(t *testing.T) {
	root := newRootCmd(&Factory{IO: &IOStreams{}}, "")
	for _, c := range root.Commands() {
		if c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		t.Run(c.Name(), func(t *testing.T) {
			if c.Short == "" || !strings.HasPrefix(strings.TrimSpace(c.Example), "$ memsee ") {
				t.Errorf("%s: Short %q, Example %q: want a summary and examples starting '$ memsee'", c.Name(), c.Short, c.Example)
			}
			r := memsee(t, filepath.Join(t.TempDir(), "x.db"), false, c.Name(), "--help")
			if r.code != 0 || !strings.Contains(r.out, "Examples:") {
				t.Errorf("%s --help: exit %d, output:\n%s", c.Name(), r.code, r.out)
			}
		})
	}
}
