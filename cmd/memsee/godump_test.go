package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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

// TestGoDumpWeb runs the workflow of the README's Go section on a real service: gen/godumpweb
// built with the Go file `memsee dumper go` prints, taken verbatim, so the executable links
// net/http, as every program that uses the dumper does. Each build runs as a process; dumps
// are taken with POST /debug/heapdump and loaded with --binary and the executable: the leak
// reads as held by the Go global main.recentOrders, whatever the build (cgo off and on,
// -trimpath, external linking). A PIE build is refused with what to do, and so are another
// build of the same program and another program.
func TestGoDumpWeb(t *testing.T) {
	t.Parallel() // its own databases and processes: it runs beside the others
	if testing.Short() {
		t.Skip("builds and runs gen/godumpweb")
	}
	dir := t.TempDir()
	src := webModule(t, filepath.Join(dir, "src"))
	type build struct {
		name  string
		cgo   string
		flags []string
	}
	builds := []build{{"cgo off", "0", []string{"-trimpath"}}}
	if _, err := exec.LookPath("gcc"); err == nil {
		builds = append(builds,
			build{"cgo on", "1", []string{"-trimpath"}},
			build{"cgo on, external linking", "1", []string{"-trimpath", "-ldflags=-linkmode=external"}})
	} else {
		t.Log("no gcc: the cgo builds are not tested")
	}
	bins := map[string]string{}
	dumps := map[string][]string{}
	for i, b := range builds {
		bins[b.name] = buildWeb(t, src, filepath.Join(dir, "server"+strconv.Itoa(i)), b.cgo, b.flags...)
		dumps[b.name] = runWeb(t, bins[b.name], filepath.Join(dir, "dumps"+strconv.Itoa(i)), 3)
	}
	for _, b := range builds {
		t.Run(b.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "memsee.db")
			r := memsee(t, db, false, append([]string{"load", "--binary", bins[b.name]}, dumps[b.name]...)...)
			if r.code != 0 {
				t.Fatalf("load --binary: exit %d: %s", r.code, r.err)
			}
			inc := find(leaksJSON(t, db), "main.newOrder (new 48 B)")
			if inc == nil || inc.Kind != "incremental" || inc.HeldBy != "main.recentOrders" {
				t.Errorf("leaks: want main.newOrder, incremental, held by main.recentOrders; got %+v", inc)
			}
			r = memsee(t, db, false, "path", "--type", "main.newOrder (new 48 B)")
			if r.code != 0 || !strings.Contains(r.out, "global main.recentOrders -> [") || strings.Contains(r.out, "bss+") {
				t.Errorf("path --type main.newOrder: exit %d, want it held by global main.recentOrders:\n%s%s", r.code, r.out, r.err)
			}
		})
	}

	pie := buildWeb(t, src, filepath.Join(dir, "server-pie"), "0", "-trimpath", "-buildmode=pie")
	pieDumps := runWeb(t, pie, filepath.Join(dir, "dumps-pie"), 1)
	other := filepath.Join(dir, "other")
	if out, err := exec.Command("go", "build", "-trimpath", "-o", other, "../../testdata/gen/godump").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	refusals := []struct {
		name   string
		binary string
		dump   string
		want   []string
	}{
		{"PIE", pie, pieDumps[0], []string{"server-pie", "position-independent executable (PIE)", "-buildmode=exe"}},
		{"another program", other, dumps["cgo off"][0], []string{"other: the binary is not the one that wrote the dump", "data segment"}},
	}
	if len(builds) > 1 {
		refusals = append(refusals, struct {
			name   string
			binary string
			dump   string
			want   []string
		}{"the same program built with cgo", bins["cgo on"], dumps["cgo off"][0], []string{"the binary is not the one that wrote the dump", "data segment"}})
	}
	for _, tt := range refusals {
		t.Run("refused/"+tt.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "memsee.db")
			if r := memsee(t, db, false, "load", heaps[1]); r.code != 0 {
				t.Fatalf("load: %s", r.err)
			}
			refusedCleanly(t, db, []string{"load", "--binary", tt.binary, tt.dump}, tt.want)
		})
	}
}

// webModule writes gen/godumpweb's main.go, the Go file `memsee dumper go` prints, and a
// go.mod into dir, and returns dir.
func webModule(t *testing.T, dir string) string {
	t.Helper()
	r := memsee(t, filepath.Join(t.TempDir(), "x.db"), false, "dumper", "go")
	if r.code != 0 {
		t.Fatalf("dumper go: exit %d: %s", r.code, r.err)
	}
	main, err := os.ReadFile("../../testdata/gen/godumpweb/main.go")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"main.go": string(main), "heapdump.go": r.out, "go.mod": "module godumpweb\n\ngo 1.22\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// buildWeb builds the module in src into out with CGO_ENABLED=cgo and flags.
func buildWeb(t *testing.T, src, out, cgo string, flags ...string) string {
	t.Helper()
	build := exec.Command("go", append(append([]string{"build"}, flags...), "-o", out, ".")...)
	build.Dir = src
	build.Env = append(os.Environ(), "CGO_ENABLED="+cgo)
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", strings.Join(flags, " "), err, b)
	}
	return out
}

// runWeb starts the server bin with MEMSEE_DUMP_DIR=dir, takes n dumps as the README says
// (curl -X POST .../debug/heapdump prints the dump's path), 150 orders before each, stops the
// server and returns the dumps' paths.
func runWeb(t *testing.T, bin, dir string, n int) []string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "MEMSEE_DUMP_DIR="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if err != nil || !ok {
		t.Fatalf("%s: %v: %q, want \"listening on http://...\"\n%s", bin, err, line, stderr.String())
	}
	post := func(path string) string {
		resp, err := http.Post(base+path, "", nil)
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("POST %s: %s %v: %s", path, resp.Status, err, b)
		}
		return string(b)
	}
	var dumps []string
	for range n {
		for range 150 {
			post("/order")
		}
		dumps = append(dumps, strings.TrimSpace(post("/debug/heapdump")))
	}
	return dumps
}
