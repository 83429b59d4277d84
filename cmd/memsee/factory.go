package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/memsee/memsee/internal/report"
	"github.com/memsee/memsee/internal/store"
)

// IOStreams are a command's input and outputs. Tests use buffers.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	OutTTY bool // Out is a terminal
	ErrTTY bool // ErrOut is a terminal: progress may be shown
	Width  int  // columns a table on Out must fit: $COLUMNS, else the terminal's; 0: never cut
	// ColorOut and ColorErr say whether --color=auto colours Out and ErrOut: a terminal, in
	// an environment that does not turn colour off (colorAuto). Main sets them; tests, whose
	// buffers are no terminals, leave them false.
	ColorOut bool
	ColorErr bool
	// Cursor is the terminal under Out's filter, for the cursor moves of a command that
	// redraws what it showed (watch), and for nothing else; nil when Out is no terminal.
	Cursor io.Writer
}

// useColor makes Out colour its tables when mode says so (report.Color): the net Main puts
// in front of a terminal lets the few colour codes of the tables through, and nothing else;
// output that is coloured into a pipe (--color=always) goes through the same net.
func (s *IOStreams) useColor(mode colorMode) {
	if mode.on(s.ColorOut) {
		s.Out = report.Color(s.Out)
	}
}

// Tables is Out for a command's tables: they fit Width, unless wide (--wide) shows them whole.
func (s *IOStreams) Tables(wide bool) io.Writer {
	if wide {
		return report.Whole(s.Out)
	}
	return report.Fit(s.Out, s.Width)
}

// Factory carries what every command needs, made lazily.
type Factory struct {
	IO      *IOStreams
	DBPath  string // from --db, else $MEMSEE_DB, else ./memsee.db
	Now     func() time.Time
	Version string    // one word: the module version, or the commit of a build without a tag
	Build   buildInfo // what the binary records of its build (memsee version)
	Quiet   bool      // --quiet: no progress
	Color   colorMode // --color: auto, always, never
}

// Status starts the progress line of a long command, shown after delay, on stderr if it is a
// terminal and --quiet is not given; otherwise it returns nil, a Status that shows nothing.
func (f *Factory) Status(delay time.Duration) *report.Status {
	if f.Quiet || !f.IO.ErrTTY {
		return nil
	}
	return report.NewStatus(f.IO.ErrOut, delay)
}

// Store opens the database, which must exist, for reading: a read-only connection, one state
// of the database for the whole command, no migration. Loads and removals may run beside it.
func (f *Factory) Store(ctx context.Context) (*store.DB, error) {
	return store.OpenRead(ctx, f.DBPath, store.Options{Wait: f.waitNote()})
}

// StoreWrite opens the database, which must exist, for writing (rm, query --write).
func (f *Factory) StoreWrite(ctx context.Context) (*store.DB, error) {
	return store.OpenWrite(ctx, f.DBPath, store.Options{Wait: f.waitNote()})
}

// StoreCreate opens the database for writing, creating it if needed (load).
func (f *Factory) StoreCreate(ctx context.Context) (*store.DB, error) {
	return store.OpenWrite(ctx, f.DBPath, store.Options{Create: true, Wait: f.waitNote()})
}

// waitNote says, on stderr, that a writer waits for another memsee to finish writing.
func (f *Factory) waitNote() func() {
	return func() {
		fmt.Fprintf(f.IO.ErrOut, "memsee: waiting for another memsee (a load or rm) writing %s to finish...\n", report.Clean(f.DBPath))
	}
}
