package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/store/page"
)

// ErrNoObject is returned when a snapshot has no object at an address.
var ErrNoObject = errors.New("no such object")

// Object is one object of a graph snapshot. -1 stands for none in Len, Distance, Parent and
// IDom.
type Object struct {
	Snapshot   int64
	OID, Addr  int64
	Type       string
	Size, Len  int64
	Value      string
	Distance   int64
	Parent     int64
	Via        string
	IDom       int64
	Retained   int64
	NRefs      int   // how many references it has (Related lists them)
	NReferrers int   // how many objects refer to it
	Gen        int64 // the first snapshot it was seen in, once diff has marked it; -1 before
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// queryAll runs a query and scans every row with scan.
func queryAll[T any](ctx context.Context, db querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// scanOne scans a row of one column.
func scanOne[T any](sc scanner) (T, error) {
	var v T
	err := sc.Scan(&v)
	return v, err
}

// refsOf returns the edge page of an object and the range of its references in it.
func (d *DB) refsOf(ctx context.Context, snap, oid int64) (p *page.Edges, lo, hi int, err error) {
	if oid < 0 {
		return nil, 0, 0, fmt.Errorf("%w: oid %d", ErrNoObject, oid)
	}
	if p, err = d.edgePage(ctx, snap, oid>>page.Bits); err != nil {
		return nil, 0, 0, err
	}
	i := int(oid & (page.Size - 1))
	if i >= p.N {
		return nil, 0, 0, fmt.Errorf("%w: snapshot %d has no object %d", ErrNoObject, snap, oid)
	}
	lo, hi = p.Refs(i)
	return p, lo, hi, nil
}

// EdgeNames returns the names of the references from src to dst ("" for unnamed ones).
func (d *DB) EdgeNames(ctx context.Context, snap, src, dst int64) ([]string, error) {
	refs, err := d.EdgesBetween(ctx, snap, src, dst)
	var names []string
	for _, r := range refs {
		names = append(names, r.Name)
	}
	return names, err
}

// EdgesBetween returns the references from src to dst, in src's order.
func (d *DB) EdgesBetween(ctx context.Context, snap, src, dst int64) ([]Reference, error) {
	refs, err := d.RefsTo(ctx, snap, src, []int64{dst})
	if err != nil {
		return nil, err
	}
	return refs[0], nil
}

// RefsTo returns the references of src that go to each of to (refs[i] those to to[i], in src's
// order), reading src's references once: the names of the few kids kids shows of a collection
// of a million, without spelling every reference's.
func (d *DB) RefsTo(ctx context.Context, snap, src int64, to []int64) ([][]Reference, error) {
	p, lo, hi, err := d.refsOf(ctx, snap, src)
	if err != nil {
		return nil, err
	}
	refs := make([][]Reference, len(to))
	if len(to) == 0 {
		return refs, nil
	}
	at := make([]int, len(to)) // indices into to, by oid
	for i := range at {
		at[i] = i
	}
	slices.SortFunc(at, func(a, b int) int { return cmp.Compare(to[a], to[b]) })
	for j := lo; j < hi; j++ {
		t := int64(p.Target.At(j))
		k, ok := slices.BinarySearchFunc(at, t, func(i int, t int64) int { return cmp.Compare(to[i], t) })
		for ; ok && k < len(at) && to[at[k]] == t; k++ {
			i := at[k]
			refs[i] = append(refs[i], Reference{To: t, Kind: heap.EdgeKind(p.Kind.At(j)), Name: p.RefName(j)})
		}
	}
	return refs, nil
}

// Reference is one reference of an object, as Refs returns it.
type Reference struct {
	To   int64 // oid
	Kind heap.EdgeKind
	Name string // .field, [17], ['key']; "" when unnamed
}

// Refs returns an object's references in the dump's order, with their kinds and names.
func (d *DB) Refs(ctx context.Context, snap, oid int64) ([]Reference, error) {
	p, lo, hi, err := d.refsOf(ctx, snap, oid)
	if err != nil {
		return nil, err
	}
	out := make([]Reference, 0, hi-lo)
	for j := lo; j < hi; j++ {
		out = append(out, Reference{To: int64(p.Target.At(j)), Kind: heap.EdgeKind(p.Kind.At(j)), Name: p.RefName(j)})
	}
	return out, nil
}

// Related returns the objects that an object refers to (kids) or that refer to it, each once,
// largest retained first, at most n (all when n <= 0), and how many there are in all.
func (d *DB) Related(ctx context.Context, snap, oid int64, kids bool, n int) ([]Object, int, error) {
	p, lo, hi, err := d.refsOf(ctx, snap, oid)
	if err != nil {
		return nil, 0, err
	}
	// Referrers are stored each once, the largest retained first, and so are the kids of an
	// object with many references (RankKidsFrom): the first n are the answer.
	i := int(oid & (page.Size - 1))
	stored, rlo, rhi := p.Referrer, 0, 0
	if kids {
		stored = p.Ranked
		rlo, rhi = p.RankedKids(i)
	} else {
		rlo, rhi = p.Referrers(i)
	}
	if !kids || rhi > rlo {
		total := rhi - rlo
		if n > 0 {
			rhi = min(rhi, rlo+n)
		}
		ids := make([]int64, 0, rhi-rlo)
		for j := rlo; j < rhi; j++ {
			ids = append(ids, int64(stored.At(j)))
		}
		out, err := d.objectsInOrder(ctx, snap, ids)
		return out, total, err
	}
	var oids []int64
	for j := lo; j < hi; j++ {
		oids = append(oids, int64(p.Target.At(j)))
	}
	// Kids not ranked at load (a few, or a page stored before): each once, ranked by what they
	// retain. The pages are read in oid order, each once.
	slices.Sort(oids)
	oids = slices.Compact(oids)
	type ranked struct{ oid, retained int64 }
	all := make([]ranked, 0, len(oids))
	for _, k := range oids {
		q, err := d.objectPage(ctx, snap, k>>page.Bits)
		if err != nil {
			return nil, 0, err
		}
		i := int(k & (page.Size - 1))
		if i >= q.N {
			return nil, 0, fmt.Errorf("%w: snapshot %d has no object %d", ErrNoObject, snap, k)
		}
		all = append(all, ranked{k, int64(q.Retained.At(i))})
	}
	slices.SortFunc(all, func(x, y ranked) int {
		if c := cmp.Compare(y.retained, x.retained); c != 0 {
			return c
		}
		return cmp.Compare(x.oid, y.oid)
	})
	if n > 0 && len(all) > n {
		all = all[:n]
	}
	ids := make([]int64, len(all))
	for i, r := range all {
		ids[i] = r.oid
	}
	out, err := d.objectsInOrder(ctx, snap, ids)
	return out, len(oids), err
}

// objectsInOrder returns the objects of snap at oids, in that order, reading them in oid order:
// a page is decoded once for all its objects, where reading them as ranked went from page to
// page and back, past what the page cache holds, and decoded pages again and again (the kids
// of a dict of a million keys).
func (d *DB) objectsInOrder(ctx context.Context, snap int64, oids []int64) ([]Object, error) {
	at := make([]int32, len(oids)) // indices into oids, by oid
	for i := range at {
		at[i] = int32(i)
	}
	slices.SortFunc(at, func(a, b int32) int { return cmp.Compare(oids[a], oids[b]) })
	out := make([]Object, len(oids))
	for _, i := range at {
		o, err := d.Object(ctx, snap, oids[i])
		if err != nil {
			return nil, err
		}
		out[i] = o
	}
	return out, nil
}

// ObjectAt returns the object at a dump address (or V8 node id) in a snapshot. Oids number a
// snapshot's objects in address order, so this is a binary search: over the pages by their
// first address, then within the page.
func (d *DB) ObjectAt(ctx context.Context, snap, addr int64) (Object, error) {
	var n int64
	if err := d.q.QueryRowContext(ctx, "SELECT object_count FROM snapshot WHERE id = ?", snap).Scan(&n); err != nil {
		return Object{}, err
	}
	want := uint64(addr) // addresses are unsigned
	var searchErr error
	pages := (n + page.Size - 1) >> page.Bits
	// The last page whose first address is at most want.
	num := sort.Search(int(pages), func(k int) bool {
		if searchErr != nil {
			return true
		}
		p, err := d.objectPage(ctx, snap, int64(k))
		if err != nil {
			searchErr = err
			return true
		}
		return p.N == 0 || p.Addr.At(0) > want
	}) - 1
	if searchErr != nil {
		return Object{}, searchErr
	}
	if num >= 0 {
		p, err := d.objectPage(ctx, snap, int64(num))
		if err != nil {
			return Object{}, err
		}
		i := sort.Search(p.N, func(i int) bool { return p.Addr.At(i) >= want })
		if i < p.N && p.Addr.At(i) == want {
			return d.object(ctx, snap, int64(num)<<page.Bits, p, i)
		}
	}
	return Object{}, fmt.Errorf("%w at %#x in snapshot %d", ErrNoObject, addr, snap)
}

// RootName returns how a path starts at a root object ("module shop"), or "" when the object
// is not a named root.
func (d *DB) RootName(ctx context.Context, snap, oid int64) (string, error) {
	var name string
	err := d.q.QueryRowContext(ctx, `SELECT name FROM root WHERE snapshot = ? AND oid = ? AND name != ''
		ORDER BY kind = 'unreferenced', name LIMIT 1`, snap, oid).Scan(&name)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return name, err
}

// TypeStatRow is one type's totals in a graph snapshot.
type TypeStatRow struct {
	Type                   string
	Count, Bytes, Retained int64
}

// TypeStats returns the per-type totals of a graph snapshot, in no particular order.
func (d *DB) TypeStats(ctx context.Context, snap int64) ([]TypeStatRow, error) {
	return queryAll(ctx, d.q, func(sc scanner) (TypeStatRow, error) {
		var r TypeStatRow
		err := sc.Scan(&r.Type, &r.Count, &r.Bytes, &r.Retained)
		return r, err
	}, `SELECT t.name, s.count, s.bytes, s.retained FROM type_stat s JOIN type t ON t.id = s.type WHERE s.snapshot = ?`, snap)
}

// TopRetained returns the objects that retain the most, largest first.
func (d *DB) TopRetained(ctx context.Context, snap int64, n int) ([]Object, error) {
	type ranked struct{ oid, retained int64 }
	var top []ranked // the best n so far, a min-heap on retained would do; n is small
	better := func(x, y ranked) int {
		if c := cmp.Compare(y.retained, x.retained); c != 0 {
			return c
		}
		return cmp.Compare(x.oid, y.oid)
	}
	err := d.EachObjectPage(ctx, snap, func(first int64, p *page.Objects) error {
		for i := 0; i < p.N; i++ {
			r := ranked{first + int64(i), int64(p.Retained.At(i))}
			if n > 0 && len(top) == n && better(r, top[n-1]) >= 0 {
				continue
			}
			at, _ := slices.BinarySearchFunc(top, r, better)
			top = slices.Insert(top, at, r)
			if n > 0 && len(top) > n {
				top = top[:n]
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Object, 0, len(top))
	for _, r := range top {
		o, err := d.Object(ctx, snap, r.oid)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// SimilarTypes returns type names of a snapshot that contain s, for a "did you mean".
func (d *DB) SimilarTypes(ctx context.Context, snap int64, s string) ([]string, error) {
	return queryAll(ctx, d.q, scanOne[string], `SELECT t.name FROM type_stat x JOIN type t ON t.id = x.type
		WHERE x.snapshot = ? AND lower(t.name) LIKE ? ORDER BY x.count DESC LIMIT 5`, snap, "%"+strings.ToLower(s)+"%")
}

// ErrNoIdentity is returned when objects are matched across dumps of a format whose objects
// have no identity across dumps: HPROF and Go objects move or reuse their addresses.
var ErrNoIdentity = errors.New("objects of this format cannot be matched across dumps")

// Identity is what matches an object across dumps of one process, by the format's rule
// (heap.IdentityOf): its address, type and size together (CPython reuses the address of a freed
// object), or its node id alone (Size is then 0). Type is the type's id (TypeName names it).
type Identity struct{ Addr, Type, Size int64 }

// EachIdentity calls fn for each object of a snapshot in address order (oid order), with its
// identity, shallow size and generation (-1 before it is marked). It returns ErrNoIdentity for
// a format whose objects have no identity across dumps.
func (d *DB) EachIdentity(ctx context.Context, snap int64, fn func(oid int64, id Identity, size, gen int64)) error {
	// The format's handler says how its objects keep their identity (heap.Identity): by id
	// alone, or by address, type and size.
	var format string
	if err := d.q.QueryRowContext(ctx, "SELECT format FROM snapshot WHERE id = ?", snap).Scan(&format); err != nil {
		return err
	}
	rule := heap.IdentityOf(heap.Format(format))
	exactIDs := rule == heap.IdentityNodeID
	if rule == heap.IdentityNone {
		return fmt.Errorf("%w: snapshot %d is a %s dump", ErrNoIdentity, snap, format)
	}
	born, err := d.births(ctx, snap)
	if err != nil {
		return err
	}
	return d.EachObjectPage(ctx, snap, func(first int64, p *page.Objects) error {
		b, hasBorn := born[first>>page.Bits]
		for i := 0; i < p.N; i++ {
			size := int64(p.Size.At(i))
			id := Identity{int64(p.Addr.At(i)), int64(p.Type.At(i)), size}
			if exactIDs {
				id.Size = 0
			}
			if hasBorn {
				// An object whose dump says when it was allocated is matched by that, not by
				// its size: an Array that grew is the same Array, a new object in a reused slot
				// is not the old one. -born keeps it apart from every size.
				if v := b.At(i); v > 0 {
					id.Size = -int64(v)
				}
			}
			gen := int64(-1)
			if p.HasGen {
				gen = p.Gen.OrNone(i)
			}
			fn(first+int64(i), id, size, gen)
		}
		return nil
	})
}

// births returns the birth column (alloc_page.born) of each page of a snapshot that has them,
// by page number; none for a dump that does not say when its objects were allocated.
func (d *DB) births(ctx context.Context, snap int64) (map[int64]page.Ints, error) {
	var objects int64
	if err := d.q.QueryRowContext(ctx, "SELECT object_count FROM snapshot WHERE id = ?", snap).Scan(&objects); err != nil {
		return nil, err
	}
	rows, err := d.q.QueryContext(ctx, "SELECT page, born FROM alloc_page WHERE snapshot = ?", snap)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	born := map[int64]page.Ints{}
	for rows.Next() {
		var num int64
		var b []byte
		if err := rows.Scan(&num, &b); err != nil {
			return nil, err
		}
		n := min(int64(page.Size), objects-num<<page.Bits) // the objects of page num
		if n <= 0 {
			return nil, fmt.Errorf("snapshot %d, alloc page %d: %w", snap, num, page.ErrDamaged)
		}
		if born[num], err = page.DecodeSites(b, int(n)); err != nil {
			return nil, fmt.Errorf("snapshot %d, alloc page %d: %w", snap, num, err)
		}
	}
	return born, rows.Err()
}

// MatchObjects merges two snapshots' objects, both in address order, and calls fn for each
// object of b with whether an object of a has its identity, and the gen of the object it
// matches (-1 when none; 0 when it matches one whose gen is not set).
func (d *DB) MatchObjects(ctx context.Context, a, b int64, fn func(oid int64, id Identity, matched bool, gen int64)) error {
	type entry struct {
		id  Identity
		gen int64
	}
	var prev []entry
	if err := d.EachIdentity(ctx, a, func(_ int64, id Identity, _, gen int64) { prev = append(prev, entry{id, gen}) }); err != nil {
		return err
	}
	i := 0
	return d.EachIdentity(ctx, b, func(oid int64, id Identity, _, _ int64) {
		for i < len(prev) && uint64(prev[i].id.Addr) < uint64(id.Addr) {
			i++
		}
		if i < len(prev) && prev[i].id == id {
			fn(oid, id, true, prev[i].gen)
			return
		}
		fn(oid, id, false, -1)
	})
}

// MarkGenerations sets each object's generation along a series of snapshots of one process,
// oldest first: an object's gen is the id of the first snapshot it was seen in, matching address,
// type and size with the snapshot before (node ids alone for V8). Snapshots marked before are
// left as they are. It returns how many snapshots it marked. It writes the gen column of object
// pages, so it needs a database opened for writing: a load marks what it loaded
// (loader.MarkGenerations), and reads find the marks.
func (d *DB) MarkGenerations(ctx context.Context, series []Snapshot) (int, error) {
	if d.ReadOnly() {
		return 0, errors.New("recording the generations of objects needs a database opened for writing")
	}
	defer d.forgetPages()
	marked := 0
	for i, s := range series {
		var todo int
		if err := d.q.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT 1 FROM object_page WHERE snapshot = ? AND gen IS NULL LIMIT 1)", s.ID).Scan(&todo); err != nil {
			return marked, err
		}
		if todo == 0 {
			continue
		}
		// Survivors keep the gen of the object they match; everything else is new here.
		gen := make([]uint64, s.Objects)
		for k := range gen {
			gen[k] = uint64(s.ID) + 1
		}
		if i > 0 {
			if err := d.MatchObjects(ctx, series[i-1].ID, s.ID, func(oid int64, _ Identity, matched bool, g int64) {
				if matched && g > 0 && oid < int64(len(gen)) {
					gen[oid] = uint64(g) + 1
				}
			}); err != nil {
				return marked, err
			}
		}
		err := d.inTx(ctx, func(tx *sql.Tx) error {
			st, err := tx.PrepareContext(ctx, "UPDATE object_page SET gen = ? WHERE snapshot = ? AND page = ?")
			if err != nil {
				return err
			}
			defer st.Close()
			var b []byte
			for first := 0; first < len(gen); first += page.Size {
				b = page.AppendGen(b[:0], gen[first:min(first+page.Size, len(gen))])
				if _, err := st.ExecContext(ctx, b, s.ID, first>>page.Bits); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return marked, err
		}
		marked++
	}
	return marked, nil
}
