package ruby

import (
	"strconv"
	"strings"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/graph"
)

// NameGraph names the references of classes and modules, which the reader could not: what a
// class refers to is, in the order Ruby 3.1's collector marks them (docs/formats/ruby.md),
// its superclass, its method entries and call caches, its instance variables (its name,
// __classpath__, among them), then for each constant the constant's value and the name of the
// file that set it. The reader has named those memsee's dumper wrote names for (MEMSEE_NAME
// lines: "::CURRENCIES", "@sessions"); dump_all alone writes none, so of the others:
//
//   - a reference followed by one to a file name (a String ending in ".rb", or "<main>",
//     "-e", "(irb)" and the like) is a constant: "::<constant>", or "::Name" when the value is
//     a class or module named Owner::Name;
//   - any other reference to an object of the program's is an instance variable of the class
//     (Ruby's "class instance variable", `@sessions = []` in the class body): "@<ivar>";
//   - the file names, the class's own name, and the runtime's objects (method entries,
//     caches) keep the reader's "(class)".
//
// A constant whose value is an Integer, a Symbol, nil or true is not in the references (no
// object), but its file is: an instance variable just before the first such constant reads
// as a constant. docs/formats/ruby.md lists this limit.
//
// It also names each value of a Hash whose references the reader could pair with its keys
// (edgeValue) after its key, as Ruby writes the lookup: `["C0001"]` for a String key,
// `[:name]` for a Symbol's; a value under a key of another class stays `[*]`.
func (rd Reader) NameGraph(d graph.Dump) {
	nameValues(d)
	rd.nameClassRefs(d)
}

// nameValues names a Hash's values after their keys.
func nameValues(d graph.Dump) {
	g := d.Graph()
	key, ok1 := d.NameID(edgeKey)
	value, ok2 := d.NameID(edgeValue)
	if !ok1 || !ok2 {
		return
	}
	stringT, hasString := d.TypeIndex(runtimeTypes["STRING"])
	symbolT, hasSymbol := d.TypeIndex(runtimeTypes["SYMBOL"])
	for e := uint32(0); e+1 < uint32(len(g.Edges)); e++ {
		if d.EdgeNameID(e) != key || d.EdgeNameID(e+1) != value {
			continue
		}
		switch t := d.TypeOf(g.Edges[e]); {
		case hasString && t == stringT, hasSymbol && t == symbolT:
			d.SetKeyName(e+1, false)
		default:
			d.SetEdgeName(e+1, edgeElement)
		}
		e++
	}
	// A value whose key edge was dropped (a key not in the dump) keeps no marker.
	d.RenameEdges([]heap.EdgeKind{heap.EdgeElement}, func(name string) string {
		if name == edgeValue {
			return edgeElement
		}
		return name
	})
}

// KeyText spells a Hash's key as Ruby code looks the value up: `["C0001"]`, `[:name]`.
func (Reader) KeyText(d graph.Dump, key graph.ObjID, _ bool) string {
	v := d.Value(key)
	if t, ok := d.TypeIndex(runtimeTypes["SYMBOL"]); ok && d.TypeOf(key) == t {
		return "[:" + v + "]"
	}
	return "[" + strconv.Quote(v) + "]"
}

// nameClassRefs names the references of classes and modules (see NameGraph).
func (Reader) nameClassRefs(d graph.Dump) {
	g := d.Graph()
	classT, okC := d.TypeIndex(runtimeTypes["CLASS"])
	moduleT, okM := d.TypeIndex(runtimeTypes["MODULE"])
	if !okC && !okM {
		return
	}
	stringT, hasString := d.TypeIndex(runtimeTypes["STRING"])
	imemoT, hasImemo := d.TypeIndex(runtimeTypes["IMEMO"])
	inner, ok := d.NameID(edgeClassInner)
	if !ok {
		return
	}
	isFile := func(id graph.ObjID) bool {
		return hasString && d.TypeOf(id) == stringT && fileName(d.Value(id))
	}
	for id := graph.ObjID(0); int(id) < g.Len(); id++ {
		if t := d.TypeOf(id); !(okC && t == classT) && !(okM && t == moduleT) {
			continue
		}
		self := d.Value(id)
		lo, hi := g.EdgeRange(id)
		for e := lo; e < hi; e++ {
			if d.EdgeNameID(e) != inner {
				continue
			}
			to := g.Edges[e]
			t := d.TypeOf(to)
			switch {
			case hasImemo && t == imemoT:
				continue
			case hasString && t == stringT && (d.Value(to) == self || fileName(d.Value(to))):
				continue
			}
			constant := e+1 < hi && isFile(g.Edges[e+1])
			switch {
			case (okC && t == classT) || (okM && t == moduleT):
				if name := d.Value(to); name != "" {
					d.SetEdgeName(e, "::"+name[strings.LastIndex(name, "::")+2:])
					continue
				}
				if constant {
					d.SetEdgeName(e, edgeConstant)
				}
			case constant:
				d.SetEdgeName(e, edgeConstant)
			default:
				d.SetEdgeName(e, edgeIvar)
			}
		}
	}
}

// fileName reports whether s is how Ruby records the file that set a constant: a path ending
// in ".rb", or a pseudo-file such as "<main>", "-e", "(irb)", "(eval)".
func fileName(s string) bool {
	return strings.HasSuffix(s, ".rb") || s == "-e" ||
		(strings.HasPrefix(s, "<") && strings.HasSuffix(s, ">")) ||
		(strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")"))
}

var (
	_ graph.Namer    = Reader{}
	_ graph.KeyNamer = Reader{}
)
