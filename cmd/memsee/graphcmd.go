package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/report"
	"github.com/memsee/memsee/internal/store"
)

// graphSnapshot resolves ref to a snapshot that holds objects.
func graphSnapshot(ctx context.Context, db *store.DB, ref string) (store.Snapshot, error) {
	s, err := db.Resolve(ctx, ref)
	if err != nil {
		return s, err
	}
	if s.Kind != heap.KindGraph {
		return s, fmt.Errorf("snapshot %d (%s) is a %s heap profile: it has allocation sites, not objects (use top or diff)", s.ID, s.Label, s.Format)
	}
	return s, nil
}

// parseAddr reads an object address as dumps and memsee print them: 0x7f3a... or decimal.
func parseAddr(s string) (int64, error) {
	t := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(s, "@"), "0x"), "0X")
	base := 10
	if len(t) != len(strings.TrimPrefix(s, "@")) {
		base = 16
	}
	v, err := strconv.ParseUint(t, base, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not an object address (write it as 0x7f3a1c2b4e80 or in decimal)", s)
	}
	return int64(v), nil
}

// objectCmd is the shared start of show, refs, kids and path: the snapshot and the object.
func objectAt(ctx context.Context, db *store.DB, snapRef, addr string) (store.Snapshot, store.Object, error) {
	snap, err := graphSnapshot(ctx, db, snapRef)
	if err != nil {
		return snap, store.Object{}, err
	}
	a, err := parseAddr(addr)
	if err != nil {
		return snap, store.Object{}, err
	}
	o, err := db.ObjectAt(ctx, snap.ID, a)
	return snap, o, err
}

// hexAddr spells an address.
func hexAddr(a int64) string { return report.HexAddr(a) }
