package analysis

import (
	"context"

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
	if storage == nil {
		storage = func(string, string, bool) bool { return false }
	}
	n, err := d.ObjectCount(ctx, snap)
	if err != nil {
		return nil, err
	}
	typ := make([]uint32, n)
	idom := make([]uint32, n) // oid+1 of the immediate dominator, 0 for the super-root
	// flag: per object, its kind (objGarbage, objRoot, objHeld) and the f bits; one byte
	// each, for these arrays are what leaks holds per object of a dump.
	flag := make([]uint8, n)
	// totals[h]: what the objects h immediately dominates retain, which bounds what any group
	// under h (looking through storage or not) can retain.
	totals := make([]uint64, n+1)
	err = d.EachObjectPage(ctx, snap, func(first int64, p *page.Objects) error {
		for i := 0; i < p.N; i++ {
			o := first + int64(i)
			if o >= n {
				break
			}
			typ[o] = uint32(p.Type.At(i))
			if p.Via.First(i) == '[' {
				flag[o] |= fElement
			}
			if h := p.IDom.At(i); h <= uint64(n) {
				idom[o] = uint32(h)
			}
			switch p.Distance.At(i) { // stored as distance+1, 0 for no path from a root
			case 0:
				flag[o] |= objGarbage
				continue
			case 1:
				flag[o] |= objRoot
			default:
				flag[o] |= objHeld
			}
			totals[idom[o]] += p.Retained.At(i)
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
	type pair struct {
		typ, holder uint32
		element     bool
	}
	asked := map[pair]bool{}
	for o := range n {
		if kindOf(flag[o]) == objGarbage || kindOf(flag[o]) == objRoot && idom[o] != 0 {
			continue
		}
		var ht uint32 = ^uint32(0) // the super-root's
		if h := idom[o]; h > 0 {
			ht = typ[h-1]
		}
		k := pair{typ[o], ht, flag[o]&fElement != 0}
		is, ok := asked[k]
		if !ok {
			t, err := name(typ[o])
			if err != nil {
				return nil, err
			}
			holder := ""
			if ht != ^uint32(0) {
				if holder, err = name(ht); err != nil {
					return nil, err
				}
			}
			is = storage(t, holder, flag[o]&fElement != 0)
			asked[k] = is
		}
		switch {
		case !is:
		case kindOf(flag[o]) == objRoot:
			flag[o] |= fOpen
		default:
			flag[o] |= fInternal
		}
	}
	// holder[o]: oid+1 of o's nearest dominator that is not storage, 0 for the super-root.
	holder := resolveHolders(idom, flag)

	type key struct {
		holder              uint32
		typ                 uint32
		root, self, storage bool
	}
	sums := map[key]*Holding{}
	err = d.EachObjectPage(ctx, snap, func(first int64, p *page.Objects) error {
		for i := 0; i < p.N; i++ {
			o := first + int64(i)
			if o >= n || kindOf(flag[o]) == objGarbage {
				continue
			}
			k := key{holder: holder[o], typ: typ[o], storage: flag[o]&fInternal != 0}
			switch h := holder[o]; {
			case flag[o]&fOpen != 0: // a collection a variable holds: its own storage
				k = key{holder: uint32(o) + 1, typ: typ[o], root: true, storage: true}
			case h == 0 && kindOf(flag[o]) == objRoot: // the thing a variable holds
				k = key{holder: uint32(o) + 1, typ: typ[o], root: true, self: true}
			case h > 0 && flag[h-1]&fOpen != 0: // in a collection a variable holds
				k.root = true
			}
			shallow := k.storage
			if floor > 0 { // only groups that can reach the floor
				reach := totals[k.holder] // what the holder keeps, at most
				switch {
				case k.self:
					reach = p.Retained.At(i) // what the variable keeps
				case flag[o]&fOpen != 0:
					reach += p.Size.At(i)
				}
				if reach < uint64(floor) {
					continue
				}
			}
			g := sums[k]
			if g == nil {
				g = &Holding{Holder: int64(k.holder) - 1, Storage: k.storage, Root: k.root, Self: k.self}
				sums[k] = g
			}
			size := int64(p.Size.At(i))
			g.Count++
			g.Bytes += size
			if shallow {
				g.Retained += size
			} else {
				g.Retained += int64(p.Retained.At(i))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []Holding
	for k, g := range sums {
		if g.Retained < floor && !g.Storage {
			continue
		}
		if g.Type, err = name(k.typ); err != nil {
			return nil, err
		}
		if g.Holder >= 0 {
			o, err := d.Object(ctx, snap, g.Holder)
			if err != nil {
				return nil, err
			}
			if o.Distance < 0 || o.Distance > maxDepth {
				continue
			}
		}
		out = append(out, *g)
	}
	sortHoldings(out)
	return out, nil
}

// resolveHolders turns each object's immediate dominator (oid+1, 0 for the super-root) into its
// nearest dominator that is not internal (fInternal in flag), in place, in time linear in the
// objects: a chain of storage (the nodes of a linked list) is walked once. It uses the fDone
// bit of flag.
func resolveHolders(idom []uint32, flag []uint8) []uint32 {
	holder := idom
	var stack []uint32
	for o := range holder {
		cur := uint32(o)
		for flag[cur]&fDone == 0 {
			h := holder[cur]
			if h == 0 || flag[h-1]&fInternal == 0 {
				flag[cur] |= fDone
				break
			}
			if flag[h-1]&fDone != 0 {
				holder[cur] = holder[h-1]
				flag[cur] |= fDone
				break
			}
			stack = append(stack, cur)
			cur = h - 1
		}
		for len(stack) > 0 {
			x := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			holder[x] = holder[holder[x]-1]
			flag[x] |= fDone
		}
	}
	return holder
}

const (
	objGarbage uint8 = iota // no path from a root
	objRoot
	objHeld
)

// The bits of an object's flag above its kind.
const (
	kindMask  uint8 = 3
	fElement  uint8 = 1 << 2 // reached by an element's index or a key
	fInternal uint8 = 1 << 3 // storage, looked through
	fOpen     uint8 = 1 << 4 // a root that is storage, looked through to its root reference
	fDone     uint8 = 1 << 5 // resolveHolders has found its holder
)

func kindOf(f uint8) uint8 { return f & kindMask }
