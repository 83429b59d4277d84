package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// loadBinary loads files into a new database with the real binary and returns the database.
func loadBinary(t *testing.T, files ...string) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "memsee.db")
	if r := runBinary(t, db, append([]string{"load"}, files...)...); r.code != 0 {
		t.Fatalf("load: exit %d: %s", r.code, r.err)
	}
	return db
}

// TestScriptsReadOnlyData runs the real binary with --format csv and json on the bundled Go
// profiles and Python dumps, and checks what a script relies on: stdout is one JSON value, or
// CSV records all as wide as the header, with nothing cut ("…"), lists as JSON arrays, no
// HTML escapes; the prose for people is on stderr.
func TestScriptsReadOnlyData(t *testing.T) {
	t.Parallel() // its own databases and processes: it runs beside the others
	goDB := loadBinary(t, heaps...)
	pyDB := loadBinary(t, shops...)
	entry := firstOf(t, pyDB, "AuditEntry")
	// An object one of whose children holds a string longer than a table's VALUE column.
	q := memsee(t, pyDB, false, "query", "--objects", "4", "--format", "csv", `select printf('0x%x', p.addr) from object o
		join object p on p.snapshot = o.snapshot and p.oid = o.parent where o.snapshot = 4 and length(o.value) > 60 order by o.oid limit 1`)
	lines := strings.Split(strings.TrimSpace(q.out), "\n")
	if q.code != 0 || len(lines) != 2 {
		t.Fatalf("no object with a long string in snapshot 4: %q %s", q.out, q.err)
	}
	parent := lines[1]
	tests := []struct {
		name   string
		db     string
		args   []string
		code   int
		stderr string // stderr must say this
		array  string // a CSV cell that must be this JSON array
		long   int    // a CSV cell must be at least this long (whole where a table cuts it)
	}{
		{"check csv", goDB, []string{"check", heaps[0], heaps[3], "--format", "csv"}, 1, "memsee check: FAIL: over budget", "", 0},
		{"check json", goDB, []string{"check", heaps[0], heaps[3], "--format", "json"}, 1, "", "", 0},
		{"check python csv", pyDB, []string{"check", shops[0], shops[3], "--format", "csv"}, 1, "what grew most", "", 0},
		{"top by site csv", goDB, []string{"top", "--by", "site", "-n", "0", "--format", "csv"}, 0, "", "", 0},
		{"diff by site csv", goDB, []string{"diff", "1", "4", "--by", "site", "-n", "0", "--format", "csv"}, 0, "", "", 0},
		{"leaks csv", goDB, []string{"leaks", "--format", "csv"}, 0, "", "[1,2,3,4]", 0},
		{"leaks json", pyDB, []string{"leaks", "--format", "json"}, 0, "", "", 0},
		{"leaks python csv", pyDB, []string{"leaks", "--format", "csv"}, 0, "", "[300,600,900,1200]", 0},
		{"dominators csv", pyDB, []string{"dominators", "shop4", "-n", "0", "--format", "csv"}, 0, "", "", 0},
		{"path csv", pyDB, []string{"path", entry, "--snap", "4", "--format", "csv"}, 0, "shortest path", "", 0},
		{"path json", pyDB, []string{"path", entry, "--snap", "4", "--format", "json"}, 0, "", "", 0},
		{"path --type csv", pyDB, []string{"path", "--type", "AuditEntry", "--snap", "4", "--format", "csv"}, 0, "", "", 0},
		{"ls csv", pyDB, []string{"ls", "--format", "csv"}, 0, "", "", 0},
		{"kids csv", pyDB, []string{"kids", parent, "--snap", "4", "--format", "csv"}, 0, "", "", 61},
		{"refs csv", pyDB, []string{"refs", entry, "--snap", "4", "--format", "csv"}, 0, "", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runBinary(t, tt.db, tt.args...)
			if r.code != tt.code {
				t.Fatalf("%s: exit %d, want %d; stderr:\n%s", tt.name, r.code, tt.code, r.err)
			}
			if strings.Contains(r.out, "…") || strings.Contains(r.out, `\u003e`) || strings.Contains(r.out, `\u003c`) {
				t.Errorf("%s: stdout cut or HTML-escaped:\n%s", tt.name, r.out)
			}
			if !strings.Contains(r.err, tt.stderr) {
				t.Errorf("%s: stderr %q does not say %q", tt.name, r.err, tt.stderr)
			}
			if strings.HasSuffix(tt.name, "json") {
				var v any
				if err := json.Unmarshal([]byte(r.out), &v); err != nil {
					t.Errorf("%s: stdout is not one JSON value: %v\n%s", tt.name, err, r.out)
				}
				return
			}
			recs, err := csv.NewReader(strings.NewReader(r.out)).ReadAll() // fails on a record of another width
			if err != nil || len(recs) < 2 {
				t.Fatalf("%s: stdout is not CSV with rows (%d records): %v\n%s", tt.name, len(recs), err, r.out)
			}
			found, longest := tt.array == "", 0
			for _, rec := range recs[1:] {
				for _, cell := range rec {
					found = found || cell == tt.array
					longest = max(longest, len([]rune(cell)))
				}
			}
			if !found {
				t.Errorf("%s: no cell %s in\n%s", tt.name, tt.array, r.out)
			}
			if longest < tt.long {
				t.Errorf("%s: the longest cell has %d characters, want %d or more:\n%s", tt.name, longest, tt.long, r.out)
			}
		})
	}
}

// TestClosedPipe runs the real binary with stdout a pipe whose reader has gone, as in
// `memsee ls | head -1` once head exits: memsee ends quietly with exit 0 (not 141 from
// SIGPIPE, nor a write error), and check still exits 1 over budget.
func TestClosedPipe(t *testing.T) {
	db := loadBinary(t, heaps...)
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"ls", []string{"ls"}, 0},
		{"top csv", []string{"top", "--by", "site", "-n", "0", "--format", "csv"}, 0},
		{"diff json", []string{"diff", "1", "4", "--format", "json"}, 0},
		{"leaks", []string{"leaks"}, 0},
		{"dumper", []string{"dumper", "python"}, 0},
		{"check over budget", []string{"check", heaps[0], heaps[3]}, 1},
		{"check within budget", []string{"check", heaps[1], heaps[3], "--max-growth", "20%"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr, pw, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			pr.Close() // the reader is gone before memsee writes a byte
			cmd := exec.Command(binary, tt.args...)
			cmd.Env = append(os.Environ(), "MEMSEE_DB="+db)
			var errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = pw, &errb
			err = cmd.Run()
			pw.Close()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode() // -1 when a signal killed it
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.code {
				t.Errorf("%s into a closed pipe: exit %d (%v), want %d; stderr:\n%s", tt.name, code, err, tt.code, errb.String())
			}
			if tt.code == 0 && errb.Len() > 0 {
				t.Errorf("%s into a closed pipe: stderr %q, want nothing", tt.name, errb.String())
			}
		})
	}
}

// TestClosedPipeThroughHead is `memsee ... | head -1` in a shell, the way users meet it: head
// reads one line and exits while memsee is still writing (every object of a dump, megabytes,
// far more than a pipe holds).
func TestClosedPipeThroughHead(t *testing.T) {
	t.Parallel() // its own databases and processes: it runs beside the others
	sh, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	db := loadBinary(t, shops[3])
	script := `"$1" query --objects 1 'select * from object' | head -1 >/dev/null; a=${PIPESTATUS[0]}
"$1" query --objects 1 --format json 'select * from object' | head -c 1 >/dev/null; echo "$a ${PIPESTATUS[0]}"`
	cmd := exec.Command(sh, "-c", script, "sh", binary)
	cmd.Env = append(os.Environ(), "MEMSEE_DB="+db)
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "0 0" {
		t.Errorf("memsee query ... | head: exit codes and stderr %q (%v), want \"0 0\" alone", out, err)
	}
}
