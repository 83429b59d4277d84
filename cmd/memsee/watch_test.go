package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/memsee/memsee/internal/capture"
)

// TestWatchScreen checks what watch writes after each snapshot: on a terminal, the cursor
// goes back over what it showed before and clears it; through a pipe, lines are appended.
func TestWatchScreen(t *testing.T) {
	tests := []struct {
		name     string
		terminal bool
		want     string
	}{
		{"terminal", true, "a\nb\n\x1b[2A\r\x1b[Jc\nd\ne\n\x1b[3A\r\x1b[Jf\n"},
		{"pipe", false, "a\nb\nc\nd\ne\nf\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			s := &watchScreen{w: &out}
			if tt.terminal {
				s.cursor = &out
			}
			for _, b := range []string{"a\nb\n", "c\nd\ne\n", "f\n"} {
				if err := s.show([]byte(b)); err != nil {
					t.Fatal(err)
				}
			}
			if got := out.String(); got != tt.want {
				t.Errorf("watchScreen(%s): got %q, want %q", tt.name, got, tt.want)
			}
		})
	}
}

func TestWatchFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
		series  string
		every   time.Duration
	}{
		{"defaults", []string{"http://localhost:6060/debug/pprof/heap"}, "", "localhost:6060", 5 * time.Minute},
		{"a process", []string{"jvm:4711", "--every", "30s"}, "", "jvm-4711", 30 * time.Second},
		{"a series", []string{"node://127.0.0.1:9229", "--series", "web"}, "", "web", 5 * time.Minute},
		{"no interval", []string{"jvm:4711", "--every", "0s"}, "--every 0s", "", 0},
		{"an unknown kind", []string{"jvm:4711", "--until", "big"}, `--until "big"`, "", 0},
		{"keep one", []string{"jvm:4711", "--keep-last", "1"}, "--keep-last 1", "", 0},
		{"a series with a slash", []string{"jvm:4711", "--series", "a/b"}, "separates a series", "", 0},
		{"a bad target", []string{"perl:12"}, "not \"perl\"", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *watchOptions
			f := &Factory{IO: &IOStreams{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}}
			cmd := newCmdWatch(f, func(o *watchOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tt.wantErr)) {
					t.Errorf("watch %v: got error %v, want one with %q", tt.args, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("watch %v: %v", tt.args, err)
			}
			if got.Series != tt.series || got.Every != tt.every || got.Until != "incremental" {
				t.Errorf("watch %v: got series %q every %s until %s, want %q every %s until incremental", tt.args, got.Series, got.Every, got.Until, tt.series, tt.every)
			}
			if want, _ := capture.ParseTarget(tt.args[0]); got.Target.String() != want.String() {
				t.Errorf("watch %v: target %s", tt.args, got.Target)
			}
		})
	}
}
