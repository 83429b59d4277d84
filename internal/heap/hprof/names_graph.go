package hprof

import (
	"strings"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/graph"
)

// NameGraph finishes a JVM dump once its graph is built, with what the reader could not know
// while streaming:
//   - a java.lang.String gets the text of its value array (which may come after it in the
//     file) as its value;
//   - thread roots, which the dump names by serial number ("thread 1"), are named by their
//     Thread object's name ("thread main");
//   - field references are spelled as Java code writes them, .field, so that paths read
//     `class shop.Shop -> .AUDIT_LOG (java.util.ArrayList)`.
func (Reader) NameGraph(d graph.Dump) {
	g := d.Graph()
	valueName, hasValue := d.NameID("value")
	nameName, hasName := d.NameID("name")
	stringT, hasString := d.TypeIndex("java.lang.String")
	// field returns the target of id's edge named by name id, if any.
	field := func(id graph.ObjID, name uint32) (graph.ObjID, bool) {
		lo, hi := g.EdgeRange(id)
		for e := lo; e < hi; e++ {
			if d.EdgeNameID(e) == name {
				return g.Edges[e], true
			}
		}
		return 0, false
	}
	if hasValue && hasString {
		d.SetValues(func(id graph.ObjID) string {
			if d.TypeOf(id) == stringT {
				if arr, ok := field(id, valueName); ok {
					return d.Value(arr)
				}
			}
			return d.Value(id)
		})
	}
	if hasName {
		nameThreads(d, func(thread graph.ObjID) string {
			if str, ok := field(thread, nameName); ok {
				return d.Value(str)
			}
			return ""
		})
	}
	d.RenameEdges([]heap.EdgeKind{heap.EdgeField, heap.EdgeWeak}, func(name string) string { return "." + name })
}

// nameThreads renames the roots that name a thread by its serial number ("thread 1", "... in
// thread 1") after the name of the thread's object, which threadName returns.
func nameThreads(d graph.Dump, threadName func(graph.ObjID) string) {
	g := d.Graph()
	roots := d.Roots()
	bySerial := map[string]uint64{} // "thread 1" -> its Thread object's address
	for _, r := range roots {
		if r.Kind == "thread" {
			bySerial[r.Name] = r.Addr
		}
	}
	if len(bySerial) == 0 {
		return
	}
	want := make(map[uint64]string, len(bySerial))
	for _, a := range bySerial {
		want[a] = ""
	}
	for id := 0; id < g.Len(); id++ {
		if _, ok := want[g.Addr[id]]; ok {
			want[g.Addr[id]] = threadName(graph.ObjID(id))
		}
	}
	for i, r := range roots {
		for serial, a := range bySerial {
			if name := want[a]; name != "" && (r.Name == serial || strings.HasSuffix(r.Name, " in "+serial)) {
				d.RenameRoot(i, strings.TrimSuffix(r.Name, serial)+"thread "+name)
				break
			}
		}
	}
}
