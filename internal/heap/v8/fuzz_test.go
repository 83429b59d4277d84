package v8

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
)

// shrink returns a small snapshot cut from a real one: its first n nodes, the edges between
// them, and the strings they use, with the real meta.
func shrink(tb testing.TB, data []byte, n int) []byte {
	tb.Helper()
	s := decode(tb, data)
	m := s.Snapshot.Meta
	nf, ef := len(m.NodeFields), len(m.EdgeFields)
	var edgeTypes []string
	if err := json.Unmarshal(m.EdgeTypes[0], &edgeTypes); err != nil {
		tb.Fatal(err)
	}
	nn, nec := field(tb, m.NodeFields, "name"), field(tb, m.NodeFields, "edge_count")
	et, en, eto := field(tb, m.EdgeFields, "type"), field(tb, m.EdgeFields, "name_or_index"), field(tb, m.EdgeFields, "to_node")
	var strs []string
	index := map[uint64]uint64{}
	str := func(i uint64) uint64 {
		if j, ok := index[i]; ok {
			return j
		}
		index[i] = uint64(len(strs))
		strs = append(strs, s.Strings[i])
		return index[i]
	}
	nodes := slices.Clone(s.Nodes[:n*nf])
	var edges []uint64
	e := 0
	for i := 0; i < n; i++ {
		kept := 0
		for k := 0; k < int(s.Nodes[i*nf+nec]); k++ {
			edge := slices.Clone(s.Edges[e : e+ef])
			e += ef
			if edge[eto] >= uint64(n*nf) {
				continue
			}
			if t := edgeTypes[edge[et]]; t != "element" && t != "hidden" {
				edge[en] = str(edge[en])
			}
			edges = append(edges, edge...)
			kept++
		}
		nodes[i*nf+nec] = uint64(kept)
		nodes[i*nf+nn] = str(nodes[i*nf+nn])
	}
	var header map[string]json.RawMessage
	for _, sec := range sections(tb, data) {
		if sec.key == "snapshot" {
			if err := json.Unmarshal(sec.value, &header); err != nil {
				tb.Fatal(err)
			}
		}
	}
	header["node_count"] = mustMarshal(tb, n)
	header["edge_count"] = mustMarshal(tb, len(edges)/ef)
	return join([]section{
		{"snapshot", mustMarshal(tb, header)},
		{"nodes", mustMarshal(tb, nodes)},
		{"edges", mustMarshal(tb, edges)},
		{"trace_function_infos", json.RawMessage("[]")},
		{"trace_tree", json.RawMessage("[]")},
		{"samples", json.RawMessage("[]")},
		{"locations", json.RawMessage("[]")},
		{"strings", mustMarshal(tb, strs)},
	})
}

// FuzzRead checks that no input makes the reader panic, hang or send more than the input
// can hold. It is seeded with small snapshots cut from a real one, the real one's first bytes,
// chromeLike, and a few broken variants.
func FuzzRead(f *testing.F) {
	real := mustRead(f, "heap1")
	small := shrink(f, real, 40)
	f.Add(small)
	f.Add(shrink(f, real, 5))
	for _, n := range []int{200, 1000, 4096} {
		f.Add(real[:n])
		f.Add(small[:len(small)*n/5000])
	}
	f.Add(bytes.Replace(small, []byte(`"strings":["`), []byte(`"strings":["\ud800\udc80\u12`), 1))
	f.Add(bytes.Replace(small, []byte(`"nodes":[`), []byte(`"nodes":[9,0,1,0,99999999,0,0,`), 1))
	f.Add(chromeLike())
	f.Add([]byte(`{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["concatenated string"]],` +
		`"edge_fields":["type","name_or_index","to_node"],"edge_types":[["internal"]]},"node_count":1,"edge_count":2},` +
		`"nodes":[0,0,1,16,2],"edges":[0,1,0,0,2,0],"strings":["","first","second"]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s := &countSink{}
		err := Reader{}.Read(context.Background(), "fuzz.heapsnapshot", bytes.NewReader(b), s)
		// The numbers read in blocks (blocks.go): the same error, or the same objects.
		for _, m := range readModes {
			s2 := &countSink{}
			err2 := readIn(context.Background(), "fuzz.heapsnapshot", bytes.NewReader(b), s2, m.window, m.blockMin)
			if fmt.Sprint(err2) != fmt.Sprint(err) || *s2 != *s {
				t.Fatalf("%s: %v, %+v; Read: %v, %+v", m.name, err2, *s2, err, *s)
			}
		}
		// A node takes at least 10 bytes ("0,0,0,0,0,"), an edge 6; values are shortened.
		if s.objects > len(b)/10+1 || s.edges > len(b)/6+1 {
			t.Errorf("%d objects and %d edges from %d bytes", s.objects, s.edges, len(b))
		}
		if s.valueBytes > 4*MaxValue*(s.objects+1) {
			t.Errorf("%d value bytes for %d objects", s.valueBytes, s.objects)
		}
	})
}
