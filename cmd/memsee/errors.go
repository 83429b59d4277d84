package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/loader"
	"github.com/memsee/memsee/internal/store"
)

// exitCode prints err once, as "memsee: ..." and a line that says what to do next, and maps
// it to the exit code scripts rely on: 0 ok, 1 the condition asked about was found, 2 any
// error.
func exitCode(err error, w io.Writer) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, ErrCheckFailed) {
		return 1
	}
	msg := err.Error()
	// Cobra's own messages for unknown commands and flags.
	if strings.HasPrefix(msg, "unknown command") || strings.HasPrefix(msg, "unknown flag") || strings.HasPrefix(msg, "unknown shorthand flag") {
		fmt.Fprintf(w, "memsee: %s\n", firstLine(msg))
		fmt.Fprintln(w, "memsee: run 'memsee --help' for the commands and their flags")
		return 2
	}
	fmt.Fprintf(w, "memsee: %s\n", msg)
	if h := hint(err); h != "" {
		fmt.Fprintf(w, "memsee: %s\n", h)
	}
	return 2
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// hint says what to do next about err.
func hint(err error) string {
	var ue usageError
	var fe *heap.FormatError
	switch {
	case errors.As(err, &ue):
		return fmt.Sprintf("run '%s --help' for usage and examples", ue.cmd)
	case errors.Is(err, context.Canceled):
		return "interrupted: nothing was changed"
	case errors.Is(err, store.ErrNoDatabase):
		return "load a dump or profile first (memsee load heap.pb.gz), or point --db or MEMSEE_DB at your database"
	case errors.Is(err, store.ErrNoSnapshot):
		return "'memsee ls' lists the snapshots; refer to one by id, label, first, last or -N"
	case errors.Is(err, store.ErrSchemaTooNew):
		return "upgrade memsee (go install github.com/memsee/memsee/cmd/memsee@latest), or use another --db"
	case errors.Is(err, loader.ErrDuplicate):
		return "nothing was loaded; pass --force to load the file again, or leave it out"
	case errors.Is(err, heap.ErrUnknownFormat):
		return "nothing was loaded; if you know the format, pass --format"
	case errors.As(err, &fe):
		return "nothing was loaded; the file is damaged or incomplete: take the dump again"
	}
	return ""
}
