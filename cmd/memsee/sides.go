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
		scratch, err := loader.OpenScratch(ctx)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		loaded, err := loader.LoadFiles(ctx, scratch.DB, all, loader.Options{Now: f.Now()})
		if err != nil {
			scratch.Close()
			return nil, nil, nil, nil, err
		}
		return scratch.DB, loaded[:len(baseRefs)], loaded[len(baseRefs):], func() { scratch.Close() }, nil
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

// looksLikePath says whether a check argument is meant as a file rather than a snapshot: it has
// a dump's extension, or a path's slashes. One slash inside a word is a snapshot's series and
// label (go/heap1), as in every command.
func looksLikePath(s string) bool {
	for _, ext := range loader.Extensions() {
		if strings.HasSuffix(strings.ToLower(s), ext) {
			return true
		}
	}
	if series, label, ok := strings.Cut(s, store.SeriesSep); ok && series != "" && label != "" &&
		!strings.Contains(label, store.SeriesSep) && !strings.HasPrefix(series, ".") {
		return false
	}
	return strings.ContainsRune(s, filepath.Separator) || strings.Contains(s, "/")
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
