package analysis

import (
	"cmp"
	"context"
	"slices"

	"github.com/memsee/memsee/internal/store"
)

// TypeCount is how many objects of a type, and their shallow bytes.
type TypeCount struct {
	Type         string
	Count, Bytes int64
}

// Candidates counts, by type, the objects of final that were in target and not in base: memlab's
// leak candidates (allocated between base and target, and still alive at final). Objects match
// as diff matches them: node ids for V8, address, type and size for Python. Largest first.
func Candidates(ctx context.Context, d *store.DB, base, target, final int64) ([]TypeCount, error) {
	ids := func(snap int64) ([]store.Identity, error) {
		var out []store.Identity
		err := d.EachIdentity(ctx, snap, func(_ int64, id store.Identity, _, _ int64) { out = append(out, id) })
		return out, err
	}
	before, err := ids(base)
	if err != nil {
		return nil, err
	}
	during, err := ids(target)
	if err != nil {
		return nil, err
	}
	// Each list is in address order; so is final's scan.
	in := func(list []store.Identity, at *int, id store.Identity) bool {
		for *at < len(list) && uint64(list[*at].Addr) < uint64(id.Addr) {
			*at++
		}
		for k := *at; k < len(list) && list[k].Addr == id.Addr; k++ {
			if list[k] == id {
				return true
			}
		}
		return false
	}
	type sums struct{ n, bytes int64 }
	byType := map[int64]*sums{}
	var i, j int
	err = d.EachIdentity(ctx, final, func(_ int64, id store.Identity, size, _ int64) {
		if in(during, &j, id) && !in(before, &i, id) {
			s := byType[id.Type]
			if s == nil {
				s = &sums{}
				byType[id.Type] = s
			}
			s.n++
			s.bytes += size
		}
	})
	if err != nil {
		return nil, err
	}
	out := make([]TypeCount, 0, len(byType))
	for t, s := range byType {
		name, err := d.TypeName(ctx, t)
		if err != nil {
			return nil, err
		}
		out = append(out, TypeCount{name, s.n, s.bytes})
	}
	slices.SortFunc(out, func(x, y TypeCount) int {
		if c := cmp.Compare(y.Bytes, x.Bytes); c != 0 {
			return c
		}
		if c := cmp.Compare(y.Count, x.Count); c != 0 {
			return c
		}
		return cmp.Compare(x.Type, y.Type)
	})
	return out, nil
}

// Survivors counts, per type, the objects of snapshot b that were in snapshot a too: same
// address, type and size (Python reuses freed addresses, so the address alone would not do).
func Survivors(ctx context.Context, d *store.DB, a, b int64) (map[string]int64, error) {
	byType := map[int64]int64{}
	if err := d.MatchObjects(ctx, a, b, func(_ int64, id store.Identity, matched bool, _ int64) {
		if matched {
			byType[id.Type]++
		}
	}); err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for t, n := range byType {
		name, err := d.TypeName(ctx, t)
		if err != nil {
			return nil, err
		}
		out[name] = n
	}
	return out, nil
}
