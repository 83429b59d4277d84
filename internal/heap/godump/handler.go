package godump

import (
	"context"
	"fmt"
	"io"

	"github.com/memsee/memsee/internal/heap"
)

// Format is the name of the format, as snapshots record it.
const Format heap.Format = "godump"

// Kind says a dump holds objects and references.
func (Reader) Kind() heap.Kind { return heap.KindGraph }

// Identity: Go reuses the addresses of freed objects, and nothing tells two apart.
func (Reader) Identity() heap.Identity { return heap.IdentityNone }

// IdentityNote says why objects are not matched across dumps.
func (Reader) IdentityNote() string { return "godump objects have no identity across dumps" }

// GraphRules: paths start at a goroutine's stack only where no global reaches (a cache a
// global keeps is held by the global, not by the function using it when the dump was taken).
func (Reader) GraphRules() heap.GraphRules {
	return heap.GraphRules{LaterRoots: []string{rootKinds[rootStack]}}
}

// The flag that names the executable whose symbols name a dump's globals.
const flagBinary = "binary"

// Configure reads the symbols of the executable opts name (--binary), if any.
func (Reader) Configure(opts heap.Options) (heap.Reader, error) {
	bin := opts[flagBinary]
	if bin == "" {
		return Reader{}, nil
	}
	syms, err := ReadSymbols(bin)
	if err != nil {
		return nil, err
	}
	return Reader{Symbols: syms}, nil
}

// Misapplied refuses --binary for a file that is not a Go heap dump.
func (Reader) Misapplied(opts heap.Options, path string, other heap.Format) error {
	if opts[flagBinary] == "" {
		return nil
	}
	return fmt.Errorf("%s: --binary names the globals of Go heap dumps, and this is a %s file", path, other)
}

// ReadNotes is ReadStats; without Symbols, a dump whose globals hold heap objects gets the note
// that --binary would name them.
func (rd Reader) ReadNotes(ctx context.Context, name string, r io.Reader, sink heap.Sink) (heap.Notes, error) {
	st, err := rd.ReadStats(ctx, name, r, sink)
	var n heap.Notes
	if rd.Symbols == nil && st.GlobalSlots > 0 {
		n.Once = append(n.Once, "Go heap dumps name globals by segment offset (bss+0x1a8); load with --binary ./server, the executable that wrote them, to name them (main.cache)")
	}
	return n, err
}

// DumperRuntimes are the names of the Go dumper for memsee dumper.
func (Reader) DumperRuntimes() []string { return []string{"go", "golang"} }

// DumperSource is the Go dumper.
func (Reader) DumperSource() string { return DumperSource }
