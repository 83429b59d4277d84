package analysis

import (
	"context"

	"github.com/memsee/memsee/internal/heap/graph"
	"github.com/memsee/memsee/internal/store"
	"github.com/memsee/memsee/internal/store/page"
)

// Storage reports whether an object of type typ, whose immediate dominator is of type holder
// ("" for the super-root) and which is reached by an element's index or a key when element is
// set, is its holder's storage or plumbing (heap.HolderRules.Internal): a HashMap's nodes, a
// V8 Map's table, a Go map's tables.
type Storage func(typ, holder string, element bool) bool

// LiveHoldingsThrough is LiveHoldings with storage looked through: an object is grouped under
// its nearest dominator that is not storage, so that a HashMap holds the values in its nodes
// and a Map the entries in its table. The storage objects themselves make groups of their own
// under that holder, marked Storage, whose Retained is their own size only: what they hold is
// counted in the groups of the objects they hold, so the groups still never overlap. Objects
// that are roots are never looked through.
//
// A root that nothing but its root reference holds (what a global, a static or a stack slot
// refers to, in formats whose roots are references: its dominator is the super-root) is held
// by that reference: its group is marked Root and Self, with Holder the object itself. When such a
// root is storage itself (storage says so with holder "": a Go map's header, a global slice's
// array), it is looked through to the reference: what it holds makes Root groups under it,
// and its own group is Storage. storage may be nil: nothing is looked through.
func LiveHoldingsThrough(ctx context.Context, d *store.DB, snap, floor, maxDepth int64, storage Storage) ([]Holding, error) {
	n, err := d.ObjectCount(ctx, snap)
	if err != nil {
		return nil, err
	}
	g := graph.NewGrouper(int(n))
	err = d.EachObjectPage(ctx, snap, func(first int64, p *page.Objects) error {
		for i := 0; i < p.N; i++ {
			o := first + int64(i)
			if o >= n {
				break
			}
			idom := p.IDom.At(i) // oid+1, 0 for the super-root
			if idom > uint64(n) {
				idom = 0
			}
			// Distance is stored as distance+1, 0 for no path from a root.
			g.Object(int(o), uint32(p.Type.At(i)), graph.ObjID(idom), int64(p.Distance.At(i))-1, p.Via.First(i) == '[', p.Retained.At(i))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Which objects are storage, asked once per pair of types.
	names := map[uint32]string{}
	name := func(t uint32) (string, error) {
		s, ok := names[t]
		if !ok {
			if s, err = d.TypeName(ctx, int64(t)); err != nil {
				return "", err
			}
			names[t] = s
		}
		return s, nil
	}
	if err := g.Resolve(graph.StorageByName(storage, name)); err != nil {
		return nil, err
	}
	err = d.EachObjectPage(ctx, snap, func(first int64, p *page.Objects) error {
		for i := 0; i < p.N; i++ {
			if o := first + int64(i); o < n {
				g.Add(int(o), p.Size.At(i), p.Retained.At(i), uint64(floor))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []Holding
	for _, r := range g.Groups(floor) {
		if r.Holder >= 0 {
			o, err := d.Object(ctx, snap, r.Holder)
			if err != nil {
				return nil, err
			}
			if o.Distance < 0 || o.Distance > maxDepth {
				continue
			}
		}
		h := Holding{Holder: r.Holder, Count: r.Count, Bytes: r.Bytes, Retained: r.Retained, Storage: r.Storage, Root: r.Root, Self: r.Self}
		if h.Type, err = name(r.TypeID); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	sortHoldings(out)
	return out, nil
}
