package report

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/loader"
)

// lockedBuffer is a bytes.Buffer a Status may write to from its goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

const clearLine = "\r\033[K"

// TestStatus: what a Status writes for a few steps, with no delay (a load) and with a delay
// longer than the command (a quick query, which shows nothing).
func TestStatus(t *testing.T) {
	tests := []struct {
		name  string
		delay time.Duration
		steps []string // each Said in turn
		want  string
	}{
		{"each step drawn as it begins, cleared at the end", 0, []string{"graph", "dominators", "write"},
			clearLine + "graph" + clearLine + "dominators" + clearLine + "write" + clearLine},
		{"a step said twice is drawn once", 0, []string{"read", "read"}, clearLine + "read" + clearLine},
		{"control characters cleaned", 0, []string{"a\x1b[2Jb"}, clearLine + "a[2Jb" + clearLine},
		{"no step, nothing drawn", 0, nil, ""},
		{"quicker than the delay: nothing drawn", time.Hour, []string{"graph", "write"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w lockedBuffer
			s := NewStatus(&w, tt.delay)
			for _, step := range tt.steps {
				s.Say(step)
			}
			s.Stop()
			s.Stop() // a second Stop does nothing
			if got := w.String(); got != tt.want {
				t.Errorf("wrote %q, want %q", got, tt.want)
			}
		})
	}
}

// TestStatusAfterDelay: a step that outlasts the delay is drawn, and cleared by Stop.
func TestStatusAfterDelay(t *testing.T) {
	var w lockedBuffer
	s := NewStatus(&w, 10*time.Millisecond)
	s.Say("finding paths")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(w.String(), "finding paths") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	s.Stop()
	if got, want := w.String(), clearLine+"finding paths"+clearLine; got != want {
		t.Errorf("wrote %q, want %q", got, want)
	}
}

// TestNilStatus: a command without a terminal has a nil Status, which does nothing.
func TestNilStatus(t *testing.T) {
	var s *Status
	s.Say("graph")
	s.Sayf("snapshot %d of %d", 1, 4)
	s.Set("write", func() string { return "write" })
	LoadProgress(s, "heap1.pb.gz")(loader.Progress{Phase: loader.PhaseGraph})
	s.Stop()
}

func TestLoadLine(t *testing.T) {
	path := filepath.Join("..", "..", "testdata", "go", "heap1.pb.gz")
	in, err := heap.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if _, err := io.Copy(io.Discard, in); err != nil {
		t.Fatal(err)
	}
	size := Bytes(in.Size)
	tests := []struct {
		p    loader.Progress
		want string
	}{
		{loader.Progress{Phase: loader.PhaseRead, Input: in}, "loading heap1.pb.gz: read  100%  " + size + " / " + size},
		{loader.Progress{Phase: loader.PhaseGraph, Input: in}, "loading heap1.pb.gz: graph"},
		{loader.Progress{Phase: loader.PhaseDominators, Input: in}, "loading heap1.pb.gz: dominators"},
		{loader.Progress{Phase: loader.PhaseRetained, Input: in}, "loading heap1.pb.gz: retained sizes"},
		{loader.Progress{Phase: loader.PhaseWrite, Input: in, Done: 1200, Total: 9766}, "loading heap1.pb.gz: write  1,200 / 9,766 pages"},
		{loader.Progress{Phase: loader.PhaseWrite, Input: in}, "loading heap1.pb.gz: write"},
	}
	for _, tt := range tests {
		var w lockedBuffer
		s := NewStatus(&w, 0)
		LoadProgress(s, path)(tt.p)
		s.Stop()
		if got, want := w.String(), clearLine+tt.want+clearLine; got != want {
			t.Errorf("%s: wrote %q, want %q", tt.p.Phase, got, want)
		}
	}
}
