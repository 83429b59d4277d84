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
)

// ErrNoSnapshot is returned when a snapshot reference matches nothing.
var ErrNoSnapshot = errors.New("no such snapshot")

// Snapshot is one loaded file.
type Snapshot struct {
	ID        int64
	Label     string
	Source    string // the file name as given to load
	SHA256    string
	Format    string
	Kind      string // "profile" or "graph"
	TakenAt   time.Time
	TakenFrom string // "dump" or "mtime"
	LoadedAt  time.Time
	Series    string
	Objects   int64 // objects in use
	Bytes     int64 // bytes in use
	Meta      map[string]string
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

// RefPrefix may stand before a reference; the command line marks -N with it so that it is not
// read as a flag.
const RefPrefix = "@"

// Resolve finds a snapshot by reference: its id, its label, "first", "last", or -N for the
// N-th from the end (-1 is the last).
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
	switch {
	case ref == "first":
		return all[0], nil
	case ref == "last":
		return all[len(all)-1], nil
	}
	if n, err := strconv.ParseInt(ref, 10, 64); err == nil {
		if n < 0 {
			if int(-n) <= len(all) {
				return all[len(all)+int(n)], nil
			}
		} else {
			for _, s := range all {
				if s.ID == n {
					return s, nil
				}
			}
		}
	}
	for _, s := range all {
		if s.Label == ref {
			return s, nil
		}
	}
	return Snapshot{}, fmt.Errorf("%w %q (the database has %s)", ErrNoSnapshot, ref, describe(all))
}

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
