package loader

import (
	"cmp"
	"slices"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/graph"
	"github.com/memsee/memsee/internal/store"
)

// HoldingsFloor returns the least reach of the groups a load keeps for leaks
// (store.HoldingRow), for a snapshot of the given bytes. leaks sums what is held above 1/64 of
// the least growth it reports, and that growth is at least 64 KiB and 1% of the largest
// snapshot it reads unless the user lowers it (leak.Leaks), so this floor serves every leaks
// but those: they sum the pages, as leaks did before loads kept holdings. A lower floor would
// keep far more groups (every holder of a few strings) for no answer leaks gives.
func HoldingsFloor(bytes int64) int64 { return max(1<<10, bytes/6400) }

// elements is a set of objects by ObjID: those reached by an element's index or a key.
type elements []uint64

func (e elements) set(i int)      { e[i>>6] |= 1 << (i & 63) }
func (e elements) has(i int) bool { return e[i>>6]&(1<<(i&63)) != 0 }

// storeHoldings works out what each holder keeps alive of each type (graph.Grouper, as leaks
// would from the pages) and queues it with the snapshot. It takes a's IDom over: the
// dominators are no longer in it when it returns. elem says which objects are reached by an
// element's index or a key. Objects are numbered by oid (ObjID == oid: see storeGraph).
func storeHoldings(w *store.GraphWriter, s *graphSink, g *graph.Graph, a *graph.Analysis, typeID []int64, elem elements) error {
	gr := graph.GrouperOf(g, a, s.typeOf, func(id graph.ObjID) bool { return elem.has(int(id)) })
	var storage func(typ, holder string, element bool) bool
	if rules := heap.HolderRulesOf(s.snap.Format); rules != nil {
		storage = rules.Internal
	}
	name := func(t uint32) (string, error) { return s.types[t], nil }
	if err := gr.Resolve(graph.StorageByName(storage, name)); err != nil {
		return err
	}
	floor := HoldingsFloor(int64(s.bytes))
	for id := range g.Len() {
		gr.Add(id, g.SizeOf(graph.ObjID(id)), a.Retained.At(graph.ObjID(id)), uint64(floor))
	}
	var rows []store.HoldingRow
	for _, r := range gr.Groups(floor) {
		holder, depth := int64(-1), int64(-1)
		if r.Holder >= 0 { // no deeper than MaxHolderDepth (GrouperOf)
			holder, depth = int64(r.Holder), int64(a.Dist[r.Holder])
		}
		rows = append(rows, store.HoldingRow{Holder: holder, Type: typeID[r.TypeID], Storage: r.Storage, Root: r.Root,
			Self: r.Self, Open: r.Open, Count: r.Count, Bytes: r.Bytes, Retained: r.Retained, Reach: r.Reach, Depth: depth})
	}
	// In one order whatever the map's: two loads of one dump write the same rows.
	slices.SortFunc(rows, func(a, b store.HoldingRow) int {
		return cmp.Or(cmp.Compare(a.Holder, b.Holder), cmp.Compare(a.Type, b.Type), cmp.Compare(a.Flags(), b.Flags()))
	})
	w.Holdings(store.HoldingSet{Floor: floor, Depth: graph.MaxHolderDepth}, rows)
	return nil
}
