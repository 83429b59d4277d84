package analysis

import (
	"context"

	"github.com/memsee/memsee/internal/store"
)

// Dominators is what `memsee dominators` shows of a snapshot.
type Dominators struct {
	Snapshot store.Snapshot
	Top      []Dominator // largest retained first
}

// TopDominators returns the n objects of snap that retain the most (0: all), each with its path.
func TopDominators(ctx context.Context, db *store.DB, snap store.Snapshot, n int) (*Dominators, error) {
	top, err := db.TopRetained(ctx, snap.ID, n)
	if err != nil {
		return nil, err
	}
	w := NewWalker(db, snap.ID)
	r := &Dominators{Snapshot: snap}
	for _, d := range top {
		p, err := w.Describe(ctx, d.OID)
		if err != nil {
			return nil, err
		}
		r.Top = append(r.Top, Dominator{Object: d, Path: p})
	}
	return r, nil
}
