package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

// binary is memsee built once for the end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	time.Local = time.UTC // tables show times in the local zone
	dir, err := os.MkdirTemp("", "memsee-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "memsee")
	// Without a stamp from version control, as go run and go test build: TestVersion checks
	// what such a build prints.
	if out, err := exec.Command("go", "build", "-buildvcs=false", "-o", binary, ".").CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// The sample profiles, written by testdata/gen/go (see testdata/README.md).
const samples = "../../testdata/go/"

var heaps = []string{samples + "heap1.pb.gz", samples + "heap2.pb.gz", samples + "heap3.pb.gz", samples + "heap4.pb.gz"}

// fixedNow is the clock the tests give memsee.
func fixedNow() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }

type result struct {
	code     int
	out, err string
}

// memsee runs the command in-process with buffers for streams.
func memsee(t *testing.T, db string, tty bool, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	ios := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errb, OutTTY: tty, ErrTTY: tty}
	code := run(context.Background(), append([]string{"--db", db}, args...), ios, "", fixedNow)
	return result{code, out.String(), errb.String()}
}

// loaded returns a database holding the four sample profiles.
func loaded(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "memsee.db")
	if r := memsee(t, db, false, append([]string{"load"}, heaps...)...); r.code != 0 {
		t.Fatalf("load: exit %d: %s", r.code, r.err)
	}
	return db
}

// golden compares got with testdata/<name>.golden, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s: output differs from %s (run go test -update and review the diff)\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}
