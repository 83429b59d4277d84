package hprof

import (
	"encoding/binary"
	"fmt"
	"slices"
	"unsafe"

	"github.com/memsee/memsee/internal/heap"
)

// Edge names of the references the format implies rather than records.
const (
	edgeClass  = "<class>"
	edgeSuper  = "<super>"
	edgeLoader = "<loader>"
	edgeSigner = "<signers>"
	edgeDomain = "<protection domain>"
)

func align8(n int64) int64 { return (n + 7) &^ 7 }

// fieldSize is the size of a field of basic type t in an object on the heap.
func (p *parser) fieldSize(t byte) int64 {
	if t == tObject {
		return p.refs
	}
	return int64(typeSize(t, p.idSize))
}

// typeName returns the Java name of class id.
func (p *parser) typeName(id uint64) string {
	if n, ok := p.classNames[id]; ok {
		return n
	}
	n := fmt.Sprintf("class@%#x", id)
	p.classNames[id] = n
	return n
}

func (p *parser) readClass(sg *segment, at int64) error {
	head := int64(7*p.idSize + 4 + 4 + 2)
	b, err := p.take(sg, subClassDump, at, head)
	if err != nil {
		return err
	}
	id := p.id(b)
	c := &class{id: id, super: p.id(b[p.idSize+4:]), name: p.typeName(id)}
	loader := p.id(b[2*p.idSize+4:])
	signers := p.id(b[3*p.idSize+4:])
	domain := p.id(b[4*p.idSize+4:])
	nConst := int(binary.BigEndian.Uint16(b[7*p.idSize+8:]))
	p.p += int(head)
	if _, dup := p.classes[id]; dup {
		return p.errAt(at, "CLASS_DUMP", "class %#x (%s) dumped twice", id, c.name)
	}

	edges := p.edges[:0]
	if c.super != 0 {
		edges = append(edges, heap.Edge{To: c.super, Kind: heap.EdgeClass, Name: edgeSuper})
	}
	if loader != 0 {
		edges = append(edges, heap.Edge{To: loader, Kind: heap.EdgeClass, Name: edgeLoader})
	}
	if signers != 0 {
		edges = append(edges, heap.Edge{To: signers, Kind: heap.EdgeInternal, Name: edgeSigner})
	}
	if domain != 0 {
		edges = append(edges, heap.Edge{To: domain, Kind: heap.EdgeInternal, Name: edgeDomain})
	}
	// Constant pool entries: u2 index, u1 type, value. HotSpot writes none.
	for i := 0; i < nConst; i++ {
		b, err := p.take(sg, subClassDump, at, 3)
		if err != nil {
			return err
		}
		t := b[2]
		p.p += 3
		size := typeSize(t, p.idSize)
		if size == 0 {
			return p.errAt(at, "CLASS_DUMP", "constant pool entry of unknown type %d", t)
		}
		if _, err := p.take(sg, subClassDump, at, int64(size)); err != nil {
			return err
		}
		p.p += size
	}
	b, err = p.take(sg, subClassDump, at, 2)
	if err != nil {
		return err
	}
	nStatic := int(binary.BigEndian.Uint16(b))
	p.p += 2
	for i := 0; i < nStatic; i++ {
		b, err := p.take(sg, subClassDump, at, int64(p.idSize+1))
		if err != nil {
			return err
		}
		nameID, t := p.id(b), b[p.idSize]
		p.p += p.idSize + 1
		size := typeSize(t, p.idSize)
		if size == 0 {
			return p.errAt(at, "CLASS_DUMP", "static field of unknown type %d", t)
		}
		if b, err = p.take(sg, subClassDump, at, int64(size)); err != nil {
			return err
		}
		c.statics += p.fieldSize(t)
		if t == tObject {
			if to := p.id(b); to != 0 {
				edges = append(edges, heap.Edge{To: to, Kind: heap.EdgeField, Name: p.str(nameID), NameID: nameID})
			}
		}
		p.p += size
	}
	b, err = p.take(sg, subClassDump, at, 2)
	if err != nil {
		return err
	}
	nField := int(binary.BigEndian.Uint16(b))
	p.p += 2
	if nField > 0 {
		c.fields = make([]fieldDecl, 0, nField)
	}
	for i := 0; i < nField; i++ {
		b, err := p.take(sg, subClassDump, at, int64(p.idSize+1))
		if err != nil {
			return err
		}
		nameID, t := p.id(b), b[p.idSize]
		p.p += p.idSize + 1
		if typeSize(t, p.idSize) == 0 {
			return p.errAt(at, "CLASS_DUMP", "instance field of unknown type %d", t)
		}
		c.fields = append(c.fields, fieldDecl{name: p.str(nameID), nameID: nameID, typ: t})
	}
	p.classes[id] = c
	p.edges = edges

	// The class's mirror: an instance of java.lang.Class with the statics after its fields.
	// java.lang.Class has fields the VM injects, which HPROF leaves out; mirrorFields is
	// what JDK 17 lays out for them all, measured against jcmd GC.class_histogram.
	size := p.header + p.mirrorFields() + c.statics
	p.obj = heap.Object{Addr: id, Type: classType, Size: align8(size), Len: -1, Value: c.name, Edges: edges}
	if err := p.sink.Object(&p.obj); err != nil {
		return err
	}
	if loader != 0 {
		// See the package comment: the application's classes are roots, so that paths start
		// at the static field that holds a leak. The boot loader's are sticky-class roots.
		return p.sink.Root(heap.Root{Addr: id, Kind: "class", Name: "class " + c.name})
	}
	return nil
}

// Limits on class layouts: each class's layout repeats its superclasses' reference fields, so
// a dump could make a long chain of classes cost the square of its fields. Java classes are
// rarely more than 20 deep, and a large application's layouts hold a few hundred thousand
// reference fields in all.
const (
	maxClassDepth   = 1024
	maxLayoutFields = 1 << 22
)

// layout returns the flattened field layout of c, through its superclasses; nil when a class
// of the chain is not dumped (yet) or the chain loops. It fails when the chain is deeper than
// maxClassDepth or the layouts grow past maxLayoutFields.
func (p *parser) layout(c *class, depth int) (*layout, error) {
	if c.lay != nil {
		return c.lay, nil
	}
	if c.resolving {
		return nil, nil
	}
	if depth > maxClassDepth {
		return nil, fmt.Errorf("class %s has more than %d superclasses", c.name, maxClassDepth)
	}
	var sup *layout
	if c.super != 0 {
		sc, ok := p.classes[c.super]
		if !ok {
			return nil, nil
		}
		c.resolving = true
		var err error
		sup, err = p.layout(sc, depth+1)
		c.resolving = false
		if sup == nil || err != nil {
			return nil, err
		}
	}
	l := &layout{strValue: -1, strCoder: -1}
	// A Reference's referent is weak, in Reference and every subclass.
	isRef := c.name == "java.lang.ref.Reference"
	for _, f := range c.fields {
		if f.typ == tObject {
			kind := heap.EdgeField
			if isRef && f.name == "referent" {
				kind = heap.EdgeWeak
			}
			l.refs = append(l.refs, refField{off: l.bytes, name: f.name, nameID: f.nameID, kind: kind})
		}
		if c.name == "java.lang.String" {
			switch {
			case f.name == "value" && f.typ == tObject:
				l.strValue = l.bytes
			case f.name == "coder" && f.typ == tByte:
				l.strCoder = l.bytes
			}
		}
		l.bytes += typeSize(f.typ, p.idSize)
		l.fields += p.fieldSize(f.typ)
	}
	if sup != nil {
		// This class's fields come first in the dump, then the superclass's.
		for _, r := range sup.refs {
			r.off += l.bytes
			l.refs = append(l.refs, r)
		}
		l.bytes += sup.bytes
		l.fields += sup.fields
	}
	l.size = align8(p.header + l.fields)
	if p.layoutFields += len(l.refs); p.layoutFields > maxLayoutFields {
		return nil, heap.Limit("class layouts with more than %d reference fields in all: more than memsee keeps", maxLayoutFields)
	}
	c.lay = l
	return l, nil
}

// maxArrayEdges bounds the non-null elements of one object array: 32M, the table of a HashMap
// of 24M entries (a cache that size may be the very leak). Past the first arrayEdges they are
// held in 12 bytes each (384 MiB at the limit) and handed over one at a time.
const maxArrayEdges = 1 << 25

// arrayEdges is how many elements of an object array go to the sink as Edges, and how many
// one chunk of the rest holds.
const arrayEdges = 1 << 16

// maxInstanceFields bounds the field bytes of an instance the reader looks at: a class's
// fields and its superclasses' (a Java class has at most 65,535 fields of its own).
const maxInstanceFields = 1 << 20

// readInstance reads an INSTANCE_DUMP: of its field bytes, only those its class's layout
// covers are read into the window; the rest, if the record has more, are skipped.
func (p *parser) readInstance(sg *segment, at int64) error {
	head := int64(2*p.idSize + 8)
	b, err := p.take(sg, subInstanceDump, at, head)
	if err != nil {
		return err
	}
	id := p.id(b)
	cid := p.id(b[p.idSize+4:])
	n := int64(binary.BigEndian.Uint32(b[2*p.idSize+4:]))
	p.p += int(head)
	if n > sg.rem {
		return p.errAt(at, "INSTANCE_DUMP", "%d bytes of fields past the end of its %s (record at %#x)", n, recordName(sg.tag), sg.start)
	}
	edges := append(p.edges[:0], heap.Edge{To: cid, Kind: heap.EdgeClass, Name: edgeClass})
	o := heap.Object{Addr: id, Len: -1, Size: align8(p.header + n)}
	c, ok := p.classes[cid]
	var l *layout
	if ok {
		if l, err = p.layout(c, 0); err != nil { // nil: see the BUG note below
			return p.errAt(at, "INSTANCE_DUMP", "%v", err)
		}
	}
	keep := int64(0)
	if l != nil {
		if l.bytes > maxInstanceFields {
			return p.limitAt(at, "INSTANCE_DUMP", "class %s has %d bytes of fields: more than memsee reads (%d)", c.name, l.bytes, maxInstanceFields)
		}
		keep = min(n, int64(l.bytes))
	}
	if b, err = p.take(sg, subInstanceDump, at, keep); err != nil {
		return err
	}
	if !ok {
		// BUG: an instance whose class (or a superclass) is dumped after it gets no field
		// edges, only its class edge: its field bytes cannot be split without the layout.
		// HotSpot dumps every class before any instance; ART, which dumps a class where its
		// object lies in the heap, may not.
		o.Type = p.typeName(cid)
	} else {
		o.Type = c.name
		if l != nil {
			o.Size = l.size
			for _, r := range l.refs {
				if r.off+p.idSize > len(b) {
					break
				}
				if to := p.id(b[r.off:]); to != 0 {
					edges = append(edges, heap.Edge{To: to, Kind: r.kind, Name: r.name, NameID: r.nameID})
				}
			}
			if l.strValue >= 0 && l.strCoder >= 0 && l.strCoder < len(b) && l.strValue+p.idSize <= len(b) && b[l.strCoder] == 1 {
				if v := p.id(b[l.strValue:]); v != 0 {
					p.utf16[v] = struct{}{}
				}
			}
		}
	}
	p.p += int(keep)
	if rest := n - keep; rest > 0 {
		sg.rem -= rest
		if !p.skip(rest) {
			return p.truncated(sg.start, recordName(sg.tag), sg.rem)
		}
	}
	o.Edges = edges
	p.edges = edges
	p.obj = o
	return p.sink.Object(&p.obj)
}

func (p *parser) readObjArray(sg *segment, at int64) error {
	head := int64(2*p.idSize + 8)
	b, err := p.take(sg, subObjArrayDump, at, head)
	if err != nil {
		return err
	}
	id := p.id(b)
	n := int64(binary.BigEndian.Uint32(b[p.idSize+4:]))
	cid := p.id(b[p.idSize+8:])
	p.p += int(head)
	if n*int64(p.idSize) > sg.rem {
		return p.errAt(at, "OBJ_ARRAY_DUMP", "%d elements past the end of its %s (record at %#x)", n, recordName(sg.tag), sg.start)
	}
	edges := append(p.edges[:0], heap.Edge{To: cid, Kind: heap.EdgeClass, Name: edgeClass})
	more := 0 // elements in moreIdx and moreTo
	const chunk = 8192
	for i := int64(0); i < n; {
		k := min(n-i, chunk)
		b, err := p.take(sg, subObjArrayDump, at, k*int64(p.idSize))
		if err != nil {
			return err
		}
		for j := int64(0); j < k; j++ {
			to := p.id(b[j*int64(p.idSize):])
			switch {
			case to == 0:
			case len(edges) <= arrayEdges:
				if len(edges) == cap(edges) {
					// Double rather than let append grow it by a quarter at a time, but
					// only as the elements' bytes arrive: the count may lie.
					edges = slices.Grow(edges, min(len(edges), arrayEdges+1-len(edges)))
				}
				edges = append(edges, heap.Edge{To: to, Kind: heap.EdgeElement, Name: heap.IndexName(int(i + j))})
			default:
				if len(edges)+more >= maxArrayEdges {
					p.clearMore()
					return p.limitAt(at, "OBJ_ARRAY_DUMP", "more than %d non-null elements: more than memsee reads of one array", maxArrayEdges)
				}
				if more%arrayEdges == 0 {
					p.moreIdx = append(p.moreIdx, make([]uint32, 0, arrayEdges))
					p.moreTo = append(p.moreTo, make([]uint64, 0, arrayEdges))
				}
				c := len(p.moreIdx) - 1
				p.moreIdx[c] = append(p.moreIdx[c], uint32(i+j))
				p.moreTo[c] = append(p.moreTo[c], to)
				more++
			}
		}
		p.p += int(k) * p.idSize
		i += k
	}
	p.obj = heap.Object{Addr: id, Type: p.typeName(cid), Size: align8(p.arrHeader + n*p.refs), Len: n, Edges: edges}
	if more > 0 {
		p.obj.More = func(yield func(heap.Edge) bool) {
			for c, idx := range p.moreIdx {
				for j, i := range idx {
					if !yield(heap.Edge{To: p.moreTo[c][j], Kind: heap.EdgeElement, Name: heap.IndexName(int(i))}) {
						return
					}
				}
			}
		}
	}
	err = p.sink.Object(&p.obj)
	p.obj.More = nil
	p.clearMore()
	// Keep the edges' memory for the next object, unless one huge array made it huge: the
	// graph work that follows the read needs that memory more.
	if cap(edges) <= 1<<16 {
		p.edges = edges
	} else {
		p.edges, p.obj.Edges = nil, nil
	}
	return err
}

// clearMore lets go of the elements of a huge array.
func (p *parser) clearMore() { p.moreIdx, p.moreTo = nil, nil }

func (p *parser) readPrimArray(sg *segment, at int64, sub byte) error {
	head := int64(p.idSize + 9)
	b, err := p.take(sg, sub, at, head)
	if err != nil {
		return err
	}
	id := p.id(b)
	n := int64(binary.BigEndian.Uint32(b[p.idSize+4:]))
	t := b[p.idSize+8]
	p.p += int(head)
	name := primArrayName(t)
	if name == "" {
		return p.errAt(at, subName(sub), "array of unknown type %d", t)
	}
	size := int64(typeSize(t, p.idSize))
	o := heap.Object{Addr: id, Type: name, Size: align8(p.arrHeader + n*size), Len: n}
	if p.primClass[t] != 0 {
		p.edges = append(p.edges[:0], heap.Edge{To: p.primClass[t], Kind: heap.EdgeClass, Name: edgeClass})
		o.Edges = p.edges
	}
	if sub == subPrimArrayDump {
		data := n * size
		if data > sg.rem {
			return p.errAt(at, subName(sub), "%d bytes of elements past the end of its %s (record at %#x)", data, recordName(sg.tag), sg.start)
		}
		head := min(data, 4*MaxValue) // enough characters for MaxValue bytes of text
		b, err := p.take(sg, sub, at, head)
		if err != nil {
			return err
		}
		switch t {
		case tByte:
			if _, ok := p.utf16[id]; ok {
				delete(p.utf16, id)
				o.Value = p.textValue(b, func(dst, b []byte) ([]byte, bool) { return appendUTF16(dst, b, false, MaxValue) })
			} else {
				o.Value = p.textValue(b, func(dst, b []byte) ([]byte, bool) { return appendLatin1(dst, b, MaxValue) })
			}
		case tChar:
			o.Value = p.textValue(b, func(dst, b []byte) ([]byte, bool) { return appendUTF16(dst, b, true, MaxValue) })
		}
		p.p += int(head)
		sg.rem -= data - head
		if !p.skip(data - head) {
			return p.truncated(sg.start, recordName(sg.tag), sg.rem)
		}
	}
	p.obj = o
	return p.sink.Object(&p.obj)
}

// textValue decodes b with dec into the value arena and returns it as a string, or "" when b
// does not hold text. The arena is only ever appended to, so the strings it hands out never
// change; a full arena is dropped (for the collector, once nothing refers to it) rather than
// reused.
func (p *parser) textValue(b []byte, dec func(dst, b []byte) ([]byte, bool)) string {
	if len(b) == 0 {
		return ""
	}
	if cap(p.text)-len(p.text) < 4*MaxValue {
		p.text = make([]byte, 0, 1<<20)
	}
	start := len(p.text)
	out, ok := dec(p.text, b)
	if !ok || len(out) == start {
		return ""
	}
	p.text = out
	return unsafe.String(&out[start], len(out)-start)
}

// mirrorFields is the bytes of a java.lang.Class instance after its header: 92 on JDK 17 with
// compressed oops (mirrors of classes without statics are 104 bytes), of which 12 are
// references.
func (p *parser) mirrorFields() int64 { return 92 + 12*(p.refs-4) }
