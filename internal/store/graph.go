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
	buf   []byte
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

func nullInt(v int64) any {
	if v < 0 {
		return nil
	}
	return v
}

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (g *GraphWriter) intArray(xs []int64) string {
	g.buf = append(g.buf[:0], '[')
	for i, x := range xs {
		if i > 0 {
			g.buf = append(g.buf, ',')
		}
		g.buf = strconv.AppendInt(g.buf, x, 10)
	}
	return string(append(g.buf, ']'))
}

func (g *GraphWriter) textArray(xs []string) any {
	if xs == nil {
		return nil
	}
	g.buf = append(g.buf[:0], '[')
	for i, x := range xs {
		if i > 0 {
			g.buf = append(g.buf, ',')
		}
		g.buf = appendJSONString(g.buf, x)
	}
	return string(append(g.buf, ']'))
}

// Object queues one object. Objects must come in oid order.
func (g *GraphWriter) Object(o *GraphObject) {
	g.rows.add(g.snap, o.OID, o.Addr, o.Type, o.Size, nullInt(o.Len), nullText(o.Value),
		nullInt(o.Distance), nullInt(o.Parent), nullText(o.Via), nullInt(o.IDom), o.Retained,
		g.intArray(o.Refs), g.textArray(o.RefNames), g.intArray(o.Referrers))
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
