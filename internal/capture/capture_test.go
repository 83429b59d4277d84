package capture

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in      string
		runtime Runtime
		pid     int
		host    string
		wantErr string
	}{
		{"http://localhost:6060/debug/pprof/heap", RuntimeHTTP, 0, "localhost:6060", ""},
		{"https://api.example:443/debug/heapdump", RuntimeHTTP, 0, "api.example:443", ""},
		{"node://127.0.0.1:9229", RuntimeNode, 0, "127.0.0.1:9229", ""},
		{"ws://127.0.0.1:9229/6f1c", RuntimeNode, 0, "127.0.0.1:9229", ""},
		{"node:4242", RuntimeNode, 4242, "", ""},
		{"jvm:4711", RuntimeJVM, 4711, "", ""},
		{"python:4791", RuntimePython, 4791, "", ""},
		{"ruby:12", RuntimeRuby, 12, "", ""},
		{"perl:12", "", 0, "", "not \"perl\""},
		{"jvm:abc", "", 0, "", "not a process id"},
		{"jvm:-3", "", 0, "", "not a process id"},
		{"4711", "", 0, "", "RUNTIME:PID"},
		{"http://", "", 0, "", "not a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTarget(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseTarget(%s): got error %v, want one with %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseTarget(%s): %v", tt.in, err)
			}
			host := ""
			if got.URL != nil {
				host = got.URL.Host
			}
			if got.Runtime != tt.runtime || got.PID != tt.pid || host != tt.host || got.String() != tt.in {
				t.Errorf("ParseTarget(%s): got %s %d %q %q, want %s %d %q", tt.in, got.Runtime, got.PID, host, got, tt.runtime, tt.pid, tt.host)
			}
		})
	}
}

func TestProfileURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://h:6060/debug/pprof/heap", "http://h:6060/debug/pprof/heap?gc=1"},
		{"http://h:6060/debug/pprof/allocs?debug=0", "http://h:6060/debug/pprof/allocs?debug=0&gc=1"},
		{"http://h:6060/debug/pprof/heap?gc=0", "http://h:6060/debug/pprof/heap?gc=0"},
		{"http://h:6060/debug/pprof/profile?seconds=5", "http://h:6060/debug/pprof/profile?seconds=5"},
		{"http://h/dumps/heap1.pb.gz", "http://h/dumps/heap1.pb.gz"},
	}
	for _, tt := range tests {
		u, _ := url.Parse(tt.in)
		if got := profileURL(u).String(); got != tt.want {
			t.Errorf("profileURL(%s): got %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestTakeHTTPErrors checks that what goes wrong on the way is said as such, and that nothing
// is left on disk: a status, a redirect loop, a server too slow, a file past the limit.
func TestTakeHTTPErrors(t *testing.T) {
	sample, err := os.ReadFile("../../testdata/go/heap1.pb.gz") // written by testdata/gen/go
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/missing", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no such profile", http.StatusNotFound) })
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/heap1.pb.gz", http.StatusFound) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("/heap1.pb.gz", func(w http.ResponseWriter, r *http.Request) { w.Write(sample) })
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) {})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	tests := []struct {
		name    string
		path    string
		o       Options
		wantErr string
	}{
		{"a status", "/missing", Options{}, "answered 404 Not Found: no such profile"},
		{"a redirect loop", "/loop", Options{}, "more than 5 redirects"},
		{"too slow", "/slow", Options{Timeout: 100 * time.Millisecond}, "no complete answer within 100ms"},
		{"too large", "/heap1.pb.gz", Options{MaxBytes: 100}, "larger than the capture's limit"},
		{"nothing", "/empty", Options{}, "sent nothing"},
		{"followed", "/moved", Options{}, ""},
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg, err := ParseTarget(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Take(context.Background(), tg, tt.o)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Take(%s): %v", tt.name, err)
				}
				got, _ := os.ReadFile(s.Path)
				if !bytes.Equal(got, sample) {
					t.Errorf("Take(%s): the file holds %d bytes, want the %d served", tt.name, len(got), len(sample))
				}
				if fi, _ := os.Stat(s.Path); fi.Mode().Perm() != 0o600 {
					t.Errorf("Take(%s): mode %v, want 0600", tt.name, fi.Mode().Perm())
				}
				if err := s.Remove(); err != nil {
					t.Fatal(err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Take(%s): got error %v, want one with %q", tt.name, err, tt.wantErr)
			}
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("Take(%s): left %d files behind (%s)", tt.name, len(left), left[0].Name())
			}
		})
	}
}

// TestKeep checks that --keep's copy is written where asked, and stays.
func TestKeep(t *testing.T) {
	sample, err := os.ReadFile("../../testdata/go/heap1.pb.gz")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(sample) }))
	defer srv.Close()
	keep := t.TempDir()
	tg, _ := ParseTarget(srv.URL + "/debug/pprof/heap")
	at := time.Date(2026, 11, 30, 1, 2, 3, 456e6, time.UTC)
	s, err := Take(context.Background(), tg, Options{Keep: keep, Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(); err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(keep, "heap-20261130T010203.456Z.gz")
	if s.Path != want || s.Kept != want || s.Label != "heap-20261130T010203.456Z" || !s.TakenAt.Equal(at) {
		t.Errorf("Take with --keep: got %s (kept %s, label %s, at %v), want %s", s.Path, s.Kept, s.Label, s.TakenAt, want)
	}
	if _, err := os.Stat(want); err != nil {
		t.Errorf("Take with --keep: the file did not stay: %v", err)
	}
	if _, err := Take(context.Background(), tg, Options{Keep: filepath.Join(keep, "nothere")}); err == nil {
		t.Errorf("Take with --keep into a missing directory: no error")
	}
}

// TestCatches reads the signal masks of this process, which catches SIGUSR2, and of a sleep(1),
// which catches nothing.
func TestCatches(t *testing.T) {
	proc := "/proc/" + strconv.Itoa(os.Getpid())
	if _, err := os.Stat(proc); err != nil {
		t.Skip("no /proc on this system")
	}
	c := make(chan os.Signal, 1)
	signal.Notify(c, sigUSR2)
	defer signal.Stop(c)
	got, err := catches(proc, sigUSR2)
	if err != nil || !got {
		t.Errorf("catches(SIGUSR2) with a handler: got %v, %v; want true", got, err)
	}
	sleep := exec.Command("sleep", "10")
	if err := sleep.Start(); err != nil {
		t.Skip("no sleep(1): ", err)
	}
	defer func() { sleep.Process.Kill(); sleep.Wait() }()
	if got, err := catches("/proc/"+strconv.Itoa(sleep.Process.Pid), sigUSR1); err != nil || got {
		t.Errorf("catches(SIGUSR1) of sleep(1): got %v, %v; want false", got, err)
	}
	if _, err := catches("/proc/nothere", sigUSR1); err == nil {
		t.Errorf("catches of no process: no error")
	}
}

// TestRefusals checks that a process that does not expect a signal gets none: the checks come
// first, and say what to do.
func TestRefusals(t *testing.T) {
	self := strconv.Itoa(os.Getpid()) // a Go test binary: neither node nor python
	tests := []struct {
		target  string
		o       Options
		wantErr string
	}{
		{"python:" + self, Options{}, "not python: no signal sent"},
		{"node:" + self, Options{}, "pass --open-inspector"},
		{"node:" + self, Options{OpenInspector: true}, "not node: no signal sent"},
		{"python:999999999", Options{}, "no such process"},
		{"jvm:999999999", Options{}, "no such process"},
		{"node://127.0.0.1:1", Options{}, "start node with --inspect"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			tg, err := ParseTarget(tt.target)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Take(context.Background(), tg, tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Take(%s): got error %v, want one with %q", tt.target, err, tt.wantErr)
			}
		})
	}
}

// TestRemove checks what Remove deletes: memsee's temporary file and the temporary directory
// it was made in (a JVM's dump), and nothing that is kept.
func TestRemove(t *testing.T) {
	tests := []struct {
		name      string
		temp, dir bool
		wantGone  bool
	}{
		{"a temporary file", true, false, true},
		{"in a temporary directory", true, true, true},
		{"kept", false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			sub := filepath.Join(dir, "memsee-capture-1")
			if err := os.Mkdir(sub, 0o700); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(sub, "jvm-1.hprof.gz")
			if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
			s := &Snapshot{Path: file, temp: tt.temp}
			if tt.dir {
				s.dir = sub
			}
			if err := s.Remove(); err != nil {
				t.Fatalf("Remove(%s): %v", tt.name, err)
			}
			_, ferr := os.Stat(file)
			_, derr := os.Stat(sub)
			if gone := ferr != nil; gone != tt.wantGone {
				t.Errorf("Remove(%s): file gone %v, want %v", tt.name, gone, tt.wantGone)
			}
			if dirGone := derr != nil; dirGone != tt.dir {
				t.Errorf("Remove(%s): directory gone %v, want %v", tt.name, dirGone, tt.dir)
			}
		})
	}
}

// TestRubyMarker: the signal and directory come from the file the Ruby dumper holds open; a
// process that holds none, or names a signal memsee does not send, is refused.
func TestRubyMarker(t *testing.T) {
	dir := t.TempDir()
	pid := os.Getpid()
	proc := "/proc/" + strconv.Itoa(pid)
	if _, err := os.Stat(proc + "/fd"); err != nil {
		t.Skip("no /proc: capture by process id is for Linux")
	}
	if _, _, err := rubyMarker(proc, pid); err == nil || !strings.Contains(err.Error(), "does not run memsee's dumper") {
		t.Errorf("no marker open: %v", err)
	}
	for _, tt := range []struct {
		signal  string
		want    syscall.Signal
		wantErr string
	}{
		{"USR2", sigUSR2, ""},
		{"USR1", sigUSR1, ""},
		{"TERM", 0, "SIGTERM, which memsee does not send"},
	} {
		f, err := os.Create(filepath.Join(dir, ".memsee-dumper-"+strconv.Itoa(pid)+"-"+tt.signal))
		if err != nil {
			t.Fatal(err)
		}
		got, sig, err := rubyMarker(proc, pid)
		f.Close()
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("marker %s: %v, want %q", tt.signal, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != dir || sig != tt.want {
			t.Errorf("marker %s: %s, %v, %v; want %s, %v", tt.signal, got, sig, err, dir, tt.want)
		}
	}
}
