package main

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// TestZooGo checks what leaks says of every pattern of the Go leak zoo (testdata/zoo/go). Go
// heap dumps name globals only with the executable that wrote them, and the committed dumps'
// executable is not kept, so the test builds testdata/gen/zoo/go, runs it in a temporary
// directory for both series, and loads its dumps with --binary (a few seconds).
func TestZooGo(t *testing.T) {
	t.Parallel() // its own databases and processes: it runs beside the others
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the Go zoo is built and run by the go command, which is not on PATH")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "zoo")
	if out, err := exec.Command(gotool, "build", "-trimpath", "-o", bin, "../../testdata/gen/zoo/go").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"-prefix", "leak"}, {"-prefix", "churn", "-churn-only"}} {
		cmd := exec.Command(bin, append([]string{"-out", dir}, args...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("zoo %v: %v\n%s", args, err, out)
		}
	}
	files := func(prefix string) []string {
		var fs []string
		for _, n := range []string{"1", "2", "3"} {
			fs = append(fs, filepath.Join(dir, prefix+n+".dump.gz"))
		}
		return fs
	}
	checkZoo(t, filepath.Join("..", "..", "testdata", "zoo", "go", "expect.tsv"), files("leak"), files("churn"), "--binary", bin)
}
