package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/memsee/memsee/internal/heap"
)

// ErrNoSnapshot is returned when a snapshot reference matches nothing.
var ErrNoSnapshot = errors.New("no such snapshot")

// ErrAmbiguous is returned when a snapshot reference matches several snapshots.
var ErrAmbiguous = errors.New("matches several snapshots")

// Snapshot is one loaded file.
type Snapshot struct {
	ID        int64
	Label     string
	Source    string // the file name as given to load
	SHA256    string
	Format    string
	Kind      heap.Kind
	TakenAt   time.Time
	TakenFrom string // where TakenAt came from: TakenFromDump, TakenFromName, ...
	LoadedAt  time.Time
	Series    string
	Objects   int64 // objects in use
	Bytes     int64 // bytes in use
	Meta      map[string]string
}

// Where a snapshot's time came from (Snapshot.TakenFrom, the column taken_from), most trusted
// first: the loader takes the first a file has. A name ranks above a gzip header because the
// program that took the dump chose it then, while a header may be written later (gzip(1)
// records the modification time of the file it compresses, which a copy resets).
const (
	TakenFromDump  = "dump"  // the dump records it (pprof's time_nanos, HPROF's header)
	TakenFromFetch = "fetch" // memsee took it from the running process (load URL, capture, watch)
	TakenFromName  = "name"  // the file's name, as the runtime or memsee's dumper chose it
	TakenFromGzip  = "gzip"  // the MTIME of the file's gzip header
	TakenFromMtime = "mtime" // none recorded: the file's modification time stands in
)

// TimeRecorded reports whether the snapshot's time was recorded when the dump was taken (in
// the dump, its name or its gzip header), not the file's modification time, which a copy
// without -p or a fresh clone changes: only a recorded time orders snapshots or gives a rate.
func (s Snapshot) TimeRecorded() bool {
	return s.TakenFrom != "" && s.TakenFrom != TakenFromMtime
}

const snapshotCols = `id, label, source, sha256, format, kind, taken_at, taken_from, loaded_at, series,
	object_count, total_bytes, meta`

func scanSnapshot(sc scanner) (Snapshot, error) {
	var s Snapshot
	var taken, loaded, meta string
	err := sc.Scan(&s.ID, &s.Label, &s.Source, &s.SHA256, &s.Format, &s.Kind, &taken, &s.TakenFrom,
		&loaded, &s.Series, &s.Objects, &s.Bytes, &meta)
	if err != nil {
		return s, err
	}
	s.TakenAt, s.LoadedAt = parseTime(taken), parseTime(loaded)
	if err := json.Unmarshal([]byte(meta), &s.Meta); err != nil {
		s.Meta = nil
	}
	return s, nil
}

// Snapshots returns every snapshot, in load order.
func (d *DB) Snapshots(ctx context.Context) ([]Snapshot, error) {
	return queryAll(ctx, d.q, scanSnapshot, "SELECT "+snapshotCols+" FROM snapshot ORDER BY id")
}

// The grammar of a snapshot reference, the one every command reads: an id ("3"), a label
// ("heap3"), a label in a series ("node/heap3"), "first", "last", or "-N" for the N-th from
// the end ("-1" is the last).

// RefKind says which form a reference takes.
type RefKind int

// The forms of a reference.
const (
	RefLabel   RefKind = iota // a label
	RefID                     // an id
	RefFirst                  // first
	RefLast                   // last
	RefFromEnd                // -N
)

// SnapRef is a parsed snapshot reference.
type SnapRef struct {
	Kind  RefKind
	N     int64  // the id of RefID; N of RefFromEnd (1 for -1)
	Label string // of RefLabel
}

// RefPrefix may stand before a reference; the command line marks -N with it so that it is not
// read as a flag.
const RefPrefix = "@"

// ParseRef reads a reference. Anything that is not an id, first, last or -N is a label.
func ParseRef(s string) SnapRef {
	s = strings.TrimPrefix(s, RefPrefix)
	switch s {
	case "first":
		return SnapRef{Kind: RefFirst}
	case "last":
		return SnapRef{Kind: RefLast}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 {
			return SnapRef{Kind: RefFromEnd, N: -n}
		}
		return SnapRef{Kind: RefID, N: n}
	}
	return SnapRef{Kind: RefLabel, Label: s}
}

// IsFromEnd reports whether a command-line argument is -N, which a flag parser would take for
// a shorthand flag.
func IsFromEnd(arg string) bool {
	return len(arg) > 1 && arg[0] == '-' && strings.Trim(arg[1:], "0123456789") == ""
}

// ReadsAsRef reports whether a label would be read as an id, first, last or -N: a snapshot so
// labelled could not be referred to by its label.
func ReadsAsRef(label string) bool { return ParseRef(label).Kind != RefLabel }

// Resolve finds a snapshot by reference (see ParseRef).
func (d *DB) Resolve(ctx context.Context, ref string) (Snapshot, error) {
	all, err := d.Snapshots(ctx)
	if err != nil {
		return Snapshot{}, err
	}
	return resolveIn(all, ref)
}

func resolveIn(all []Snapshot, ref string) (Snapshot, error) {
	ref = strings.TrimPrefix(ref, RefPrefix)
	if len(all) == 0 {
		return Snapshot{}, fmt.Errorf("%w %q: the database holds no snapshots yet", ErrNoSnapshot, ref)
	}
	r := ParseRef(ref)
	switch r.Kind {
	case RefFirst:
		return all[0], nil
	case RefLast:
		return all[len(all)-1], nil
	case RefFromEnd:
		if r.N <= int64(len(all)) {
			return all[len(all)-int(r.N)], nil
		}
	case RefID:
		for _, s := range all {
			if s.ID == r.N {
				return s, nil
			}
		}
	}
	var found []Snapshot // a label, or an id or -N that matched nothing: a label that is one
	for _, s := range all {
		if s.AnswersTo(ref) {
			found = append(found, s)
		}
	}
	switch len(found) {
	case 0:
		return Snapshot{}, fmt.Errorf("%w %q (the database has %s)", ErrNoSnapshot, ref, describe(all))
	case 1:
		return found[0], nil
	}
	return Snapshot{}, &AmbiguousError{Ref: ref, Matches: found}
}

// SeriesSep separates a series from a label in a reference: node/heap1.
const SeriesSep = "/"

// Plain returns the snapshot's label without its series: heap1 for node/heap1 in the series
// node. A label that does not start with its series is returned as it is.
func (s Snapshot) Plain() string {
	if s.Series == "" {
		return s.Label
	}
	return strings.TrimPrefix(s.Label, s.Series+SeriesSep)
}

// AnswersTo reports whether a label reference names the snapshot: its label, its label
// without its series (heap1 for node/heap1), or its series and that label (node/heap1 for a
// snapshot labelled heap1 in the series node).
func (s Snapshot) AnswersTo(ref string) bool {
	plain := s.Plain()
	return ref == s.Label || ref == plain || (s.Series != "" && ref == s.Series+SeriesSep+plain)
}

// AmbiguousError is a reference that names several snapshots.
type AmbiguousError struct {
	Ref     string
	Matches []Snapshot
}

func (e *AmbiguousError) Error() string {
	var parts []string
	for _, s := range e.Matches {
		series := "no series"
		if s.Series != "" {
			series = "series " + s.Series
		}
		parts = append(parts, fmt.Sprintf("%d %s (%s, %s)", s.ID, s.Label, series, s.Source))
	}
	return fmt.Sprintf("%q %s: %s; refer to one by id or as series/label", e.Ref, ErrAmbiguous, strings.Join(parts, "; "))
}

func (e *AmbiguousError) Unwrap() error { return ErrAmbiguous }

// describe lists snapshots briefly for an error message.
func describe(all []Snapshot) string {
	var parts []string
	for i, s := range all {
		if i == 6 {
			parts = append(parts, fmt.Sprintf("and %d more", len(all)-i))
			break
		}
		parts = append(parts, fmt.Sprintf("%d %s", s.ID, s.Label))
	}
	return strings.Join(parts, ", ")
}

// Remove deletes snapshots and everything loaded with them, in one transaction.
func (d *DB) Remove(ctx context.Context, ids ...int64) error {
	defer d.forgetPages() // a type id may be taken again by a later load
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			res, err := tx.ExecContext(ctx, "DELETE FROM snapshot WHERE id = ?", id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return fmt.Errorf("%w %d", ErrNoSnapshot, id)
			}
		}
		// Sites are shared between snapshots; drop those no snapshot uses any more. NOT IN
		// lets SQLite build one temporary index over sample.site instead of a scan per site.
		if _, err := tx.ExecContext(ctx, "DELETE FROM site WHERE id NOT IN (SELECT site FROM sample)"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM type WHERE id NOT IN (SELECT type FROM type_stat)")
		return err
	})
	if isFull(err) {
		return &DiskFullError{Path: d.path, Dir: dirOf(d.path), Op: "rm", Err: err}
	}
	if err == nil {
		d.changed = true
	}
	return err
}
