package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/loader"
	"github.com/memsee/memsee/internal/report"
	"github.com/memsee/memsee/internal/store"
	"github.com/memsee/memsee/internal/store/page"
)

// Exit codes: 0 ok, 1 the condition asked about was found, 2 bad usage or bad input (or any
// other error), 3 memsee ran out of memory or disk: the input may be fine, the machine was too
// small for it.
const (
	exitOK       = 0
	exitFound    = 1
	exitError    = 2
	exitResource = 3
)

// exitCode prints err once, as "memsee: ..." and a line that says what to do next, and maps
// it to the exit code scripts rely on. Messages quote file names and strings from dumps, so
// their control characters are stripped before they reach a terminal. With color, the
// error's own line begins with its prefix in bold red; the line of what to do next stays plain.
func exitCode(err error, w io.Writer, color bool) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, ErrCheckFailed) {
		return exitFound
	}
	if isClosedPipe(err) {
		return exitOK // stdout's reader closed it (memsee ... | head): it read all it wanted
	}
	msg := report.Clean(err.Error())
	prefix := "memsee:"
	if color {
		prefix = report.Styled(report.BoldRed, prefix)
	}
	// Cobra's own messages for unknown commands and flags.
	if strings.HasPrefix(msg, "unknown command") || strings.HasPrefix(msg, "unknown flag") || strings.HasPrefix(msg, "unknown shorthand flag") {
		fmt.Fprintf(w, "%s %s\n", prefix, firstLine(msg))
		if ue := (usageError{}); errors.As(err, &ue) && ue.cmd != "memsee" {
			fmt.Fprintf(w, "memsee: run '%s --help' for its flags\n", ue.cmd)
		} else {
			fmt.Fprintln(w, "memsee: run 'memsee --help' for the commands and their flags")
		}
		return exitError
	}
	fmt.Fprintf(w, "%s %s\n", prefix, msg)
	if h := hint(err); h != "" {
		fmt.Fprintf(w, "memsee: %s\n", h)
	}
	if isResource(err) {
		return exitResource
	}
	return exitError
}

// isResource reports whether err is a shortage of memory or disk rather than bad input.
func isResource(err error) bool {
	var me *loader.MemoryError
	var df *store.DiskFullError
	return errors.As(err, &me) || errors.As(err, &df)
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
	var me *loader.MemoryError
	var df *store.DiskFullError
	switch {
	case errors.As(err, &me):
		return "nothing was loaded; the file is not known to be damaged: load it where more memory is free, or set MEMSEE_MEMORY_LIMIT higher (a size such as 8GiB)"
	case errors.As(err, &df) && df.Op == "load":
		return fmt.Sprintf("nothing was loaded; free space at %s or point --db at another disk; reading commands still work on a full disk", df.Dir)
	case errors.As(err, &df):
		return fmt.Sprintf("free some space at %s and run it again; reading commands still work on a full disk", df.Dir)
	case errors.Is(err, store.ErrNotMemsee):
		return "memsee opens only its own databases: point --db or MEMSEE_DB at one, or at a new path for load to create"
	case errors.Is(err, store.ErrCannotWrite):
		return "reading commands work here; load, rm and query --write need write access to the file and its directory"
	case errors.Is(err, store.ErrReadOnlyQuery):
		return "pass --write to change the database (memsee query --write ...)"
	case errors.Is(err, store.ErrNoObjects):
		return "pass --objects SNAP (a heap dump's id or label; several comma-separated) to lay out its objects as the table object, and its references as ref, for this query (memsee query --objects last ...)"
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
	case errors.Is(err, heap.ErrNotHeap):
		return "nothing was loaded; the file is not damaged, it holds no heap: give memsee a heap profile or a heap dump"
	case errors.Is(err, heap.ErrTooLarge):
		return "nothing was loaded; the file is not known to be damaged: it passes one of memsee's fixed limits (README: Limits and known gaps)"
	case errors.As(err, &fe):
		return "nothing was loaded; the file is damaged or incomplete: take the dump again"
	case errors.Is(err, page.ErrDamaged):
		return "the database itself is damaged (edited, or its disk failed): remove the snapshot (memsee rm) and load its file again, or load into a new --db"
	}
	return ""
}
