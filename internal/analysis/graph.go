package analysis

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/store"
)

// Objects is what the graph walks need of the store.
type Objects interface {
	Objects(ctx context.Context, snap int64, oids []int64) (map[int64]store.Object, error)
	RootName(ctx context.Context, snap, oid int64) (string, error)
}

// Walker walks parent and dominator links of one snapshot, remembering the objects it has
// read, so that the paths of many objects that share ancestors cost one read per ancestor.
type Walker struct {
	db    Objects
	snap  int64
	cache map[int64]store.Object
	roots map[int64]string
	texts map[int64]string // oid -> its path text
}

// NewWalker returns a Walker over snapshot snap.
func NewWalker(db Objects, snap int64) *Walker {
	return &Walker{db: db, snap: snap, cache: map[int64]store.Object{}, roots: map[int64]string{}, texts: map[int64]string{}}
}

// Object returns one object.
func (w *Walker) Object(ctx context.Context, oid int64) (store.Object, error) {
	if o, ok := w.cache[oid]; ok {
		return o, nil
	}
	m, err := w.db.Objects(ctx, w.snap, []int64{oid})
	if err != nil {
		return store.Object{}, err
	}
	w.cache[oid] = m[oid]
	return m[oid], nil
}

// Prefetch reads objects and their ancestors on shortest paths a batch at a time, so that
// PathTo and Describe on many objects do not read them one by one.
func (w *Walker) Prefetch(ctx context.Context, oids []int64) error {
	for depth := 0; len(oids) > 0 && depth < maxDepth; depth++ {
		seen := map[int64]bool{}
		var need []int64
		for _, oid := range oids {
			if _, ok := w.cache[oid]; !ok && oid >= 0 && !seen[oid] {
				seen[oid] = true
				need = append(need, oid)
			}
		}
		slices.Sort(need) // in page order: each page is read once while the cache holds it
		m, err := w.db.Objects(ctx, w.snap, need)
		if err != nil {
			return err
		}
		oids = make([]int64, 0, len(m)) // not oids[:0]: the caller's slice stays as it was
		for oid, o := range m {
			w.cache[oid] = o
			oids = append(oids, o.Parent)
		}
	}
	return nil
}

// maxDepth bounds a walk up parent or dominator links, which the load made acyclic; a
// database edited by hand could still loop.
const maxDepth = 1 << 20

// ShortestPath returns the objects on a shortest path from a root to oid, root first. An
// unreachable object's path is the object alone.
func (w *Walker) ShortestPath(ctx context.Context, oid int64) ([]store.Object, error) {
	return w.chain(ctx, oid, func(o store.Object) int64 { return o.Parent })
}

// DominatorChain returns oid's dominators, the outermost first, ending with oid itself.
func (w *Walker) DominatorChain(ctx context.Context, oid int64) ([]store.Object, error) {
	return w.chain(ctx, oid, func(o store.Object) int64 { return o.IDom })
}

func (w *Walker) chain(ctx context.Context, oid int64, up func(store.Object) int64) ([]store.Object, error) {
	var out []store.Object
	if err := w.eachUp(ctx, oid, up, func(o store.Object) { out = append(out, o) }); err != nil {
		return nil, err
	}
	slices.Reverse(out)
	return out, nil
}

// eachUp calls fn with oid's object, then with each object up its links (up) to a root.
func (w *Walker) eachUp(ctx context.Context, oid int64, up func(store.Object) int64, fn func(store.Object)) error {
	for cur, n := oid, 0; cur >= 0; n++ {
		if n > maxDepth {
			return fmt.Errorf("object %d: the links up from it loop", oid)
		}
		o, err := w.Object(ctx, cur)
		if err != nil {
			return err
		}
		fn(o)
		cur = up(o)
	}
	return nil
}

// Name says an object in words: "module shop" for a named root, else "AuditEntry@0x7f3a...".
func (w *Walker) Name(ctx context.Context, o store.Object) (string, error) {
	name, err := w.rootName(ctx, o.OID)
	if err != nil {
		return "", err
	}
	if name != "" {
		return name, nil
	}
	return fmt.Sprintf("%s@%#x", o.Type, o.Addr), nil
}

// PathText spells a path as code reads: `module shop -> ._audit_log (list) -> [17] (AuditEntry)`.
// The hops the format leaves out of paths (heap.HiddenHop: Python's __dict__) are left out.
func (w *Walker) PathText(ctx context.Context, path []store.Object) (string, error) {
	if len(path) == 0 {
		return "", nil
	}
	start, err := w.Name(ctx, path[0])
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(start)
	if path[0].Distance < 0 {
		b.WriteString(unreachable)
	}
	for _, o := range path[1:] {
		if heap.HiddenHop(o.Via) {
			continue
		}
		b.WriteString(" -> ")
		if o.Via != "" {
			b.WriteString(o.Via)
			b.WriteByte(' ')
		}
		b.WriteString(typeLabel(o.Type))
	}
	return b.String(), nil
}

// unreachable follows the name of an object no root reaches, where its path starts.
const unreachable = " (unreachable: no root holds it)"

// PathTo returns the text of a shortest path to oid, reusing the texts of its ancestors.
func (w *Walker) PathTo(ctx context.Context, oid int64) (string, error) {
	if t, ok := w.texts[oid]; ok {
		return t, nil
	}
	// Walk up until an object whose text is known, then build down.
	var up []store.Object
	cur := oid
	prefix := ""
	for cur >= 0 {
		if t, ok := w.texts[cur]; ok {
			prefix = t
			break
		}
		if len(up) > maxDepth {
			return "", fmt.Errorf("object %d: the links up from it loop", oid)
		}
		o, err := w.Object(ctx, cur)
		if err != nil {
			return "", err
		}
		up = append(up, o)
		cur = o.Parent
	}
	for i := len(up) - 1; i >= 0; i-- {
		o := up[i]
		var t string
		if prefix == "" && cur < 0 && i == len(up)-1 {
			var err error
			if t, err = w.PathText(ctx, []store.Object{o}); err != nil {
				return "", err
			}
		} else if heap.HiddenHop(o.Via) {
			t = prefix
		} else {
			step := typeLabel(o.Type)
			if o.Via != "" {
				step = o.Via + " " + step
			}
			t = prefix + " -> " + step
		}
		w.texts[o.OID] = t
		prefix = t
	}
	return prefix, nil
}

// indexRE matches element indices and dict keys in a path text: [17], ['SKU-1'], [None].
var indexRE = regexp.MustCompile(`\[('(?:[^'\\]|\\.)*'|[^\]']*)\]`)

// Generalize writes the element indices and dict keys of a path text as [*], so that the
// paths of the objects in one collection read the same.
func Generalize(path string) string { return indexRE.ReplaceAllString(path, "[*]") }

// nameIndexRE matches only what is surely an index or a key in a name a format spelled: a
// number, a quoted key, None; not a name in brackets such as V8's script "[eval]".
var nameIndexRE = regexp.MustCompile(`\[(\d+|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|None)\]`)

// GeneralizeName is Generalize for a holder's name as a format spelled it (heap.HolderRules).
func GeneralizeName(name string) string { return nameIndexRE.ReplaceAllString(name, "[*]") }

// Held is a group of objects whose shortest paths differ only in element indices and dict
// keys (Generalize), as Eclipse MAT's "merge shortest paths to GC roots" groups them: one
// holder and how many it holds.
type Held struct {
	Path            string // with indices as [*]
	Count           int64
	Bytes, Retained int64
}

// Describe says where an object is, for people: its path, and for the target of a hidden hop
// (a __dict__), the hop to it (which paths to the objects inside it leave out).
func (w *Walker) Describe(ctx context.Context, oid int64) (string, error) {
	t, err := w.PathTo(ctx, oid)
	if err != nil {
		return "", err
	}
	o, err := w.Object(ctx, oid)
	if err != nil {
		return "", err
	}
	if heap.HiddenHop(o.Via) {
		t += " -> " + o.Via + " (" + o.Type + ")"
	}
	return t, nil
}

// ShortPath shortens a path text of more than max hops for a table: the start, "…", and the
// hops nearest the object, which are where a leak is fixed. JSON keeps paths whole.
func ShortPath(path string, max int) string {
	hops := strings.Split(path, " -> ")
	if len(hops) <= max || max < 4 {
		return path
	}
	head, tail := 2, max-3
	out := append([]string{}, hops[:head]...)
	out = append(out, fmt.Sprintf(elidedHops, len(hops)-head-tail))
	out = append(out, hops[len(hops)-tail:]...)
	return strings.Join(out, " -> ")
}

// elidedHops stands for the hops ShortPath leaves out.
const elidedHops = "… %d more …"

// Elided reports whether hop h of a path stands for hops ShortPath left out ("… 7 more …"),
// not for a run of objects folded (path --type: "… (Node)").
func Elided(h string) bool {
	var n int
	_, err := fmt.Sscanf(h, elidedHops, &n)
	return err == nil && fmt.Sprintf(elidedHops, n) == h
}

// typeLabel writes a type in a path: (AuditEntry); V8's own classes, already in parentheses
// as DevTools writes them ((array), (compiled code)), stay as they are.
func typeLabel(t string) string {
	if strings.HasPrefix(t, "(") && strings.HasSuffix(t, ")") {
		return t
	}
	return "(" + t + ")"
}

// Hops returns the hops of a shortest path from a root to oid, the root first, as a format's
// heap.HolderRules reads them.
func (w *Walker) Hops(ctx context.Context, oid int64) ([]heap.Hop, error) {
	// Up the parents, as ShortestPath, without a copy of each object: holders are named by
	// the hundred thousand, some of them tens of hops deep.
	var hops []heap.Hop
	root := oid
	err := w.eachUp(ctx, oid, func(o store.Object) int64 { return o.Parent }, func(o store.Object) {
		if hops == nil {
			hops = make([]heap.Hop, 0, max(o.Distance, 0)+1)
		}
		hops = append(hops, heap.Hop{Via: o.Via, Type: o.Type, Value: o.Value})
		root = o.OID
	})
	if err != nil || len(hops) == 0 {
		return nil, err
	}
	slices.Reverse(hops)
	hops[0].Root, err = w.rootName(ctx, root)
	return hops, err
}

// rootName returns the name of the root oid is, "" for an object that is not a root,
// remembered.
func (w *Walker) rootName(ctx context.Context, oid int64) (string, error) {
	if name, ok := w.roots[oid]; ok {
		return name, nil
	}
	name, err := w.db.RootName(ctx, w.snap, oid)
	if err != nil {
		return "", err
	}
	w.roots[oid] = name
	return name, nil
}
