package meliae

import (
	"context"
	"io"
	"strconv"

	"github.com/memsee/memsee/internal/heap"
)

// Format is the name of the format, as snapshots record it.
const Format heap.Format = "meliae"

// Kind says a dump holds objects and references.
func (Reader) Kind() heap.Kind { return heap.KindGraph }

// Identity: CPython reuses the address of a freed object, so an object is the one with the same
// address, type and size (docs/formats/meliae.md).
func (Reader) Identity() heap.Identity { return heap.IdentityAddress }

// IdentityNote says how objects are matched across dumps.
func (Reader) IdentityNote() string { return "address, type and size" }

// GraphRules: meliae has no GC roots: modules are roots (the reader sends them), and so is
// every object nothing refers to.
func (Reader) GraphRules() heap.GraphRules {
	return heap.GraphRules{UnreferencedRoots: true}
}

// ReadNotes is ReadStats; the lines whose strings were repaired are recorded in the snapshot's
// meta (repaired_strings) and said of the file.
func (rd Reader) ReadNotes(ctx context.Context, name string, r io.Reader, sink heap.Sink) (heap.Notes, error) {
	st, err := rd.ReadStats(ctx, name, r, sink)
	var n heap.Notes
	if st.Repaired > 0 {
		n.Meta = map[string]string{"repaired_strings": strconv.FormatInt(st.Repaired, 10)}
		n.File = append(n.File, heap.Note{Count: st.Repaired, Noun: "line",
			Text: "with invalid strings (lone surrogates, control bytes), repaired as U+FFFD"})
	}
	return n, err
}

// HiddenHops: paths leave out the hop from a module, class or instance to its __dict__, so that
// they read `module shop -> ._audit_log`, as the attribute is written in code.
func (Reader) HiddenHops() []string { return []string{attrDict} }

// DumperRuntimes are the names of the Python dumper for memsee dumper.
func (Reader) DumperRuntimes() []string { return []string{"python", "py"} }

// DumperSource is the Python dumper.
func (Reader) DumperSource() string { return DumperSource }
