//go:build unix

package meliae

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// freevarsHost makes the functions TestDumperFreevars looks for, and objects that would run
// code if the dumper asked them for a closure or a code object, then dumps itself into
// argv[1]. An audit hook counts the reads of a function's __code__ (whose getter raises an
// audit event) during the dump.
const freevarsHost = `import sys, types, memsee_dumper

def make_trail():
    events = []
    keep = 16
    def trail_record(x):
        events.append(x)
        return keep
    return trail_record

trail = make_trail()

def plain_function(x):
    return x

long_name = "v" * 101
scope = {}
exec("def make_long():\n    %s = []\n    def long_closure():\n        return %s\n    return long_closure\n" % (long_name, long_name), scope)
long_closure = scope["make_long"]()

def make_other():
    a = 1
    def swapped_code():
        return a
    return swapped_code

# A function given another code object with as many variables: the names are the new code's.
def make_donor():
    renamed = 2
    def donor():
        return renamed
    return donor

swapped_code = make_other()
swapped_code.__code__ = make_donor().__code__

ran = []

class Impostor:
    """Not a function, but answers as one would, by running code."""
    @property
    def __closure__(self):
        ran.append("__closure__")
        return ()
    @property
    def __code__(self):
        ran.append("__code__")
        return plain_function.__code__
    __name__ = "impostor"

impostor = Impostor()

code_reads = []
def hook(event, args):
    if event == "object.__getattr__" and len(args) > 1 and args[1] == "__code__":
        code_reads.append(args)

sys.addaudithook(hook)
memsee_dumper.dump_all_objects(sys.argv[1], collect=False)
print("ran", len(ran), "code reads", len(code_reads))
`

// The Python dumper writes the names of a closure's variables on its function's line, in the
// order of its cells, and nothing for a function without a closure or with a name it would
// have to shorten; it reads no __code__ and runs no code of the program's objects.
func TestDumperFreevars(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found: the Python dumper's end-to-end tests need it")
	}
	dir := t.TempDir()
	for name, text := range map[string]string{"memsee_dumper.py": DumperSource, "host.py": freevarsHost} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "d.json")
	cmd := exec.Command(py, "-S", "-B", "host.py", out)
	cmd.Dir = dir
	got, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, got)
	}
	if want := "ran 0 code reads 0\n"; string(got) != want {
		t.Errorf("the host says %q, want %q", got, want)
	}
	text, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := read(t, bytes.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string][]string{} // the names on the refs of each function, by its name
	seen := map[string]bool{}
	for _, o := range rec.objects {
		if o.Type != "function" {
			continue
		}
		seen[o.Value] = true
		if len(o.Edges) > 0 {
			if s, ok := strings.CutPrefix(o.Edges[0].Name, freevarsName+"\x00"); ok {
				names[o.Value] = strings.Split(s, "\x00")
			}
		}
	}
	tests := []struct {
		function string
		want     string // the names, joined by spaces; "" for none
	}{
		{"trail_record", "events keep"},
		{"plain_function", ""},
		{"long_closure", ""},
		{"swapped_code", "renamed"},
	}
	for _, tt := range tests {
		if !seen[tt.function] {
			t.Errorf("no function %s in the dump", tt.function)
			continue
		}
		if got := strings.Join(names[tt.function], " "); got != tt.want {
			t.Errorf("the variables of %s: %q, want %q", tt.function, got, tt.want)
		}
	}
}
