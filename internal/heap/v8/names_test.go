package v8

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/memsee/memsee/internal/heap"
)

// chromeLike is a small snapshot with what a Node.js one lacks: a Chrome page's roots, DOM
// nodes, every node and edge type (and two that V8 does not have), a concatenated string and
// a 5 GB native. Its layout is V8's, with detachedness.
func chromeLike() []byte {
	strs := []string{
		"", "(GC roots)", "Window / https://example.com", "(Document DOM trees)", `<div id="main" class="x">`,
		`Detached <li class="item">`, "<p>", "handler", "ab+c", "system / Context", "Hello, ", "world",
		"first", "second", "(concatenated string)", "x", "p", "map", "global", "w", "hidden edge name", "Uint8Array backing",
	}
	// node types: 0 hidden, 1 array, 2 string, 3 object, 4 code, 5 closure, 6 regexp, 7 number,
	// 8 native, 9 synthetic, 10 concatenated string, 11 sliced string, 12 symbol, 13 bigint,
	// 14 object shape, 15 wasm object, 16 future thing.
	type node struct{ typ, name, id, size, edges int }
	nodes := []node{
		{9, 0, 1, 0, 4},            // 0: the synthetic root
		{9, 1, 3, 0, 0},            // 1: (GC roots)
		{8, 2, 5, 100, 8},          // 2: Window, user root by a shortcut
		{9, 3, 7, 0, 1},            // 3: (Document DOM trees), a user root though synthetic
		{8, 4, 9, 64, 0},           // 4: <div id="main" class="x">
		{8, 5, 11, 64, 0},          // 5: Detached <li class="item">
		{3, 6, 13, 32, 0},          // 6: an object named <p>
		{5, 7, 15, 56, 1},          // 7: closure handler
		{6, 8, 17, 40, 0},          // 8: regexp
		{0, 9, 19, 24, 0},          // 9: hidden
		{10, 14, 21, 32, 2},        // 10: "Hello, " + "world"
		{2, 10, 23, 24, 0},         // 11
		{2, 11, 25, 24, 0},         // 12
		{16, 0, 27, 8, 0},          // 13: a type V8 does not have
		{15, 0, 29, 16, 0},         // 14: wasm object
		{8, 21, 31, 5000000000, 0}, // 15: a 5 GB backing store
	}
	// edge types: 0 context, 1 element, 2 property, 3 internal, 4 hidden, 5 shortcut, 6 weak,
	// 7 invisible (not V8's).
	type edge struct{ typ, name, to int }
	edges := []edge{
		{1, 1, 1}, {5, 18, 2}, {1, 3, 3}, {1, 4, 15}, // the root
		{2, 16, 4}, {2, 16, 5}, {2, 16, 6}, {2, 16, 7}, {1, 3, 8}, {4, 7, 9}, {6, 19, 10}, {7, 20, 13}, // Window
		{1, 0, 14},  // (Document DOM trees)
		{0, 15, 9},  // handler's context
		{3, 12, 11}, // first
		{3, 13, 12}, // second
	}
	var b strings.Builder
	b.WriteString(`{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count","trace_node_id","detachedness"],` +
		`"node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic",` +
		`"concatenated string","sliced string","symbol","bigint","object shape","wasm object","future thing"],` +
		`"string","number","number","number","number","number"],"edge_fields":["type","name_or_index","to_node"],` +
		`"edge_types":[["context","element","property","internal","hidden","shortcut","weak","invisible"],"string_or_number","node"]},`)
	fmt.Fprintf(&b, `"node_count":%d,"edge_count":%d},`+"\n"+`"nodes":[`, len(nodes), len(edges))
	for i, n := range nodes {
		if i > 0 {
			b.WriteString("\n,")
		}
		fmt.Fprintf(&b, "%d,%d,%d,%d,%d,0,0", n.typ, n.name, n.id, n.size, n.edges)
	}
	b.WriteString(`],` + "\n" + `"edges":[`)
	for i, e := range edges {
		if i > 0 {
			b.WriteString("\n,")
		}
		fmt.Fprintf(&b, "%d,%d,%d", e.typ, e.name, e.to*7)
	}
	b.WriteString(`],` + "\n" + `"strings":[`)
	for i, s := range strs {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "%q", s)
	}
	b.WriteString("]}")
	return []byte(b.String())
}

// TestNames checks the class names, values, edge kinds and names, and roots of every kind of
// node and edge, on chromeLike.
func TestNames(t *testing.T) {
	rec := mustLoad(t, chromeLike())
	type obj struct {
		typ   string
		size  int64
		len   int64
		value string
	}
	want := []obj{
		{"(synthetic)", 0, -1, ""},
		{"(synthetic)", 0, -1, "(GC roots)"},
		{"Window / https://example.com", 100, -1, ""},
		{"(synthetic)", 0, -1, "(Document DOM trees)"},
		{"<div>", 64, -1, `<div id="main" class="x">`},
		{"Detached <li>", 64, -1, `Detached <li class="item">`},
		{"<p>", 32, -1, ""},
		{"Function", 56, -1, "handler"},
		{"RegExp", 40, -1, "ab+c"},
		{"(system)", 24, -1, "system / Context"},
		{"(concatenated string)", 32, 12, "Hello, world"},
		{"(string)", 24, 7, "Hello, "},
		{"(string)", 24, 5, "world"},
		{"(future thing)", 8, -1, ""},
		{"(wasm object)", 16, -1, ""},
		{"Uint8Array backing", 5000000000, -1, ""},
	}
	if len(rec.objects) != len(want) {
		t.Fatalf("%d objects, want %d", len(rec.objects), len(want))
	}
	for i, w := range want {
		o := rec.objects[i]
		if o.Type != w.typ || o.Size != w.size || o.Len != w.len || o.Value != w.value {
			t.Errorf("object %d: %s, want %+v", i, brief(o), w)
		}
	}
	wantEdges := map[int][]heap.Edge{
		0: {{To: 3, Kind: heap.EdgeElement, Name: "1"}, {To: 5, Kind: heap.EdgeShortcut, Name: "global"},
			{To: 7, Kind: heap.EdgeElement, Name: "3"}, {To: 31, Kind: heap.EdgeElement, Name: "4"}},
		2: {{To: 9, Kind: heap.EdgeField, Name: "p"}, {To: 11, Kind: heap.EdgeField, Name: "p"}, {To: 13, Kind: heap.EdgeField, Name: "p"},
			{To: 15, Kind: heap.EdgeField, Name: "p"}, {To: 17, Kind: heap.EdgeElement, Name: "3"}, {To: 19, Kind: heap.EdgeHidden, Name: "7"},
			{To: 21, Kind: heap.EdgeWeak, Name: "w"}, {To: 27, Kind: heap.EdgeInternal, Name: "hidden edge name"}},
		3:  {{To: 29, Kind: heap.EdgeElement, Name: "0"}},
		7:  {{To: 19, Kind: heap.EdgeContext, Name: "x"}},
		10: {{To: 23, Kind: heap.EdgeInternal, Name: "first"}, {To: 25, Kind: heap.EdgeInternal, Name: "second"}},
	}
	for i, o := range rec.objects {
		if !slices.Equal(o.Edges, wantEdges[i]) {
			t.Errorf("object %d (%s): edges %v, want %v", i, o.Type, o.Edges, wantEdges[i])
		}
	}
	wantRoots := []heap.Root{
		{Addr: 1, Kind: "synthetic", Name: "(root)"},
		{Addr: 5, Kind: "user", Name: "Window / https://example.com"},
		{Addr: 7, Kind: "user", Name: "(Document DOM trees)"},
		{Addr: 31, Kind: "user", Name: "Uint8Array backing"},
	}
	if !slices.Equal(rec.roots, wantRoots) {
		t.Errorf("roots %v, want %v", rec.roots, wantRoots)
	}
}
