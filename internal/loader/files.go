package loader

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/memsee/memsee/internal/store"
)

// Scratch is a temporary database for files loaded only to be compared (`memsee check`);
// Close removes it.
type Scratch struct {
	DB  *store.DB
	dir string
}

// OpenScratch creates an empty temporary database.
func OpenScratch(ctx context.Context) (*Scratch, error) {
	dir, err := os.MkdirTemp("", "memsee-check")
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, filepath.Join(dir, "check.db"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &Scratch{DB: db, dir: dir}, nil
}

// Close closes the database and removes it.
func (s *Scratch) Close() error {
	err := s.DB.Close()
	if rerr := os.RemoveAll(s.dir); err == nil {
		err = rerr
	}
	return err
}

// LoadFiles loads files into db in one transaction and returns their snapshots in the order
// given. Every load is forced: the same file may be given twice (a build compared with
// itself). A label the files share is numbered (heap, heap-2): no one refers to a snapshot of
// this temporary database, and the numbers tell the sides' files apart in check's output.
func LoadFiles(ctx context.Context, db *store.DB, paths []string, o Options) ([]store.Snapshot, error) {
	l, err := db.BeginLoad(ctx)
	if err != nil {
		return nil, err
	}
	defer l.Rollback()
	o.Force = true
	ids := make([]int64, 0, len(paths))
	used := map[string]bool{}
	for _, path := range paths {
		base := DefaultLabel(path)
		o.Label = base
		for i := 2; used[o.Label]; i++ {
			o.Label = fmt.Sprintf("%s-%d", base, i)
		}
		used[o.Label] = true
		res, err := Load(ctx, l, path, o)
		if err != nil {
			return nil, err
		}
		ids = append(ids, res.ID)
	}
	if err := l.Commit(); err != nil {
		return nil, err
	}
	out := make([]store.Snapshot, 0, len(ids))
	for _, id := range ids {
		s, err := db.Resolve(ctx, fmt.Sprint(id))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
