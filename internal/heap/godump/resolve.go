package godump

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/memsee/memsee/internal/heap"
)

// pageShift is the size of the pages of the reader's address index (8 KiB, the runtime's page).
const pageShift = 13

// maxPages bounds the address index: objects spread over more than 128 GiB of addresses, or
// over more than 8 pages an object, are found by binary search alone.
const maxPages = 1 << 24

// index sorts the objects by address and builds the page index that containing uses. It runs
// once, at the first record after the objects.
func (p *parser) index() error {
	n := p.n
	p.indexed = true
	sorted := make([]uint32, n) // address order -> ObjID
	for i := range sorted {
		sorted[i] = uint32(i)
	}
	// The runtime writes objects span by span, each span in address order. Cut the file's
	// order where one object does not end where the next begins: each piece covers one range
	// of addresses, and the ranges of different pieces cannot interleave without objects
	// overlapping (checked below), so sorting the pieces by their first address sorts all.
	var pieces [][2]uint32
	for i := 0; i < n; {
		j := i + 1
		for j < n && p.addr[j] == p.addr[j-1]+p.fileSize(j-1) {
			j++
		}
		pieces = append(pieces, [2]uint32{uint32(i), uint32(j)})
		i = j
	}
	slices.SortFunc(pieces, func(x, y [2]uint32) int { return cmp.Compare(p.addr[x[0]], p.addr[y[0]]) })
	k := 0
	for _, r := range pieces {
		for i := r[0]; i < r[1]; i++ {
			sorted[k] = i
			k++
		}
	}
	pieces = nil
	if n > 0 {
		p.sortedAddr = newAddrOrder(n, p.addr[sorted[0]], p.addr[sorted[n-1]])
	}
	p.sortedWords = make([]uint32, n)
	p.rank = make([]uint32, n)
	for k, id := range sorted {
		p.sortedAddr.set(k, p.addr[id])
		p.sortedWords[k] = p.words.at(int(id))
		p.rank[id] = uint32(k)
	}
	p.addr, p.words = nil, column[uint32]{} // from here on, in address order
	var end uint64
	for k, id := range sorted {
		a := p.sortedAddr.at(k)
		if k > 0 && a < end {
			return fmt.Errorf("objects %d and %d of the file overlap: %#x (%d bytes) and %#x", sorted[k-1]+1, id+1,
				p.sortedAddr.at(k-1), p.size(k-1), a)
		}
		end = a + p.size(k)
		if end < a {
			return fmt.Errorf("object %d of the file at %#x runs past the end of the address space", id+1, a)
		}
	}
	sorted = nil
	p.site = make([]uint32, n)
	p.siteLive = make([]float32, n)
	if n == 0 {
		return nil
	}
	p.pageBase = p.sortedAddr.at(0) &^ (1<<pageShift - 1)
	p.heapEnd = end
	pages := (end-1-p.pageBase)>>pageShift + 1
	if pages > maxPages || pages > uint64(n)*8+1024 {
		return nil // sparse: binary search over all objects costs less than the table
	}
	// pageEnd[pg]: how many objects start before the end of page pg.
	p.pageEnd = make([]uint32, pages)
	k = 0
	for pg := range p.pageEnd {
		limit := p.pageBase + uint64(pg+1)<<pageShift
		for k < n && p.sortedAddr.at(k) < limit {
			k++
		}
		p.pageEnd[pg] = uint32(k)
	}
	return nil
}

// size is the size of the object at place k in address order.
func (p *parser) size(k int) uint64 { return uint64(p.sortedWords[k]) * uint64(p.ptrSize) }

// fileSize is the size of object id (in file order), before index.
func (p *parser) fileSize(id int) uint64 { return uint64(p.words.at(id)) * uint64(p.ptrSize) }

// containing returns the object whose bytes hold address a, by its place in address order.
func (p *parser) containing(a uint64) (int, bool) {
	if p.sortedAddr.len() == 0 || a < p.sortedAddr.at(0) || a >= p.heapEnd {
		return 0, false
	}
	lo, hi := 0, p.sortedAddr.len()
	if p.pageEnd != nil {
		pg := (a - p.pageBase) >> pageShift
		hi = int(p.pageEnd[pg])
		if pg > 0 {
			lo = max(int(p.pageEnd[pg-1])-1, 0)
		}
	}
	// The last object that starts at or before a.
	k := p.sortedAddr.search(lo, hi, a+1) + lo - 1
	if k < 0 {
		return 0, false
	}
	if a-p.sortedAddr.at(k) >= p.size(k) {
		return 0, false
	}
	return k, true
}

// tinyBlock is the size of the runtime's tiny allocator blocks, and tinyTrust the live
// fraction below which a sample does not name one (see samples).
const (
	tinyBlock = 16
	tinyTrust = 0.25
)

// samples names the objects of the pending allocation samples by their buckets' sites.
func (p *parser) samples() {
	if !p.indexed && p.n > 0 {
		return // indexed at the end
	}
	for _, s := range p.pending {
		k, ok := p.containing(s.addr)
		if !ok {
			continue
		}
		b, ok := p.buckets[s.bucket]
		if !ok {
			continue
		}
		if p.size(k) == tinyBlock && b.live < tinyTrust {
			// BUG: a 16-byte block of the tiny allocator holds several small objects
			// without pointers, and the dump can lack the sample of the one that keeps it
			// alive (seen in Go 1.26: a user name's string next to an int boxed for fmt,
			// with only the box's sample). A sample from a site whose objects are almost
			// all freed does not name such a block: it stays "object (16 B)".
			continue
		}
		switch cur := p.site[k]; {
		case cur == 0:
			p.site[k] = b.site
			p.siteLive[k] = b.live
			p.stats.Sampled++
		case b.live > p.siteLive[k]:
			// Several samples in one object: a 16-byte block of the tiny allocator holds
			// several small objects, some of them dead. Name it after the site whose objects
			// mostly stay live: a request's int boxed for fmt is garbage, its audit entry's
			// user name is not.
			p.site[k] = b.site
			p.siteLive[k] = b.live
		}
	}
	p.pending = p.pending[:0]
}

// finish does what needs the whole file: index the objects, name them, check the binary, and
// resolve every pointer to the object it points into.
func (p *parser) finish() error {
	if !p.haveParams {
		return &heap.FormatError{File: p.name, Offset: -1, Record: "params", Err: errors.New("no params record (pointer size, Go version)")}
	}
	if !p.indexed && p.n > 0 {
		if err := p.index(); err != nil {
			return &heap.FormatError{File: p.name, Offset: -1, Record: "object", Err: err}
		}
	}
	if p.n == 0 {
		return &heap.FormatError{File: p.name, Offset: -1, Err: errors.New("no objects in the dump")}
	}
	p.samples()
	p.stats.Objects = p.n
	p.siteLive = nil
	for _, r := range p.roots {
		if r.kind == rootGlobal {
			if _, ok := p.containing(r.target); ok {
				p.stats.GlobalSlots++
				if r.named {
					p.stats.NamedGlobals++
				}
			}
		}
	}
	if p.syms != nil {
		if err := p.syms.match(p); err != nil {
			return err
		}
	}
	// A value's length, from the string headers that point to it (address order -> length
	// + 1, 0 when no header does).
	p.valueLen = make([]uint8, p.n)
	for i, a := range p.hintAddr {
		if k, ok := p.containing(a); ok && p.sortedAddr.at(k) == a {
			if l := p.hintLen[i] + 1; p.valueLen[k] == 0 || l < p.valueLen[k] {
				p.valueLen[k] = l
			}
		}
	}
	p.hintAddr, p.hintLen = nil, nil
	// Each chunk of targets goes as soon as it is resolved, so that the pointers take the 4
	// bytes of to rather than the 8 of targets from here on, and never both.
	for i := range p.targets.len() {
		if i&chunkMask == 0 {
			p.targets.free(i)
		}
		k, ok := p.containing(p.targets.at(i))
		if !ok {
			p.to.add(0)
			p.stats.OutsideHeap++
			continue
		}
		p.to.add(uint32(k) + 1)
		p.edges++
	}
	p.targets = column[uint64]{}
	return nil
}

// emit hands the sink the snapshot, the objects in file order, and the roots that point into
// an object. The objects' pointers are freed chunk by chunk as they are handed over.
func (p *parser) emit(ctx context.Context, sink heap.Sink) error {
	meta := map[string]string{
		"go_version":            p.version,
		"goarch":                p.goarch,
		"pointer_size":          strconv.Itoa(p.ptrSize),
		"objects":               strconv.Itoa(p.n),
		"sampled":               strconv.Itoa(p.stats.Sampled),
		"memstats_heap_objects": strconv.FormatUint(p.stats.MemStatObjects, 10),
	}
	if p.syms == nil {
		meta["globals"] = "by segment offset (load with --binary to name them)"
	} else {
		meta["globals"] = "from the executable's symbols"
	}
	// The reader holds the whole dump and lets it go as it sends the objects (Held), and knows
	// how many references it sends.
	snap := heap.Snapshot{Format: Format, Kind: heap.KindGraph, Meta: meta, Records: p.n, Edges: p.edges, Held: true}
	if err := sink.Begin(snap); err != nil {
		return err
	}
	unsampled := map[uint32]string{}
	var o heap.Object
	vi, vstart := 0, uint32(0) // the next value, and where its text starts
	for id := range p.n {
		if id%65536 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		k := int(p.rank[id])
		size := p.size(k)
		o = heap.Object{Addr: p.sortedAddr.at(k), Size: int64(size), Len: -1, Edges: o.Edges[:0]}
		if s := p.site[k]; s != 0 {
			o.Type = p.sites[s]
		} else {
			w := p.sortedWords[k]
			t, ok := unsampled[w]
			if !ok {
				t = "object (" + strconv.FormatUint(size, 10) + " B)"
				unsampled[w] = t
			}
			o.Type = t
		}
		if vi < len(p.valueID) && int(p.valueID[vi]) == id {
			text := p.values[vstart:p.valueEnd[vi]]
			if l := int(p.valueLen[k]); l > 0 && l-1 <= len(text) {
				o.Value = string(text[:l-1])
			}
			vstart = p.valueEnd[vi]
			vi++
		}
		lo, hi := int(p.edgeStart.at(id)), p.to.len()
		if id+1 < p.n {
			hi = int(p.edgeStart.at(id + 1))
		}
		coll := p.siteColl[p.site[k]]
		for e := lo; e < hi; e++ {
			t := p.to.at(e)
			if t == 0 {
				continue
			}
			edge := heap.Edge{To: p.sortedAddr.at(int(t - 1)), Kind: heap.EdgeField}
			if coll {
				edge.Kind, edge.Name = heap.EdgeElement, p.indexName(p.offsets.at(e))
			} else {
				edge.Name = offsetName(p.offsets.at(e))
			}
			o.Edges = append(o.Edges, edge)
		}
		if err := sink.Object(&o); err != nil {
			return err
		}
		// What the sink has been handed goes back to the collector as the sink grows.
		p.edgeStart.free(id)
		p.to.free(hi)
		p.offsets.free(hi)
	}
	for _, r := range p.roots {
		k, ok := p.containing(r.target)
		if !ok {
			continue
		}
		p.stats.Roots++
		if err := sink.Root(heap.Root{Addr: p.sortedAddr.at(k), Kind: rootKinds[r.kind], Name: p.rootNames[r.name]}); err != nil {
			return err
		}
	}
	return nil
}

// indexName names a pointer of a collection by its word's index: the offset over the pointer
// size. A Go heap dump has no element types, so the index counts words, not elements.
func (p *parser) indexName(off uint32) string { return heap.IndexName(int(off / uint32(p.ptrSize))) }

// offsetNames spells the offsets of the first pointer words of an object, the common ones.
var offsetNames = func() []string {
	s := make([]string, 512)
	for i := range s {
		s[i] = "+" + hex(uint64(i)*8)
	}
	return s
}()

// offsetName names a pointer field by its offset in its object: "+0x18". A Go heap dump has no
// types, so it has no field names.
func offsetName(off uint32) string {
	if off%8 == 0 && int(off/8) < len(offsetNames) {
		return offsetNames[off/8]
	}
	return "+" + hex(uint64(off))
}
