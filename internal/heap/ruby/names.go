package ruby

import (
	"strings"

	"github.com/memsee/memsee/internal/heap/graph"
)

// NameGraph names the references of classes and modules, which the reader could not: what a
// class refers to is, in the order Ruby 3.1's collector marks them (gc.c, gc_mark_children),
// its superclass, its method entries and call caches, its instance variables (its name,
// __classpath__, among them), then for each constant the constant's value and the name of the
// file that set it. Neither a constant's name nor an instance variable's is in the dump, so:
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
func (Reader) NameGraph(d graph.Dump) {
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

var _ graph.Namer = Reader{}
