package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/memsee/memsee/internal/loader"
	"github.com/memsee/memsee/internal/store"
)

// openSides opens the two sides that check compares: snapshots of --db, or files loaded into a
// temporary database that done removes.
func openSides(ctx context.Context, f *Factory, baseRefs, headRefs []string) (db *store.DB, base, head []store.Snapshot, done func(), err error) {
	all := append(append([]string{}, baseRefs...), headRefs...)
	files := 0
	for _, p := range all {
		if isFile(p) {
			files++
		} else if looksLikePath(p) {
			return nil, nil, nil, nil, fmt.Errorf("%s: no such file", p)
		}
	}
	switch files {
	case 0:
		if db, err = f.Store(ctx); err != nil {
			return nil, nil, nil, nil, err
		}
		if base, err = resolveAll(ctx, db, baseRefs); err == nil {
			head, err = resolveAll(ctx, db, headRefs)
		}
		if err != nil {
			db.Close()
			return nil, nil, nil, nil, err
		}
		return db, base, head, func() { db.Close() }, nil
	case len(all):
		dir, err := os.MkdirTemp("", "memsee-check")
		if err != nil {
			return nil, nil, nil, nil, err
		}
		done := func() {
			if db != nil {
				db.Close()
			}
			os.RemoveAll(dir)
		}
		if db, err = store.Open(ctx, filepath.Join(dir, "check.db")); err == nil {
			base, head, err = loadSides(ctx, f, db, baseRefs, headRefs)
		}
		if err != nil {
			done()
			return nil, nil, nil, nil, err
		}
		return db, base, head, done, nil
	}
	return nil, nil, nil, nil, fmt.Errorf("give base and head as files, or both as snapshots of --db, not some of each (%s)",
		strings.Join(missing(all), ", "))
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// looksLikePath says whether a check argument is meant as a file rather than a snapshot.
func looksLikePath(s string) bool {
	if strings.ContainsRune(s, filepath.Separator) || strings.Contains(s, "/") {
		return true
	}
	for _, ext := range loader.Extensions() {
		if strings.HasSuffix(strings.ToLower(s), ext) {
			return true
		}
	}
	return false
}

// missing names the arguments that are not files, for an error.
func missing(args []string) []string {
	var out []string
	for _, a := range args {
		if !isFile(a) {
			out = append(out, fmt.Sprintf("%q is no file", a))
		}
	}
	return out
}

func resolveAll(ctx context.Context, db *store.DB, refs []string) ([]store.Snapshot, error) {
	var out []store.Snapshot
	for _, ref := range refs {
		s, err := db.Resolve(ctx, ref)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// loadSides loads base's and head's files into db, in one transaction.
func loadSides(ctx context.Context, f *Factory, db *store.DB, baseFiles, headFiles []string) (base, head []store.Snapshot, err error) {
	l, err := db.BeginLoad(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer l.Rollback()
	var ids [2][]int64
	for side, files := range [][]string{baseFiles, headFiles} {
		for _, path := range files {
			// The same file may stand on both sides (a build compared with itself).
			res, err := loader.Load(ctx, l, path, loader.Options{Force: true, Now: f.Now()})
			if err != nil {
				return nil, nil, err
			}
			ids[side] = append(ids[side], res.ID)
		}
	}
	if err := l.Commit(); err != nil {
		return nil, nil, err
	}
	var sides [2][]store.Snapshot
	for i := range ids {
		for _, id := range ids[i] {
			s, err := db.Resolve(ctx, fmt.Sprint(id))
			if err != nil {
				return nil, nil, err
			}
			sides[i] = append(sides[i], s)
		}
	}
	return sides[0], sides[1], nil
}
