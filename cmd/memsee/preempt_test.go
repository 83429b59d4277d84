package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLoads(t *testing.T) {
	tests := []struct {
		args []string
		want bool
	}{
		{[]string{"load", "heap1.pb.gz"}, true},
		{[]string{"--db", "x.db", "check", "a", "b"}, true},
		{[]string{"capture", "node://127.0.0.1:9229"}, true},
		{[]string{"top", "--snap", "heap1"}, false},
		{[]string{"leaks"}, false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := loads(tt.args); got != tt.want {
			t.Errorf("loads(%q) = %v, want %v", tt.args, got, tt.want)
		}
	}
}

func TestPreemptEnv(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want []string // nil: memsee is not started again
	}{
		{"no GODEBUG", []string{"HOME=/h", "PATH=/bin"}, []string{"HOME=/h", "PATH=/bin", "GODEBUG=asyncpreemptoff=1"}},
		{"GODEBUG with other settings", []string{"GODEBUG=gctrace=1", "A=b"}, []string{"GODEBUG=gctrace=1,asyncpreemptoff=1", "A=b"}},
		{"GODEBUG empty", []string{"GODEBUG="}, []string{"GODEBUG=asyncpreemptoff=1"}},
		{"the user turned it on", []string{"GODEBUG=asyncpreemptoff=0"}, nil},
		{"the user turned it off already (as the second start sees it)", []string{"X=1", "GODEBUG=gctrace=1,asyncpreemptoff=1"}, nil},
		{"a name that only ends the same", []string{"MY_GODEBUG=asyncpreemptoff=0"}, []string{"MY_GODEBUG=asyncpreemptoff=0", "GODEBUG=asyncpreemptoff=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := preemptEnv(tt.env)
			if (got == nil) != (tt.want == nil) || !slices.Equal(got, tt.want) {
				t.Errorf("preemptEnv(%q) = %q, want %q", tt.env, got, tt.want)
			}
		})
	}
}

// TestStartedAgain runs the binary the end-to-end tests run, with the runtime tracing the
// initialization of each package (GODEBUG=inittrace=1): a binary started again traces it
// twice. A load is started again, unless told how to preempt (asyncpreemptoff=0); a query is
// not. What it was given (arguments, exit code) reaches the second start unchanged.
func TestStartedAgain(t *testing.T) {
	tests := []struct {
		args    []string
		godebug string
		starts  int
	}{
		{[]string{"load", "nothere.pb.gz"}, "inittrace=1", 2},
		{[]string{"load", "nothere.pb.gz"}, "inittrace=1,asyncpreemptoff=0", 1},
		{[]string{"top", "--snap", "nothere"}, "inittrace=1", 1}, // no dump loaded: not started again
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " ")+" "+tt.godebug, func(t *testing.T) {
			cmd := exec.Command(binary, append([]string{"--db", filepath.Join(t.TempDir(), "x.db")}, tt.args...)...)
			cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "GODEBUG=") }), "GODEBUG="+tt.godebug)
			var errb bytes.Buffer
			cmd.Stderr = &errb
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 2 {
				t.Fatalf("%v: want exit 2\n%s", err, errb.String())
			}
			if got := strings.Count(errb.String(), "init github.com/spf13/cobra @"); got != tt.starts {
				t.Errorf("started %d times, want %d\n%s", got, tt.starts, errb.String())
			}
		})
	}
}
