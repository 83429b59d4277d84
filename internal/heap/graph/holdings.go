package graph

// StorageByName is storage asked by type ids, whose names name gives; the super-root's type
// is NoType. A nil storage looks through nothing.
func StorageByName(storage func(typ, holder string, element bool) bool, name func(uint32) (string, error)) func(typ, holder uint32, element bool) (bool, error) {
	return func(typ, holder uint32, element bool) (bool, error) {
		if storage == nil {
			return false, nil
		}
		t, err := name(typ)
		if err != nil {
			return false, err
		}
		h := ""
		if holder != NoType {
			if h, err = name(holder); err != nil {
				return false, err
			}
		}
		return storage(t, h, element), nil
	}
}

// MaxHolderDepth is how far from a root a holder may be for leaks. Deeper ones are the nodes
// of linked structures (each node holds the next), whose growth their shallower holders also
// retain; naming them would cost a path of thousands of hops each, and a load keeps no
// holdings of them.
const MaxHolderDepth = 64

// NoType is the type of the super-root, for a Grouper's storage question.
const NoType = ^uint32(0)

// A Grouper sums what each holder keeps alive of each type, over a snapshot's objects
// numbered 0..n-1: by oid when leaks reads pages (analysis.LiveHoldingsThrough, which says
// what a group is: NewGrouper, then Object for every object), by ObjID when a load keeps the
// holdings from its graph (GrouperOf). Then Resolve, Add for every object, and Groups.
//
// NewGrouper's holds 17 bytes an object: a type, a dominator, a flag byte, and what each
// holder's immediate dominatees retain. GrouperOf's holds the flag byte only, beside the
// graph's own arrays.
type Grouper struct {
	typ  []uint32
	idom []ObjID // index+1 of the immediate dominator, 0 for the super-root; holders after Resolve
	// flag: per object, its kind (objGarbage, objRoot, objHeld) and the f bits; one byte
	// each, for these arrays are what leaks holds per object of a dump.
	flag []uint8
	// totals[h]: what the objects h immediately dominates retain, which bounds what any group
	// under h (looking through storage or not) can retain. GrouperOf has none: a holder's is
	// what it retains less its own size (retained, size), and the super-root's is rootTotal.
	totals    []uint64
	retained  Sizes
	graph     *Graph // the sizes of GrouperOf's objects
	rootTotal uint64
	// dist is GrouperOf's objects' distances from a root, by which it leaves out the groups of
	// holders deeper than MaxHolderDepth: a load keeps none of them, and the nodes of a linked
	// structure would make one each (hundreds of thousands in a Ruby or a Python dump), held
	// in sums until the end.
	dist []uint32
	sums map[groupKey]*Group
}

type groupKey struct {
	holder                    ObjID
	typ                       uint32
	root, self, storage, open bool
}

// Group is what a Grouper sums (analysis.Holding once named): the holder by its index (-1 for the
// super-root), the type by its id.
type Group struct {
	Holder                 int64 // index; -1 for the super-root
	TypeID                 uint32
	Count, Bytes, Retained int64
	// Storage, Root and Self say what analysis.Holding's fields of those names say.
	Storage, Root, Self bool
	// Reach bounds what the group can retain (what its holder's immediate dominatees retain):
	// a group whose Reach is under a floor is left out at that floor.
	Reach int64
	// Open marks the own group of a root that is storage (see LiveHoldingsThrough), apart
	// from the storage it holds, whose reach is less.
	Open bool
}

// NewGrouper makes a Grouper of n objects, with arrays of its own, for Object to fill.
func NewGrouper(n int) *Grouper {
	return &Grouper{typ: make([]uint32, n), idom: make([]ObjID, n), flag: make([]uint8, n),
		totals: make([]uint64, n+1), sums: map[groupKey]*Group{}}
}

// GrouperOf makes a Grouper of g's objects, numbered by ObjID, from a's analysis and typ, each
// object's type, without copying them: a's IDom becomes the holders (so a's IDom is no longer
// the dominators once the Grouper is made). element says which objects are reached by an
// element's index or a key. Its groups are those of holders no deeper than MaxHolderDepth.
func GrouperOf(g *Graph, a *Analysis, typ []uint32, element func(ObjID) bool) *Grouper {
	gr := &Grouper{typ: typ, idom: a.IDom, flag: make([]uint8, len(typ)), retained: a.Retained, graph: g,
		dist: a.Dist, sums: map[groupKey]*Group{}}
	for id := range gr.idom {
		gr.idom[id]++ // index+1: SuperRoot wraps to 0
		dist := int64(-1)
		if a.Dist[id] != Unreached {
			dist = int64(a.Dist[id])
		}
		if gr.mark(id, dist, element(ObjID(id))) && gr.idom[id] == 0 {
			gr.rootTotal += a.Retained.At(ObjID(id))
		}
	}
	return gr
}

// Object gives object o: its type, its immediate dominator (index+1, 0 for the super-root),
// its distance from a root (-1 for none), whether it is reached by an element's index or a
// key, and what it retains.
func (g *Grouper) Object(o int, typ uint32, idom ObjID, dist int64, element bool, retained uint64) {
	g.typ[o], g.idom[o] = typ, idom
	if g.mark(o, dist, element) {
		g.totals[idom] += retained
	}
}

// mark sets o's flag, and says whether o is reachable.
func (g *Grouper) mark(o int, dist int64, element bool) bool {
	var f uint8
	if element {
		f |= fElement
	}
	switch {
	case dist < 0:
		g.flag[o] = f // objGarbage
		return false
	case dist == 0:
		f |= objRoot
	default:
		f |= objHeld
	}
	g.flag[o] = f
	return true
}

// total is what the objects holder h (index+1, 0 for the super-root) immediately dominates
// retain.
func (g *Grouper) total(h ObjID) uint64 {
	switch {
	case g.totals != nil:
		return g.totals[h]
	case h == 0:
		return g.rootTotal
	}
	return g.retained.At(h-1) - g.graph.SizeOf(h-1)
}

// Resolve asks storage (once per pair of types and element) which objects are storage, and
// finds every object's holder.
func (g *Grouper) Resolve(storage func(typ, holder uint32, element bool) (bool, error)) error {
	type pair struct {
		typ, holder uint32
		element     bool
	}
	// What storage said, by pair: a map, and in front of it a table of the pairs seen last
	// (a slot per pair, picked by a hash of it), which answers most objects without hashing a
	// key and probing the map, once per object of the snapshot.
	type seen struct {
		pair
		is, ok bool
	}
	var last [1 << 12]seen
	asked := map[pair]bool{}
	flag, idom, typ := g.flag, g.idom, g.typ
	for o := range flag {
		if kindOf(flag[o]) == objGarbage || kindOf(flag[o]) == objRoot && idom[o] != 0 {
			continue
		}
		ht := NoType
		if h := idom[o]; h > 0 {
			ht = typ[h-1]
		}
		k := pair{typ[o], ht, flag[o]&fElement != 0}
		slot := &last[(uint64(k.typ)*0x9E3779B97F4A7C15^uint64(k.holder)*0xC2B2AE3D27D4EB4F)>>52]
		is := slot.is
		if !slot.ok || slot.pair != k {
			var ok bool
			if is, ok = asked[k]; !ok {
				var err error
				if is, err = storage(k.typ, k.holder, k.element); err != nil {
					return err
				}
				asked[k] = is
			}
			*slot = seen{k, is, true}
		}
		switch {
		case !is:
		case kindOf(flag[o]) == objRoot:
			flag[o] |= fOpen
		default:
			flag[o] |= fInternal
		}
	}
	// idom becomes holder: index+1 of o's nearest dominator that is not storage, 0 for the
	// super-root.
	g.idom = resolveHolders(idom, flag)
	return nil
}

// Add counts object o, of the given size and retained size, in its group, unless its group
// cannot reach floor.
func (g *Grouper) Add(o int, size, retained, floor uint64) {
	flag, holder := g.flag, g.idom
	if kindOf(flag[o]) == objGarbage {
		return
	}
	k := groupKey{holder: holder[o], typ: g.typ[o], storage: flag[o]&fInternal != 0}
	switch h := holder[o]; {
	case flag[o]&fOpen != 0: // a collection a variable holds: its own storage
		k = groupKey{holder: ObjID(o) + 1, typ: g.typ[o], root: true, storage: true, open: true}
	case h == 0 && kindOf(flag[o]) == objRoot: // the thing a variable holds
		k = groupKey{holder: ObjID(o) + 1, typ: g.typ[o], root: true, self: true}
	case h > 0 && flag[h-1]&fOpen != 0: // in a collection a variable holds
		k.root = true
	}
	if h := k.holder; h > 0 && g.dist != nil && (g.dist[h-1] == Unreached || g.dist[h-1] > MaxHolderDepth) {
		return
	}
	reach := g.total(k.holder) // what the holder keeps, at most
	switch {
	case k.self:
		reach = retained // what the variable keeps
	case k.open:
		reach += size
	}
	if reach < floor { // only groups that can reach the floor
		return
	}
	r := g.sums[k]
	if r == nil {
		r = &Group{Holder: int64(k.holder) - 1, Storage: k.storage, Root: k.root, Self: k.self,
			TypeID: k.typ, Open: k.open}
		g.sums[k] = r
	}
	r.Reach = max(r.Reach, int64(reach))
	r.Count++
	r.Bytes += int64(size)
	if k.storage {
		r.Retained += int64(size)
	} else {
		r.Retained += int64(retained)
	}
}

// Groups returns the groups that retain at least floor, and the storage groups, in no order.
func (g *Grouper) Groups(floor int64) []Group {
	out := make([]Group, 0, len(g.sums))
	for _, r := range g.sums {
		if r.Retained < floor && !r.Storage {
			continue
		}
		out = append(out, *r)
	}
	return out
}

// resolveHolders turns each object's immediate dominator (oid+1, 0 for the super-root) into its
// nearest dominator that is not internal (fInternal in flag), in place, in time linear in the
// objects: a chain of storage (the nodes of a linked list) is walked once. It uses the fDone
// bit of flag.
func resolveHolders(idom []ObjID, flag []uint8) []ObjID {
	holder := idom
	var stack []ObjID
	for o := range holder {
		cur := ObjID(o)
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
