package store

import (
	"context"
	"strconv"
)

// GraphObject is one object as the store keeps it. Oids are dense, 0..n-1, in address order;
// -1 stands for none (NULL) in Len, Distance, Parent and IDom.
type GraphObject struct {
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
	Refs      []int64  // oids, in the dump's order
	RefNames  []string // parallel to Refs, or nil when no reference is named
	Referrers []int64
}

// TypeStat is one type's totals in a snapshot.
type TypeStat struct {
	Type                   int64
	Count, Bytes, Retained int64
}

// GraphWriter adds the objects of one graph snapshot, which AddGraph has created.
type GraphWriter struct {
	l     *Load
	snap  int64
	rows  *batchInsert
	roots *batchInsert
}

// AddGraph adds an object-graph snapshot (s.Objects and s.Bytes as the caller counted them)
// and returns a writer for its objects.
func (l *Load) AddGraph(ctx context.Context, s NewSnapshot) (*GraphWriter, error) {
	id, err := l.addSnapshot(ctx, s)
	if err != nil {
		return nil, err
	}
	g := &GraphWriter{l: l, snap: id}
	g.rows = newBatchInsert(l.w, "object", "snapshot", "oid", "addr", "type", "size", "len", "value",
		"distance", "parent", "via", "idom", "retained", "refs", "ref_names", "referrers")
	g.rows.before = l.types.rows
	g.roots = newBatchInsert(l.w, "root", "snapshot", "oid", "kind", "name")
	return g, nil
}

// Snapshot returns the id of the snapshot being written.
func (g *GraphWriter) Snapshot() int64 { return g.snap }

// Object queues one object. Objects must come in oid order.
func (g *GraphWriter) Object(o *GraphObject) {
	r := g.rows.rows
	r.int(g.snap)
	r.int(o.OID)
	r.int(o.Addr)
	r.int(o.Type)
	r.int(o.Size)
	intOrNull(r, o.Len)
	textOrNull(r, o.Value)
	intOrNull(r, o.Distance)
	intOrNull(r, o.Parent)
	textOrNull(r, o.Via)
	intOrNull(r, o.IDom)
	r.int(o.Retained)
	start := len(r.buf)
	r.buf = appendIntArray(r.buf, o.Refs)
	r.textFrom(start)
	if o.RefNames == nil {
		r.null()
	} else {
		start = len(r.buf)
		r.buf = appendTextArray(r.buf, o.RefNames)
		r.textFrom(start)
	}
	start = len(r.buf)
	r.buf = appendIntArray(r.buf, o.Referrers)
	r.textFrom(start)
	g.rows.added()
}

// intOrNull adds v, or NULL when v is negative.
func intOrNull(r *rows, v int64) {
	if v < 0 {
		r.null()
		return
	}
	r.int(v)
}

// textOrNull adds s, or NULL when s is empty.
func textOrNull(r *rows, s string) {
	if s == "" {
		r.null()
		return
	}
	r.text(s)
}

// appendIntArray appends xs as a JSON array.
func appendIntArray(dst []byte, xs []int64) []byte {
	dst = append(dst, '[')
	for i, x := range xs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendInt(dst, x, 10)
	}
	return append(dst, ']')
}

// appendTextArray appends xs as a JSON array of strings.
func appendTextArray(dst []byte, xs []string) []byte {
	dst = append(dst, '[')
	for i, x := range xs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, x)
	}
	return append(dst, ']')
}

// Root queues a root.
func (g *GraphWriter) Root(oid int64, kind, name string) {
	g.roots.add(g.snap, oid, kind, name)
}

// Close queues the per-type totals and the last rows.
func (g *GraphWriter) Close(stats []TypeStat) {
	g.rows.flush()
	g.roots.flush()
	b := newBatchInsert(g.l.w, "type_stat", "snapshot", "type", "count", "bytes", "retained")
	b.before = g.l.types.rows
	for _, s := range stats {
		b.add(g.snap, s.Type, s.Count, s.Bytes, s.Retained)
	}
	b.flush()
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Strings from dumps may hold anything; invalid
// UTF-8 is kept as it is, which SQLite's JSON functions accept.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
