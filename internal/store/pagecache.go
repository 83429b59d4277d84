package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/memsee/memsee/internal/store/page"
)

// pageCache keeps the pages that were read last: a path walks from object to object, often
// within a page, and refs and kids read the same pages again.
type pageCache struct {
	mu      sync.Mutex
	objects map[pageKey]*page.Objects
	edges   map[pageKey]*page.Edges
	types   map[int64]string
}

type pageKey struct{ snap, page int64 }

// Cache bounds, in pages: an object page is about 40 KB, an edge page 10-100 KB (more when an
// object of the page has a million references).
const (
	maxObjectPages = 512
	maxEdgePages   = 64
)

// objectPage returns page num of snapshot snap.
func (d *DB) objectPage(ctx context.Context, snap, num int64) (*page.Objects, error) {
	c := &d.cache
	return cachedPage(ctx, d, &c.objects, maxObjectPages, pageKey{snap, num}, "SELECT objects, gen FROM object_page WHERE snapshot = ? AND page = ?",
		func(b, gen []byte) (*page.Objects, error) { return page.DecodeObjects(b, gen) })
}

// edgePage returns the references of page num of snapshot snap.
func (d *DB) edgePage(ctx context.Context, snap, num int64) (*page.Edges, error) {
	c := &d.cache
	return cachedPage(ctx, d, &c.edges, maxEdgePages, pageKey{snap, num}, "SELECT refs, NULL FROM edge_page WHERE snapshot = ? AND page = ?",
		func(b, _ []byte) (*page.Edges, error) { return page.DecodeEdges(b) })
}

// cachedPage returns a page from the cache m (at most max pages), or reads it with query, which
// selects two blobs, and decodes it.
func cachedPage[P any](ctx context.Context, d *DB, m *map[pageKey]*P, max int, k pageKey, query string, decode func(b, b2 []byte) (*P, error)) (*P, error) {
	c := &d.cache
	c.mu.Lock()
	p, ok := (*m)[k]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	var b, b2 []byte
	err := d.q.QueryRowContext(ctx, query, k.snap, k.page).Scan(&b, &b2)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: snapshot %d has no page %d", ErrNoObject, k.snap, k.page)
	}
	if err != nil {
		return nil, err
	}
	if p, err = decode(b, b2); err != nil {
		return nil, fmt.Errorf("snapshot %d, page %d: %w", k.snap, k.page, err)
	}
	c.mu.Lock()
	if *m == nil || len(*m) >= max {
		*m = map[pageKey]*P{}
	}
	(*m)[k] = p
	c.mu.Unlock()
	return p, nil
}

// forgetPages empties the cache, after pages were rewritten or snapshots removed.
func (d *DB) forgetPages() {
	c := &d.cache
	c.mu.Lock()
	c.objects, c.edges, c.types = nil, nil, nil
	c.mu.Unlock()
}

// TypeName returns the name of type id, as the pages store it (page.Objects.Type).
func (d *DB) TypeName(ctx context.Context, id int64) (string, error) {
	c := &d.cache
	c.mu.Lock()
	name, ok := c.types[id]
	c.mu.Unlock()
	if ok {
		return name, nil
	}
	// Read them all: a dump has a few thousand types, and a listing names many of them.
	names := map[int64]string{}
	rows, err := d.q.QueryContext(ctx, "SELECT id, name FROM type")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	for rows.Next() {
		var i int64
		var n string
		if err := rows.Scan(&i, &n); err != nil {
			return "", err
		}
		names[i] = n
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	c.mu.Lock()
	c.types = names
	c.mu.Unlock()
	if name, ok = names[id]; !ok {
		return "", fmt.Errorf("%w: type %d", page.ErrDamaged, id)
	}
	return name, nil
}

// EachObjectPage calls fn with every object page of a snapshot, in oid order, and the oid of
// the page's first object (page.Objects.All yields its objects). The pages are not cached: a
// scan would only push out the pages a walk reads again.
//
// The rows are read on a goroutine of their own and the pages decoded on every core, a few
// pages ahead of fn, which runs on the caller's goroutine: unpacking a page costs more than
// most callers spend on it (most of what path --type takes on a large snapshot).
func (d *DB) EachObjectPage(ctx context.Context, snap int64, fn func(first int64, p *page.Objects) error) error {
	return d.eachObjectPage(ctx, snap, page.DecodeObjects, fn)
}

// EachObjectPageOf is EachObjectPage with each page decoded of the columns cols only
// (page.DecodeObjectsOf): the others read as zero. The columns stay as the blob stores them (a
// packed page's in planes): a caller that keeps a page to read it by index many times
// compacts it (page.Objects.CompactInto), and one that reads a column or two of every page
// lays out nothing.
func (d *DB) EachObjectPageOf(ctx context.Context, snap int64, cols page.Columns, fn func(first int64, p *page.Objects) error) error {
	return d.eachObjectPage(ctx, snap, func(b, gen []byte) (*page.Objects, error) { return page.DecodeObjectsOf(b, gen, cols) }, fn)
}

// eachObjectPage is EachObjectPage, with the pages decoded by decode.
func (d *DB) eachObjectPage(ctx context.Context, snap int64, decode func(b, gen []byte) (*page.Objects, error), fn func(first int64, p *page.Objects) error) error {
	type decoded struct {
		num int64
		p   *page.Objects
		err error
	}
	type job struct {
		num    int64
		b, gen []byte
		done   chan decoded
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan job)
	ahead := make(chan chan decoded, 4*runtime.GOMAXPROCS(0)) // the pages in flight, in order
	readErr := make(chan error, 1)
	go func() {
		defer close(ahead)
		defer close(work)
		readErr <- func() error {
			rows, err := d.q.QueryContext(ctx, "SELECT page, objects, gen FROM object_page WHERE snapshot = ? ORDER BY page", snap)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				j := job{done: make(chan decoded, 1)}
				if err := rows.Scan(&j.num, &j.b, &j.gen); err != nil {
					return err
				}
				// To a decoder first: a page whose result the caller waits for is always
				// being decoded.
				select {
				case work <- j:
				case <-ctx.Done():
					return ctx.Err()
				}
				select {
				case ahead <- j.done:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return rows.Err()
		}()
	}()
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for j := range work {
				p, err := decode(j.b, j.gen)
				j.done <- decoded{j.num, p, err}
			}
		})
	}
	defer func() {
		// Cancelled first, so that the reader stops sending work: fn may also leave by a panic
		// (or runtime.Goexit, a test's Fatal) between two pages.
		cancel()
		wg.Wait()
	}()
	for done := range ahead {
		var r decoded
		select {
		case r = <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if r.err != nil {
			cancel()
			return fmt.Errorf("snapshot %d, object page %d: %w", snap, r.num, r.err)
		}
		if err := fn(r.num<<page.Bits, r.p); err != nil {
			cancel()
			return err
		}
	}
	return <-readErr
}

// object reads object i of page p (whose first oid is first) as an Object.
func (d *DB) object(ctx context.Context, snap, first int64, p *page.Objects, i int) (Object, error) {
	po := p.Object(i)
	name, err := d.TypeName(ctx, po.Type)
	if err != nil {
		return Object{}, err
	}
	return Object{
		Snapshot:   snap,
		OID:        first + int64(i),
		Addr:       po.Addr,
		Type:       name,
		Size:       po.Size,
		Len:        po.Len,
		Value:      po.Value,
		Distance:   po.Distance,
		Parent:     po.Parent,
		Via:        po.Via,
		IDom:       po.IDom,
		Retained:   po.Retained,
		NRefs:      po.NRefs,
		NReferrers: po.NReferrers,
		Gen:        po.Gen,
	}, nil
}

// Object returns one object of a snapshot by oid.
func (d *DB) Object(ctx context.Context, snap, oid int64) (Object, error) {
	if oid < 0 {
		return Object{}, fmt.Errorf("%w: oid %d", ErrNoObject, oid)
	}
	p, err := d.objectPage(ctx, snap, oid>>page.Bits)
	if err != nil {
		return Object{}, err
	}
	i := int(oid & (page.Size - 1))
	if i >= p.N {
		return Object{}, fmt.Errorf("%w: snapshot %d has no object %d", ErrNoObject, snap, oid)
	}
	return d.object(ctx, snap, oid&^(page.Size-1), p, i)
}

// Objects returns objects of a snapshot by oid.
func (d *DB) Objects(ctx context.Context, snap int64, oids []int64) (map[int64]Object, error) {
	out := make(map[int64]Object, len(oids))
	for _, oid := range oids {
		if _, ok := out[oid]; ok || oid < 0 {
			continue
		}
		o, err := d.Object(ctx, snap, oid)
		if err != nil {
			return nil, fmt.Errorf("object %d of snapshot %d: %w", oid, snap, err)
		}
		out[oid] = o
	}
	return out, nil
}

// ObjectCount returns how many objects a snapshot has: its oids are 0 to the count - 1.
func (d *DB) ObjectCount(ctx context.Context, snap int64) (int64, error) {
	var n int64
	err := d.q.QueryRowContext(ctx, "SELECT object_count FROM snapshot WHERE id = ?", snap).Scan(&n)
	return n, err
}
