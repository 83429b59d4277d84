package v8

import (
	"cmp"
	"encoding/binary"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/memsee/memsee/internal/heap"
)

// keepEdgeBuf is the most references emit keeps room for from one object to the next: the
// sink takes most objects' references in its own batches, and only an object with more than
// those hold needs this buffer.
const keepEdgeBuf = 1 << 14

// emit sends the snapshot that run read and checked to the sink.
func (p *parser) emit(sink heap.Sink) error {
	n := p.ntype.n
	// Edges are not keyed by their source: node i's edges are the next edge_count[i] edges
	// in order. Turn the edge counts into the index of each node's first edge, in place, and
	// add the end.
	var first uint32
	for i := 0; i < n; i++ {
		c := p.nedges.at(i)
		p.nedges.set(i, first)
		first += c
	}
	p.nedges.push(first)

	p.internIdx = make([]uint32, p.strs.refs.n)
	p.interned = []string{""}

	root := 0
	if p.rootIndex >= 0 {
		root = int(p.rootIndex / int64(p.nf))
	}
	user := p.userRoots(root)
	p.findConsParts()
	release := p.namesRelease()

	snap := heap.Snapshot{
		Format:  Format,
		Kind:    heap.KindGraph,
		Records: n,
		Meta: map[string]string{
			"node_fields": strings.Join(p.nodeFields, ","),
			"node_count":  strconv.Itoa(n),
			"edge_count":  strconv.Itoa(p.etype.n),
			"strings":     strconv.Itoa(p.strs.refs.n),
		},
	}
	snap.Edges = p.etype.n
	snap.EdgesByIndex = true // to_node names a node by its place: the sink need not find its id
	snap.Held = true         // the columns are freed as the loop below reads them
	snap.HeldOffHeap = true  // in p.arena
	if err := sink.Begin(snap); err != nil {
		return err
	}
	// A sink that lets the objects be written in place (the loader's pipe) spares the copy
	// of every object and reference it would make of obj.
	slots, _ := sink.(heap.SlotSink)
	var obj heap.Object
	for i := 0; i < n; i++ {
		if i&0x3fff == 0 {
			if err := p.ctx.Err(); err != nil {
				return err
			}
		}
		lo, hi := int(p.nedges.at(i)), int(p.nedges.at(i+1))
		o := &obj
		if slots != nil {
			slot, err := slots.Slot(hi - lo)
			if err != nil {
				return err
			}
			if slot != nil {
				o = slot
			}
		}
		if o == &obj {
			p.edgeBuf = slices.Grow(p.edgeBuf[:0], hi-lo)[:hi-lo]
			obj.Edges = p.edgeBuf
		}
		o.Addr, o.Type, o.Size = uint64(p.nid.at(i)), p.class(i), p.size(i)
		o.Len, o.Value = p.value(i, o.Type)
		for j := range o.Edges {
			t, name := p.etype.at(lo+j), p.ename.at(lo+j)
			edge := heap.Edge{To: uint64(p.eto.at(lo + j)), Kind: p.edgeKinds[t]}
			if p.edgeNumeric[t] {
				edge.Name = heap.IndexName(int(name))
			} else {
				edge.Name, edge.NameID = p.str(name), uint64(name)+1
			}
			o.Edges[j] = edge
		}
		// What only this loop reads goes as it is read: the edges are most of what the
		// snapshot holds, and the sink is building its graph of them meanwhile.
		p.etype.free(hi)
		p.ename.free(hi)
		p.eto.free(hi)
		p.nid.free(i + 1)
		p.nsize.free(i + 1)
		p.nedges.free(i + 1)
		// A slot is the sink's once the next call is made: what the roots say is kept here.
		addr, typ, value := o.Addr, o.Type, o.Value
		if o == &obj {
			if err := sink.Object(&obj); err != nil {
				return err
			}
			if cap(p.edgeBuf) > keepEdgeBuf {
				// A long array's references (40 bytes each) would stay for the rest of the
				// load's busiest part, beside the sink's copy of them.
				p.edgeBuf, obj.Edges = nil, nil
			}
		}
		if i == root {
			if err := sink.Root(heap.Root{Addr: addr, Kind: "synthetic", Name: "(root)"}); err != nil {
				return err
			}
		}
		if user[uint32(i)] {
			name := typ // "global", "Window / https://example.com"
			if k := p.nodeKinds[p.ntype.at(i)]; k != kindObject && k != kindNative {
				name = value // "(Document DOM trees)", not "(synthetic)"
			}
			if err := sink.Root(heap.Root{Addr: addr, Kind: "user", Name: name}); err != nil {
				return err
			}
		}
		for len(release) > 0 && release[0].at <= i {
			p.ntype.freeChunk(release[0].chunk)
			p.nname.freeChunk(release[0].chunk)
			release = release[1:]
		}
	}
	return nil
}

// chunkRelease says when emit lets go of a chunk of the nodes' types and names: once it has
// passed node at.
type chunkRelease struct{ chunk, at int }

// namesRelease returns when each chunk of the nodes' types and names may go, in the order they
// go: once emit has passed both the chunk's last node and the last node whose text reads a
// node of the chunk as a part of a concatenated string (consText). Parts are often strings
// made early, which hold back the chunks they are in, and only those. It walks the parts as
// consText does (walkCons), as far as consText may go, so it costs no more than emit's own
// walks.
func (p *parser) namesRelease() []chunkRelease {
	n := p.ntype.n
	release := make([]chunkRelease, (n+1<<chunkBits-1)>>chunkBits)
	for k := range release {
		release[k] = chunkRelease{chunk: k, at: min((k+1)<<chunkBits, n) - 1}
	}
	for _, c := range p.cons {
		p.walkCons(c.node, func(j uint32, _ *consParts) bool {
			k := int(j >> chunkBits)
			release[k].at = max(release[k].at, int(c.node))
			return true
		})
	}
	slices.SortStableFunc(release, func(a, b chunkRelease) int { return cmp.Compare(a.at, b.at) })
	return release
}

// userRoots returns the ordinals of the user roots, as DevTools finds them (isUserRoot): the
// children of the root that are not synthetic, and the synthetic "(Document DOM trees)".
func (p *parser) userRoots(root int) map[uint32]bool {
	user := map[uint32]bool{}
	for e, end := int(p.nedges.at(root)), int(p.nedges.at(root+1)); e < end; e++ {
		to := p.eto.at(e)
		if int(to) == root {
			continue
		}
		if p.nodeKinds[p.ntype.at(int(to))] != kindSynthetic || string(p.strs.text(p.nname.at(int(to)))) == "(Document DOM trees)" {
			user[to] = true
		}
	}
	return user
}

// str returns string i as a Go string, made once.
func (p *parser) str(i uint32) string {
	if k := p.internIdx[i]; k != 0 {
		return p.interned[k]
	}
	b := p.strs.text(i)
	// Most strings that name edges are decimal numbers: V8 names the slots of hash tables
	// (a Map's, a Set's) by their index. The shared string of heap.IndexName holds them all.
	if n, ok := decimal(b); ok {
		return heap.IndexName(int(n))
	}
	if len(p.interned) == math.MaxUint32 {
		return string(b)
	}
	s := string(b)
	p.internIdx[i] = uint32(len(p.interned))
	p.interned = append(p.interned, s)
	return s
}

// decimal parses b if it is a number below a million, written without leading zeros.
func decimal(b []byte) (uint32, bool) {
	if len(b) == 0 || len(b) > 6 || (b[0] == '0' && len(b) > 1) {
		return 0, false
	}
	n := uint32(0)
	for _, c := range b {
		if c-'0' > 9 {
			return 0, false
		}
		n = n*10 + uint32(c-'0')
	}
	return n, true
}

// classOf is the class name of the node types that do not take it from the node's name.
var classOf = [...]string{
	kindHidden:  "(system)",
	kindCode:    "(compiled code)",
	kindClosure: "Function",
	kindRegExp:  "RegExp",
}

// class returns node i's class name, as DevTools' calculateObjectNames makes it.
func (p *parser) class(i int) string {
	t := p.ntype.at(i)
	switch k := p.nodeKinds[t]; k {
	case kindObject, kindNative:
		return p.className(p.nname.at(i))
	case kindHidden, kindCode, kindClosure, kindRegExp:
		return classOf[k]
	}
	return p.typeClass[t]
}

// className returns the class of an object or native node named by string i: the name,
// except that DevTools cuts the attributes off an element's name: '<div id="a">' is "<div>",
// and 'Detached <div id="a">' is "Detached <div>".
func (p *parser) className(i uint32) string {
	name := p.str(i)
	cut := -1
	switch {
	case strings.HasPrefix(name, "<"):
		cut = strings.IndexByte(name, ' ')
	case strings.HasPrefix(name, "Detached <"):
		if j := strings.IndexByte(name[len("Detached <"):], ' '); j >= 0 {
			cut = len("Detached <") + j
		}
	}
	if cut < 0 {
		return name
	}
	if s, ok := p.shortened[i]; ok {
		return s
	}
	if p.shortened == nil {
		p.shortened = map[uint32]string{}
	}
	s := name[:cut] + ">"
	p.shortened[i] = s
	return s
}

// size returns node i's self_size.
func (p *parser) size(i int) int64 {
	s := p.nsize.at(i)
	if s == math.MaxUint32 {
		return int64(p.bigSize[i])
	}
	return int64(s)
}

// value returns node i's Len and Value (see Read).
func (p *parser) value(i int, class string) (int64, string) {
	name := p.nname.at(i)
	switch p.nodeKinds[p.ntype.at(i)] {
	case kindString:
		text := p.strs.text(name)
		n := utf16Len(text)
		if n >= v8StringLimit {
			n = -1 // V8 may have cut it
		}
		if text = shorten(text); len(text) == 0 {
			return n, ""
		}
		// The table's own bytes, which nothing changes once the strings are read: a string
		// node's value costs no copy (and no allocation for the collector to sweep).
		return n, unsafe.String(&text[0], len(text))
	case kindConsString:
		return p.consText(i)
	}
	// Every other node: its name, where the class does not already say it.
	s := p.str(name)
	if s == class {
		return -1, ""
	}
	if len(s) > MaxValue {
		return -1, string(shorten([]byte(s)))
	}
	return -1, s
}

// shorten returns the first MaxValue characters of b.
func shorten(b []byte) []byte {
	if len(b) <= MaxValue {
		return b
	}
	n := 0
	for i := range string(b) {
		if n == MaxValue {
			return b[:i]
		}
		n++
	}
	return b
}

// utf16Len returns the length of a JS string from its UTF-8 text.
func utf16Len(b []byte) int64 {
	n := int64(0)
	for len(b) >= 8 && binary.LittleEndian.Uint64(b)&0x8080808080808080 == 0 { // 8 ASCII bytes
		n += 8
		b = b[8:]
	}
	for len(b) > 0 {
		c := b[0]
		if c < utf8.RuneSelf {
			n++
			b = b[1:]
			continue
		}
		r, size := utf8.DecodeRune(b)
		n++
		if r >= 0x10000 {
			n++
		}
		b = b[size:]
	}
	return n
}

// consParts are the parts of a concatenated string: the node ordinals of its internal edges
// "first" and "second", -1 for one it does not have.
type consParts struct {
	node          uint32
	first, second int64
}

// findConsParts finds the parts of every concatenated string (p.cons, in node order), before
// emit lets go of the edges they are read from.
func (p *parser) findConsParts() {
	n := 0 // counted first: the list would otherwise be copied as it grows
	for j := 0; j < p.ntype.n; j++ {
		if p.nodeKinds[p.ntype.at(j)] == kindConsString {
			n++
		}
	}
	p.cons = slices.Grow(p.cons[:0], n)
	for j := 0; j < p.ntype.n; j++ {
		if p.nodeKinds[p.ntype.at(j)] != kindConsString {
			continue
		}
		c := consParts{node: uint32(j), first: -1, second: -1}
		for e, end := int(p.nedges.at(j)), int(p.nedges.at(j+1)); e < end; e++ {
			if p.edgeKinds[p.etype.at(e)] != heap.EdgeInternal || p.edgeNumeric[p.etype.at(e)] {
				continue
			}
			switch string(p.strs.text(p.ename.at(e))) {
			case "first":
				c.first = int64(p.eto.at(e))
			case "second":
				c.second = int64(p.eto.at(e))
			}
		}
		p.cons = append(p.cons, c)
	}
}

// consIndex returns the index in p.cons of concatenated string j.
func (p *parser) consIndex(j uint32) int {
	k, _ := slices.BinarySearchFunc(p.cons, j, func(c consParts, j uint32) int { return cmp.Compare(c.node, j) })
	return k
}

// maxConsParts bounds the nodes visited to spell one concatenated string: a snapshot may be
// hostile (a cons string that is its own part), and a long chain of concatenations would cost
// its length squared.
const maxConsParts = 256

// consText spells the concatenated string i, as DevTools' consStringName does: depth first
// through the internal edges "first" and "second", each part that is no concatenated string
// adding its own text. Its length is known only when every part was visited and is a string
// whose whole text the snapshot holds.
func (p *parser) consText(i int) (int64, string) {
	text := p.consBuf[:0]
	runes, length := 0, int64(0)
	cut := p.walkCons(uint32(i), func(j uint32, parts *consParts) bool {
		if parts != nil {
			if parts.first < 0 || parts.second < 0 {
				length = -1 // a part is missing: the text is not whole
			}
			return true
		}
		name := p.strs.text(p.nname.at(int(j)))
		switch p.nodeKinds[p.ntype.at(int(j))] {
		case kindString:
			if n := utf16Len(name); n < v8StringLimit && length >= 0 {
				length += n
			} else {
				length = -1
			}
		default:
			length = -1 // a sliced string, or no string: its name is not its text
		}
		for len(name) > 0 && runes < MaxValue {
			_, size := utf8.DecodeRune(name)
			text = append(text, name[:size]...)
			name = name[size:]
			runes++
		}
		return runes < MaxValue || length >= 0 // else nothing more to learn
	})
	if cut {
		length = -1
	}
	p.consBuf = text
	return length, string(text)
}

// walkCons visits the nodes that spell concatenated string i, depth first as DevTools'
// consStringName does: a concatenated string (parts, its parts; nil for any other node), then
// its "first" part, then its "second", at most maxConsParts nodes. visit returns false to stop
// the walk. walkCons reports whether it stopped at maxConsParts with nodes left to visit.
func (p *parser) walkCons(i uint32, visit func(j uint32, parts *consParts) bool) (cut bool) {
	stack := append(p.consStack[:0], i)
	for steps := 0; len(stack) > 0; steps++ {
		if steps == maxConsParts {
			cut = true
			break
		}
		j := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		var parts *consParts
		if p.nodeKinds[p.ntype.at(int(j))] == kindConsString {
			parts = &p.cons[p.consIndex(j)]
		}
		if !visit(j, parts) {
			break
		}
		if parts != nil {
			if parts.second >= 0 {
				stack = append(stack, uint32(parts.second))
			}
			if parts.first >= 0 {
				stack = append(stack, uint32(parts.first))
			}
		}
	}
	p.consStack = stack
	return cut
}
