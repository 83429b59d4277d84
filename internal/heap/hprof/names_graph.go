package hprof

import (
	"strings"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/graph"
)

// NameGraph finishes a JVM dump once its graph is built, with what the reader could not know
// while streaming:
//   - field references are spelled as Java code writes them, .field, so that paths read
//     `class shop.Shop -> .AUDIT_LOG (java.util.ArrayList)`;
//   - a java.lang.String gets the text of its value array (which may come after it in the
//     file) as its value;
//   - a thread's ThreadLocal value (a ThreadLocalMap entry) gets as its value the static field
//     that holds its ThreadLocal, "shop.RequestContext.TRAIL", when one does: the entry only
//     refers to its ThreadLocal weakly, so no path to the value passes through that field,
//     and HolderName names the value after it;
//   - thread roots, which the dump names by serial number ("thread 1"), are named by their
//     Thread object's name ("thread main").
func (Reader) NameGraph(d graph.Dump) {
	g := d.Graph()
	names := map[uint32]string{} // the id of a field's name, as renamed -> that name
	var renamed []string
	d.RenameEdges([]heap.EdgeKind{heap.EdgeField, heap.EdgeWeak}, func(name string) string {
		renamed = append(renamed, "."+name)
		return "." + name
	})
	for _, n := range renamed {
		if id, ok := d.NameID(n); ok {
			names[id] = n
		}
	}
	valueName, hasValue := d.NameID(".value")
	nameName, hasName := d.NameID(".name")
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
	locals := threadLocalFields(d, names, field)
	if hasValue && hasString || len(locals) > 0 {
		d.SetValues(func(id graph.ObjID) string {
			if hasValue && hasString && d.TypeOf(id) == stringT {
				if arr, ok := field(id, valueName); ok {
					return d.Value(arr)
				}
			}
			if name, ok := locals[id]; ok {
				return name
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
}

// threadLocalFields returns, for each ThreadLocalMap entry whose ThreadLocal (its referent) a
// class's static field holds, that field as Java code names it: "shop.RequestContext.TRAIL".
// names spells the fields' name ids; field finds an object's field.
func threadLocalFields(d graph.Dump, names map[uint32]string, field func(graph.ObjID, uint32) (graph.ObjID, bool)) map[graph.ObjID]string {
	g := d.Graph()
	entryT, hasEntry := d.TypeIndex(threadLocalEntry)
	classT, hasClass := d.TypeIndex(classType)
	referent, hasReferent := d.NameID(".referent")
	if !hasEntry || !hasClass || !hasReferent {
		return nil
	}
	entries := map[graph.ObjID][]graph.ObjID{} // ThreadLocal -> the entries it is the key of
	for id := graph.ObjID(0); int(id) < g.Len(); id++ {
		if d.TypeOf(id) == entryT {
			if local, ok := field(id, referent); ok {
				entries[local] = append(entries[local], id)
			}
		}
	}
	if len(entries) == 0 {
		return nil
	}
	out := map[graph.ObjID]string{}
	for id := graph.ObjID(0); int(id) < g.Len(); id++ {
		if d.TypeOf(id) != classT {
			continue
		}
		lo, hi := g.EdgeRange(id)
		for e := lo; e < hi; e++ {
			es, ok := entries[g.Edges[e]]
			name, named := names[d.EdgeNameID(e)]
			if !ok || !named || g.Kinds[e] != heap.EdgeField {
				continue
			}
			for _, entry := range es {
				if _, done := out[entry]; !done {
					out[entry] = d.Value(id) + name
				}
			}
		}
	}
	return out
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
		a := g.Addr.At(graph.ObjID(id))
		if _, ok := want[a]; ok {
			want[a] = threadName(graph.ObjID(id))
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

// classType is the class of the objects that stand for classes in a dump.
const classType = "java.lang.Class"
