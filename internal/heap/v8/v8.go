// Package v8 reads V8 heap snapshots (.heapsnapshot files, as Node.js and Chrome DevTools
// write them) and hands their nodes to a heap.Sink as objects. The format, and the DevTools
// semantics the reader follows, are described in docs/formats/v8.md.
//
// Roots. A snapshot's first node is a synthetic root ("" @1) that is no heap object. Its edges
// lead to "(GC roots)", whose children are V8's own root categories (the stack, handles, the
// compilation cache...), to the embedder's roots ("C++ roots", "Node / Environment"), and,
// through shortcut edges, to the user roots: the global object of each context ("global" in
// Node.js, "Window / <url>" in Chrome). Everything a snapshot holds hangs from the synthetic
// root, which Read sends as a heap.Root of kind "synthetic" named "(root)". The user roots
// are where the program's own objects start (DevTools gives them distance 1): Read sends each
// child of the synthetic root that is not synthetic, and "(Document DOM trees)", as a Root of
// kind "user" named after its class ("global"; for "(Document DOM trees)", its name). A user root is also reachable from the
// synthetic root; it is a root in the sense of "where a path should start", not in the sense
// of "what the GC keeps alive besides the rest".
package v8

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/graph"
	"github.com/memsee/memsee/internal/heap/jsontext"
)

// Reader reads V8 heap snapshots. It holds no state, so one Reader may serve any number of
// files, one after another or at once.
type Reader struct{}

// MaxValue is how many characters (runes) of a string's text, or of a name, Read keeps in
// Object.Value.
const MaxValue = 200

// maxString bounds the bytes of one entry of `strings` the reader keeps; the rest is read and
// dropped. V8 cuts the text of a JS string at 1024 characters (--heap-snapshot-string-limit),
// so only a file that was not written by V8 has longer ones.
const maxString = 64 << 10

// v8StringLimit is V8's default --heap-snapshot-string-limit: a string node whose text is this
// long may have been cut, so its length is not known.
const v8StringLimit = 1024

// bufSize is the read window.
const bufSize = 512 << 10

// Format returns Format.
func (Reader) Format() heap.Format { return Format }

// Extensions returns the file name endings of the format (what Node.js and Chrome write), before any .gz.
func (Reader) Extensions() []string { return []string{".heapsnapshot"} }

// Sniff claims a file that starts with {"snapshot":{"meta", whitespace allowed between the
// tokens, as V8 writes it. A JSON object with other keys first (meliae's lines) is not claimed.
func (Reader) Sniff(head []byte) bool {
	for _, tok := range []string{`{`, `"snapshot"`, `:`, `{`, `"meta"`} {
		head = bytes.TrimLeft(head, " \t\r\n")
		if !bytes.HasPrefix(head, []byte(tok)) {
			return false
		}
		head = head[len(tok):]
	}
	return true
}

// Read reads the whole snapshot, checks that it holds together, and then streams it into
// sink: Begin, then one Object per node in file order, each root's Root right after its
// Object. Nothing is sent for a file that is not whole and consistent: such a file returns a
// *heap.FormatError with the byte offset and the section ("nodes", "edges", "strings",
// "snapshot", "meta"...) of the problem.
//
// An Object's Addr is the node's id, its Size the node's self_size, and its Type the class
// name DevTools groups the node under: the name of object and native nodes ('<div id="a">'
// cut to "<div>"), "(system)" for hidden nodes, "(compiled code)", "Function" for closures,
// "RegExp", and "(" + type + ")" for the rest: "(string)", "(concatenated string)",
// "(array)", "(object shape)", "(number)", "(synthetic)"... Value holds the node's name where
// Type does not already say it: the text of strings (that of a concatenated string joined
// from its parts, as DevTools shows it), a closure's function name, a regexp's source, the
// kind of a system object ("system / Context"); shortened to MaxValue characters. Len is a
// string's length in UTF-16 units where the snapshot holds its whole text, else -1.
//
// Edges come in the file's order, To being the target's id. Their kinds: context ->
// EdgeContext (Name: the variable), element -> EdgeElement (the decimal index), property ->
// EdgeField (the property), internal -> EdgeInternal (the slot, e.g. "map", "table", or the
// WeakMap pair "1 / part of key (K @1) -> value (V @2) pair in WeakMap (table @3)"), hidden
// -> EdgeHidden (the decimal index), shortcut -> EdgeShortcut, weak -> EdgeWeak (the name).
// Edge types that meta lists and V8 does not have are EdgeInternal, named by their string.
func (Reader) Read(ctx context.Context, name string, r io.Reader, sink heap.Sink) error {
	return readIn(ctx, name, r, sink, bufSize, blockMin)
}

// readIn is Read with a window of window bytes, and blocks of at least blockMin bytes (none
// when 0): the tests read with small ones, so that small files take the path of large ones.
func readIn(ctx context.Context, name string, r io.Reader, sink heap.Sink, window, blockMin int) error {
	p := &parser{
		ctx:         ctx,
		name:        name,
		s:           scanner{ctx: ctx, br: bufio.NewReaderSize(r, window)},
		blockMin:    blockMin,
		nodeCount:   -1,
		edgeCount:   -1,
		rootIndex:   -1,
		maxNodeName: -1,
		maxEdgeName: -1,
		maxTo:       -1,
	}
	// The columns of nodes and edges are mapped outside the Go heap, and go back to the system
	// as emit reads them (column); what is left goes when the read ends, whatever its end.
	a := graph.NewHugeArena()
	defer a.Free()
	p.arena = a
	p.ntype.arena, p.etype.arena = a, a
	p.nname.arena, p.nid.arena, p.nsize.arena, p.nedges.arena, p.ename.arena, p.eto.arena = a, a, a, a, a, a
	p.strs.refs.arena = a
	if err := p.run(); err != nil {
		return err
	}
	return p.emit(sink)
}

// maxFields bounds node_fields and edge_fields (V8 has 7 and 3).
const maxFields = 64

// maxTypes bounds the node and edge types meta may list: a type is kept in a byte.
const maxTypes = 256

// parser reads one snapshot into columns, and then sends it to the sink (emit.go).
type parser struct {
	ctx      context.Context
	name     string
	s        scanner
	key      []byte // the key being read
	blockMin int    // the least text the numbers of an array are read in blocks of (blocks.go)

	// The "snapshot" object: its counts, and the layout its meta gives.
	haveHeader                 bool
	haveMeta                   bool
	metaOff                    int64
	nodeCount, edgeCount       int64 // -1 when the header does not say
	nodeCountOff, edgeCountOff int64
	rootIndex, rootIndexOff    int64 // root_index (DevTools reads it; V8 does not write it), -1 when absent

	nodeFields, edgeFields        []string
	nf, ef                        int // values per node, per edge
	nType, nName, nID, nSize, nEC int // offsets of the node fields the reader keeps
	eType, eName, eTo             int // offsets of the edge fields
	nodeTypes, edgeTypes          []string
	nodeKinds                     []nodeKind      // node type index -> what it is
	typeClass                     []string        // node type index -> "(type)"
	edgeKinds                     []heap.EdgeKind // edge type index -> its kind
	edgeNumeric                   []bool          // edge type index -> name_or_index is a number

	// The current row of nodes or edges: its values and their offsets.
	row    [maxFields]uint64
	rowOff [maxFields]int64

	// nodes, one column per field kept (node ordinal -> value).
	haveNodes    bool
	nodesOff     int64 // the offset of the array
	nodeVals     int64 // values read
	ntype        column[uint8]
	nname        column[uint32]
	nid          column[uint32]
	nsize        column[uint32] // math.MaxUint32: see bigSize
	nedges       column[uint32] // edge_count; after run, the node's first edge (see emit)
	bigSize      map[int]uint64 // node ordinal -> self_size, for sizes of 4 GiB and more
	edgeSum      uint64         // the edge_counts added up
	maxNodeName  int64          // the largest name index, -1 before any; checked against strings at the end
	maxNodeNameO int64          // its offset
	rawNodes     *rawInts       // the nodes, when they come before meta

	// edges (edge ordinal -> value); the source of an edge is implicit, see emit.
	haveEdges    bool
	edgesOff     int64
	edgeVals     int64
	etype        column[uint8]
	ename        column[uint32] // a strings index, or the number of element and hidden edges
	eto          column[uint32] // the target's node ordinal (to_node / node field count)
	maxEdgeName  int64          // the largest strings index of a named edge, -1 before any
	maxEdgeNameO int64
	maxTo        int64 // the largest target ordinal, -1 before any
	maxToO       int64
	rawEdges     *rawInts // the edges, when they come before meta

	arena *graph.Arena // holds the columns' chunks (column)

	haveStrings bool
	strs        stringTable
	scratch     []byte

	// For emit.
	internIdx []uint32 // string index -> index into interned, 0 for not yet
	interned  []string
	shortened map[uint32]string // name index -> '<div>' for '<div id="a">'
	edgeBuf   []heap.Edge
	cons      []consParts
	consStack []uint32
	consBuf   []byte
}

// rawInts holds the values of nodes or edges that came before meta said how to read them.
type rawInts struct {
	vals column[uint32]
	big  map[int]uint64 // value index -> value, for values past 32 bits
}

// fail returns a FormatError at off.
func (p *parser) fail(off int64, record, format string, args ...any) error {
	return &heap.FormatError{File: p.name, Offset: off, Record: record, Err: fmt.Errorf(format, args...)}
}

// wrap positions a scanner error in record. progress says how far the reader got, for a file
// that ends early.
func (p *parser) wrap(err error, record string, progress func() string) error {
	var se *syntaxError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se):
		return &heap.FormatError{File: p.name, Offset: se.off, Record: record, Err: errors.New(se.msg)}
	case err == errEnd:
		return p.ended(record, progress())
	}
	return err // a FormatError already, or the context's
}

// ended returns the error for a stream that ended before the JSON did: the reader's own
// error (that of the gzip layer is positioned in the compressed file), or a truncated file.
func (p *parser) ended(record, progress string) error {
	if err := p.s.rerr; err != nil && err != io.EOF {
		var fe *heap.FormatError
		if errors.As(err, &fe) {
			return err
		}
		return p.fail(p.s.offset(), record, "read error %s: %w", progress, err)
	}
	return p.fail(p.s.offset(), record, "the file ends %s: it looks truncated (take the snapshot again)", progress)
}

func where(s string) func() string { return func() string { return s } }

// readKey reads an object key and its colon; keys longer than 64 bytes are cut (and then
// match nothing the reader knows).
func (p *parser) readKey(record string) error {
	err := p.s.expect('"', "a key")
	if err == nil {
		p.key, err = p.s.str(p.key[:0], 64)
	}
	if err == nil {
		err = p.s.expect(':', "':' after a key")
	}
	return p.wrap(err, record, where("inside "+record))
}

// next reads what follows a value in an object: true for a comma, false for the end.
func (p *parser) next(record string) (bool, error) {
	c, err := p.s.peek()
	if err != nil {
		return false, p.wrap(err, record, where("inside "+record))
	}
	p.s.pos++
	switch c {
	case ',':
		return true, nil
	case '}':
		return false, nil
	}
	p.s.pos--
	return false, p.wrap(p.s.errorf("want ',' or '}', found %s", jsontext.QuoteByte(c)), record, nil)
}

// run reads the top-level object, in any key order, and checks what it read.
func (p *parser) run() error {
	p.s.fill(1)
	if err := p.s.expect('{', "'{' at the start of a heap snapshot"); err != nil {
		return p.wrap(err, "", where("at its start: it is empty"))
	}
	c, err := p.s.peek()
	if err != nil {
		return p.wrap(err, "", where("inside the top-level object"))
	}
	if c == '}' {
		p.s.pos++
	} else {
		for more := true; more; {
			keyOff := p.s.offset()
			if err := p.readKey("top level"); err != nil {
				return err
			}
			record := string(p.key)
			dup := func(seen bool) error {
				if seen {
					return p.fail(keyOff, record, "the file has a second %q", record)
				}
				return nil
			}
			switch record {
			case "snapshot":
				err = dup(p.haveHeader)
				if err == nil {
					err = p.header()
				}
			case "nodes":
				err = dup(p.haveNodes)
				if err == nil {
					err = p.nodes()
				}
			case "edges":
				err = dup(p.haveEdges)
				if err == nil {
					err = p.edges()
				}
			case "strings":
				err = dup(p.haveStrings)
				if err == nil {
					err = p.strings()
				}
			default:
				// trace_function_infos, trace_tree, samples, locations, and keys V8 may add.
				err = p.wrap(p.s.skip(), record, where("inside "+record))
			}
			if err != nil {
				return err
			}
			if more, err = p.next("top level"); err != nil {
				return err
			}
		}
	}
	if c, err := p.s.peek(); err == nil {
		return p.fail(p.s.offset(), "", "found %s after the end of the snapshot", jsontext.QuoteByte(c))
	} else if p.s.rerr != io.EOF {
		return p.ended("", "after the end of the snapshot")
	}
	return p.check()
}

// header reads the "snapshot" object: meta and the counts.
func (p *parser) header() error {
	p.haveHeader = true
	if err := p.wrap(p.s.expect('{', "'{' for snapshot"), "snapshot", where("inside snapshot")); err != nil {
		return err
	}
	c, err := p.s.peek()
	if err != nil {
		return p.wrap(err, "snapshot", where("inside snapshot"))
	}
	if c == '}' {
		p.s.pos++
		return nil
	}
	for more := true; more; {
		if err := p.readKey("snapshot"); err != nil {
			return err
		}
		switch string(p.key) {
		case "meta":
			if p.haveMeta {
				return p.fail(p.s.offset(), "snapshot", `the snapshot has a second "meta"`)
			}
			err = p.meta()
		case "node_count":
			p.nodeCountOff, p.nodeCount, err = p.count("node_count")
		case "edge_count":
			p.edgeCountOff, p.edgeCount, err = p.count("edge_count")
		case "root_index":
			p.rootIndexOff, p.rootIndex, err = p.count("root_index")
		default:
			err = p.wrap(p.s.skip(), "snapshot", where("inside snapshot"))
		}
		if err != nil {
			return err
		}
		if more, err = p.next("snapshot"); err != nil {
			return err
		}
	}
	return nil
}

// count reads a count of the header.
func (p *parser) count(key string) (int64, int64, error) {
	if _, err := p.s.peek(); err != nil {
		return 0, 0, p.wrap(err, "snapshot", where("inside snapshot"))
	}
	off := p.s.offset()
	v, err := p.s.uint()
	if err != nil {
		return 0, 0, p.wrap(err, "snapshot", where("inside snapshot"))
	}
	if v > math.MaxInt64/maxFields {
		return 0, 0, p.fail(off, "snapshot", "%s %d is too large", key, v)
	}
	return off, int64(v), nil
}

// maxMetaValues bounds the values of meta (V8's has about 90).
const maxMetaValues = 100000

// meta reads the layout of nodes and edges. It is a small object, read into Go values.
func (p *parser) meta() error {
	if _, err := p.s.peek(); err != nil {
		return p.wrap(err, "meta", where("inside meta"))
	}
	p.metaOff = p.s.offset()
	budget := maxMetaValues
	v, err := p.jsonValue(&budget, 0)
	if err != nil {
		return p.wrap(err, "meta", where("inside meta"))
	}
	m, ok := v.(map[string]any)
	if !ok {
		return p.fail(p.metaOff, "meta", "meta is not an object")
	}
	return p.setMeta(m)
}

// jsonValue reads any JSON value: objects as map[string]any, arrays as []any, strings as string,
// numbers and literals as their text, in a string too.
func (p *parser) jsonValue(budget *int, depth int) (any, error) {
	if *budget--; *budget < 0 {
		return nil, p.s.errorf("meta has more than %d values", maxMetaValues)
	}
	if depth > 32 {
		return nil, p.s.errorf("meta nests more than 32 deep")
	}
	c, err := p.s.peek()
	if err != nil {
		return nil, err
	}
	switch c {
	case '{', '[':
		p.s.pos++
		closing := byte(']')
		if c == '{' {
			closing = '}'
		}
		obj, arr := map[string]any{}, []any{}
		c, err := p.s.peek()
		if err != nil {
			return nil, err
		}
		if c == closing {
			p.s.pos++
		} else {
			for {
				var key string
				if closing == '}' {
					if err := p.s.expect('"', "a key"); err != nil {
						return nil, err
					}
					k, err := p.s.str(nil, 1024)
					if err != nil {
						return nil, err
					}
					if err := p.s.expect(':', "':' after a key"); err != nil {
						return nil, err
					}
					key = string(k)
				}
				v, err := p.jsonValue(budget, depth+1)
				if err != nil {
					return nil, err
				}
				if closing == '}' {
					obj[key] = v
				} else {
					arr = append(arr, v)
				}
				c, err := p.s.peek()
				if err != nil {
					return nil, err
				}
				if c == ',' {
					p.s.pos++
					continue
				}
				if c != closing {
					return nil, p.s.errorf("want ',' or %q, found %s", closing, jsontext.QuoteByte(c))
				}
				p.s.pos++
				break
			}
		}
		if closing == '}' {
			return obj, nil
		}
		return arr, nil
	case '"':
		p.s.pos++
		b, err := p.s.str(nil, 1024)
		return string(b), err
	}
	b, err := p.s.token(nil, 64)
	return string(b), err
}

// strList returns v as a list of strings.
func strList(v any) ([]string, bool) {
	l, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, len(l))
	for i, e := range l {
		if out[i], ok = e.(string); !ok {
			return nil, false
		}
	}
	return out, true
}

// setMeta takes the field offsets and the type names from meta, by name: older snapshots have
// 5 or 6 node fields (no trace_node_id, no detachedness), and nothing says the order is fixed.
func (p *parser) setMeta(m map[string]any) error {
	bad := func(format string, args ...any) error {
		return p.fail(p.metaOff, "meta", format, args...)
	}
	var ok bool
	if p.nodeFields, ok = strList(m["node_fields"]); !ok {
		return bad("node_fields is missing or not a list of strings")
	}
	if p.edgeFields, ok = strList(m["edge_fields"]); !ok {
		return bad("edge_fields is missing or not a list of strings")
	}
	p.nf, p.ef = len(p.nodeFields), len(p.edgeFields)
	if p.nf > maxFields || p.ef > maxFields {
		return bad("%d node fields and %d edge fields: more than %d", p.nf, p.ef, maxFields)
	}
	find := func(list []string, what, name string, at *int) error {
		for i, f := range list {
			if f == name {
				*at = i
				return nil
			}
		}
		return bad("%s has no %q (it has %q)", what, name, list)
	}
	for _, f := range []struct {
		name string
		at   *int
	}{{"type", &p.nType}, {"name", &p.nName}, {"id", &p.nID}, {"self_size", &p.nSize}, {"edge_count", &p.nEC}} {
		if err := find(p.nodeFields, "node_fields", f.name, f.at); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name string
		at   *int
	}{{"type", &p.eType}, {"name_or_index", &p.eName}, {"to_node", &p.eTo}} {
		if err := find(p.edgeFields, "edge_fields", f.name, f.at); err != nil {
			return err
		}
	}
	// The names of the types are the list in node_types (edge_types) at the offset of the
	// type field, as DevTools reads them: node_types[0] in every V8 snapshot.
	types := func(key string, at int) ([]string, error) {
		l, _ := m[key].([]any)
		if at >= len(l) {
			return nil, bad("%s has no list of type names", key)
		}
		names, ok := strList(l[at])
		if !ok || len(names) == 0 || len(names) > maxTypes {
			return nil, bad("%s[%d] is not a list of 1 to %d type names", key, at, maxTypes)
		}
		return names, nil
	}
	var err error
	if p.nodeTypes, err = types("node_types", p.nType); err != nil {
		return err
	}
	if p.edgeTypes, err = types("edge_types", p.eType); err != nil {
		return err
	}
	p.nodeKinds = make([]nodeKind, len(p.nodeTypes))
	p.typeClass = make([]string, len(p.nodeTypes))
	for i, t := range p.nodeTypes {
		p.nodeKinds[i] = nodeKindOf[t] // kindOther for a type V8 does not have
		p.typeClass[i] = "(" + t + ")"
	}
	p.edgeKinds = make([]heap.EdgeKind, len(p.edgeTypes))
	p.edgeNumeric = make([]bool, len(p.edgeTypes))
	for i, t := range p.edgeTypes {
		k, ok := edgeKindOf[t]
		if !ok {
			k = heap.EdgeInternal
		}
		p.edgeKinds[i] = k
		// DevTools: name_or_index is a number for element and hidden edges, a strings index
		// for every other type.
		p.edgeNumeric[i] = t == "element" || t == "hidden"
	}
	p.haveMeta = true
	return nil
}

// nodeKind is what the reader makes of a node type (HeapGraphNode::Type).
type nodeKind uint8

const (
	kindOther nodeKind = iota // a type with no rule of its own: "(type)"
	kindHidden
	kindObject
	kindNative
	kindCode
	kindClosure
	kindRegExp
	kindString
	kindConsString
	kindSynthetic
)

var nodeKindOf = map[string]nodeKind{
	"hidden":              kindHidden,
	"object":              kindObject,
	"native":              kindNative,
	"code":                kindCode,
	"closure":             kindClosure,
	"regexp":              kindRegExp,
	"string":              kindString,
	"concatenated string": kindConsString,
	"synthetic":           kindSynthetic,
}

var edgeKindOf = map[string]heap.EdgeKind{
	"context":  heap.EdgeContext,
	"element":  heap.EdgeElement,
	"property": heap.EdgeField,
	"internal": heap.EdgeInternal,
	"hidden":   heap.EdgeHidden,
	"shortcut": heap.EdgeShortcut,
	"weak":     heap.EdgeWeak,
}

// ints reads an array of unsigned integers, width values to a row, calling row for each full
// row (the values are in p.row, their offsets in p.rowOff). want is how many values the header
// announces, -1 if unknown; it is only used to say how far a truncated file got.
func (p *parser) ints(record string, want int64, width int, row func() error, n *int64) error {
	progress := func() string {
		if want >= 0 {
			return fmt.Sprintf("after %s of %s values", commas(*n), commas(want))
		}
		return fmt.Sprintf("after %s values", commas(*n))
	}
	s := &p.s
	if err := s.expect('[', "'[' for "+record); err != nil {
		return p.wrap(err, record, progress)
	}
	c, err := s.peek()
	if err != nil {
		return p.wrap(err, record, progress)
	}
	k := 0 // values in the current row
	if c == ']' {
		s.pos++
	} else {
		if err := p.blocks(record, want, width, row, n, &k); err != nil {
			return err
		}
		for {
			if *n&0xffff == 0 {
				if err := p.ctx.Err(); err != nil {
					return err
				}
			}
			if s.pos == len(s.buf) || s.buf[s.pos]-'0' > 9 {
				if _, err := s.peek(); err != nil {
					return p.wrap(err, record, progress)
				}
			}
			p.rowOff[k] = s.offset()
			v, err := s.uint()
			if err != nil {
				return p.wrap(err, record, progress)
			}
			*n++
			p.row[k] = v
			if k++; k == width {
				if err := row(); err != nil {
					return err
				}
				k = 0
			}
			// The separator; V8 writes a newline before the comma that starts a row.
			if s.pos < len(s.buf) && s.buf[s.pos] == ',' {
				s.pos++
				continue
			}
			c, err := s.peek()
			if err != nil {
				return p.wrap(err, record, progress)
			}
			s.pos++
			if c == ',' {
				continue
			}
			if c == ']' {
				break
			}
			s.pos--
			return p.wrap(s.errorf("want ',' or ']' in %s, found %s", record, jsontext.QuoteByte(c)), record, nil)
		}
	}
	if k != 0 {
		return p.fail(s.offset()-1, record, "the array ends inside a row: %s values are not a multiple of %d fields", commas(*n), width)
	}
	return nil
}

// nodes reads the nodes array into columns; if meta has not come yet, as raw values.
func (p *parser) nodes() error {
	p.haveNodes = true
	if _, err := p.s.peek(); err != nil {
		return p.wrap(err, "nodes", where("before the nodes array"))
	}
	p.nodesOff = p.s.offset()
	if !p.haveMeta {
		p.rawNodes = &rawInts{vals: column[uint32]{arena: p.arena}}
		return p.ints("nodes", -1, 1, p.rawNodes.row(p), &p.nodeVals)
	}
	want := int64(-1)
	if p.nodeCount >= 0 {
		want = p.nodeCount * int64(p.nf)
	}
	return p.ints("nodes", want, p.nf, p.nodeRow, &p.nodeVals)
}

// edges reads the edges array into columns; if meta has not come yet, as raw values.
func (p *parser) edges() error {
	p.haveEdges = true
	if _, err := p.s.peek(); err != nil {
		return p.wrap(err, "edges", where("before the edges array"))
	}
	p.edgesOff = p.s.offset()
	if !p.haveMeta {
		p.rawEdges = &rawInts{vals: column[uint32]{arena: p.arena}}
		return p.ints("edges", -1, 1, p.rawEdges.row(p), &p.edgeVals)
	}
	want := int64(-1)
	if p.edgeCount >= 0 {
		want = p.edgeCount * int64(p.ef)
	}
	return p.ints("edges", want, p.ef, p.edgeRow, &p.edgeVals)
}

// row returns the row function that keeps values as they come.
func (r *rawInts) row(p *parser) func() error {
	return func() error {
		v := p.row[0]
		if v >= math.MaxUint32 {
			if r.big == nil {
				r.big = map[int]uint64{}
			}
			r.big[r.vals.n] = v
			v = math.MaxUint32
		}
		r.vals.push(uint32(v))
		return nil
	}
}

// replay sends the raw values through row, width at a time, as if they were read now; their
// offsets are all that of the array.
func (r *rawInts) replay(p *parser, record string, off int64, width int, row func() error) error {
	k := 0
	for i := 0; i < r.vals.n; i++ {
		if i&(1<<chunkBits-1) == 0 {
			r.vals.free(i) // replayed
		}
		v := uint64(r.vals.at(i))
		if v == math.MaxUint32 {
			v = r.big[i]
		}
		p.row[k], p.rowOff[k] = v, off
		if k++; k == width {
			if err := row(); err != nil {
				return err
			}
			k = 0
		}
	}
	if k != 0 {
		return p.fail(off, record, "%s values are not a multiple of %d fields", commas(int64(r.vals.n)), width)
	}
	return nil
}

// nodeRow keeps one node, checking what can be checked before strings are read.
func (p *parser) nodeRow() error {
	i := p.ntype.n // the node's ordinal
	t := p.row[p.nType]
	if t >= uint64(len(p.nodeTypes)) {
		return p.fail(p.rowOff[p.nType], "nodes", "node %s has type %d, but meta lists %d node types", commas(int64(i)), t, len(p.nodeTypes))
	}
	name := p.row[p.nName]
	if name > math.MaxUint32 {
		return p.fail(p.rowOff[p.nName], "nodes", "node %s has name %d, past any strings index", commas(int64(i)), name)
	}
	if int64(name) > p.maxNodeName {
		p.maxNodeName, p.maxNodeNameO = int64(name), p.rowOff[p.nName]
	}
	id := p.row[p.nID]
	if id > math.MaxUint32 {
		return p.fail(p.rowOff[p.nID], "nodes", "node %s has id %d; V8 ids have 32 bits", commas(int64(i)), id)
	}
	size := p.row[p.nSize]
	if size > math.MaxInt64 {
		return p.fail(p.rowOff[p.nSize], "nodes", "node %s has self_size %d, too large", commas(int64(i)), size)
	}
	if size >= math.MaxUint32 {
		if p.bigSize == nil {
			p.bigSize = map[int]uint64{}
		}
		p.bigSize[i] = size
		size = math.MaxUint32
	}
	ec := p.row[p.nEC]
	if ec > math.MaxUint32 {
		return p.fail(p.rowOff[p.nEC], "nodes", "node %s has edge_count %d, too large", commas(int64(i)), ec)
	}
	p.keepNode(t, name, id, size, ec)
	return nil
}

// keepNode adds a node that passed nodeRow's checks to the columns.
func (p *parser) keepNode(t, name, id, size, ec uint64) {
	p.edgeSum += ec
	p.ntype.push(uint8(t))
	p.nname.push(uint32(name))
	p.nid.push(uint32(id))
	p.nsize.push(uint32(size))
	p.nedges.push(uint32(ec))
}

// keepEdge adds an edge that passed edgeRow's checks to the columns.
func (p *parser) keepEdge(t, name, ord uint64) {
	p.etype.push(uint8(t))
	p.ename.push(uint32(name))
	p.eto.push(uint32(ord))
}

// edgeRow keeps one edge, checking what can be checked before nodes and strings are read.
func (p *parser) edgeRow() error {
	j := int64(p.etype.n) // the edge's ordinal
	t := p.row[p.eType]
	if t >= uint64(len(p.edgeTypes)) {
		return p.fail(p.rowOff[p.eType], "edges", "edge %s has type %d, but meta lists %d edge types", commas(j), t, len(p.edgeTypes))
	}
	to := p.row[p.eTo]
	// to_node is an index into the nodes array: the target's ordinal times the field count.
	ord := nodeOrdinal(to, uint64(p.nf))
	if ord*uint64(p.nf) != to {
		return p.fail(p.rowOff[p.eTo], "edges", "edge %s has to_node %d, not a multiple of the %d node fields", commas(j), to, p.nf)
	}
	if ord > math.MaxUint32 {
		return p.fail(p.rowOff[p.eTo], "edges", "edge %s has to_node %d, too large", commas(j), to)
	}
	if int64(ord) > p.maxTo {
		p.maxTo, p.maxToO = int64(ord), p.rowOff[p.eTo]
	}
	name := p.row[p.eName]
	if name > math.MaxUint32 {
		return p.fail(p.rowOff[p.eName], "edges", "edge %s has name_or_index %d, too large", commas(j), name)
	}
	if !p.edgeNumeric[t] && int64(name) > p.maxEdgeName {
		p.maxEdgeName, p.maxEdgeNameO = int64(name), p.rowOff[p.eName]
	}
	p.keepEdge(t, name, ord)
	return nil
}

// strings reads the strings array into the string table.
func (p *parser) strings() error {
	p.haveStrings = true
	n := int64(0)
	progress := func() string { return fmt.Sprintf("after %s strings", commas(n)) }
	s := &p.s
	if err := s.expect('[', "'[' for strings"); err != nil {
		return p.wrap(err, "strings", progress)
	}
	c, err := s.peek()
	if err != nil {
		return p.wrap(err, "strings", progress)
	}
	if c == ']' {
		s.pos++
		return nil
	}
	for {
		if n&0xffff == 0 {
			if err := p.ctx.Err(); err != nil {
				return err
			}
		}
		if err := s.expect('"', "a string"); err != nil {
			return p.wrap(err, "strings", progress)
		}
		if p.scratch, err = s.str(p.scratch[:0], maxString); err != nil {
			return p.wrap(err, "strings", progress)
		}
		p.strs.add(p.scratch)
		n++
		c, err := s.peek()
		if err != nil {
			return p.wrap(err, "strings", progress)
		}
		s.pos++
		if c == ',' {
			continue
		}
		if c == ']' {
			return nil
		}
		s.pos--
		return p.wrap(s.errorf("want ',' or ']' in strings, found %s", jsontext.QuoteByte(c)), "strings", nil)
	}
}

// check runs the checks that need the whole file: the counts of the header against the
// arrays, and every index against what it indexes.
func (p *parser) check() error {
	end := p.s.offset()
	switch {
	case !p.haveMeta:
		return p.fail(end, "snapshot", "the file has no snapshot meta: not a V8 heap snapshot?")
	case !p.haveNodes:
		return p.fail(end, "nodes", `the file has no "nodes" array`)
	case !p.haveEdges:
		return p.fail(end, "edges", `the file has no "edges" array`)
	case !p.haveStrings:
		return p.fail(end, "strings", `the file has no "strings" array`)
	}
	if p.rawNodes != nil {
		if err := p.rawNodes.replay(p, "nodes", p.nodesOff, p.nf, p.nodeRow); err != nil {
			return err
		}
		p.rawNodes = nil
	}
	if p.rawEdges != nil {
		if err := p.rawEdges.replay(p, "edges", p.edgesOff, p.ef, p.edgeRow); err != nil {
			return err
		}
		p.rawEdges = nil
	}
	nodes, edges := int64(p.ntype.n), int64(p.etype.n)
	if p.nodeCount >= 0 && p.nodeCount != nodes {
		return p.fail(p.nodeCountOff, "snapshot", "node_count is %s, but the nodes array holds %s nodes (%s values of %d fields)",
			commas(p.nodeCount), commas(nodes), commas(nodes*int64(p.nf)), p.nf)
	}
	if p.edgeCount >= 0 && p.edgeCount != edges {
		return p.fail(p.edgeCountOff, "snapshot", "edge_count is %s, but the edges array holds %s edges (%s values of %d fields)",
			commas(p.edgeCount), commas(edges), commas(edges*int64(p.ef)), p.ef)
	}
	if nodes == 0 {
		return p.fail(p.nodesOff, "nodes", "the snapshot has no nodes")
	}
	if p.edgeSum != uint64(edges) {
		return p.fail(p.nodesOff, "nodes", "the edge_count fields of the nodes add up to %s edges, but the edges array holds %s",
			commas(int64(min(p.edgeSum, math.MaxInt64))), commas(edges))
	}
	if edges > math.MaxUint32 {
		return p.fail(p.edgesOff, "edges", "%s edges: more than the reader can index", commas(edges))
	}
	if p.maxTo >= nodes {
		return p.fail(p.maxToO, "edges", "to_node %d points past the last node (%s nodes of %d fields)",
			p.maxTo*int64(p.nf), commas(nodes), p.nf)
	}
	strs := int64(p.strs.refs.n)
	if p.maxNodeName >= strs {
		return p.fail(p.maxNodeNameO, "nodes", "a node has name %d, but there are %s strings", p.maxNodeName, commas(strs))
	}
	if p.maxEdgeName >= strs {
		return p.fail(p.maxEdgeNameO, "edges", "an edge has name %d, but there are %s strings", p.maxEdgeName, commas(strs))
	}
	if p.rootIndex >= 0 && (p.rootIndex%int64(p.nf) != 0 || p.rootIndex/int64(p.nf) >= nodes) {
		return p.fail(p.rootIndexOff, "snapshot", "root_index %d is not the index of a node", p.rootIndex)
	}
	return nil
}

// commas writes n with thousands separators: 12,345.
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	start := 0
	if n < 0 {
		start = 1
	}
	for i := len(s) - 3; i > start; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
