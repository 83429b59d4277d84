package loader

import (
	"strings"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/graph"
)

// nameHPROF finishes a JVM dump once its graph is built, with what the reader could not know
// while streaming (see internal/heap/hprof):
//   - a java.lang.String gets the text of its value array (which may come after it in the
//     file) as its value;
//   - thread roots, which the dump names by serial number ("thread 1"), are named by their
//     Thread object's name ("thread main");
//   - field references are spelled as Java code writes them, .field, so that paths read
//     `class shop.Shop -> .AUDIT_LOG (java.util.ArrayList)`.
func (s *graphSink) nameHPROF(g *graph.Graph) {
	n := g.Len()
	valueName, hasValue := s.nameIdx["value"]
	nameName, hasName := s.nameIdx["name"]
	stringT, hasString := s.typeIdx["java.lang.String"]
	// field returns the target of id's edge named by name id, if any.
	field := func(id graph.ObjID, name uint32) (graph.ObjID, bool) {
		lo, hi := g.EdgeRange(id)
		for e := lo; e < hi; e++ {
			if s.edgeName[e] == name {
				return g.Edges[e], true
			}
		}
		return 0, false
	}
	if hasValue && hasString {
		s.rewriteValues(n, func(id graph.ObjID) string {
			if s.typeOf[id] == stringT {
				if arr, ok := field(id, valueName); ok {
					return s.value(arr)
				}
			}
			return s.value(id)
		})
	}
	if hasName {
		s.nameThreads(g, func(thread graph.ObjID) string {
			if str, ok := field(thread, nameName); ok {
				return s.value(str)
			}
			return ""
		})
	}
	// Field names, once: the name id of "x" -> that of ".x".
	dotted := make(map[uint32]uint32)
	for e := range s.edgeName {
		k := g.Kinds[e]
		id := s.edgeName[e]
		if (k != heap.EdgeField && k != heap.EdgeWeak) || id == 0 || id&elemBit != 0 || id >= maxName {
			continue
		}
		d, ok := dotted[id]
		if !ok {
			d = s.intern("." + s.name(id))
			dotted[id] = d
		}
		s.edgeName[e] = d
	}
}

// rewriteValues replaces every object's value with value(id), in one pass over the values.
func (s *graphSink) rewriteValues(n int, value func(id graph.ObjID) string) {
	out := make([]byte, 0, len(s.values)+len(s.values)/2)
	ends := make([]uint32, n)
	for id := 0; id < n; id++ {
		v := value(graph.ObjID(id))
		if len(out)+len(v) <= 1<<32-1 {
			out = append(out, v...)
		}
		ends[id] = uint32(len(out))
	}
	s.values, s.valueEnd = out, ends
}

// nameThreads renames the roots that name a thread by its serial number ("thread 1", "... in
// thread 1") after the name of the thread's object, which threadName returns.
func (s *graphSink) nameThreads(g *graph.Graph, threadName func(graph.ObjID) string) {
	bySerial := map[string]uint64{} // "thread 1" -> its Thread object's address
	for _, r := range s.roots {
		if r.kind == "thread" {
			bySerial[r.name] = r.addr
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
	for i, r := range s.roots {
		for serial, a := range bySerial {
			if name := want[a]; name != "" && (r.name == serial || strings.HasSuffix(r.name, " in "+serial)) {
				s.roots[i].name = strings.TrimSuffix(r.name, serial) + "thread " + name
				break
			}
		}
	}
}
