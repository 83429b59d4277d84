package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/mattn/go-sqlite3"
)

// DiskFullError is SQLite's "database or disk is full" from a command that writes the
// database. Nothing was changed: the transaction rolled back.
type DiskFullError struct {
	Path string // the database
	Dir  string // the directory that holds it, whose disk is full
	// Need is how many more bytes the load needed at least: what it had written to the WAL
	// when the disk filled, less the free pages the database had. A load whose pages all went
	// to the WAL needs as much again when they are copied into the database. 0 when unknown
	// (a removal, or a load that filled free pages first).
	Need int64
	Op   string // "load"; "rm" for a removal; "open" when the database could not be opened for writing
	Err  error
}

func (e *DiskFullError) Error() string {
	switch {
	case e.Op == "open":
		return fmt.Sprintf("the disk is full at %s: memsee cannot open %s for writing (SQLite needs room beside it for its WAL and the WAL's index)", e.Dir, e.Path)
	case e.Op == "rm":
		return fmt.Sprintf("the disk is full at %s: removing snapshots writes to %s first (they are deleted in a transaction), and there is no room for it", e.Dir, e.Path)
	case e.Need > 0:
		return fmt.Sprintf("memsee needs at least %s more disk at %s to load (it had written %s to %s-wal when the disk filled)", mib(e.Need), e.Dir, mib(e.Need), e.Path)
	}
	return fmt.Sprintf("memsee needs more disk at %s to load (the disk filled as it wrote %s)", e.Dir, e.Path)
}

func (e *DiskFullError) Unwrap() error { return e.Err }

// mib formats bytes as MiB, rounded up to a tenth: a need is never understated.
func mib(n int64) string {
	tenths := (n*10 + 1<<20 - 1) >> 20
	return fmt.Sprintf("%d.%d MiB", tenths/10, tenths%10)
}

// isFull reports whether err is SQLite's SQLITE_FULL, or an I/O error of a full disk (as
// growing the WAL's index gives).
func isFull(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrFull || se.SystemErrno == syscall.ENOSPC)
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func dirOf(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return filepath.Dir(path)
}
