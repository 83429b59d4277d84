package report

import (
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"time"

	"github.com/memsee/memsee/internal/loader"
)

// QueryDelay is how long a query runs before its Status shows: a quick command shows nothing.
const QueryDelay = 300 * time.Millisecond

// redraw is how often a Status redraws the line of a step that runs.
const redraw = 200 * time.Millisecond

// Status is one line on a terminal that says what a long command is doing. It shows once the
// command has run for a delay: from then on, each new step (a phase of a load, a snapshot of
// leaks) is drawn as it begins, and the line is redrawn every 200 ms while a step runs (the
// share of a file read, the pages written). Stop clears it. Its methods do nothing on a nil
// *Status, which is what a command without a terminal (or with --quiet) has.
type Status struct {
	w        io.Writer
	mu       sync.Mutex
	step     string        // the step drawn or to draw
	line     func() string // the line of that step; nil: nothing yet
	live     bool          // the delay has passed: lines are drawn
	shown    string        // the line on the terminal; "": none
	stopped  bool
	done     chan struct{}
	finished chan struct{}
}

// NewStatus starts a Status on w, a terminal, that draws nothing before delay has passed.
func NewStatus(w io.Writer, delay time.Duration) *Status {
	s := &Status{w: w, live: delay <= 0, done: make(chan struct{}), finished: make(chan struct{})}
	go s.run(delay)
	return s
}

func (s *Status) run(delay time.Duration) {
	defer close(s.finished)
	if delay > 0 {
		wait := time.NewTimer(delay)
		defer wait.Stop()
		select {
		case <-s.done:
			return
		case <-wait.C:
		}
		s.mu.Lock()
		s.live = true
		s.draw()
		s.mu.Unlock()
	}
	tick := time.NewTicker(redraw)
	defer tick.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-tick.C:
			s.mu.Lock()
			s.draw()
			s.mu.Unlock()
		}
	}
}

// draw writes the line if it changed; s.mu is held.
func (s *Status) draw() {
	if !s.live || s.stopped || s.line == nil {
		return
	}
	if text := s.line(); text != s.shown {
		fmt.Fprint(s.w, "\r\033[K"+text)
		s.shown = text
	}
}

// Set says that the command is at step, and what s draws for it: line, called at each redraw
// (on another goroutine too). A step that differs from the last is drawn at once.
func (s *Status) Set(step string, line func() string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	changed := step != s.step
	s.step, s.line = step, line
	if changed {
		s.draw()
	}
}

// Say makes text (cleaned of control characters) the step s draws.
func (s *Status) Say(text string) {
	if s == nil {
		return
	}
	text = Clean(text)
	s.Set(text, func() string { return text })
}

// Sayf is Say with a format.
func (s *Status) Sayf(format string, args ...any) {
	if s == nil {
		return
	}
	s.Say(fmt.Sprintf(format, args...))
}

// Stop clears the line, if it was drawn: what the command writes next starts on a clean line.
// Stopping again does nothing.
func (s *Status) Stop() {
	if s == nil {
		return
	}
	s.mu.Lock()
	if !s.stopped {
		s.stopped = true
		close(s.done)
		if s.shown != "" {
			fmt.Fprint(s.w, "\r\033[K")
			s.shown = ""
		}
	}
	s.mu.Unlock()
	<-s.finished
}

// LoadProgress returns what a load calls as it goes (loader.Options.Progress): s then names
// the file (by its base name: a long path would wrap the line) and the phase, with the share read while it is read and the pages written while
// they are written.
func LoadProgress(s *Status, name string) func(loader.Progress) {
	name = Clean(filepath.Base(name))
	return func(p loader.Progress) {
		s.Set(name+": "+p.Phase.String(), func() string { return loadLine(name, p) })
	}
}

// loadLine is the line a Status draws for a load at p.
func loadLine(name string, p loader.Progress) string {
	line := "loading " + name + ": " + p.Phase.String()
	switch {
	case p.Phase == loader.PhaseRead && p.Input != nil:
		read, size := p.Input.RawRead(), p.Input.Size
		if size > 0 {
			line += fmt.Sprintf("  %3.0f%%  %s / %s", 100*float64(read)/float64(size), Bytes(read), Bytes(size))
		} else {
			line += "  " + Bytes(read)
		}
	case p.Phase == loader.PhaseWrite && p.Total > 0:
		line += fmt.Sprintf("  %s / %s pages", Count(p.Done), Count(p.Total))
	}
	return line
}
