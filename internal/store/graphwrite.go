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
// time (see package page).
type GraphWriter struct {
	l     *Load
	snap  int64
	pages *batchInsert
	edges *batchInsert
	roots *batchInsert
	next  int64 // the oid the next object must have
	page  page.Builder
	blob  []byte // a page being encoded, reused

	sitePages *batchInsert // nil unless the snapshot has allocation sites or births (Sites)
	siteOf    []uint64     // the site of each object of the page being built
	bornOf    []uint64     // and its birth
}

// AddGraph adds an object-graph snapshot (s.Objects and s.Bytes as the caller counted them)
// and returns a writer for its objects.
func (l *Load) AddGraph(ctx context.Context, s NewSnapshot) (*GraphWriter, error) {
	id, err := l.addSnapshot(ctx, s)
	if err != nil {
		return nil, err
	}
	g := &GraphWriter{l: l, snap: id}
	g.pages = newBatchInsert(l.w, "object_page", "snapshot", "page", "objects")
	g.pages.before = l.types.rows
	g.edges = newBatchInsert(l.w, "edge_page", "snapshot", "page", "refs")
	g.roots = newBatchInsert(l.w, "root", "snapshot", "oid", "kind", "name")
	g.page.Reset()
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

// Ref adds a reference of the next object Object writes, in the dump's order.
func (g *GraphWriter) Ref(r NewRef) { g.page.Ref(page.Ref(r)) }

// Referrer adds an object that refers to the next object Object writes: each once, the
// largest retained first.
func (g *GraphWriter) Referrer(oid int64) { g.page.Referrer(uint32(oid)) }

// Object queues one object, with the references and referrers added since the last. Objects
// must come in oid order, from 0.
func (g *GraphWriter) Object(o *NewObject) {
	if o.OID != g.next {
		panic(fmt.Sprintf("store: object %d written after object %d", o.OID, g.next-1)) // a bug in the caller
	}
	g.next++
	g.page.Add(o.pageObject())
	if g.sitePages != nil {
		g.siteOf = append(g.siteOf, uint64(max(o.Site, 0)))
		g.bornOf = append(g.bornOf, uint64(max(o.Born, 0)))
	}
	if g.page.Len() == page.Size {
		g.flushPage()
	}
}

// flushPage encodes the page built so far and queues its two rows.
func (g *GraphWriter) flushPage() {
	p := &g.page
	if p.Len() == 0 {
		return
	}
	num := (g.next - 1) >> page.Bits
	g.blob = p.AppendObjects(g.blob[:0])
	r := g.pages.rows
	r.int(g.snap)
	r.int(num)
	r.blob(g.blob)
	g.pages.flush()
	g.blob = p.AppendEdges(g.blob[:0])
	r = g.edges.rows
	r.int(g.snap)
	r.int(num)
	r.blob(g.blob)
	g.edges.flush()
	if g.sitePages != nil {
		r = g.sitePages.rows
		r.int(g.snap)
		r.int(num)
		g.blob = page.AppendSites(g.blob[:0], g.siteOf)
		r.blob(g.blob)
		g.blob = page.AppendSites(g.blob[:0], g.bornOf) // the same layout: a bare integer column
		r.blob(g.blob)
		g.sitePages.flush()
		g.siteOf, g.bornOf = g.siteOf[:0], g.bornOf[:0]
	}
	p.Reset()
}

// Root queues a root.
func (g *GraphWriter) Root(oid int64, kind, name string) {
	g.roots.add(g.snap, oid, kind, name)
}

// Close queues the per-type totals and the last rows.
func (g *GraphWriter) Close(stats []TypeStat) {
	g.flushPage()
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
