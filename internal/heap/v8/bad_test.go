package v8

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"github.com/memsee/memsee/internal/heap"
)

// arrayAt returns the offset of the '[' of the top-level array key.
func arrayAt(t *testing.T, data []byte, key string) int {
	t.Helper()
	i := bytes.Index(data, []byte(`"`+key+`":`))
	if i < 0 {
		t.Fatalf("no %q in the snapshot", key)
	}
	return i + bytes.IndexByte(data[i:], '[')
}

// valueAt returns where value k (from 0) of the integer array key starts and ends.
func valueAt(t *testing.T, data []byte, key string, k int) (int, int) {
	t.Helper()
	i := arrayAt(t, data, key) + 1
	for n := 0; ; n++ {
		for data[i] < '0' || data[i] > '9' {
			if data[i] == ']' {
				t.Fatalf("%s has no value %d", key, k)
			}
			i++
		}
		j := i
		for data[j] >= '0' && data[j] <= '9' {
			j++
		}
		if n == k {
			return i, j
		}
		i = j
	}
}

// headerAt returns where the number after key in the snapshot header starts and ends.
func headerAt(t *testing.T, data []byte, key string) (int, int) {
	t.Helper()
	i := bytes.Index(data, []byte(`"`+key+`":`))
	if i < 0 {
		t.Fatalf("no %q in the snapshot", key)
	}
	i += len(key) + 3
	j := i
	for data[j] >= '0' && data[j] <= '9' {
		j++
	}
	return i, j
}

// splice returns a copy of data with data[start:end] replaced by s.
func splice(data []byte, start, end int, s string) []byte {
	return slices.Concat(data[:start], []byte(s), data[end:])
}

// setValue returns a copy of data with value k of array key set to s, and where s starts.
func setValue(t *testing.T, data []byte, key string, k int, s string) ([]byte, int64) {
	t.Helper()
	i, j := valueAt(t, data, key, k)
	return splice(data, i, j, s), int64(i)
}

// layout is what the tests need of a snapshot's layout.
type layout struct {
	nf, ef                              int
	nType, nName, nID, nSize, nEC       int
	eType, eName, eTo                   int
	nodes, edges, strings, propertyEdge int
}

func layoutOf(t *testing.T, data []byte) layout {
	t.Helper()
	s := decode(t, data)
	m := s.Snapshot.Meta
	l := layout{
		nf: len(m.NodeFields), ef: len(m.EdgeFields),
		nType: field(t, m.NodeFields, "type"), nName: field(t, m.NodeFields, "name"), nID: field(t, m.NodeFields, "id"),
		nSize: field(t, m.NodeFields, "self_size"), nEC: field(t, m.NodeFields, "edge_count"),
		eType: field(t, m.EdgeFields, "type"), eName: field(t, m.EdgeFields, "name_or_index"), eTo: field(t, m.EdgeFields, "to_node"),
		nodes: s.Snapshot.NodeCount, edges: s.Snapshot.EdgeCount, strings: len(s.Strings),
	}
	var edgeTypes []string
	if err := json.Unmarshal(m.EdgeTypes[0], &edgeTypes); err != nil {
		t.Fatal(err)
	}
	property := uint64(slices.Index(edgeTypes, "property"))
	for e := 0; e < len(s.Edges); e += l.ef {
		if s.Edges[e+l.eType] == property {
			l.propertyEdge = e / l.ef
			break
		}
	}
	return l
}

// TestBadInput cuts and corrupts a real snapshot, and checks that the reader says where and
// what is wrong in a *heap.FormatError, without sending anything to the sink.
func TestBadInput(t *testing.T) {
	real := mustRead(t, "heap1")
	l := layoutOf(t, real)
	nodesAt, edgesAt, stringsAt := arrayAt(t, real, "nodes"), arrayAt(t, real, "edges"), arrayAt(t, real, "strings")
	locationsAt := arrayAt(t, real, "locations")
	end := int64(-1) // the error is at the end of the input

	type tc struct {
		name   string
		in     []byte
		record string
		off    int64
		msg    string
	}
	tests := []tc{
		{"empty", nil, "", end, "it is empty"},
		{"not json", []byte("Heap.20261125.heapsnapshot"), "", 0, `found 'H'`},
		{"json array", []byte(`[]`), "", 0, `want '{'`},
		{"no sections", []byte(`{}`), "snapshot", end, "no snapshot meta"},
		{"garbage after the end", append(slices.Clone(real), " x"...), "", int64(len(real) + 1), "after the end of the snapshot"},
	}
	// Truncated, at several places: each error says how far the file got.
	// The values of the array at that the cut leaves whole: digits followed by something.
	wholeValues := func(at, cut int) int {
		n := 0
		for i := at + 1; i < cut; i++ {
			if real[i] >= '0' && real[i] <= '9' && (real[i+1] < '0' || real[i+1] > '9') && i+1 < cut {
				n++
			}
		}
		return n
	}
	for _, cut := range []struct {
		name, record string
		at           int
		msg          string
	}{
		{"in meta", "meta", 100, "the file ends inside meta"},
		{"in nodes", "nodes", nodesAt + 1000, fmt.Sprintf("after %s of %s values", commas(int64(wholeValues(nodesAt, nodesAt+1000))), commas(int64(l.nodes*l.nf)))},
		{"in a node value", "nodes", nodesAt + 3, fmt.Sprintf("after %d of", wholeValues(nodesAt, nodesAt+3))},
		{"in edges", "edges", edgesAt + 5000, fmt.Sprintf("after %s of %s values", commas(int64(wholeValues(edgesAt, edgesAt+5000))), commas(int64(l.edges*l.ef)))},
		{"in locations", "locations", locationsAt + 100, "inside locations"},
		{"in strings", "strings", stringsAt + 20000, " strings: it looks truncated"},
		{"before the last brace", "top level", len(real) - 1, "the file ends inside top level"},
	} {
		tests = append(tests, tc{"truncated " + cut.name, real[:cut.at], cut.record, end, cut.msg})
	}
	// Counts that do not match the arrays.
	i, j := headerAt(t, real, "node_count")
	tests = append(tests, tc{"node_count one more", splice(real, i, j, strconv.Itoa(l.nodes+1)), "snapshot", int64(i),
		fmt.Sprintf("node_count is %s, but the nodes array holds %s nodes", commas(int64(l.nodes+1)), commas(int64(l.nodes)))})
	i, j = headerAt(t, real, "edge_count")
	tests = append(tests, tc{"edge_count one less", splice(real, i, j, strconv.Itoa(l.edges-1)), "snapshot", int64(i), "edge_count is"})
	in, _ := setValue(t, real, "nodes", 5*l.nf+l.nEC, "999")
	tests = append(tests, tc{"edge counts add up wrong", in, "nodes", int64(nodesAt), "edge_count fields of the nodes add up to"})

	// Indexes out of range, each at the value.
	in, off := setValue(t, real, "edges", 10*l.ef+l.eTo, strconv.Itoa(3*l.nf+1))
	tests = append(tests, tc{"to_node not a multiple", in, "edges", off, fmt.Sprintf("edge 10 has to_node %d, not a multiple of the %d node fields", 3*l.nf+1, l.nf)})
	in, off = setValue(t, real, "edges", 10*l.ef+l.eTo, strconv.Itoa(l.nodes*l.nf))
	tests = append(tests, tc{"to_node past the end", in, "edges", off, "points past the last node"})
	in, off = setValue(t, real, "nodes", 7*l.nf+l.nName, strconv.Itoa(l.strings))
	tests = append(tests, tc{"node name past strings", in, "nodes", off, fmt.Sprintf("a node has name %d, but there are %s strings", l.strings, commas(int64(l.strings)))})
	in, off = setValue(t, real, "edges", l.propertyEdge*l.ef+l.eName, "4000000000")
	tests = append(tests, tc{"edge name past strings", in, "edges", off, "an edge has name 4000000000"})
	in, off = setValue(t, real, "nodes", 9*l.nf+l.nType, "99")
	tests = append(tests, tc{"unknown node type", in, "nodes", off, "node 9 has type 99, but meta lists 16 node types"})
	in, off = setValue(t, real, "edges", 4*l.ef+l.eType, "7")
	tests = append(tests, tc{"unknown edge type", in, "edges", off, "edge 4 has type 7, but meta lists 7 edge types"})
	in, off = setValue(t, real, "nodes", 2*l.nf+l.nID, "99999999999")
	tests = append(tests, tc{"id past 32 bits", in, "nodes", off, "V8 ids have 32 bits"})
	in, off = setValue(t, real, "nodes", 3*l.nf+l.nSize, "99999999999999999999")
	tests = append(tests, tc{"number too long", in, "nodes", off, "integer too large"})
	in, off = setValue(t, real, "nodes", 3*l.nf+l.nSize, "16.5")
	tests = append(tests, tc{"fraction", in, "nodes", off + 2, "want an integer"})
	in, off = setValue(t, real, "nodes", 3*l.nf+l.nSize, "-16")
	tests = append(tests, tc{"negative", in, "nodes", off, "want an unsigned integer, found '-'"})
	in, off = setValue(t, real, "edges", 0, "null")
	tests = append(tests, tc{"null in edges", in, "edges", off, "want an unsigned integer, found 'n'"})
	nodesEnd := bytes.LastIndexByte(real[:edgesAt], ']')
	tests = append(tests, tc{"a value too many", splice(real, nodesEnd, nodesEnd, ",0"), "nodes", int64(nodesEnd + 2),
		fmt.Sprintf("%s values are not a multiple of %d fields", commas(int64(l.nodes*l.nf+1)), l.nf)})

	// Structure.
	for _, key := range []string{"strings", "edges", "nodes"} {
		at := bytes.Index(real, []byte(`"`+key+`":`))
		tests = append(tests, tc{"no " + key, splice(real, at+1, at+2, "x"), key, end, fmt.Sprintf("no %q array", key)})
	}
	at := bytes.Index(real, []byte(`"nodes":`))
	tests = append(tests, tc{"nodes twice", splice(real, at, at, `"nodes":[],`), "nodes", int64(at + len(`"nodes":[],`)), `a second "nodes"`})
	tests = append(tests, tc{"nodes not an array", splice(real, at+len(`"nodes":`), at+len(`"nodes":`), `{},"x":`), "nodes", int64(at + len(`"nodes":`)), "want '[' for nodes, found '{'"})
	at = bytes.Index(real, []byte(`"node_count":`))
	tests = append(tests, tc{"meta twice", splice(real, at, at, `"meta":{},`), "snapshot", int64(at + len(`"meta":`)), `a second "meta"`})
	at = bytes.Index(real, []byte(`"node_fields"`))
	tests = append(tests, tc{"no node_fields", splice(real, at+1, at+2, "x"), "meta", int64(bytes.Index(real, []byte(`"meta":`)) + len(`"meta":`)), "node_fields is missing"})
	at = bytes.Index(real, []byte(`"self_size"`))
	tests = append(tests, tc{"no self_size", splice(real, at+1, at+2, "x"), "meta", int64(bytes.Index(real, []byte(`"meta":`)) + len(`"meta":`)), `node_fields has no "self_size"`})
	at = bytes.Index(real, []byte(`,"edge_count":`))
	tests = append(tests, tc{"missing comma", splice(real, at, at+1, " "), "snapshot", int64(at + 1), `want ',' or '}', found '"'`})

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := read(t, tt.in)
			// The same error in every way of reading (readModes).
			for _, m := range readModes {
				other, err2 := readWith(t, tt.in, m.window, m.blockMin)
				if fmt.Sprint(err2) != fmt.Sprint(err) || len(other.objects) != len(rec.objects) {
					t.Errorf("Read(%s) %s: %v, %d objects; want %v, %d objects", tt.name, m.name, err2, len(other.objects), err, len(rec.objects))
				}
			}
			var fe *heap.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Read(%s): got %v, want a *heap.FormatError", tt.name, err)
			}
			if !strings.Contains(fe.Err.Error(), tt.msg) {
				t.Errorf("Read(%s): got %q, want it to say %q", tt.name, err, tt.msg)
			}
			if fe.Record != tt.record {
				t.Errorf("Read(%s): record %q, want %q (%v)", tt.name, fe.Record, tt.record, err)
			}
			want := tt.off
			if want == end {
				want = int64(len(tt.in))
			}
			if fe.Offset != want {
				t.Errorf("Read(%s): offset %d, want %d (%v)", tt.name, fe.Offset, want, err)
			}
			if fe.File != "test.heapsnapshot" {
				t.Errorf("Read(%s): file %q", tt.name, fe.File)
			}
			if rec.begun != 0 || len(rec.objects) != 0 {
				t.Errorf("Read(%s): %d objects sent for a broken file", tt.name, len(rec.objects))
			}
		})
	}
}

// TestTruncatedEverywhere cuts a small real snapshot after every byte: each cut is an error
// that points at the end, and none panics.
func TestTruncatedEverywhere(t *testing.T) {
	small := shrink(t, mustRead(t, "heap1"), 30)
	mustLoad(t, small)
	for n := range len(small) - 1 {
		_, err := read(t, small[:n])
		var fe *heap.FormatError
		if !errors.As(err, &fe) || fe.Offset != int64(n) {
			t.Fatalf("Read of the first %d bytes: got %v, want a FormatError at offset %d", n, err, n)
		}
		for _, m := range readModes {
			if _, err2 := readWith(t, small[:n], m.window, m.blockMin); fmt.Sprint(err2) != fmt.Sprint(err) {
				t.Fatalf("Read of the first %d bytes, %s: got %v, want %v", n, m.name, err2, err)
			}
		}
	}
}

// section is one top-level key of a snapshot and its value, as written.
type section struct {
	key   string
	value json.RawMessage
}

// sections splits a snapshot into its top-level keys, in file order.
func sections(t testing.TB, data []byte) []section {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %v %v", tok, err)
	}
	var out []section
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, section{tok.(string), v})
	}
	return out
}

// join writes sections back as a snapshot.
func join(secs []section) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, s := range secs {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "%q:", s.key)
		b.Write(s.value)
	}
	b.WriteByte('}')
	return b.Bytes()
}

func mustMarshal(t testing.TB, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// oldLayout rewrites a snapshot as older V8s wrote it, with the node fields named in keep
// (in the order of the file's own): meta loses the other fields, every node their values,
// and to_node and locations' object_index are recomputed for the narrower rows.
func oldLayout(t *testing.T, data []byte, keep ...string) []byte {
	t.Helper()
	s := decode(t, data)
	secs := sections(t, data)
	var header map[string]json.RawMessage
	var meta map[string]json.RawMessage
	for _, sec := range secs {
		if sec.key == "snapshot" {
			if err := json.Unmarshal(sec.value, &header); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(header["meta"], &meta); err != nil {
				t.Fatal(err)
			}
		}
	}
	nf := len(s.Snapshot.Meta.NodeFields)
	var cols []int
	var fields []string
	var types []json.RawMessage
	for i, f := range s.Snapshot.Meta.NodeFields {
		if slices.Contains(keep, f) {
			cols = append(cols, i)
			fields = append(fields, f)
			types = append(types, s.Snapshot.Meta.NodeTypes[i])
		}
	}
	nodes := make([]uint64, 0, len(s.Nodes)/nf*len(cols))
	for i := 0; i < len(s.Nodes); i += nf {
		for _, c := range cols {
			nodes = append(nodes, s.Nodes[i+c])
		}
	}
	eto := field(t, s.Snapshot.Meta.EdgeFields, "to_node")
	edges := slices.Clone(s.Edges)
	for e := eto; e < len(edges); e += len(s.Snapshot.Meta.EdgeFields) {
		edges[e] = edges[e] / uint64(nf) * uint64(len(cols))
	}
	meta["node_fields"] = mustMarshal(t, fields)
	meta["node_types"] = mustMarshal(t, types)
	header["meta"] = mustMarshal(t, meta)
	for i, sec := range secs {
		switch sec.key {
		case "snapshot":
			secs[i].value = mustMarshal(t, header)
		case "nodes":
			secs[i].value = mustMarshal(t, nodes)
		case "edges":
			secs[i].value = mustMarshal(t, edges)
		case "locations":
			var loc []uint64
			if err := json.Unmarshal(sec.value, &loc); err != nil {
				t.Fatal(err)
			}
			for k := 0; k < len(loc); k += 4 {
				loc[k] = loc[k] / uint64(nf) * uint64(len(cols))
			}
			secs[i].value = mustMarshal(t, loc)
		}
	}
	return join(secs)
}

// sameRead checks that two reads sent the same objects and roots.
func sameRead(t *testing.T, name string, got, want *recorder) {
	t.Helper()
	if len(got.objects) != len(want.objects) {
		t.Fatalf("%s: %d objects, want %d", name, len(got.objects), len(want.objects))
	}
	for i := range got.objects {
		g, w := got.objects[i], want.objects[i]
		if g.Addr != w.Addr || g.Type != w.Type || g.Size != w.Size || g.Len != w.Len || g.Value != w.Value || !slices.Equal(g.Edges, w.Edges) {
			t.Fatalf("%s: object %d is %s, want %s", name, i, brief(g), brief(w))
		}
	}
	if !slices.Equal(got.roots, want.roots) {
		t.Errorf("%s: roots %v, want %v", name, got.roots, want.roots)
	}
}

// TestOldLayout reads a real snapshot rewritten with the 6 node fields of V8 before
// detachedness, and the 5 before trace_node_id: the objects must be the same.
func TestOldLayout(t *testing.T) {
	real := mustRead(t, "heap1")
	base := mustLoad(t, real)
	tests := []struct {
		name string
		keep []string
	}{
		{"6 fields", []string{"type", "name", "id", "self_size", "edge_count", "trace_node_id"}},
		{"5 fields", []string{"type", "name", "id", "self_size", "edge_count"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := oldLayout(t, real, tt.keep...)
			if got := decode(t, old).Snapshot.Meta.NodeFields; !slices.Equal(got, tt.keep) {
				t.Fatalf("rewritten meta has node fields %q", got)
			}
			sameRead(t, tt.name, mustLoad(t, old), base)
		})
	}
}

// TestKeyOrder reads a real snapshot with its keys in other orders (strings first, meta
// last) and with keys V8 does not write: the objects must be the same.
func TestKeyOrder(t *testing.T) {
	real := mustRead(t, "churn1")
	base := mustLoad(t, real)
	secs := sections(t, real)
	byKey := map[string]section{}
	for _, s := range secs {
		byKey[s.key] = s
	}
	order := func(keys ...string) []section {
		var out []section
		for _, k := range keys {
			if s, ok := byKey[k]; ok {
				out = append(out, s)
			} else {
				out = append(out, section{k, json.RawMessage(`{"a":[1,[2,{"b":"\"]}"}]],"c":null,"d":-1.5e3,"e":true}`)})
			}
		}
		return out
	}
	for _, tt := range []struct {
		name string
		keys []string
	}{
		{"strings first", []string{"strings", "snapshot", "nodes", "edges", "locations"}},
		{"meta last", []string{"strings", "edges", "nodes", "samples", "snapshot"}},
		{"edges before nodes", []string{"snapshot", "edges", "nodes", "strings"}},
		{"unknown keys", []string{"x_before", "snapshot", "nodes", "x_between", "edges", "trace_tree", "strings", "x_after"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sameRead(t, tt.name, mustLoad(t, join(order(tt.keys...))), base)
		})
	}
	t.Run("header keys reordered", func(t *testing.T) {
		var header map[string]json.RawMessage // encoding/json writes keys sorted: edge_count, meta, node_count
		if err := json.Unmarshal(byKey["snapshot"].value, &header); err != nil {
			t.Fatal(err)
		}
		header["future_count"] = json.RawMessage(`[1,2,{"x":"y"}]`)
		reordered := order("snapshot", "nodes", "edges", "strings")
		reordered[0].value = mustMarshal(t, header)
		sameRead(t, "header keys reordered", mustLoad(t, join(reordered)), base)
	})
	t.Run("meta after the arrays, then broken", func(t *testing.T) {
		// With meta last, the arrays are kept raw and checked at the end, at their start.
		in := join(order("nodes", "edges", "strings", "snapshot"))
		in, _ = setValue(t, in, "edges", 10*3+2, "15")
		_, err := read(t, in)
		var fe *heap.FormatError
		if !errors.As(err, &fe) || fe.Record != "edges" || fe.Offset != int64(arrayAt(t, in, "edges")) || !strings.Contains(err.Error(), "not a multiple") {
			t.Errorf("Read: got %v, want an edges error at the start of edges (%d)", err, arrayAt(t, in, "edges"))
		}
	})
}

// stringLiteral returns where string k (from 0) of the strings array starts and ends, quotes
// included.
func stringLiteral(t *testing.T, data []byte, k int) (int, int) {
	t.Helper()
	i := arrayAt(t, data, "strings") + 1
	for n := 0; ; n++ {
		for data[i] != '"' {
			i++
		}
		j := i + 1
		for data[j] != '"' {
			if data[j] == '\\' {
				j++
			}
			j++
		}
		if n == k {
			return i, j + 1
		}
		i = j + 1
	}
}

// TestHostileStrings puts what V8 and broken files write into the text of a string node and
// into the name of a property, and checks what the reader makes of it.
func TestHostileStrings(t *testing.T) {
	real := mustRead(t, "heap1")
	s := decode(t, real)
	l := layoutOf(t, real)
	var nodeTypes []string
	if err := json.Unmarshal(s.Snapshot.Meta.NodeTypes[0], &nodeTypes); err != nil {
		t.Fatal(err)
	}
	// A string node whose text no other node or edge uses, and a property name.
	uses := make([]int, len(s.Strings))
	for i := 0; i < len(s.Nodes); i += l.nf {
		uses[s.Nodes[i+l.nName]]++
	}
	for e := 0; e < len(s.Edges); e += l.ef {
		uses[s.Edges[e+l.eName]]++ // element indexes too: a few strings are spared for nothing
	}
	node, str := -1, -1
	for i := 0; i < len(s.Nodes) && node < 0; i += l.nf {
		if nodeTypes[s.Nodes[i+l.nType]] == "string" && uses[s.Nodes[i+l.nName]] == 1 {
			node, str = i/l.nf, int(s.Nodes[i+l.nName])
		}
	}
	prop := int(s.Edges[l.propertyEdge*l.ef+l.eName])
	source := 0 // the node the property edge comes from
	for i, e := 0, 0; i < len(s.Nodes); i += l.nf {
		if e += int(s.Nodes[i+l.nEC]); e > l.propertyEdge {
			source = i / l.nf
			break
		}
	}
	tests := []struct {
		name, literal, want string
	}{
		{"lone low surrogate", `"a\udc80b"`, "a\uFFFDb"},
		{"lone high surrogate", `"\ud800x"`, "\uFFFDx"},
		{"high surrogate then no low", `"\ud800\u0041"`, "\uFFFDA"},
		{"high surrogate at the end", `"x\ud800"`, "x\uFFFD"},
		{"surrogate pair", `"\ud83d\ude00!"`, "😀!"},
		{"escapes", `"\"\\\/\b\f\n\r\t\u00e9\u0000"`, "\"\\/\b\f\n\r\té\x00"},
		{"raw control byte", "\"a\x01b\"", "a\uFFFDb"},
		{"invalid UTF-8", "\"\xff\xfeok\xc3\"", "\uFFFD\uFFFDok\uFFFD"},
		{"UTF-8", `"日本語 ünïcode"`, "日本語 ünïcode"},
		{"unknown escape", `"\x41"`, "\uFFFD41"},
		{"short unicode escape", `"\u12g"`, "\uFFFD12g"},
		{"empty", `""`, ""},
		{"long", `"` + strings.Repeat("é", 5000) + `"`, strings.Repeat("é", 5000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i, j := stringLiteral(t, real, max(str, prop))
			in := splice(real, i, j, tt.literal)
			i, j = stringLiteral(t, in, min(str, prop))
			in = splice(in, i, j, tt.literal)
			rec := mustLoad(t, in)
			o := rec.objects[node]
			wantValue, wantLen := tt.want, int64(len(utf16Units(tt.want)))
			if utf8.RuneCountInString(wantValue) > MaxValue {
				wantValue = string([]rune(wantValue)[:MaxValue])
			}
			if wantLen >= v8StringLimit {
				wantLen = -1
			}
			if o.Type != "(string)" || o.Value != wantValue || o.Len != wantLen {
				t.Errorf("string node: %s, want value %q, len %d", brief(o), wantValue, wantLen)
			}
			found := false
			for _, e := range rec.objects[source].Edges {
				if e.Kind == heap.EdgeField && e.Name == tt.want {
					found = true
				}
			}
			if !found {
				t.Errorf("no property named %q on %s", tt.want, brief(rec.objects[source]))
			}
		})
	}
}

// TestReaders feeds a real snapshot through awkward readers, so that every token, escape
// and UTF-8 sequence is cut by the end of a read somewhere.
func TestReaders(t *testing.T) {
	real := mustRead(t, "churn1")
	i, j := stringLiteral(t, real, 100)
	real = splice(real, i, j, `"\ud83d\ude00é\u00e9\udc80 123"`)
	base := mustLoad(t, real)
	tests := []struct {
		name string
		r    io.Reader
	}{
		{"one byte", iotest.OneByteReader(bytes.NewReader(real))},
		{"half", iotest.HalfReader(bytes.NewReader(real))},
		{"data with EOF", iotest.DataErrReader(bytes.NewReader(real))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			if err := (Reader{}).Read(context.Background(), "x", tt.r, rec); err != nil {
				t.Fatalf("Read(%s): %v", tt.name, err)
			}
			rec.addresses()
			sameRead(t, tt.name, rec, base)
		})
	}
	t.Run("read error", func(t *testing.T) {
		r := io.MultiReader(bytes.NewReader(real[:len(real)/2]), iotest.ErrReader(errors.New("disk on fire")))
		err := (Reader{}).Read(context.Background(), "x", r, &recorder{})
		var fe *heap.FormatError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), "disk on fire") || fe.Offset != int64(len(real)/2) {
			t.Errorf("Read: got %v, want a read error at offset %d", err, len(real)/2)
		}
	})
	t.Run("positioned read error", func(t *testing.T) {
		gz := &heap.FormatError{File: "x.gz", Offset: 99, Record: "gzip", Err: errors.New("bad")}
		r := io.MultiReader(bytes.NewReader(real[:len(real)/2]), iotest.ErrReader(gz))
		if err := (Reader{}).Read(context.Background(), "x", r, &recorder{}); err != gz {
			t.Errorf("Read: got %v, want the reader's own %v", err, gz)
		}
	})
}

func TestSinkAndContext(t *testing.T) {
	real := mustRead(t, "heap1")
	rec := &recorder{failAt: 10}
	if err := (Reader{}).Read(context.Background(), "x", bytes.NewReader(real), rec); err != errSink {
		t.Errorf("Read with a failing sink: got %v, want %v", err, errSink)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (Reader{}).Read(ctx, "x", bytes.NewReader(real), &recorder{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Read with a cancelled context: got %v, want %v", err, context.Canceled)
	}
}
