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

	sitePages *batchInsert // nil unless the snapshot has allocation sites or births (Sites)
	siteOf    []uint64     // the site of each object of the page being built
	bornOf    []uint64     // and its birth

	packing []*packedPage // pages being packed, in page order
	spare   []*packedPage // pages queued, whose memory the next ones reuse
}

// packedPage is one page on its way to its rows. The load's goroutine encodes it (Builder's
// plain blobs), a goroutine of its own packs it (page.Packer) on another core, and the load's
// goroutine queues its rows once it is packed, in page order: packing the pages of a
// 10M-object dump takes one to one and a half seconds of CPU, which the load's goroutine
// would otherwise add to its own.
type packedPage struct {
	num            int64
	objects, edges []byte // plain blobs, then packed
	sites, born    []byte // the page's alloc_page columns; nil for a snapshot without them
	scratch        []byte
	packer         page.Packer
	done           chan struct{} // closed once packed
}

// maxPacking is how many pages may wait for their packing: enough that the load's goroutine
// seldom waits for one, few enough to cost little memory (an edge page is 10-100 KB).
const maxPacking = 8

// pack packs p's blobs and closes p.done. A blob that cannot be packed (a page of hundreds of
// megabytes) stays plain: both versions read.
func (p *packedPage) pack() {
	for _, b := range []struct {
		blob *[]byte
		pack func(dst, plain []byte) ([]byte, error)
	}{{&p.objects, p.packer.Objects}, {&p.edges, p.packer.Edges}} {
		packed, err := b.pack(p.scratch[:0], *b.blob)
		if err == nil {
			*b.blob, p.scratch = packed, *b.blob
		}
	}
	close(p.done)
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

// flushPage encodes the page built so far and sends it to be packed; it queues the rows of
// the pages packed since.
func (g *GraphWriter) flushPage() {
	pb := &g.page
	if pb.Len() == 0 {
		return
	}
	var p *packedPage
	if k := len(g.spare); k > 0 {
		p, g.spare = g.spare[k-1], g.spare[:k-1]
	} else {
		p = &packedPage{}
	}
	p.num = (g.next - 1) >> page.Bits
	p.objects = pb.AppendObjects(p.objects[:0])
	p.edges = pb.AppendEdges(p.edges[:0])
	p.sites, p.born = nil, nil
	if g.sitePages != nil {
		p.sites = page.AppendSites(p.sites[:0], g.siteOf)
		p.born = page.AppendSites(p.born[:0], g.bornOf) // the same layout: a bare integer column
		g.siteOf, g.bornOf = g.siteOf[:0], g.bornOf[:0]
	}
	pb.Reset()
	p.done = make(chan struct{})
	go p.pack()
	g.packing = append(g.packing, p)
	g.queuePacked(len(g.packing) > maxPacking)
}

// queuePacked queues the rows of the packed pages at the head of g.packing, in page order,
// and stops at the first page not packed yet. With wait set, it first waits for the packing of
// the head page.
func (g *GraphWriter) queuePacked(wait bool) {
	for len(g.packing) > 0 {
		p := g.packing[0]
		if wait {
			<-p.done
			wait = false
		} else {
			select {
			case <-p.done:
			default:
				return
			}
		}
		g.packing = g.packing[1:]
		for _, row := range []struct {
			b    *batchInsert
			blob []byte
		}{{g.pages, p.objects}, {g.edges, p.edges}} {
			r := row.b.rows
			r.int(g.snap)
			r.int(p.num)
			r.blob(row.blob)
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
		if cap(p.edges)+cap(p.scratch) <= maxPooledBytes {
			g.spare = append(g.spare, p) // a page of a popular object's referrers is not kept
		}
	}
}

// drainPacking queues the rows of every page sent to be packed.
func (g *GraphWriter) drainPacking() {
	for len(g.packing) > 0 {
		g.queuePacked(true)
	}
	g.spare = nil
}

// Root queues a root.
func (g *GraphWriter) Root(oid int64, kind, name string) {
	g.roots.add(g.snap, oid, kind, name)
}

// Close queues the per-type totals and the last rows.
func (g *GraphWriter) Close(stats []TypeStat) {
	g.flushPage()
	g.drainPacking()
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
