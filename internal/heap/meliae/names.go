package meliae

import (
	"github.com/memsee/memsee/internal/heap/graph"
)

// attrDict names the edge from a module, class or instance to its __dict__. Paths leave the hop
// out, so that they read `module shop -> ._audit_log`, as the attribute is written in code.
const attrDict = "__dict__"

// closure names the edge from a function to its __closure__, the tuple of the cells of the
// variables it closes over; cellContents the edge from a cell to the variable's value. Python
// spells them so (fn.__closure__[0].cell_contents): the dump has no names for the variables,
// which are in the code object, whose fields gc does not list.
const (
	closure      = ".__closure__"
	cellContents = ".cell_contents"
)

// NameGraph names the references of a Python dump that meliae leaves unnamed, from the order in
// which it lists them (see docs/formats/meliae.md, "What memsee derives"):
//   - a module's first reference is its __dict__; so is an instance's, when its second is its
//     class; a class's own dict comes first too;
//   - a dict lists key, value, key, value...: the value's edge is named by the key, `.key` in an
//     attribute dict and `['key']` (or `[1]` for a number) in any other, and the key's `(key)`;
//   - a function's reference to a tuple of cells is its __closure__, and a cell's one reference
//     is its cell_contents.
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
						break
					}
				}
				continue
			}
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
