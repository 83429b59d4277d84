package analysis

import (
	pq "container/heap"
	"context"
	"fmt"
	"math/bits"
	"slices"
	"sort"
	"strings"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/graph"
	"github.com/memsee/memsee/internal/store"
	"github.com/memsee/memsee/internal/store/page"
)

// PathsOfType merges the shortest paths of every instance of typ in snap, as Eclipse MAT's
// "merge shortest paths to GC roots" does: paths that differ only in element indices or dict
// keys are one, [*] (Generalize). When there is no instance, the error names the types with
// similar names.
//
// It reads the snapshot's object pages once, keeping those it needs. A path is its parent's
// path and one more step, so each object on a path is visited once however many instances it
// leads to, and a merged path is a node of a trie (its parent's node, and one generalized
// step), spelled out only for the groups found. The answer is what spelling out each
// instance's path with a Walker and generalizing it gives (typepaths_test.go checks it on
// every runtime's sample).
//
// limit, when above 0, keeps only the first limit paths in TypePaths.Held (TypePaths.Paths
// counts them all): only those are spelled out, so that a type whose every instance has a path
// of its own (the nodes of a tree) costs memory for its instances, not for their paths' text.
func PathsOfType(ctx context.Context, db *store.DB, snap store.Snapshot, typ string, limit int) (*TypePaths, error) {
	id, known, err := db.TypeID(ctx, typ)
	if err != nil {
		return nil, err
	}
	var t *typeWalk
	if known {
		if t, err = newTypeWalk(ctx, db, snap.ID); err != nil {
			return nil, err
		}
		defer t.slab.free() // the pages kept: what is returned holds none of their bytes
		if err = t.merge(ctx, uint64(id)); err != nil {
			return nil, err
		}
	}
	if t == nil || t.instances == 0 {
		similar, err := db.SimilarTypes(ctx, snap.ID, typ)
		if err != nil {
			return nil, err
		}
		msg := fmt.Sprintf("snapshot %d (%s) has no objects of type %q", snap.ID, snap.Label, typ)
		if len(similar) > 0 {
			msg += "; did you mean " + strings.Join(similar, ", ")
		}
		return nil, fmt.Errorf("%s", msg)
	}
	held, paths := t.held(limit)
	return &TypePaths{Snapshot: snap, Type: typ, Instances: t.instances, Held: held, Paths: paths}, nil
}

// typeWalk is the state of PathsOfType: a snapshot's object pages that hold instances or
// objects on their paths, and the merged path of each object visited so far.
type typeWalk struct {
	db     *store.DB
	snap   int64
	pages  []*page.Objects // by page number; nil for a page not kept
	slab   *slab           // the memory of the kept pages' columns
	n      int64           // objects in the snapshot: oids 0 to n-1
	roots  map[int64]string
	hidden []string // the references paths leave out (heap.HiddenHop)
	labels map[uint64]string
	names  map[uint64]string

	// key holds, by oid, the merged path of each object visited: 0 when not yet visited, k+1
	// for node k of the trie, -(k+1) for node k when the object's path text is open (see
	// generalize): then open holds that text, and the paths of the objects below it are
	// spelled out and generalized whole, not step by step.
	key   []int32
	open  map[int64]string
	nodes []trieNode
	trie  trieTable // parent node+1 (0 for none) << 32 | step -> node
	// The last node found in trie, and its key there.
	lastTrie   uint64
	lastNode   int32
	steps      map[string]int32           // a generalized step -> its number
	known      map[uint64]map[string]step // the steps worked out, by type and reference (stepOf)
	recent     [4]knownStep               // the last few of them, looked at before known
	nextRecent int                        // the entry of recent to be replaced next
	texts      []string                   // by step number
	// By step number: the type of the object a step goes to (-1 for the start of a path and
	// for a whole text, flat), and whether the step folds a run of objects of one type (foldOf).
	stepType []int64
	isFold   []bool
	folds    map[uint64]int32 // type -> the step that folds a run of its objects

	// How many instances there are; by oid, a bit set for each instance; the instances whose
	// paths go through pages not read yet when they were found, with their own steps, and the
	// folded ones whose dominating instance was not known then (fold).
	instances  int
	isInstance []uint64
	pending    []pendingInstance
	later      []fold
	// Of the instances found as the pages are read, in a window of tryWindow of them: how many
	// were found, how many walked then, and how many of those were left in pending; and
	// whether most instances are left, as were most of the last window's (tries).
	found, tried, left int
	skip               bool

	// The instances' totals by the trie node of their merged path.
	count, bytes, retained []int64

	up        []int64 // the objects of a walk up, not yet visited
	buf, gbuf []byte
	cur       curPage // the page whose instances are being added, as the pages are read
}

// curPage is a page and its types and references decoded whole: the steps of its objects
// read them there rather than from the page's planes, a value's bytes apart. Those of its
// objects in a class (stepClasses) take their class's step, worked out once.
type curPage struct {
	p       *page.Objects
	types   []uint64
	via     page.Rows
	classes *stepClasses
	steps   []step // by class: noStep until worked out
}

// stepClasses sorts the instances in a page by their step when they have a parent: by their
// reference, every element index one reference (stepOf's key; the instances are of one type).
// The goroutine that reads the pages sorts them while the page is at hand, so that the walk
// works out the step of each class once, not that of each instance: the nodes of a tree, the
// elements of a list, of a few classes a page.
type stepClasses struct {
	of       []uint8  // by index in the page: class+1, or 0 for an object stepOf works out alone
	key, via [][]byte // by class: stepOf's key, and the reference of its first instance
}

// maxClasses bounds the classes of a page (stepClasses.of holds class+1 in a byte); the
// instances past them are worked out one by one, as when there were no classes. (A variable
// for the tests.)
var maxClasses = 255

// classSlots is an open-addressing table of a page's classes, class+1 by a hash of the key:
// room for 255 classes at a load of a half.
type classSlots [512]uint8

// sort sorts the instances found in a page, its references given, into classes (slots is
// scratch). An instance whose reference is a hop paths leave out gets none: stepOf tells
// those by the reference itself.
func (c *stepClasses) sort(t *typeWalk, via page.Rows, found []instance, slots *classSlots) {
	*slots = classSlots{}
	c.of, c.key, c.via = slices.Grow(c.of[:0], page.Size)[:page.Size], c.key[:0], c.via[:0]
	clear(c.of)
	last, before := 0, 0 // the classes of the last two instances of a class, +1
	for _, in := range found {
		v := via.View(in.i)
		if hiddenHop(t, v) {
			continue // of = 0
		}
		key := stepKey(v)
		k := c.find(key, last, before)
		if k == 0 {
			if k = c.add(key, v, slots); k == 0 {
				continue // of = 0: too many classes
			}
		}
		if k != last {
			last, before = k, last
		}
		c.of[in.i] = uint8(k)
	}
}

// find returns a or b, class+1 (0 for none), whichever has the key key, or 0.
func (c *stepClasses) find(key []byte, a, b int) int {
	if a > 0 && string(c.key[a-1]) == string(key) {
		return a
	}
	if b > 0 && string(c.key[b-1]) == string(key) {
		return b
	}
	return 0
}

// add returns the class+1 of the key key, made if new (via its reference), or 0 when there is
// no room for more classes.
func (c *stepClasses) add(key, via []byte, slots *classSlots) int {
	h := uint64(0xcbf29ce484222325)
	for _, b := range key {
		h = (h ^ uint64(b)) * 0x100000001B3
	}
	s := h >> (64 - 9)
	for ; slots[s] != 0; s = (s + 1) % uint64(len(slots)) {
		if k := int(slots[s]); c.find(key, k, 0) != 0 {
			return k
		}
	}
	if len(c.key) >= maxClasses {
		return 0
	}
	c.key, c.via = append(c.key, key), append(c.via, via)
	slots[s] = uint8(len(c.key))
	return len(c.key)
}

// stepKey is the key of a reference among the steps worked out (stepOf): the reference, or
// elementKey for a whole element index ([17], ['key']), which generalize writes [*].
func stepKey(via []byte) []byte {
	if len(via) > 0 && via[0] == '[' {
		if end, st := indexAt(via, 0); st == indexFound && end == len(via) {
			return elementKey
		}
	}
	return via
}

// instance is what the merge reads of an instance in its page: found as the pages are read,
// on the goroutine that reads them (typeWalk.read).
type instance struct {
	i              int   // its index in the page
	parent, idom   int64 // -1 for none
	size, retained int64
}

// instanceAt reads object i of page p, an instance, as read does (page.Ints.OrNone is the
// value read less one).
func instanceAt(p *page.Objects, i int) instance {
	return instance{i: i, parent: p.Parent.OrNone(i), idom: p.IDom.OrNone(i), size: int64(p.Size.At(i)), retained: int64(p.Retained.At(i))}
}

// pendingInstance is an instance left for after the pages are read, with its own step.
type pendingInstance struct {
	oid   int64
	first step
}

// noStep stands for a step not worked out yet.
var noStep = step{text: -1}

// fold is a folded instance, oid, its retained size, and its nearest dominator that is an
// instance, d (dominatingInstance): -1 for none, -2 when not found yet.
type fold struct{ oid, retained, d int64 }

// trieNode is one merged path: its parent's (-1 for none), and one generalized step.
type trieNode struct{ parent, step int32 }

// knownStep is a step stepOf worked out, with the type and reference it is the step of.
type knownStep struct {
	typ uint64
	key []byte
	st  step
}

// step is what one object adds to its parent's path: the number of its generalized text, and
// how it joins.
type step struct {
	text int32
	kind uint8
}

// The kinds of step.
const (
	stepNext    = iota // " -> " and the reference and the type, after the parent's path
	stepOpen           // as stepNext, and the text is open (generalize)
	stepTop            // where a path starts: the object's name
	stepTopOpen        // as stepTop, and the name is open
	stepHidden         // a hop paths leave out: the object's path is its parent's
)

func newTypeWalk(ctx context.Context, db *store.DB, snap int64) (*typeWalk, error) {
	roots, err := db.RootNames(ctx, snap)
	if err != nil {
		return nil, err
	}
	t := &typeWalk{db: db, snap: snap, slab: newSlab(), roots: roots, labels: map[uint64]string{}, names: map[uint64]string{},
		open: map[int64]string{}, steps: map[string]int32{}, known: map[uint64]map[string]step{}, folds: map[uint64]int32{}}
	for _, h := range heap.Handlers() {
		if r, ok := h.(heap.PathRules); ok {
			t.hidden = append(t.hidden, r.HiddenHops()...)
		}
	}
	return t, nil
}

// merge reads the snapshot's object pages and adds each instance of type id to its merged
// path. The pages are read on a goroutine of their own, while this one finds the instances in
// them and walks their paths: at once for those whose paths are in the pages read so far
// (most, in a dump in address order), the others once every page is read.
func (t *typeWalk) merge(ctx context.Context, id uint64) error {
	// The type names are read once, before the pages (store.DB.TypeName reads them all).
	if _, err := t.typeName(ctx, id); err != nil {
		return err
	}
	want, err := t.db.TypeCount(ctx, t.snap, int64(id))
	if err != nil {
		return err
	}
	n, err := t.db.ObjectCount(ctx, t.snap)
	if err != nil {
		return err
	}
	// Room for the objects, as many as the snapshot counts (a hint: the pages decide); the
	// keys, 4 bytes an object, in the slab's arena, for its huge pages.
	if c := min(n, maxHint); c > 0 {
		t.key = graph.MakeIn[int32](t.slab.arena, 0, int(c))
		t.isInstance = make([]uint64, 0, (c+63)/64)
	}
	if c := min(want, n, maxPendingHint); c > 0 {
		t.pending = make([]pendingInstance, 0, c) // as many as there are instances, at most
	}
	// A type with an instance per page or more has them, and the objects on their paths, in
	// most pages: they are all kept. Of a rarer type, only the pages with instances are kept,
	// and the walk reads again the few others that hold objects on their paths.
	keepAll := want >= (n+page.Size-1)>>page.Bits
	if err := t.read(ctx, id, keepAll, n); err != nil {
		return err
	}
	for j, in := range t.pending {
		if j%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		p, i, err := t.at(ctx, in.oid)
		if err != nil {
			return err
		}
		if err := t.add(ctx, in.oid, instanceAt(p, i), in.first, false); err != nil {
			return err
		}
	}
	for _, f := range t.later {
		d := f.d
		if d == -2 {
			p, i, err := t.at(ctx, f.oid)
			if err != nil {
				return err
			}
			if d, err = t.dominatingInstance(ctx, p.IDom.OrNone(i), false); err != nil {
				return err
			}
		}
		if k := t.pathNode(f.oid); d >= 0 && t.pathNode(d) == k {
			t.retained[k] -= f.retained
		}
	}
	return nil
}

// add adds instance oid to its merged path; first is its own step, or noStep. When soon is
// set, the pages are still being read: an instance whose path goes through a page not read
// yet (or not kept), or that is not walked then (tries), is left in pending, its own step
// worked out while its page is at hand.
//
// The instances of a folded run (folder) may retain one another, the nodes of a list or a
// tree: one counts in its path's retained only when the nearest instance among its dominators
// is on another path, or there is none. Where that dominator is not visited yet, the instance
// is left in later.
func (t *typeWalk) add(ctx context.Context, oid int64, in instance, first step, soon bool) error {
	k, ok, tried := int32(0), false, !soon || t.tries()
	if tried {
		var err error
		if k, ok, err = t.visit(ctx, oid, in.parent, first, soon); err != nil {
			return err
		}
	}
	if !ok {
		if tried {
			t.left++
		}
		p, i, err := t.at(ctx, oid)
		if err != nil {
			return err
		}
		first, err := t.stepOf(ctx, p, i, oid, in.parent)
		if err != nil {
			return err
		}
		t.pending = append(t.pending, pendingInstance{oid, first})
		return nil
	}
	k = nodeOfKey(k)
	if int(k) >= len(t.count) {
		n := len(t.nodes) + 1024
		t.count, t.bytes, t.retained = grow(t.count, n), grow(t.bytes, n), grow(t.retained, n)
	}
	t.count[k]++
	t.bytes[k] += in.size
	t.retained[k] += in.retained
	if !t.isFold[t.nodes[k].step] {
		return nil
	}
	d, err := t.dominatingInstance(ctx, in.idom, soon)
	switch {
	case err != nil:
		return err
	case d == -2 || d >= 0 && t.key[d] == 0:
		t.later = append(t.later, fold{oid, in.retained, d})
	case d >= 0 && t.pathNode(d) == k:
		t.retained[k] -= in.retained
	}
	return nil
}

// tries reports whether the instance found next, as the pages are read, is to be walked then:
// in a dump in address order, the paths of most instances of some types go to lower oids, and
// of others, to higher ones half of the time, or more. Where half of the instances of the
// last window were left for later, only one in skipOne is walked, to see whether that is still
// so: a walk that stops on a page not read yet is done again after.
func (t *typeWalk) tries() bool {
	t.found++
	try := !t.skip || t.found%skipOne == 0
	if try {
		t.tried++
	}
	if t.found == tryWindow {
		t.skip = 2*t.left > t.tried
		t.found, t.tried, t.left = 0, 0, 0
	}
	return try
}

// The window of tries, and how many instances of a window it skips per one it walks (variables
// for the tests, which make the window small).
var (
	tryWindow = 4096
	skipOne   = 8
)

// maxFoldDominators bounds how far up its dominators dominatingInstance looks for an instance:
// the nodes of a linked structure are a dominator or two apart.
const maxFoldDominators = 64

// dominatingInstance returns the nearest of an object's dominators that is an instance, among
// the first maxFoldDominators of them, from its immediate dominator idom (-1 for none); -1
// for none. When soon is set (typeWalk.add), it returns -2 for a dominator in a page not
// read yet or not kept, before it.
func (t *typeWalk) dominatingInstance(ctx context.Context, idom int64, soon bool) (int64, error) {
	cur := idom
	for range maxFoldDominators {
		switch {
		case cur < 0:
			return -1, nil
		case cur < t.n && t.isInstance[cur/64]&(1<<(cur%64)) != 0:
			return cur, nil
		case soon && !t.kept(cur):
			return -2, nil
		}
		p, i, err := t.at(ctx, cur)
		if err != nil {
			return 0, err
		}
		cur = p.IDom.OrNone(i)
	}
	return -1, nil
}

// maxHint bounds the room made for the objects and instances before the pages say how many
// there are, against a damaged count: a billion objects, past what a load on any machine
// memsee runs on makes. Room below it costs address space only until the pages fill it (a
// large allocation is fresh memory), and too little costs much: a snapshot of 100M objects
// grew its arrays by append past the old bound of 2^26, copying them and peaking far higher.
const maxHint = 1 << 30

// maxPendingHint bounds the room made for the instances left for later, each a few words: the
// room made for more grows by append.
const maxPendingHint = 1 << 26

// pathColumns are the columns of the pages that PathsOfType reads (page.DecodeObjectsOf): the
// others are left alone.
const pathColumns = page.ColType | page.ColSize | page.ColParent | page.ColIDom |
	page.ColRetained | page.ColVia

// read reads every object page of the snapshot, which has objects objects, finds the
// instances of type id and adds them (add); it keeps the pages with instances, or all of them.
func (t *typeWalk) read(ctx context.Context, id uint64, keepAll bool, objects int64) error {
	ctx, cancel := context.WithCancel(ctx)
	type read struct {
		first int64
		n     int           // the page's objects
		p     *page.Objects // nil for a page not kept
		found []instance    // the instances in p
		// Its types decoded whole, to find the instances, and, of a page with instances, its
		// references and its objects sorted by step (stepClasses): the steps of its instances
		// read them there (typeWalk.cur).
		types   []uint64
		via     page.Rows
		classes stepClasses
	}
	// The pages go over in batches: one at a time, waking the other goroutine for each page
	// cost as much as finding the instances in it. The batches this goroutine is done with go
	// back, to be filled again.
	const batch = 32
	batches, free := make(chan []read, 4), make(chan []read, 8)
	done := make(chan error, 1)
	go func() {
		b := make([]read, 0, batch)
		var parent, idom, size, retained []uint64 // a page's columns
		var slots classSlots
		// send sends the batch once it is full.
		send := func() error {
			if len(b) < batch {
				return nil
			}
			select {
			case batches <- b:
			case <-ctx.Done():
				return ctx.Err()
			}
			select {
			case b = <-free:
				b = b[:0]
			default:
				b = make([]read, 0, batch)
			}
			return nil
		}
		err := t.db.EachObjectPageOf(ctx, t.snap, pathColumns, func(first int64, p *page.Objects) error {
			b = b[:len(b)+1]
			r := &b[len(b)-1]
			r.first, r.n, r.p, r.found = first, p.N, p, r.found[:0]
			r.types = p.Type.AppendAll(r.types[:0], p.N)
			has := slices.Contains(r.types, id)
			// The pages kept go to the slab here, beside the walk, their columns laid out one value
			// after the other: into memory the system maps in afresh, a tenth of the walk's time
			// when the walk's goroutine did it.
			if !has && !keepAll {
				p.Release() // its memory unpacks a page to come
				r.p = nil
				return send()
			}
			p.CompactInto(t.slab.take) // the columns it was not decoded of go
			if !has {
				return send()
			}
			parent, idom = p.Parent.AppendAll(parent[:0], p.N), p.IDom.AppendAll(idom[:0], p.N)
			size, retained = p.Size.AppendAll(size[:0], p.N), p.Retained.AppendAll(retained[:0], p.N)
			for i, typ := range r.types {
				if typ == id {
					r.found = append(r.found, instance{i: i, parent: int64(parent[i]) - 1, idom: int64(idom[i]) - 1,
						size: int64(size[i]), retained: int64(retained[i])})
				}
			}
			r.via = p.Via.Rows(r.via, p.N) // in the slab, where CompactInto moved it
			r.classes.sort(t, r.via, r.found, &slots)
			return send()
		})
		if err == nil && len(b) > 0 {
			batches <- b
		}
		done <- err
		close(batches)
	}()
	defer func() {
		cancel()
		for range batches {
		}
	}()
	for b := range batches {
		for _, r := range b {
			if r.first != t.n {
				// A page is missing, or one before it is short.
				return fmt.Errorf("snapshot %d, object page %d: oid %d expected first: %w", t.snap, r.first>>page.Bits, t.n, page.ErrDamaged)
			}
			t.n += int64(r.n)
			t.key = grow(t.key, int(t.n))
			t.isInstance = grow(t.isInstance, int(t.n+63)/64)
			for _, in := range r.found {
				oid := r.first + int64(in.i)
				t.isInstance[oid/64] |= 1 << (oid % 64)
			}
			t.instances += len(r.found)
			t.pages = append(t.pages, r.p)
			if len(r.found) == 0 {
				continue // and r.via is not this page's
			}
			steps := t.cur.steps[:0]
			for range r.classes.key {
				steps = append(steps, noStep)
			}
			t.cur = curPage{p: r.p, types: r.types, via: r.via, classes: &r.classes, steps: steps}
			for _, in := range r.found {
				if err := t.add(ctx, r.first+int64(in.i), in, noStep, true); err != nil {
					return err
				}
			}
		}
		t.cur = curPage{steps: t.cur.steps} // the batch's memory goes back
		select {
		case free <- b:
		default:
		}
	}
	if err := <-done; err != nil {
		return err
	}
	if objects != t.n {
		return fmt.Errorf("snapshot %d has %d objects in its pages, not %d: %w", t.snap, t.n, objects, page.ErrDamaged)
	}
	return nil
}

// grow returns s with length n, the values past its length zero.
func grow[T int32 | int64 | uint64](s []T, n int) []T {
	if n <= cap(s) {
		return s[:n] // past its length, s was never written
	}
	return append(s, make([]T, n-len(s))...)
}

// pathNode returns the trie node of the merged path of visited object oid (typeWalk.key).
func (t *typeWalk) pathNode(oid int64) int32 { return nodeOfKey(t.key[oid]) }

// nodeOfKey returns the trie node a key (typeWalk.key) stands for, whatever its sign.
func nodeOfKey(k int32) int32 { return max(k, -k) - 1 }

// kept reports whether the page of oid was read, and kept.
func (t *typeWalk) kept(oid int64) bool {
	return oid >= 0 && oid < t.n && t.pages[oid>>page.Bits] != nil
}

// at returns the page of oid and its index there, reading the page if it was not kept.
func (t *typeWalk) at(ctx context.Context, oid int64) (*page.Objects, int, error) {
	if oid < 0 || oid >= t.n {
		return nil, 0, fmt.Errorf("%w: snapshot %d has no object %d", store.ErrNoObject, t.snap, oid)
	}
	num := oid >> page.Bits
	if t.pages[num] == nil {
		p, err := t.db.ObjectPage(ctx, t.snap, num)
		if err != nil {
			return nil, 0, err
		}
		if int64(p.N) != min(page.Size, t.n-num<<page.Bits) {
			return nil, 0, fmt.Errorf("snapshot %d, object page %d: %d objects: %w", t.snap, num, p.N, page.ErrDamaged)
		}
		t.pages[num] = p
	}
	return t.pages[num], int(oid & (page.Size - 1)), nil
}

// visit returns the key of oid's merged path (typeWalk.key), visiting the objects above it
// that were not visited yet, as Walker.PathTo does; parent is oid's, first its own step or
// noStep. When soon is set, an object above it in a page not read yet (or not kept) leaves it
// unvisited: ok is false.
func (t *typeWalk) visit(ctx context.Context, oid, parent int64, first step, soon bool) (k int32, ok bool, err error) {
	if k := t.key[oid]; k != 0 {
		return k, true, nil
	}
	up := append(t.up[:0], oid)
	cur := parent
	for cur >= 0 {
		if cur < t.n && t.key[cur] != 0 {
			break
		}
		if soon && !t.kept(cur) {
			t.up = up
			return 0, false, nil
		}
		if len(up) > maxDepth {
			return 0, false, fmt.Errorf("object %d: the links up from it loop", oid)
		}
		p, i, err := t.at(ctx, cur)
		if err != nil {
			return 0, false, err
		}
		up = append(up, cur)
		cur = p.Parent.OrNone(i)
	}
	t.up = up
	if cur >= 0 {
		k = t.key[cur]
	}
	for j := len(up) - 1; j >= 0; j-- {
		o := up[j]
		s := first
		if j > 0 || s == noStep {
			p, i, _ := t.at(ctx, o)
			if s, err = t.stepOf(ctx, p, i, o, cur); err != nil {
				return 0, false, err
			}
		}
		if k, err = t.join(ctx, o, cur, k, s); err != nil {
			return 0, false, err
		}
		t.key[o] = k
		cur = o
	}
	return k, true, nil
}

// stepOf works out the step of object i of page p, oid, whose parent is parent (-1 for none).
func (t *typeWalk) stepOf(ctx context.Context, p *page.Objects, i int, oid, parent int64) (step, error) {
	switch {
	case parent >= 0 && p != t.cur.p:
		return t.stepFor(ctx, p.Type.At(i), p.Via.View(i))
	case parent >= 0 && t.cur.classes.of[i] == 0:
		return t.stepFor(ctx, t.cur.types[i], t.cur.via.View(i))
	case parent >= 0:
		c := t.cur.classes.of[i] - 1
		if t.cur.steps[c] == noStep {
			st, err := t.stepFor(ctx, t.cur.types[i], t.cur.classes.via[c])
			if err != nil {
				return step{}, err
			}
			t.cur.steps[c] = st
		}
		return t.cur.steps[c], nil
	}
	name, err := t.start(ctx, oid)
	if err != nil {
		return step{}, err
	}
	return t.generalized(append(t.buf[:0], name...), stepTop), nil
}

// stepFor works out the step of an object that has a parent, of type typ, which its parent
// refers to through via (the page's bytes: read, not kept).
func (t *typeWalk) stepFor(ctx context.Context, typ uint64, via []byte) (step, error) {
	if hiddenHop(t, via) {
		return step{kind: stepHidden}, nil
	}
	// The step is the same for the same reference and type; and for every element of a
	// collection ([17], ['key']: a whole index, which generalize writes [*]) of one type.
	key := stepKey(via)
	// The objects of a page are of a few types, each held through a reference or two (the
	// nodes of a tree: +0x0, +0x8): those are found among the last few steps.
	for j := range t.recent {
		if r := &t.recent[j]; r.typ == typ && string(r.key) == string(key) && r.key != nil {
			return r.st, nil
		}
	}
	byVia := t.known[typ]
	st, ok := byVia[string(key)]
	if ok {
		t.remember(typ, key, st)
		return st, nil
	}
	label, err := t.label(ctx, typ)
	if err != nil {
		return step{}, err
	}
	b := append(t.buf[:0], " -> "...)
	if len(via) > 0 {
		b = append(append(b, via...), ' ')
	}
	b = append(b, label...)
	st = t.generalized(b, stepNext)
	t.stepType[st.text] = int64(typ)
	if byVia == nil {
		byVia = map[string]step{}
		t.known[typ] = byVia
	}
	byVia[string(key)] = st
	t.remember(typ, key, st)
	return st, nil
}

// remember keeps step st of type typ and reference key (stepOf) among the last few.
func (t *typeWalk) remember(typ uint64, key []byte, st step) {
	r := &t.recent[t.nextRecent]
	t.nextRecent = (t.nextRecent + 1) % len(t.recent)
	r.typ, r.key, r.st = typ, append(r.key[:0], key...), st
	if r.key == nil {
		r.key = []byte{} // an empty reference: not the nil of an entry never filled
	}
}

// elementKey stands for every element index in the steps stepOf has worked out.
var elementKey = []byte("[*]")

// generalized returns the step whose text, before it is generalized, is b, of kind stepNext or
// stepTop (then stepOpen or stepTopOpen when the text is open).
func (t *typeWalk) generalized(b []byte, kind uint8) step {
	t.buf = b
	g, open := generalize(t.gbuf[:0], b)
	t.gbuf = g
	if open {
		kind++
	}
	return step{t.intern(g), kind}
}

// text spells out the step of oid, as stepOf does before it generalizes it.
func (t *typeWalk) text(ctx context.Context, oid int64) (string, error) {
	p, i, err := t.at(ctx, oid)
	if err != nil {
		return "", err
	}
	if p.Parent.OrNone(i) < 0 {
		return t.start(ctx, oid)
	}
	label, err := t.label(ctx, p.Type.At(i))
	if err != nil {
		return "", err
	}
	if via := p.Via.At(i); via != "" {
		return " -> " + via + " " + label, nil
	}
	return " -> " + label, nil
}

// intern returns the number of a generalized step.
func (t *typeWalk) intern(g []byte) int32 {
	s, ok := t.steps[string(g)]
	if !ok {
		s = t.addText(string(g), -1, false)
		t.steps[t.texts[s]] = s
	}
	return s
}

// addText adds a step's text, and returns its number.
func (t *typeWalk) addText(text string, typ int64, fold bool) int32 {
	t.texts = append(t.texts, text)
	t.stepType = append(t.stepType, typ)
	t.isFold = append(t.isFold, fold)
	return int32(len(t.texts) - 1)
}

// foldOf returns the step that folds a run of objects of type typ, each the one before it's:
// " -> … (T)". It is a step of its own, never interned with the step of a reference that
// happens to be named "…".
func (t *typeWalk) foldOf(ctx context.Context, typ uint64) (int32, error) {
	if f, ok := t.folds[typ]; ok {
		return f, nil
	}
	label, err := t.label(ctx, typ)
	if err != nil {
		return 0, err
	}
	g, _ := generalize(nil, foldText+label) // not open: the label is part of a step that was not
	f := t.addText(string(g), int64(typ), true)
	t.folds[typ] = f
	return f, nil
}

// join returns the key of oid's merged path: its parent's (pk, of object parent) and step s.
func (t *typeWalk) join(ctx context.Context, oid, parent int64, pk int32, s step) (int32, error) {
	switch {
	case s.kind == stepHidden:
		if pk < 0 {
			t.open[oid] = t.open[parent]
		}
		return pk, nil
	case s.kind == stepTop || s.kind == stepTopOpen:
		k := t.node(-1, s.text)
		if s.kind == stepTopOpen {
			text, err := t.text(ctx, oid)
			if err != nil {
				return 0, err
			}
			t.open[oid] = text
			return -(k + 1), nil
		}
		return k + 1, nil
	case pk < 0:
		// The parent's text is open: this one is spelled out and generalized whole.
		text, err := t.text(ctx, oid)
		if err != nil {
			return 0, err
		}
		return t.flat(oid, t.open[parent]+text)
	}
	if typ := t.stepType[s.text]; s.kind == stepNext && typ >= 0 {
		// An object of the type of the two before it on its path, or of a run of them folded:
		// the nodes of a linked list, of a tree. The run of them after its first two is one
		// step, so that the nodes of a linked structure share a few paths rather than each
		// having its own (folder).
		parent := t.nodes[pk-1]
		if t.stepType[parent.step] == typ {
			if t.isFold[parent.step] {
				return pk, nil
			}
			if parent.parent >= 0 && t.stepType[t.nodes[parent.parent].step] == typ {
				f, err := t.foldOf(ctx, uint64(typ))
				if err != nil {
					return 0, err
				}
				return t.node(pk-1, f) + 1, nil
			}
		}
	}
	k := t.node(pk-1, s.text)
	if s.kind == stepOpen {
		// Spelled out in full for the objects below it.
		prefix, err := t.fullText(ctx, parent)
		if err != nil {
			return 0, err
		}
		text, err := t.text(ctx, oid)
		if err != nil {
			return 0, err
		}
		t.open[oid] = prefix + text
		return -(k + 1), nil
	}
	return k + 1, nil
}

// flat returns the key of a path whose whole text is text, a node with no parent.
func (t *typeWalk) flat(oid int64, text string) (int32, error) {
	g, open := generalize(t.gbuf[:0], []byte(text))
	t.gbuf = g
	k := t.node(-1, t.intern(g))
	if open {
		t.open[oid] = text
		return -(k + 1), nil
	}
	return k + 1, nil
}

// node returns the trie node of parent node parent (-1 for none) and step s, made if new.
func (t *typeWalk) node(parent, s int32) int32 {
	tk := uint64(uint32(parent+1))<<32 | uint64(uint32(s))
	if tk == t.lastTrie && len(t.nodes) > 0 {
		// The elements of one collection, one after the other.
		return t.lastNode
	}
	k, ok := t.trie.get(tk)
	if !ok {
		k = int32(len(t.nodes))
		t.nodes = append(t.nodes, trieNode{parent, s})
		t.trie.put(tk, k)
	}
	t.lastTrie, t.lastNode = tk, k
	return k
}

// trieTable maps a trie node's key (its parent and its step) to the node: open addressing with
// linear probing, at a load of at most a half. A Go map took a third of the time of a type whose
// every instance has a path of its own (the nodes of a tree), millions of nodes.
type trieTable struct {
	keys  []uint64
	nodes []int32 // node+1; 0 for an empty slot
	n     int
	shift uint // 64 - log2(len(keys))
}

func (t *trieTable) slot(key uint64) uint64 { return (key * 0x9E3779B97F4A7C15) >> t.shift }

func (t *trieTable) get(key uint64) (int32, bool) {
	if t.n == 0 {
		return 0, false
	}
	mask := uint64(len(t.keys) - 1)
	for i := t.slot(key); ; i = (i + 1) & mask {
		switch {
		case t.nodes[i] == 0:
			return 0, false
		case t.keys[i] == key:
			return t.nodes[i] - 1, true
		}
	}
}

// put adds a key that get did not find.
func (t *trieTable) put(key uint64, node int32) {
	if 2*(t.n+1) > len(t.keys) {
		old, oldNodes := t.keys, t.nodes
		size := max(1024, 2*len(old))
		t.keys, t.nodes = make([]uint64, size), make([]int32, size)
		t.shift = uint(64 - bits.TrailingZeros(uint(size)))
		t.n = 0
		for i, k := range old {
			if oldNodes[i] != 0 {
				t.put(k, oldNodes[i]-1)
			}
		}
	}
	mask := uint64(len(t.keys) - 1)
	i := t.slot(key)
	for t.nodes[i] != 0 {
		i = (i + 1) & mask
	}
	t.keys[i], t.nodes[i] = key, node+1
	t.n++
}

// hiddenHop is heap.HiddenHop, without asking the registry each time.
func hiddenHop[S []byte | string](t *typeWalk, via S) bool {
	if len(via) == 0 {
		return false
	}
	for _, h := range t.hidden {
		if string(via) == h {
			return true
		}
	}
	return false
}

// start spells out where the path of oid, which has no parent, starts: Walker.Name, and
// whether the object is unreachable. The pages the walk keeps have neither addresses nor
// distances (pathColumns), for the few objects that start paths: this reads its page whole,
// through the store's cache.
func (t *typeWalk) start(ctx context.Context, oid int64) (string, error) {
	p, err := t.db.ObjectPage(ctx, t.snap, oid>>page.Bits)
	if err != nil {
		return "", err
	}
	i := int(oid & (page.Size - 1))
	if i >= p.N {
		return "", fmt.Errorf("snapshot %d, object page %d: %d objects: %w", t.snap, oid>>page.Bits, p.N, page.ErrDamaged)
	}
	name := t.roots[oid]
	if name == "" {
		typ, err := t.typeName(ctx, p.Type.At(i))
		if err != nil {
			return "", err
		}
		name = fmt.Sprintf("%s@%#x", typ, int64(p.Addr.At(i)))
	}
	if p.Distance.OrNone(i) < 0 {
		name += unreachable
	}
	return name, nil
}

func (t *typeWalk) typeName(ctx context.Context, id uint64) (string, error) {
	if name, ok := t.names[id]; ok {
		return name, nil
	}
	name, err := t.db.TypeName(ctx, int64(id))
	if err != nil {
		return "", err
	}
	t.names[id] = name
	return name, nil
}

func (t *typeWalk) label(ctx context.Context, id uint64) (string, error) {
	if l, ok := t.labels[id]; ok {
		return l, nil
	}
	name, err := t.typeName(ctx, id)
	if err != nil {
		return "", err
	}
	t.labels[id] = typeLabel(name)
	return t.labels[id], nil
}

// fullText spells out the shortest path to oid, as Walker.PathTo does, for the rare path whose
// text stays open (generalize).
func (t *typeWalk) fullText(ctx context.Context, oid int64) (string, error) {
	var chain []int64
	for cur := oid; cur >= 0; {
		if len(chain) > maxDepth {
			return "", fmt.Errorf("object %d: the links up from it loop", oid)
		}
		p, i, err := t.at(ctx, cur)
		if err != nil {
			return "", err
		}
		chain = append(chain, cur)
		cur = p.Parent.OrNone(i)
	}
	var f folder[uint64]
	for j := len(chain) - 1; j >= 0; j-- {
		p, i, _ := t.at(ctx, chain[j])
		if j == len(chain)-1 {
			name, err := t.start(ctx, chain[j])
			if err != nil {
				return "", err
			}
			f.b = append(f.b, name...)
			continue
		}
		via := p.Via.At(i)
		if hiddenHop(t, via) {
			continue
		}
		label, err := t.label(ctx, p.Type.At(i))
		if err != nil {
			return "", err
		}
		f.step(via, p.Type.At(i), label)
	}
	return string(f.b), nil
}

// foldText starts the step that folds a run of objects of one type, before the type's label.
const foldText = " -> … "

// folder spells out a path, after its start, step by step as PathsOfType merges paths (see
// join): in a run of objects of one type, each held by the one before it (a linked list, a
// tree), the steps after the first two are one, foldText and the type's label; but where the
// text is open (generalize). The first two say how the structure links ("-> .head (Node) ->
// .next (Node) -> … (Node)").
type folder[T comparable] struct {
	b      []byte
	last   T    // the type of the last step
	run    int  // how many steps of type last there are in a row, that a fold may follow
	folded bool // whether the last step is a fold
}

// step adds the step to an object of type typ through reference via.
func (f *folder[T]) step(via string, typ T, label string) {
	text := " -> "
	if via != "" {
		text += via + " "
	}
	text += label
	_, prefixOpen := generalize(nil, f.b)
	_, open := generalize(nil, text)
	foldable := !prefixOpen && !open
	switch {
	case foldable && f.run >= 2 && f.last == typ:
		if !f.folded {
			f.b = append(append(f.b, foldText...), label...)
			f.folded = true
		}
		return
	case foldable && f.run >= 1 && f.last == typ:
		f.run++
	case foldable:
		f.run = 1
	default:
		f.run = 0
	}
	f.b = append(f.b, text...)
	f.last, f.folded = typ, false
}

// held returns the merged paths that hold instances, those that read the same merged, largest
// retained first, then by path: the first limit of them (all when limit is 0 or less), and how
// many there are. Only the paths returned, and those that may read the same as another, are
// spelled out: the others are told apart by a hash of their text, worked out step by step
// down the trie.
func (t *typeWalk) held(limit int) ([]Held, int) {
	groups := t.groups()
	if limit <= 0 || limit >= len(groups) {
		out := make([]Held, len(groups))
		for i, g := range groups {
			out[i] = t.heldOf(g)
		}
		sortHeld(out)
		return out, len(groups)
	}
	// The limit-th largest retained: the groups above it are all in, and of those at it, the
	// first by path.
	least := &lessHeap[int64]{less: func(x, y int64) bool { return x < y }}
	for _, g := range groups {
		if least.Len() < limit {
			pq.Push(least, g.retained)
		} else if g.retained > least.s[0] {
			least.s[0] = g.retained
			pq.Fix(least, 0)
		}
	}
	cut := least.s[0]
	var out []Held
	ties := &lessHeap[Held]{less: func(x, y Held) bool { return x.Path > y.Path }} // the last by path on top
	for _, g := range groups {
		switch {
		case g.retained > cut:
			out = append(out, t.heldOf(g))
		case g.retained == cut:
			pq.Push(ties, t.heldOf(g))
			if ties.Len() > limit {
				pq.Pop(ties) // the last by path
			}
		}
	}
	out = append(out, ties.s...)
	sortHeld(out)
	return out[:limit], len(groups)
}

// heldOf spells out group g.
func (t *typeWalk) heldOf(g pathGroup) Held {
	return Held{Path: t.spell(g.node), Count: g.count, Bytes: g.bytes, Retained: g.retained}
}

// pathGroup is the instances of the trie nodes whose paths read the same: node is one of them.
type pathGroup struct {
	count, bytes, retained int64
	node                   int32
}

// groups adds up the instances of the trie nodes whose paths read the same. Two nodes can: a
// path whose text was spelled out whole (flat) is a node with no parent. Each node's text is
// hashed as its parent's text followed by its step, with a polynomial hash (the hash of a+b is
// that of a times base^len(b), plus that of b), and only nodes of the same hash are spelled
// out and compared.
func (t *typeWalk) groups() []pathGroup {
	stepHash, stepPow := make([]uint64, len(t.texts)), make([]uint64, len(t.texts))
	for i, text := range t.texts {
		h, p := uint64(0), uint64(1)
		for _, c := range []byte(text) {
			h, p = h*hashBase+uint64(c)+1, p*hashBase
		}
		stepHash[i], stepPow[i] = h, p
	}
	hash := make([]uint64, len(t.nodes)) // a node's parent comes before it
	for k, n := range t.nodes {
		h := uint64(0)
		if n.parent >= 0 {
			h = hash[n.parent]
		}
		hash[k] = h*stepPow[n.step] + stepHash[n.step]
	}
	type keyed struct {
		hash uint64
		node int32
	}
	var held []keyed
	for k := range t.count {
		if t.count[k] > 0 {
			held = append(held, keyed{hash[k], int32(k)})
		}
	}
	hash = nil
	held = radixSort(held, func(k keyed) uint64 { return k.hash })
	out := make([]pathGroup, 0, len(held))
	add := func(g *pathGroup, k int32) {
		g.count += t.count[k]
		g.bytes += t.bytes[k]
		g.retained += t.retained[k]
	}
	for i := 0; i < len(held); {
		j := i + 1
		for j < len(held) && held[j].hash == held[i].hash {
			j++
		}
		if j == i+1 {
			g := pathGroup{node: held[i].node}
			add(&g, g.node)
			out = append(out, g)
			i = j
			continue
		}
		// The same hash: most likely the same text, but spelled out to be sure.
		byText := map[string]int{}
		for _, h := range held[i:j] {
			text := t.spell(h.node)
			at, ok := byText[text]
			if !ok {
				at = len(out)
				byText[text] = at
				out = append(out, pathGroup{node: h.node})
			}
			add(&out[at], h.node)
		}
		i = j
	}
	return out
}

// radixSort sorts s by key, keeping the order of equal keys, 16 bits at a time: four passes
// over s, where a comparison sort of the millions of paths of a tree's nodes took seconds.
func radixSort[T any](s []T, key func(T) uint64) []T {
	tmp := make([]T, len(s))
	var count [1 << 16]int
	for shift := 0; shift < 64; shift += 16 {
		clear(count[:])
		for _, v := range s {
			count[key(v)>>shift&0xffff]++
		}
		pos := 0
		for d, c := range count {
			count[d] = pos
			pos += c
		}
		for _, v := range s {
			d := key(v) >> shift & 0xffff
			tmp[count[d]] = v
			count[d]++
		}
		s, tmp = tmp, s
	}
	return s
}

// hashBase is the base of groups' hash: odd, and with no short period mod 2^64.
const hashBase = 0x9E3779B97F4A7C15

// spell returns the text of trie node k's merged path.
func (t *typeWalk) spell(k int32) string {
	var steps []int32
	for n := k; n >= 0; n = t.nodes[n].parent {
		steps = append(steps, t.nodes[n].step)
	}
	var b strings.Builder
	for j := len(steps) - 1; j >= 0; j-- {
		b.WriteString(t.texts[steps[j]])
	}
	return b.String()
}

// lessHeap is a heap (container/heap) whose top is the least by less.
type lessHeap[T any] struct {
	s    []T
	less func(x, y T) bool
}

func (h *lessHeap[T]) Len() int           { return len(h.s) }
func (h *lessHeap[T]) Less(i, j int) bool { return h.less(h.s[i], h.s[j]) }
func (h *lessHeap[T]) Swap(i, j int)      { h.s[i], h.s[j] = h.s[j], h.s[i] }
func (h *lessHeap[T]) Push(x any)         { h.s = append(h.s, x.(T)) }
func (h *lessHeap[T]) Pop() any {
	x := h.s[len(h.s)-1]
	h.s = h.s[:len(h.s)-1]
	return x
}

// sortHeld puts the largest retained first, and paths in order among equals.
func sortHeld(out []Held) {
	sort.Slice(out, func(i, j int) bool {
		if out[i].Retained != out[j].Retained {
			return out[i].Retained > out[j].Retained
		}
		return out[i].Path < out[j].Path
	})
}

// generalize appends s to dst with its element indices and dict keys written [*], as
// Generalize does (indexRE: a '[', then a quoted key or text with no ']' or quote, then ']'),
// and reports whether s is open: whether a '[' of s that starts no index could still start
// one if more text followed. When s is not open, Generalize(s+u) is generalize(s) followed by
// Generalize(u), whatever u is, so a path's merged text is its parent's and one step.
func generalize[S []byte | string](dst []byte, s S) ([]byte, bool) {
	open := false
	for i := 0; i < len(s); {
		if s[i] != '[' {
			dst = append(dst, s[i])
			i++
			continue
		}
		end, st := indexAt(s, i)
		switch st {
		case indexFound:
			dst = append(dst, "[*]"...)
			i = end
			continue
		case indexUndecided:
			open = true
		}
		dst = append(dst, '[')
		i++
	}
	return dst, open
}

// What indexAt found.
const (
	indexNone      = iota // no index starts here, whatever follows s
	indexFound            // an index, up to end
	indexUndecided        // s ends before it is decided
)

// indexAt reads what indexRE matches at s[i], a '[': a quoted key ('...' with backslash escapes,
// an escape being any character but a newline), or text with no ']' or quote, then ']'.
func indexAt[S []byte | string](s S, i int) (end, state int) {
	j := i + 1
	if j < len(s) && s[j] == '\'' {
		// A quoted key, or nothing: text with no quote cannot begin with one.
		for j++; j < len(s); j++ {
			switch s[j] {
			case '\'':
				if j+1 == len(s) {
					return 0, indexUndecided
				}
				if s[j+1] == ']' {
					return j + 2, indexFound
				}
				return 0, indexNone
			case '\\':
				j++
				if j == len(s) {
					return 0, indexUndecided
				}
				if s[j] == '\n' {
					return 0, indexNone
				}
			}
		}
		return 0, indexUndecided
	}
	for ; j < len(s); j++ {
		switch s[j] {
		case ']':
			return j + 1, indexFound
		case '\'':
			return 0, indexNone
		}
	}
	return 0, indexUndecided
}
