package store

import (
	"context"
	"fmt"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/store/page"
)

// NewObject is one object as a load hands it to the store (Object is what a read gives back). Oids are dense, 0..n-1, in address order;
// -1 stands for none in Len, Distance, Parent and IDom. Its references and referrers go to
// the writer first (GraphWriter.Ref, Referrer), one at a time: an object may have millions.
type NewObject struct {
	OID, Addr int64
	Type      int64 // from Load.Type
	Size      int64
	Len       int64
	Value     string
	Distance  int64
	Parent    int64
	Via       string
	IDom      int64
	Retained  int64
	Site      int64 // its allocation site, an id of GraphWriter.Sites; 0 for none
	Born      int64 // heap.Object.Born: the collector's count at its allocation, plus one; 0 for none
}

// SiteStat is one allocation site of a snapshot and the objects allocated there.
type SiteStat struct {
	ID                     int64 // from 1, as NewObject.Site
	Site                   string
	Count, Bytes, Retained int64
}

// NewRef is one reference of an object as a load hands it to the store (Reference is what a
// read gives back).
type NewRef struct {
	OID   int64
	Kind  heap.EdgeKind
	Index int64  // for an element without a Name: its index; -1 when none
	Name  string // how a path spells it: .field, ['key']; "" for an element with an Index
	// NameKey, when not 0, is the caller's id for Name: the same key always has the same
	// Name, and the writer finds a page's names by key instead of hashing them.
	NameKey uint32
}

// TypeStat is one type's totals in a snapshot.
type TypeStat struct {
	Type                   int64
	Count, Bytes, Retained int64
}

// GraphWriter adds the objects of one graph snapshot, which AddGraph has created, a page at a
// time (see package page): PageWriters build and pack the pages, on as many goroutines as the
// caller runs them on, and AddPage queues their rows in page order.
type GraphWriter struct {
	l     *Load
	snap  int64
	pages *batchInsert
	edges *batchInsert
	roots *batchInsert
	next  int64 // the number of the page AddPage takes next

	sitePages *batchInsert // nil unless the snapshot has allocation sites or births (Sites)
	gens      *gens        // nil unless the pages carry their objects' generations (NewHere)
}

// gens is the gen blob of the pages of a snapshot whose objects are all new in it: its id plus
// one for each object, as DB.MarkGenerations records them.
type gens struct {
	full, last []byte // a whole page's, and the last page's
	lastPage   int64
}

func newGens(snap, objects int64) *gens {
	gen := make([]uint64, page.Size)
	for i := range gen {
		gen[i] = uint64(snap) + 1
	}
	g := &gens{lastPage: max(objects-1, 0) >> page.Bits}
	g.full = page.AppendGen(nil, gen)
	g.last = page.AppendGen(nil, gen[:objects-g.lastPage<<page.Bits])
	return g
}

// of returns the gen blob of page num.
func (g *gens) of(num int64) []byte {
	if num == g.lastPage {
		return g.last
	}
	return g.full
}

// PageWriter builds the pages of a GraphWriter's snapshot, a page at a time, for AddPage: it
// encodes each page and packs it (page.Packer's layout) on the goroutine that uses it, so that
// several can build pages side by side, each with its own PageWriter. A page's bytes depend on
// its objects alone, not on the PageWriter that built it nor on the pages built before.
type PageWriter struct {
	sites  bool // the snapshot has allocation sites or births
	page   page.Builder
	packer page.Packer
	num    int64 // the page being built
	next   int64 // the oid the next object must have

	siteOf []uint64 // the site of each object of the page being built
	bornOf []uint64 // and its birth
}

// Page is one page of objects as a PageWriter packed it, for AddPage. The zero Page is ready;
// the next Finish into it reuses its memory.
type Page struct {
	num            int64
	objects, edges []byte // object_page.objects and edge_page.refs, packed (or plain, where that is shorter)
	sites, born    []byte // the page's alloc_page columns; nil for a snapshot without them
}

// AddGraph adds an object-graph snapshot (s.Objects and s.Bytes as the caller counted them)
// and returns a writer for its objects.
func (l *Load) AddGraph(ctx context.Context, s NewSnapshot) (*GraphWriter, error) {
	id, err := l.addSnapshot(ctx, s)
	if err != nil {
		return nil, err
	}
	g := &GraphWriter{l: l, snap: id}
	if s.NewHere && s.Kind == heap.KindGraph {
		var others int
		if err := l.tx.QueryRowContext(ctx, "SELECT count(*) FROM snapshot WHERE kind = ? AND format = ? AND series = ? AND id != ?",
			s.Kind, s.Format, s.Series, id).Scan(&others); err != nil {
			return nil, err
		}
		if others == 0 {
			g.gens = newGens(id, s.Objects)
		}
	}
	if g.gens != nil {
		g.pages = newBatchInsert(l.w, "object_page", "snapshot", "page", "objects", "gen")
	} else {
		g.pages = newBatchInsert(l.w, "object_page", "snapshot", "page", "objects")
	}
	g.pages.before = l.types.rows
	g.edges = newBatchInsert(l.w, "edge_page", "snapshot", "page", "refs")
	g.roots = newBatchInsert(l.w, "root", "snapshot", "oid", "kind", "name")
	return g, nil
}

// Sites queues the allocation sites of the snapshot (none when it has births only), before
// its first object: then every page gets its row of site ids and births (alloc_page). A
// snapshot without sites or births never calls it, and has no rows of either table.
func (g *GraphWriter) Sites(sites []SiteStat) {
	b := newBatchInsert(g.l.w, "alloc_site", "snapshot", "id", "site", "count", "bytes", "retained")
	for _, s := range sites {
		b.add(g.snap, s.ID, s.Site, s.Count, s.Bytes, s.Retained)
	}
	b.flush()
	g.sitePages = newBatchInsert(g.l.w, "alloc_page", "snapshot", "page", "sites", "born")
}

// Snapshot returns the id of the snapshot being written.
func (g *GraphWriter) Snapshot() int64 { return g.snap }

// NewPageWriter returns a PageWriter for the snapshot's pages, which one goroutine at a time
// may use. It must be called after Sites, if the snapshot has sites.
func (g *GraphWriter) NewPageWriter() *PageWriter {
	w := &PageWriter{sites: g.sitePages != nil}
	w.page.Reset()
	return w
}

// Begin begins page num, whose objects are those with oids from num<<page.Bits, in oid
// order, page.Size of them but in the last page.
func (w *PageWriter) Begin(num int64) { w.num, w.next = num, num<<page.Bits }

// Ref adds a reference of the next object Object writes, in the dump's order.
func (w *PageWriter) Ref(r *NewRef) { w.page.Ref((*page.Ref)(r)) }

// Referrers adds the objects that refer to the next object Object writes: each once, the
// largest retained first.
func (w *PageWriter) Referrers(oids []uint32) { w.page.Referrers(oids) }

// RankedKids adds the objects the next object Object writes refers to, each once, the largest
// retained first, ties by oid, as Related ranks them: for an object with many references
// (RankKidsFrom), so that kids lists the first N without reading them all.
func (w *PageWriter) RankedKids(oids []uint32) { w.page.RankedKids(oids) }

// RankKidsFrom is the fewest references of an object whose kids a load ranks
// (PageWriter.RankedKids). Related ranks an object with fewer as it reads them: a few
// hundred objects, in a few pages.
var RankKidsFrom = 256

// Object adds the page's next object, with the references and referrers added since the last.
func (w *PageWriter) Object(o *NewObject) {
	if o.OID != w.next || w.page.Len() == page.Size {
		panic(fmt.Sprintf("store: object %d written in page %d after object %d", o.OID, w.num, w.next-1)) // a bug in the caller
	}
	w.next++
	w.page.Add(o.pageObject())
	if w.sites {
		w.siteOf = append(w.siteOf, uint64(max(o.Site, 0)))
		w.bornOf = append(w.bornOf, uint64(max(o.Born, 0)))
	}
}

// Finish packs the page built since Begin into p, reusing p's memory, and empties the
// PageWriter for the next page.
func (w *PageWriter) Finish(p *Page) {
	p.num = w.num
	p.objects = w.page.PackObjects(&w.packer, p.objects[:0])
	p.edges = w.page.PackEdges(&w.packer, p.edges[:0])
	p.sites, p.born = nil, nil
	if w.sites {
		p.sites = page.AppendSites(p.sites[:0], w.siteOf)
		p.born = page.AppendSites(p.born[:0], w.bornOf) // the same layout: a bare integer column
		w.siteOf, w.bornOf = w.siteOf[:0], w.bornOf[:0]
	}
	w.page.Reset()
}

// AddPage queues the rows of page p, which a PageWriter finished. Pages must come in page
// order, from 0, every one of them; p may be reused once AddPage returns.
func (g *GraphWriter) AddPage(p *Page) {
	if p.num != g.next {
		panic(fmt.Sprintf("store: page %d added after page %d", p.num, g.next-1)) // a bug in the caller
	}
	g.next++
	for _, row := range []struct {
		b    *batchInsert
		blob []byte
	}{{g.pages, p.objects}, {g.edges, p.edges}} {
		r := row.b.rows
		r.int(g.snap)
		r.int(p.num)
		r.blob(row.blob)
		if row.b == g.pages && g.gens != nil {
			r.blob(g.gens.of(p.num))
		}
		row.b.flush()
	}
	if p.sites != nil {
		r := g.sitePages.rows
		r.int(g.snap)
		r.int(p.num)
		r.blob(p.sites)
		r.blob(p.born)
		g.sitePages.flush()
	}
	if cap(p.edges) > maxPooledBytes {
		p.edges = nil // a page of a popular object's referrers: not worth keeping
	}
	if cap(p.objects) > maxPooledBytes {
		p.objects = nil // a page of long values
	}
}

// Root queues a root.
func (g *GraphWriter) Root(oid int64, kind, name string) {
	g.roots.add(g.snap, oid, kind, name)
}

// Close queues the per-type totals and the last rows.
func (g *GraphWriter) Close(stats []TypeStat) {
	g.roots.flush()
	b := newBatchInsert(g.l.w, "type_stat", "snapshot", "type", "count", "bytes", "retained")
	b.before = g.l.types.rows
	for _, s := range stats {
		b.add(g.snap, s.Type, s.Count, s.Bytes, s.Retained)
	}
	b.flush()
}

// pageObject is o as a page holds it.
func (o *NewObject) pageObject() *page.Object {
	return &page.Object{Addr: o.Addr, Type: o.Type, Size: o.Size, Len: o.Len, Value: o.Value, Distance: o.Distance,
		Parent: o.Parent, Via: o.Via, IDom: o.IDom, Retained: o.Retained}
}
