package analysis

import (
	"context"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/graph"
	"github.com/memsee/memsee/internal/store"
)

// SnapshotHoldings is LiveHoldingsThrough of a snapshot, read from what its load kept when it
// kept it from a floor no higher than floor and to a depth no less than maxDepth
// (store.HoldingRows): a few thousand rows rather than every page. A snapshot loaded before
// loads kept holdings, a floor under the kept one or a greater depth, sums the pages. The
// result is the same either way.
func SnapshotHoldings(ctx context.Context, d *store.DB, snap, floor, maxDepth int64, storage Storage) ([]Holding, error) {
	rows, kept, ok, err := d.HoldingRows(ctx, snap)
	if err != nil {
		return nil, err
	}
	if !ok || kept.Floor > floor || kept.Depth < maxDepth {
		return LiveHoldingsThrough(ctx, d, snap, floor, maxDepth, storage)
	}
	var out []Holding
	for _, r := range rows {
		// As the Grouper leaves groups out: those that cannot reach the floor, then those under
		// it but for storage; and holders deeper than maxDepth, as LiveHoldingsThrough does.
		if r.Reach < floor || r.Retained < floor && !r.Storage {
			continue
		}
		if r.Holder >= 0 && (r.Depth < 0 || r.Depth > maxDepth) {
			continue
		}
		out = append(out, Holding{Holder: r.Holder, Type: r.TypeName, Count: r.Count, Bytes: r.Bytes, Retained: r.Retained,
			Storage: r.Storage, Root: r.Root, Self: r.Self})
	}
	sortHoldings(out)
	return out, nil
}

// HolderName returns a holder's path from a root (indices as [*]) and its name as leaks prints
// it: the format's spelling of the path (heap.HolderRules.HolderName), else the path.
func HolderName(ctx context.Context, w *Walker, rules heap.HolderRules, oid int64) (store.HolderName, error) {
	path, err := w.Describe(ctx, oid)
	if err != nil {
		return store.HolderName{}, err
	}
	path = Generalize(path)
	name := path
	if rules != nil {
		hops, err := w.Hops(ctx, oid)
		if err != nil {
			return store.HolderName{}, err
		}
		if n, ok := rules.HolderName(hops); ok {
			name = GeneralizeName(n)
		}
	}
	return store.HolderName{Path: path, Name: name}, nil
}

// MaxHolderDepth is how far from a root a holder may be for leaks (graph.MaxHolderDepth).
const MaxHolderDepth = graph.MaxHolderDepth

// NameHolders names the holders of rows (HolderName) no deeper than MaxHolderDepth, each once.
func NameHolders(ctx context.Context, d *store.DB, snap int64, rules heap.HolderRules, rows []store.HoldingRow) (map[int64]store.HolderName, error) {
	var holders []int64
	seen := map[int64]bool{}
	for _, r := range rows {
		if r.Holder >= 0 && r.Depth >= 0 && r.Depth <= MaxHolderDepth && !seen[r.Holder] {
			seen[r.Holder] = true
			holders = append(holders, r.Holder)
		}
	}
	w := NewWalker(d, snap)
	if err := w.Prefetch(ctx, holders); err != nil {
		return nil, err
	}
	out := make(map[int64]store.HolderName, len(holders))
	for _, h := range holders {
		n, err := HolderName(ctx, w, rules, h)
		if err != nil {
			return nil, err
		}
		out[h] = n
	}
	return out, nil
}

// RecordHolderNames records, once a load is committed, the names of the holders a load kept of
// a graph snapshot (store.SetHolderNames), so that leaks reads them rather than walking the
// paths. A snapshot without holdings (loaded before loads kept them) gets none.
func RecordHolderNames(ctx context.Context, d *store.DB, snap int64, format heap.Format) error {
	rows, _, ok, err := d.HoldingRows(ctx, snap)
	if err != nil || !ok {
		return err
	}
	names, err := NameHolders(ctx, d, snap, heap.HolderRulesOf(format), rows)
	if err != nil {
		return err
	}
	return d.SetHolderNames(ctx, snap, names)
}
