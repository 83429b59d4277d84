package analysis

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/store"
	"github.com/memsee/memsee/internal/store/page"
)

// Flame is a snapshot as stacks of frames, for a flame graph (memsee export).
//
// For an object dump, an object's stack is the chain of its dominators from a root down to the
// object itself, and its values are one object and its shallow size. Every object a frame's
// object dominates is below it, so a frame's cumulative bytes are exactly what its object
// retains, and the stacks' bytes add up to the snapshot's. For a heap profile, the stacks are
// its allocation stacks as they are, with the objects and bytes in use.
//
// Identical stacks are one: the stacks form a tree, numbered 0..len(Parent)-1, each stack
// extending its Parent by one frame, and the values of a stack are what is at it and not
// below it.
type Flame struct {
	Snapshot  store.Snapshot
	Graph     bool     // stacks are dominator chains (an object dump), not allocation stacks
	Frames    []string // frame id -> its label
	Parent    []int32  // stack id -> the stack it extends; -1 for a stack of one frame
	Frame     []int32  // stack id -> its last frame
	Objects   []int64  // stack id -> objects whose stack it is
	Bytes     []int64  // stack id -> their bytes
	MaxDepth  int      // frames in a stack at most; the objects MaxDepth deep or more are in an Ellipsis frame, the last
	Capped    int64    // objects in Ellipsis frames
	NameFloor int64    // what a holder retains at least to be named (HolderName), not typed
	Named     int      // holders named
}

// The frames a flame adds to a dump's names.
const (
	Ellipsis    = "…"             // the objects deeper than a stack may go
	Unreachable = "(unreachable)" // above the objects no root reaches (see graph's super-root)
	NoStack     = "(no stack)"    // a profile's samples without a stack
)

// FlameOptions bound a flame.
type FlameOptions struct {
	MaxDepth  int   // frames in a stack at most, the last one Ellipsis when cut; 0: DefaultFlameDepth
	NameFloor int64 // holders retaining at least this many bytes are named; 0: NameFloorOf the snapshot
	MaxNamed  int   // at most this many holders are named, the largest; 0: DefaultMaxNamed
}

// Defaults of FlameOptions.
const (
	DefaultFlameDepth = 64
	DefaultMaxNamed   = 4096
)

// NameFloorOf is what a holder retains at least, by default, to be named in a flame: a
// thousandth of the snapshot, a frame wide enough to be read in a flame graph.
func NameFloorOf(s store.Snapshot) int64 { return max(s.Bytes/1000, 1) }

// FlameOf returns snapshot snap as stacks: dominator chains for an object dump, allocation
// stacks for a heap profile.
//
// A frame is labelled as a person reads it: a root by its name (`module shop`, `class
// shop.Shop`, `global`), a holder that retains at least o.NameFloor as the format spells it in
// leaks' HELD BY (heap.HolderRules.HolderName: `module shop: _audit_log (list)`; its storage,
// heap.HolderRules.Internal, is not named), any other object by its type.
func FlameOf(ctx context.Context, db *store.DB, snap store.Snapshot, o FlameOptions) (*Flame, error) {
	if o.MaxDepth <= 1 {
		o.MaxDepth = DefaultFlameDepth
	}
	if o.NameFloor <= 0 {
		o.NameFloor = NameFloorOf(snap)
	}
	if o.MaxNamed <= 0 {
		o.MaxNamed = DefaultMaxNamed
	}
	b := newFlameBuilder(snap, o)
	var err error
	if snap.Kind == heap.KindGraph {
		err = b.graph(ctx, db)
	} else {
		err = b.profile(ctx, db)
	}
	if err != nil {
		return nil, err
	}
	return b.f, nil
}

// Stack appends the frames of stack s to buf, its last frame (the leaf) first, and returns it.
func (f *Flame) Stack(s int32, buf []int32) []int32 {
	for n := 0; s >= 0 && n <= f.MaxDepth; n++ {
		buf = append(buf, f.Frame[s])
		s = f.Parent[s]
	}
	return buf
}

// Totals returns the objects and bytes of all the stacks.
func (f *Flame) Totals() (objects, bytes int64) {
	for s := range f.Parent {
		objects += f.Objects[s]
		bytes += f.Bytes[s]
	}
	return objects, bytes
}

// flameBuilder grows a Flame's tree of stacks.
type flameBuilder struct {
	f        *Flame
	o        FlameOptions
	depth    []uint16         // stack id -> its frames
	child    map[uint64]int32 // parent stack+1 << 32 | frame -> stack
	frameOf  map[string]int32 // label -> frame id
	ellipsis int32
	stackOf  []uint32 // a graph's oid -> its stack, kept for the tests
}

func newFlameBuilder(snap store.Snapshot, o FlameOptions) *flameBuilder {
	b := &flameBuilder{
		f:       &Flame{Snapshot: snap, Graph: snap.Kind == heap.KindGraph, MaxDepth: o.MaxDepth, NameFloor: o.NameFloor},
		o:       o,
		child:   map[uint64]int32{},
		frameOf: map[string]int32{},
	}
	b.f.MaxDepth = min(b.f.MaxDepth, math.MaxUint16)
	b.ellipsis = b.frame(Ellipsis)
	return b
}

// frame returns the id of the frame labelled label.
func (b *flameBuilder) frame(label string) int32 {
	if id, ok := b.frameOf[label]; ok {
		return id
	}
	id := int32(len(b.f.Frames))
	b.f.Frames = append(b.f.Frames, label)
	b.frameOf[label] = id
	return id
}

// errTooManyStacks is returned for a flame of more stacks than an int32 numbers.
var errTooManyStacks = errors.New("too many distinct stacks for a flame graph")

// push returns the stack that extends stack parent (-1: none) by frame. A stack MaxDepth-1
// frames deep is extended by Ellipsis whatever the frame, and one MaxDepth deep (Ellipsis
// last) by nothing: everything deeper is counted there.
func (b *flameBuilder) push(parent, frame int32) (int32, error) {
	d := uint16(0)
	if parent >= 0 {
		d = b.depth[parent]
		switch {
		case int(d) >= b.f.MaxDepth:
			return parent, nil
		case int(d) == b.f.MaxDepth-1:
			frame = b.ellipsis
		}
	}
	key := uint64(uint32(parent+1))<<32 | uint64(uint32(frame))
	if s, ok := b.child[key]; ok {
		return s, nil
	}
	if len(b.f.Parent) >= math.MaxInt32 {
		return 0, errTooManyStacks
	}
	s := int32(len(b.f.Parent))
	b.f.Parent = append(b.f.Parent, parent)
	b.f.Frame = append(b.f.Frame, frame)
	b.depth = append(b.depth, d+1)
	b.child[key] = s
	return s, nil
}

// values makes the value slices, once every stack is made.
func (b *flameBuilder) values() {
	n := len(b.f.Parent)
	b.f.Objects, b.f.Bytes = make([]int64, n), make([]int64, n)
}

// capped counts the objects in Ellipsis frames, and lets go of what only growing needs.
func (b *flameBuilder) capped() {
	for s, d := range b.depth {
		if int(d) == b.f.MaxDepth {
			b.f.Capped += b.f.Objects[s]
		}
	}
	b.depth, b.child, b.frameOf = nil, nil, nil
}

// holderDepth is how far from a root a holder is named, as leaks names them: deeper ones are
// the nodes of linked structures, each retaining the next, whose names would cost a path of
// thousands of hops each.
const holderDepth = 64

// The object arrays of a graph flame, one entry per object.
const (
	topUnreachable = math.MaxUint32 // idom: not reached from a root, dominated by nothing
	pending        = 1 << 31        // slot: the object's stack is not known yet; the rest is its frame
	bigSize        = math.MaxUint32 // size: the size is in the big map
	maxTypeSlice   = 1 << 20        // type ids below this are looked up in a slice, above in a map
)

// graph builds the flame of an object dump: one pass over its pages for each object's
// dominator, frame and size, the holders named, then each object's stack from its dominator's.
func (b *flameBuilder) graph(ctx context.Context, db *store.DB) error {
	snap := b.f.Snapshot
	n, err := db.ObjectCount(ctx, snap.ID)
	if err != nil {
		return err
	}
	if n >= math.MaxUint32-1 {
		return fmt.Errorf("snapshot %d has %d objects: a flame graph of more than %d is not written", snap.ID, n, uint32(math.MaxUint32-2))
	}
	// Twelve bytes an object (125 MiB for ten million), besides the stacks.
	idom := make([]uint32, n) // oid -> oid+1 of its immediate dominator, 0 for the super-root, or topUnreachable
	slot := make([]uint32, n) // oid -> pending|its frame, then its stack
	size := make([]uint32, n) // oid -> its shallow size, or bigSize
	big := map[int64]int64{}  // oid -> its shallow size, when it is bigSize or more

	type candidate struct {
		oid, retained int64
	}
	var holders []candidate // objects that retain NameFloor or more: perhaps named
	var typeFrame []int32   // type id -> frame+1, for the ids below maxTypeSlice
	bigTypes := map[uint64]int32{}
	frameOfType := func(t uint64) (int32, error) {
		if t < uint64(len(typeFrame)) && typeFrame[t] != 0 {
			return typeFrame[t] - 1, nil
		}
		if fr, ok := bigTypes[t]; ok {
			return fr, nil
		}
		name, err := db.TypeName(ctx, int64(t)) // fails for a type the table does not have
		if err != nil {
			return 0, err
		}
		fr := b.frame(name)
		switch {
		case t >= maxTypeSlice: // a damaged page's id must not size a slice
			bigTypes[t] = fr
		default:
			if t >= uint64(len(typeFrame)) {
				typeFrame = slices.Grow(typeFrame, int(t)+1-len(typeFrame))[:t+1]
			}
			typeFrame[t] = fr + 1
		}
		return fr, nil
	}
	err = db.EachObjectPage(ctx, snap.ID, func(first int64, p *page.Objects) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		for i := 0; i < p.N; i++ {
			o := first + int64(i)
			if o >= n {
				return fmt.Errorf("snapshot %d: object page past its %d objects: %w", snap.ID, n, page.ErrDamaged)
			}
			fr, err := frameOfType(p.Type.At(i))
			if err != nil {
				return err
			}
			slot[o] = pending | uint32(fr)
			h, dist := p.IDom.At(i), p.Distance.At(i) // stored +1: 0 for none
			switch {
			case h > uint64(n):
				return fmt.Errorf("snapshot %d, object %d: dominator %d past its %d objects: %w", snap.ID, o, h-1, n, page.ErrDamaged)
			case h == 0 && dist == 0:
				idom[o] = topUnreachable
			default:
				idom[o] = uint32(h)
			}
			if s := p.Size.At(i); s >= bigSize {
				size[o] = bigSize
				big[o] = int64(s)
			} else {
				size[o] = uint32(s)
			}
			if r := int64(p.Retained.At(i)); r >= b.o.NameFloor && dist > 0 && dist <= holderDepth+1 {
				holders = append(holders, candidate{o, r})
			}
		}
		return nil
	})
	if err != nil {
		return err
	}

	roots, err := db.RootNames(ctx, snap.ID)
	if err != nil {
		return err
	}
	for _, oid := range slices.Sorted(maps.Keys(roots)) { // frames numbered the same every time
		if oid >= 0 && oid < n {
			slot[oid] = pending | uint32(b.frame(roots[oid]))
		}
	}

	// The largest holders, named as HELD BY names them.
	if rules := heap.HolderRulesOf(heap.Format(snap.Format)); rules != nil {
		slices.SortFunc(holders, func(x, y candidate) int {
			if c := cmp.Compare(y.retained, x.retained); c != 0 {
				return c
			}
			return cmp.Compare(x.oid, y.oid)
		})
		w := NewWalker(db, snap.ID)
		for _, h := range holders {
			if b.f.Named >= b.o.MaxNamed {
				break
			}
			if _, ok := roots[h.oid]; ok {
				continue
			}
			name, err := holderFrame(ctx, w, rules, h.oid)
			if err != nil {
				return err
			}
			if name != "" {
				slot[h.oid] = pending | uint32(b.frame(name))
				b.f.Named++
			}
		}
	}
	holders = nil

	// Each object's stack: its dominator's, and its own frame. A dominator may come later in
	// oid order, so the chain up to the first object whose stack is known is walked, then its
	// stacks made on the way down.
	var unreachable int32 = -1
	var up []uint32 // the chain, the object first
	for o := range slot {
		if o%(1<<16) == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if slot[o]&pending == 0 {
			continue
		}
		up = up[:0]
		for cur := uint32(o); ; {
			up = append(up, cur)
			if len(up) > len(slot) {
				return fmt.Errorf("snapshot %d, object %d: its dominators loop: %w", snap.ID, o, page.ErrDamaged)
			}
			h := idom[cur]
			if h == 0 || h == topUnreachable || slot[h-1]&pending == 0 {
				break
			}
			cur = h - 1
		}
		for i := len(up) - 1; i >= 0; i-- {
			x := up[i]
			parent := int32(-1)
			switch h := idom[x]; h {
			case 0:
			case topUnreachable:
				if unreachable < 0 {
					if unreachable, err = b.push(-1, b.frame(Unreachable)); err != nil {
						return err
					}
				}
				parent = unreachable
			default:
				parent = int32(slot[h-1])
			}
			s, err := b.push(parent, int32(slot[x]&^pending))
			if err != nil {
				return err
			}
			slot[x] = uint32(s)
		}
	}
	idom = nil

	b.values()
	for o, s := range slot {
		b.f.Objects[s]++
		if size[o] == bigSize {
			b.f.Bytes[s] += big[int64(o)]
		} else {
			b.f.Bytes[s] += int64(size[o])
		}
	}
	b.capped()
	b.stackOf = slot
	return nil
}

// holderFrame returns the frame of a holder that HELD BY names (heap.HolderRules.HolderName),
// with indices and keys as [*]; for one that it does not name, or looks through (a
// collection's storage), its path when no object dominates it, else "" (its type).
func holderFrame(ctx context.Context, w *Walker, rules heap.HolderRules, oid int64) (string, error) {
	hops, err := w.Hops(ctx, oid)
	if err != nil || len(hops) == 0 {
		return "", err
	}
	o, err := w.Object(ctx, oid)
	if err != nil {
		return "", err
	}
	holder := ""
	if o.IDom >= 0 {
		h, err := w.Object(ctx, o.IDom)
		if err != nil {
			return "", err
		}
		holder = h.Type
	}
	element := len(o.Via) > 0 && o.Via[0] == '['
	if !rules.Internal(o.Type, holder, element) {
		if name, ok := rules.HolderName(hops); ok {
			return GeneralizeName(name), nil
		}
	}
	if o.IDom >= 0 {
		return "", nil // its type reads well under its holder's frame
	}
	// Nothing frames it from above (several roots hold it: a module's __dict__ that its
	// functions refer to too): its shortest path says where it is.
	path, err := w.Describe(ctx, oid)
	if err != nil {
		return "", err
	}
	return ShortPath(Generalize(path), flamePathHops), nil
}

// flamePathHops is how many hops a frame spells of a path.
const flamePathHops = 4

// profile builds the flame of a heap profile: its allocation stacks as they are, the
// outermost call first, with what each holds in use.
func (b *flameBuilder) profile(ctx context.Context, db *store.DB) error {
	groups, err := db.StackGroups(ctx, b.f.Snapshot.ID)
	if err != nil {
		return err
	}
	namer, err := db.NewStackNamer(ctx)
	if err != nil {
		return err
	}
	slices.SortFunc(groups, func(x, y store.StackGroup) int { return cmp.Compare(x.Stack, y.Stack) })
	at := make([]int32, len(groups)) // group -> its stack
	for g, sg := range groups {
		names, err := namer.Names(sg.Stack)
		if err != nil {
			return err
		}
		s := int32(-1)
		for i := len(names) - 1; i >= 0; i-- {
			if s, err = b.push(s, b.frame(names[i])); err != nil {
				return err
			}
		}
		if s < 0 {
			if s, err = b.push(-1, b.frame(NoStack)); err != nil {
				return err
			}
		}
		at[g] = s
	}
	b.values()
	for g, sg := range groups {
		b.f.Objects[at[g]] += sg.Objects
		b.f.Bytes[at[g]] += sg.Bytes
	}
	b.capped()
	return nil
}
