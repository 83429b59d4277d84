package meliae

import (
	"strings"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/graph"
)

// attrDict names the edge from a module, class or instance to its __dict__. Paths leave the hop
// out, so that they read `module shop -> ._audit_log`, as the attribute is written in code.
const attrDict = "__dict__"

// closure names the edge from a function to its __closure__, the tuple of the cells of the
// variables it closes over; cellContents the edge from a cell to the variable's value. Python
// spells them so (fn.__closure__[0].cell_contents). The names of the variables are in the
// function's code object (co_freevars), whose fields gc does not list: meliae's dumps lack
// them, and a cell is then reached by its index, [0].
const (
	closure      = ".__closure__"
	cellContents = ".cell_contents"
)

// freevarsName marks the names of a function's closure variables, which memsee's dumper writes
// on the function's line ("freevars") and the reader hands on as the name of each of the
// function's refs: freevarsName, then each name after a NUL. No reference of Python's is
// spelled so; NameGraph takes these names off every ref and names the cells with them.
const freevarsName = "\x00freevars"

// cellName names the edge from a closure's tuple to the cell of variable v: <v>, so that a path
// reads `.record_event (function) -> .__closure__ (tuple) -> <events> (cell) -> .cell_contents
// (list)`. Python has no expression for a closure's variable but the cell's index, and the
// angle brackets are how Python itself writes a name that is not an expression (a qualified
// name's <locals>, <lambda>); [events] would read as a key the tuple does not have (and leaks
// would write it as [*]), .events as an attribute it does not have.
func cellName(v string) string { return "<" + v + ">" }

// variableOf returns the variable of a cell edge named by cellName.
func variableOf(via string) (string, bool) {
	if len(via) < 3 || via[0] != '<' || via[len(via)-1] != '>' {
		return "", false
	}
	return via[1 : len(via)-1], true
}

// NameGraph names the references of a Python dump that meliae leaves unnamed, from the order in
// which it lists them (see docs/formats/meliae.md, "What memsee derives"):
//   - a module's first reference is its __dict__; so is an instance's, when its second is its
//     class; a class's own dict comes first too;
//   - a dict lists key, value, key, value...: the value's edge is named by the key, `.key` in an
//     attribute dict and `['key']` (or `[1]` for a number) in any other, and the key's `(key)`;
//   - a function's reference to a tuple of cells is its __closure__, and a cell's one reference
//     is its cell_contents; when the dump names the function's variables (memsee's dumper
//     does), each reference of the tuple is named by its cell's variable, <events>;
//   - a threading.local's dict holds a dict per thread, an attribute dict: `.queries`.
//
// List and tuple elements were named by the reader.
func (Reader) NameGraph(d graph.Dump) {
	g := d.Graph()
	n := g.Len()
	dictT, hasDict := d.TypeIndex("dict")
	if !hasDict {
		return
	}
	moduleT, _ := d.TypeIndex("module")
	typeT, _ := d.TypeIndex("type")
	builtin := map[uint32]bool{}
	for _, name := range []string{"dict", "list", "tuple", "set", "frozenset", "str", "bytes", "int", "float",
		"function", "code", "cell", "frame", "builtin_function_or_method", "method", "weakref", "NoneType", "bool"} {
		if t, ok := d.TypeIndex(name); ok {
			builtin[t] = true
		}
	}
	attrs := make([]uint64, (n+63)/64) // dicts that are a __dict__
	mark := func(id graph.ObjID) { attrs[id>>6] |= 1 << (id & 63) }
	isAttrs := func(id graph.ObjID) bool { return attrs[id>>6]&(1<<(id&63)) != 0 }
	name := d.SetEdgeName
	hasType := func(want, t uint32, name string) bool { return t == want && d.TypeName(t) == name }
	functionT, _ := d.TypeIndex("function")
	tupleT, _ := d.TypeIndex("tuple")
	cellT, hasCell := d.TypeIndex("cell")
	localT, hasLocal := d.TypeIndex(threadLocal)
	freevars := closureNames(d, functionT)
	// cells reports whether every reference of object id (one at least) is a cell.
	cells := func(id graph.ObjID) bool {
		lo, hi := g.EdgeRange(id)
		for e := lo; e < hi; e++ {
			if d.TypeOf(g.Edges[e]) != cellT {
				return false
			}
		}
		return lo < hi
	}

	for id := graph.ObjID(0); int(id) < n; id++ {
		lo, hi := g.EdgeRange(id)
		if lo == hi {
			continue
		}
		t := d.TypeOf(id)
		if hasCell {
			switch {
			case hasType(cellT, t, "cell") && hi-lo == 1:
				name(lo, cellContents)
				continue
			case hasType(functionT, t, "function"):
				for e := lo; e < hi; e++ {
					if c := g.Edges[e]; hasType(tupleT, d.TypeOf(c), "tuple") && cells(c) {
						name(e, closure)
						nameCells(d, c, freevars[id])
						break
					}
				}
				continue
			}
		}
		if hasLocal && hasType(localT, t, threadLocal) {
			// Its dict holds one dict per thread, whose items are the attributes: .queries.
			for e := lo; e < hi; e++ {
				if own := g.Edges[e]; d.TypeOf(own) == dictT {
					dlo, dhi := g.EdgeRange(own)
					for f := dlo; f < dhi; f++ {
						if c := g.Edges[f]; d.TypeOf(c) == dictT {
							mark(c)
						}
					}
				}
			}
			continue
		}
		first := g.Edges[lo]
		if d.TypeOf(first) != dictT {
			continue
		}
		switch {
		case hasType(moduleT, t, "module"), hasType(typeT, t, "type"):
			name(lo, attrDict)
			mark(first)
		case !builtin[t] && hi-lo >= 2 && hasType(typeT, d.TypeOf(g.Edges[lo+1]), "type"):
			name(lo, attrDict)
			name(lo+1, "__class__")
			mark(first)
		}
	}
	for id := graph.ObjID(0); int(id) < n; id++ {
		if d.TypeOf(id) != dictT {
			continue
		}
		lo, hi := g.EdgeRange(id)
		pairs := d.Len(id)
		if pairs <= 0 || 2*pairs > int64(hi-lo) {
			continue // not every key and value is there: naming by position would lie
		}
		attr := isAttrs(id)
		for e := lo; e+1 < lo+uint32(2*pairs); e += 2 {
			name(e, "(key)")
			d.SetKeyName(e+1, attr)
		}
	}
}

// closureNames takes the names of closure variables the reader left on the refs of functions
// (freevarsName) off them, and returns them by function.
func closureNames(d graph.Dump, functionT uint32) map[graph.ObjID][]string {
	g := d.Graph()
	if d.TypeName(functionT) != "function" {
		return nil
	}
	named := false
	for id := graph.ObjID(0); int(id) < g.Len() && !named; id++ {
		if d.TypeOf(id) == functionT {
			lo, hi := g.EdgeRange(id)
			for e := lo; e < hi && !named; e++ {
				named = d.EdgeNameID(e) != 0
			}
		}
	}
	if !named {
		return nil // a dump of meliae's, or no closures
	}
	lists := map[uint32][]string{} // the id of each list's name -> its names
	d.RenameEdges([]heap.EdgeKind{heap.EdgeField}, func(name string) string {
		if rest, ok := strings.CutPrefix(name, freevarsName+"\x00"); ok {
			if id, ok := d.NameID(name); ok {
				lists[id] = strings.Split(rest, "\x00")
			}
		}
		return name
	})
	out := map[graph.ObjID][]string{}
	for id := graph.ObjID(0); int(id) < g.Len(); id++ {
		if d.TypeOf(id) != functionT {
			continue
		}
		lo, hi := g.EdgeRange(id)
		for e := lo; e < hi; e++ {
			if names, ok := lists[d.EdgeNameID(e)]; ok {
				out[id] = names
				d.SetEdgeName(e, "")
			}
		}
	}
	return out
}

// nameCells names the refs of a closure's tuple of cells by their variables, names in the
// order of the cells, when there are as many as there are cells: a function and its code
// always agree (CPython refuses a __code__ with another count), so a dump where they do not
// is damaged, and its cells keep their indices.
func nameCells(d graph.Dump, tuple graph.ObjID, names []string) {
	lo, hi := d.Graph().EdgeRange(tuple)
	n := int(hi - lo)
	if len(names) == 0 || len(names) != n || (d.Len(tuple) >= 0 && d.Len(tuple) != int64(n)) {
		return
	}
	// The refs of a tuple come last element first (meliae.go, finish).
	for i := 0; i < n; i++ {
		d.SetEdgeName(lo+uint32(i), cellName(names[n-1-i]))
	}
}

// KeyText spells a dict entry's name from its key object: .key in an attribute dict,
// ['key'] (or [1] for a number) in any other.
func (Reader) KeyText(d graph.Dump, key graph.ObjID, attr bool) string {
	kt := d.TypeName(d.TypeOf(key))
	switch {
	case kt == "str" && attr:
		return "." + d.Value(key)
	case kt == "str":
		return "[" + pyRepr(d.Value(key)) + "]"
	case kt == "int":
		return "[" + d.Value(key) + "]"
	}
	return "[" + kt + "]"
}

// pyRepr quotes a string as Python's repr does for printable text: 'SKU-1', 'it\'s'.
func pyRepr(v string) string {
	b := make([]byte, 0, len(v)+2)
	b = append(b, '\'')
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\'', '\\':
			b = append(b, '\\', c)
		default:
			b = append(b, c)
		}
	}
	return string(append(b, '\''))
}
