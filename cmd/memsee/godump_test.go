package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoDumpBinary builds gen/godump, runs it for a short series, and loads the dumps with
// --binary: globals are named from the executable's symbols, so path and leaks name the real
// holders, main.auditLog and main.priceTable. A binary that did not write the dumps is refused.
func TestGoDumpBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs gen/godump")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "shop")
	if out, err := exec.Command("go", "build", "-trimpath", "-o", bin, "../../testdata/gen/godump").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "-out", dir, "-n", "3", "-requests", "300", "-products", "500").CombinedOutput(); err != nil {
		t.Fatalf("gen: %v\n%s", err, out)
	}
	dumps := []string{filepath.Join(dir, "heap1.dump.gz"), filepath.Join(dir, "heap2.dump.gz"), filepath.Join(dir, "heap3.dump.gz")}
	db, _ := loadCopies(t, dumps, "--binary", bin)

	r := memsee(t, db, false, "path", "--type", "main.newAuditEntry (new 64 B)")
	if r.code != 0 || !strings.Contains(r.out, "global main.auditLog -> [*] (main.newAuditEntry (new 64 B))") {
		t.Errorf("path --type: exit %d, want the holder global main.auditLog:\n%s%s", r.code, r.out, r.err)
	}
	rows := leaksJSON(t, db)
	checkPlanted(t, rows, "main.newAuditEntry (new 64 B)", "main.loadPriceTable (new 64 B)", "main.auditLog", "main.priceTable", true)

	// Without --binary, load says once how to name the globals.
	r = memsee(t, filepath.Join(t.TempDir(), "plain.db"), false, "load", dumps[0], dumps[1])
	if r.code != 0 || strings.Count(r.err, "--binary") != 1 {
		t.Errorf("load without --binary: exit %d, want one note about --binary:\n%s", r.code, r.err)
	}

	// Another Go program: its segments are elsewhere.
	other := filepath.Join(dir, "other")
	if out, err := exec.Command("go", "build", "-trimpath", "-o", other, "../../testdata/gen/go").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, tt := range []struct {
		name   string
		binary string
		file   string
		want   []string
	}{
		{"other binary", other, dumps[0], []string{"other: the binary is not the one that wrote the dump", "segment", "without --binary"}},
		{"not a binary", dumps[1], dumps[0], []string{"heap2.dump.gz", "--binary takes the Go executable"}},
		{"not a dump", bin, heaps[0], []string{"--binary names the globals of Go heap dumps"}},
	} {
		db := filepath.Join(t.TempDir(), "memsee.db")
		if r := memsee(t, db, false, "load", heaps[1]); r.code != 0 {
			t.Fatalf("load: %s", r.err)
		}
		t.Run(tt.name, func(t *testing.T) {
			refusedCleanly(t, db, []string{"load", "--binary", tt.binary, tt.file}, tt.want)
		})
	}
}

// TestDumperGo checks that the printed Go file builds into a program, writes a dump through
// its handler, and that memsee loads it with the program as --binary and names the global
// that holds the program's objects.
func TestDumperGo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go program")
	}
	dir := t.TempDir()
	r := memsee(t, filepath.Join(dir, "x.db"), false, "dumper", "go")
	if r.code != 0 {
		t.Fatalf("dumper go: exit %d: %s", r.code, r.err)
	}
	main := `package main

import (
	"fmt"
	"net/http/httptest"
)

type entry struct{ payload []byte }

var kept []*entry

//go:noinline
func newEntry() *entry { return &entry{payload: make([]byte, 100)} }

func main() {
	for range 500 {
		kept = append(kept, newEntry())
	}
	rec := httptest.NewRecorder()
	handler(rec)
	fmt.Print(rec.Body.String())
}
`
	files := map[string]string{"go.mod": "module dumpertest\n\ngo 1.22\n", "heapdump.go": r.out, "main.go": main,
		"handler.go": "package main\n\nimport (\n\t\"net/http\"\n\t\"net/http/httptest\"\n)\n\nfunc handler(w http.ResponseWriter) {\n\thttp.DefaultServeMux.ServeHTTP(w, httptest.NewRequest(\"POST\", \"/debug/heapdump\", nil))\n}\n"}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	build := exec.Command("go", "build", "-o", "server", ".")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	run := exec.Command(filepath.Join(dir, "server"))
	run.Dir = dir
	run.Env = append(os.Environ(), "TMPDIR="+dir)
	out, err := run.Output()
	if err != nil {
		t.Fatalf("server: %v", err)
	}
	dump := strings.TrimSpace(string(out))
	db := filepath.Join(dir, "x.db")
	if r := memsee(t, db, false, "load", "--binary", filepath.Join(dir, "server"), dump); r.code != 0 {
		t.Fatalf("load: %s", r.err)
	}
	r = memsee(t, db, false, "path", "--type", "main.newEntry (new 24 B)", "--format", "csv")
	if r.code != 0 || !strings.Contains(r.out, "500,") || !strings.Contains(r.out, "global main.kept -> [*]") {
		t.Errorf("path --type main.newEntry: want 500 held by global main.kept, got:\n%s%s", r.out, r.err)
	}
}
