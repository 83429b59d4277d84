package v8

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/heaptest"
)

// samples are the real snapshots written by testdata/gen/node (see testdata/node/README.md).
var samples = []string{
	"heap1", "heap2", "heap3", "heap4",
	"churn1", "churn2", "churn3", "churn4",
}

func testdata(name string) string {
	return filepath.Join("..", "..", "..", "testdata", "node", name)
}

// mustRead returns the decompressed bytes of a sample.
func mustRead(tb testing.TB, name string) []byte {
	tb.Helper()
	return heaptest.Gunzip(tb, testdata(name+".heapsnapshot.gz"))
}

// recorder is a heap.Sink that keeps copies of everything.
type recorder struct {
	begun   int
	snap    heap.Snapshot
	objects []heap.Object
	roots   []heap.Root
	failAt  int               // return errSink from the failAt-th Object call (from 1); 0: never
	nameIDs map[uint64]string // Edge.NameID -> the name it stood for
}

var errSink = errors.New("sink says stop")

func (r *recorder) Begin(s heap.Snapshot) error {
	r.begun++
	r.snap = s
	return nil
}

func (r *recorder) Sample(*heap.Sample) error { return errors.New("sample in a graph") }

func (r *recorder) Object(o *heap.Object) error {
	if r.begun != 1 {
		return errors.New("object before Begin")
	}
	c := *o
	c.Edges = slices.Clone(o.Edges)
	// A NameID must stand for one name wherever it is used; the tests compare names, so the
	// recorder checks that and then clears the id.
	for i, e := range c.Edges {
		if e.NameID != 0 {
			if r.nameIDs == nil {
				r.nameIDs = map[uint64]string{}
			}
			if name, ok := r.nameIDs[e.NameID]; ok && name != e.Name {
				return fmt.Errorf("name id %d stands for %q and %q", e.NameID, name, e.Name)
			}
			r.nameIDs[e.NameID] = e.Name
		}
		c.Edges[i].NameID = 0
	}
	r.objects = append(r.objects, c)
	if r.failAt > 0 && len(r.objects) == r.failAt {
		return errSink
	}
	return nil
}

func (r *recorder) Root(x heap.Root) error {
	if len(r.objects) == 0 || r.objects[len(r.objects)-1].Addr != x.Addr {
		return errors.New("root not right after its object")
	}
	r.roots = append(r.roots, x)
	return nil
}

func read(t testing.TB, in []byte) (*recorder, error) {
	t.Helper()
	rec := &recorder{}
	err := Reader{}.Read(context.Background(), "test.heapsnapshot", bytes.NewReader(in), rec)
	rec.addresses()
	return rec, err
}

// addresses turns the targets of the edges the recorder kept from places (Read sends
// Snapshot.EdgesByIndex) into the addresses of the objects there, which the tests compare.
func (r *recorder) addresses() {
	if !r.snap.EdgesByIndex {
		return
	}
	for i := range r.objects {
		for j, e := range r.objects[i].Edges {
			if e.To < uint64(len(r.objects)) {
				r.objects[i].Edges[j].To = r.objects[e.To].Addr
			}
		}
	}
	r.snap.EdgesByIndex = false
}

// readModes are the ways a test reads a file besides Read's own: in a window of 64 bytes,
// without blocks and in blocks of as little as 16 bytes, so that a small file takes every path
// of a large one (blocks.go).
var readModes = []struct {
	name             string
	window, blockMin int
}{
	{"window of 64", 64, 0},
	{"blocks of 16", 64, 16},
}

// readWith reads in with a window and blocks of at least blockMin bytes (see readModes).
func readWith(t testing.TB, in []byte, window, blockMin int) (*recorder, error) {
	t.Helper()
	rec := &recorder{}
	err := readIn(context.Background(), "test.heapsnapshot", bytes.NewReader(in), rec, window, blockMin)
	rec.addresses()
	return rec, err
}

func mustLoad(t testing.TB, in []byte) *recorder {
	t.Helper()
	rec, err := read(t, in)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return rec
}

// jsonSnapshot is a snapshot as encoding/json reads it: the slow reference for the reader.
type jsonSnapshot struct {
	Snapshot struct {
		Meta struct {
			NodeFields []string          `json:"node_fields"`
			NodeTypes  []json.RawMessage `json:"node_types"`
			EdgeFields []string          `json:"edge_fields"`
			EdgeTypes  []json.RawMessage `json:"edge_types"`
		} `json:"meta"`
		NodeCount int `json:"node_count"`
		EdgeCount int `json:"edge_count"`
	} `json:"snapshot"`
	Nodes   []uint64 `json:"nodes"`
	Edges   []uint64 `json:"edges"`
	Strings []string `json:"strings"`
}

func decode(t testing.TB, b []byte) *jsonSnapshot {
	t.Helper()
	var s jsonSnapshot
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	return &s
}

// field returns the offset of a field in a list of fields.
func field(t testing.TB, fields []string, name string) int {
	t.Helper()
	i := slices.Index(fields, name)
	if i < 0 {
		t.Fatalf("no field %q in %q", name, fields)
	}
	return i
}

// want is what the reader should make of a snapshot, by encoding/json and the rules of
// docs/formats/v8.md ("What memsee derives") written out the plain way. Values are not
// computed here, except for strings; the tests check the others by hand.
func want(t testing.TB, s *jsonSnapshot) []heap.Object {
	t.Helper()
	m := s.Snapshot.Meta
	nf, ef := len(m.NodeFields), len(m.EdgeFields)
	var nodeTypes, edgeTypes []string
	if err := json.Unmarshal(m.NodeTypes[0], &nodeTypes); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(m.EdgeTypes[0], &edgeTypes); err != nil {
		t.Fatal(err)
	}
	nt, nn, ni, ns, ne := field(t, m.NodeFields, "type"), field(t, m.NodeFields, "name"), field(t, m.NodeFields, "id"),
		field(t, m.NodeFields, "self_size"), field(t, m.NodeFields, "edge_count")
	et, en, eto := field(t, m.EdgeFields, "type"), field(t, m.EdgeFields, "name_or_index"), field(t, m.EdgeFields, "to_node")
	kinds := map[string]heap.EdgeKind{"context": heap.EdgeContext, "element": heap.EdgeElement, "property": heap.EdgeField,
		"internal": heap.EdgeInternal, "hidden": heap.EdgeHidden, "shortcut": heap.EdgeShortcut, "weak": heap.EdgeWeak}
	var out []heap.Object
	e := 0
	for i := 0; i < len(s.Nodes); i += nf {
		typ, name := nodeTypes[s.Nodes[i+nt]], s.Strings[s.Nodes[i+nn]]
		o := heap.Object{Addr: s.Nodes[i+ni], Size: int64(s.Nodes[i+ns]), Len: -1, Type: devtoolsClass(typ, name)}
		if typ == "string" {
			o.Value = name
			if utf8.RuneCountInString(name) > MaxValue {
				o.Value = string([]rune(name)[:MaxValue])
			}
			if n := len(utf16Units(name)); n < v8StringLimit {
				o.Len = int64(n)
			}
		}
		for k := 0; k < int(s.Nodes[i+ne]); k++ {
			typ := edgeTypes[s.Edges[e+et]]
			edge := heap.Edge{Kind: kinds[typ], To: s.Nodes[int(s.Edges[e+eto])+ni]}
			if typ == "element" || typ == "hidden" {
				edge.Name = strconv.FormatUint(s.Edges[e+en], 10)
			} else {
				edge.Name = s.Strings[s.Edges[e+en]]
			}
			o.Edges = append(o.Edges, edge)
			e += ef
		}
		out = append(out, o)
	}
	return out
}

func utf16Units(s string) []rune {
	var u []rune
	for _, r := range s {
		u = append(u, r)
		if r >= 0x10000 {
			u = append(u, 0)
		}
	}
	return u
}

// devtoolsClass is DevTools' class name (calculateObjectNames), written out again.
func devtoolsClass(typ, name string) string {
	switch typ {
	case "hidden":
		return "(system)"
	case "object", "native":
		for _, prefix := range []string{"<", "Detached <"} {
			if strings.HasPrefix(name, prefix) {
				if i := strings.Index(name[len(prefix):], " "); i >= 0 {
					return name[:len(prefix)+i] + ">"
				}
			}
		}
		return name
	case "code":
		return "(compiled code)"
	case "closure":
		return "Function"
	case "regexp":
		return "RegExp"
	}
	return "(" + typ + ")"
}

// sameObjects compares what the reader sent with the reference, value by value.
func sameObjects(t testing.TB, name string, got *recorder, want []heap.Object) {
	t.Helper()
	if len(got.objects) != len(want) {
		t.Fatalf("%s: got %d objects, want %d", name, len(got.objects), len(want))
	}
	for i, g := range got.objects {
		w := want[i]
		if g.Addr != w.Addr || g.Type != w.Type || g.Size != w.Size {
			t.Fatalf("%s: object %d is %s, want %s", name, i, brief(g), brief(w))
		}
		if w.Type == "(string)" && (g.Value != w.Value || g.Len != w.Len) {
			t.Fatalf("%s: string %d is %q (len %d), want %q (len %d)", name, i, g.Value, g.Len, w.Value, w.Len)
		}
		if !slices.Equal(g.Edges, w.Edges) {
			t.Fatalf("%s: object %d (%s) has edges %v, want %v", name, i, brief(g), g.Edges, w.Edges)
		}
	}
}

func brief(o heap.Object) string {
	return fmt.Sprintf("%s @%d size %d len %d value %.40q, %d edges", o.Type, o.Addr, o.Size, o.Len, o.Value, len(o.Edges))
}

// TestSamples reads every real snapshot and checks each object against encoding/json's
// reading of it, the counts against the header, every edge's target, and the roots.
func TestSamples(t *testing.T) {
	for _, name := range samples {
		t.Run(name, func(t *testing.T) {
			data := mustRead(t, name)
			ref := decode(t, data)
			rec := mustLoad(t, data)
			sameObjects(t, name, rec, want(t, ref))
			if got, want := len(rec.objects), ref.Snapshot.NodeCount; got != want {
				t.Errorf("Read(%s): %d objects, want node_count %d", name, got, want)
			}
			if rec.begun != 1 || rec.snap.Format != Format || rec.snap.Kind != heap.KindGraph || rec.snap.Records != ref.Snapshot.NodeCount {
				t.Errorf("Read(%s): Begin %d times with %+v", name, rec.begun, rec.snap)
			}
			addrs := map[uint64]bool{}
			edges := 0
			for _, o := range rec.objects {
				addrs[o.Addr] = true
			}
			for _, o := range rec.objects {
				for _, e := range o.Edges {
					edges++
					if !addrs[e.To] {
						t.Fatalf("Read(%s): %s has an edge to @%d, which is no object", name, brief(o), e.To)
					}
				}
			}
			if edges != ref.Snapshot.EdgeCount {
				t.Errorf("Read(%s): %d edges, want edge_count %d", name, edges, ref.Snapshot.EdgeCount)
			}
			// The roots: the synthetic root first, then the global object, the only child of
			// the root in Node.js that is not synthetic (docs/formats/v8.md, "Roots").
			var kinds []string
			for _, r := range rec.roots {
				kinds = append(kinds, r.Kind+" "+r.Name)
			}
			if want := []string{"synthetic (root)", "user global"}; !slices.Equal(kinds, want) {
				t.Errorf("Read(%s): roots %q, want %q", name, kinds, want)
			}
			if len(rec.roots) > 0 && rec.roots[0].Addr != rec.objects[0].Addr {
				t.Errorf("Read(%s): the synthetic root is @%d, want nodes[0] @%d", name, rec.roots[0].Addr, rec.objects[0].Addr)
			}
		})
	}
}

func TestSniff(t *testing.T) {
	heap1 := mustRead(t, "heap1")
	meliae := []byte(`{"address": 140000, "type": "str", "size": 50, "len": 1, "value": "a", "refs": []}` + "\n")
	tests := []struct {
		name string
		head []byte
		want bool
	}{
		{"v8 heapsnapshot", heap1[:4096], true},
		{"cut after meta", heap1[:len(`{"snapshot":{"meta"`)], true},
		{"spaced", []byte("\n{ \"snapshot\" :\r\n\t{ \"meta\": {}}}"), true},
		{"cut before meta", heap1[:len(`{"snapshot":{"me`)], false},
		{"counts before meta", []byte(`{"snapshot":{"node_count":1,"meta":{}}}`), false},
		{"nodes first", []byte(`{"nodes":[],"snapshot":{"meta":{}}}`), false},
		{"meliae line", meliae, false},
		{"json array", []byte(`[{"snapshot":{"meta":{}}}]`), false},
		{"hprof", []byte("JAVA PROFILE 1.0.2\x00"), false},
		{"gzip", []byte{0x1f, 0x8b, 8, 0}, false},
		{"empty", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Reader{}).Sniff(tt.head); got != tt.want {
				t.Errorf("Sniff(%s): got %v, want %v", tt.name, got, tt.want)
			}
		})
	}
}

// planted is what testdata/gen/node/gen.js says it planted in a series (<series>.planted.json).
type planted struct {
	RequestsPerSnapshot int `json:"requests_per_snapshot"`
	Products            int `json:"products"`
	Snapshots           []struct {
		File   string         `json:"file"`
		Counts map[string]int `json:"-"`
	} `json:"snapshots"`
}

// loadPlanted reads a series' manifest; Counts holds its per-class numbers (Product,
// AuditEntry, RequestMeta).
func loadPlanted(t *testing.T, series string) planted {
	t.Helper()
	b, err := os.ReadFile(testdata(series + ".planted.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p planted
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Snapshots []map[string]any `json:"snapshots"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for i, s := range raw.Snapshots {
		p.Snapshots[i].Counts = map[string]int{}
		for _, class := range plantedClasses {
			n, ok := s[class].(float64)
			if !ok {
				t.Fatalf("%s.planted.json: snapshot %d has no %s", series, i+1, class)
			}
			p.Snapshots[i].Counts[class] = int(n)
		}
	}
	return p
}

// plantedClasses are the classes whose instances gen.js counts as it keeps them.
var plantedClasses = []string{"Product", "AuditEntry", "RequestMeta"}

func countTypes(rec *recorder) map[string]int {
	n := map[string]int{}
	for _, o := range rec.objects {
		n[o.Type]++
	}
	return n
}

// TestPlanted checks the leaks gen.js planted against what it says it kept: in snapshot k of
// the leaking series, the objects of each planted class are those it counted, plus the ones
// of that class the same program has without the leaks (the churn series, snapshot k). The
// garbage of every request (Cart, CartItem) is gone from every snapshot.
func TestPlanted(t *testing.T) {
	leak, churn := loadPlanted(t, "heap"), loadPlanted(t, "churn")
	if len(leak.Snapshots) != len(churn.Snapshots) || len(leak.Snapshots) < 2 {
		t.Fatalf("%d and %d snapshots in the two series", len(leak.Snapshots), len(churn.Snapshots))
	}
	var prev map[string]int
	for k := range leak.Snapshots {
		l, c := leak.Snapshots[k], churn.Snapshots[k]
		gotLeak := countTypes(mustLoad(t, mustRead(t, strings.TrimSuffix(l.File, ".heapsnapshot.gz"))))
		gotChurn := countTypes(mustLoad(t, mustRead(t, strings.TrimSuffix(c.File, ".heapsnapshot.gz"))))
		for _, class := range plantedClasses {
			base := gotChurn[class] - c.Counts[class]
			if got, want := gotLeak[class], l.Counts[class]+base; got != want {
				t.Errorf("%s: %d %s, want %d planted + %d the churn series has", l.File, got, class, l.Counts[class], base)
			}
		}
		if k > 0 {
			if got := gotLeak["AuditEntry"] - prev["AuditEntry"]; got != leak.RequestsPerSnapshot {
				t.Errorf("%s: AuditEntry grew by %d, want one per request: %d", l.File, got, leak.RequestsPerSnapshot)
			}
			wantProducts := 0
			if k == 1 {
				wantProducts = leak.Products // loaded once, before snapshot 2
			}
			if got := gotLeak["Product"] - prev["Product"]; got != wantProducts {
				t.Errorf("%s: Product grew by %d, want %d", l.File, got, wantProducts)
			}
		}
		for _, class := range []string{"Cart", "CartItem"} {
			if gotLeak[class] != 0 || gotChurn[class] != 0 {
				t.Errorf("%s, %s: %d and %d %s, want none: they are garbage before every snapshot", l.File, c.File, gotLeak[class], gotChurn[class], class)
			}
		}
		prev = gotLeak
	}
}

// follow returns the target of o's first edge of kind k named name.
func follow(t *testing.T, byAddr map[uint64]*heap.Object, o *heap.Object, k heap.EdgeKind, name string) *heap.Object {
	t.Helper()
	for _, e := range o.Edges {
		if e.Kind == k && e.Name == name {
			if to := byAddr[e.To]; to != nil {
				return to
			}
		}
	}
	t.Fatalf("%s has no edge %q of kind %d", brief(*o), name, k)
	return nil
}

// TestLeakPaths follows the leaks from their holders, as a user would in DevTools, and checks
// the edge kinds and names on the way: process._events.request is the listener auditRequest,
// whose context holds the array entries and the WeakMap metaByEntry; globalThis.priceTable is
// the Map of products, and each Product's name is a concatenated string spelled in Value.
func TestLeakPaths(t *testing.T) {
	leak := loadPlanted(t, "heap")
	for _, s := range leak.Snapshots {
		name := strings.TrimSuffix(s.File, ".heapsnapshot.gz")
		t.Run(name, func(t *testing.T) {
			rec := mustLoad(t, mustRead(t, name))
			byAddr := map[uint64]*heap.Object{}
			for i := range rec.objects {
				byAddr[rec.objects[i].Addr] = &rec.objects[i]
			}
			var listener *heap.Object
			for i := range rec.objects {
				o := &rec.objects[i]
				if o.Type != "process" {
					continue
				}
				for _, e := range o.Edges {
					if e.Kind == heap.EdgeField && e.Name == "_events" {
						listener = follow(t, byAddr, byAddr[e.To], heap.EdgeField, "request")
					}
				}
			}
			if listener == nil || listener.Type != "Function" || listener.Value != "auditRequest" {
				t.Fatalf("process._events.request is %v, want the Function auditRequest", listener)
			}
			ctx := follow(t, byAddr, listener, heap.EdgeInternal, "context")
			entries := follow(t, byAddr, follow(t, byAddr, ctx, heap.EdgeContext, "entries"), heap.EdgeInternal, "elements")
			n := 0
			for _, e := range entries.Edges {
				if byAddr[e.To].Type == "AuditEntry" {
					n++
				}
			}
			if n != s.Counts["AuditEntry"] {
				t.Errorf("entries holds %d AuditEntry, want %d", n, s.Counts["AuditEntry"])
			}
			weakMap := follow(t, byAddr, ctx, heap.EdgeContext, "metaByEntry")
			table := follow(t, byAddr, weakMap, heap.EdgeInternal, "table")
			n = 0
			for _, e := range table.Edges {
				if e.Kind == heap.EdgeInternal && strings.Contains(e.Name, " / part of key (AuditEntry @") && byAddr[e.To].Type == "RequestMeta" {
					n++
				}
			}
			if n != s.Counts["RequestMeta"] {
				t.Errorf("metaByEntry holds %d RequestMeta, want %d", n, s.Counts["RequestMeta"])
			}

			var global *heap.Object
			for _, r := range rec.roots {
				if r.Kind == "user" {
					global = byAddr[r.Addr]
				}
			}
			products := 0
			for _, e := range global.Edges {
				if e.Kind != heap.EdgeField || e.Name != "priceTable" {
					continue
				}
				table := follow(t, byAddr, byAddr[e.To], heap.EdgeInternal, "table")
				for _, e := range table.Edges {
					p := byAddr[e.To]
					if p.Type != "Product" {
						continue
					}
					products++
					sku := follow(t, byAddr, p, heap.EdgeField, "sku")
					pname := follow(t, byAddr, p, heap.EdgeField, "name")
					if sku.Type != "(string)" || !strings.HasPrefix(sku.Value, "SKU-") || sku.Len != int64(len(sku.Value)) {
						t.Fatalf("Product %d's sku is %s", p.Addr, brief(*sku))
					}
					if want := "product " + sku.Value; pname.Type != "(concatenated string)" || pname.Value != want || pname.Len != int64(len(want)) {
						t.Fatalf("Product %d's name is %s, want the concatenated string %q", p.Addr, brief(*pname), want)
					}
				}
			}
			if products != s.Counts["Product"] {
				t.Errorf("priceTable holds %d Product, want %d", products, s.Counts["Product"])
			}
		})
	}
}

// classDiff is the output of testdata/gen/node/classdiff.js.
type classDiff struct {
	Base, Current struct {
		File      string `json:"file"`
		NodeCount int    `json:"node_count"`
	}
	Classes []struct {
		Class     string `json:"class"`
		Key       string `json:"key"`
		CountBase int64  `json:"count_base"`
		SelfBase  int64  `json:"self_size_base"`
		Count     int64  `json:"count"`
		Self      int64  `json:"self_size"`
		New       int64  `json:"new"`
		Deleted   int64  `json:"deleted"`
		Alloc     int64  `json:"alloc_size"`
		Freed     int64  `json:"freed_size"`
		NodesBase int64  `json:"nodes_base"`
		Nodes     int64  `json:"nodes"`
	} `json:"classes"`
}

// classNumbers are DevTools' Summary and Comparison numbers of one class.
type classNumbers struct {
	CountBase, SelfBase, Count, Self, New, Deleted, Alloc, Freed, NodesBase, Nodes int64
}

// TestClassDiff computes DevTools' numbers per class from what the reader sends for heap1 and
// heap4, and compares them with those classdiff.js computed from the same files with
// JSON.parse: every class, its count and self size in both snapshots (nodes of self_size 0
// skipped, as DevTools does), its # New, # Deleted, Alloc. Size and Freed Size by node id,
// and its count of all nodes. classdiff.js splits a class by constructor location as DevTools
// does; a reader's class is the name, so its rows are added up by name.
func TestClassDiff(t *testing.T) {
	b, err := os.ReadFile(testdata("classdiff-heap1-heap4.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cd classDiff
	if err := json.Unmarshal(b, &cd); err != nil {
		t.Fatal(err)
	}
	want := map[string]classNumbers{}
	for _, c := range cd.Classes {
		w := want[c.Class]
		w.CountBase += c.CountBase
		w.SelfBase += c.SelfBase
		w.Count += c.Count
		w.Self += c.Self
		w.New += c.New
		w.Deleted += c.Deleted
		w.Alloc += c.Alloc
		w.Freed += c.Freed
		w.NodesBase += c.NodesBase
		w.Nodes += c.Nodes
		want[c.Class] = w
	}
	load := func(file string) *recorder {
		return mustLoad(t, mustRead(t, strings.TrimSuffix(file, ".heapsnapshot.gz")))
	}
	base, cur := load(cd.Base.File), load(cd.Current.File)
	if len(base.objects) != cd.Base.NodeCount || len(cur.objects) != cd.Current.NodeCount {
		t.Fatalf("%d and %d objects, want %d and %d nodes", len(base.objects), len(cur.objects), cd.Base.NodeCount, cd.Current.NodeCount)
	}
	got := map[string]classNumbers{}
	sizes := func(r *recorder) map[uint64]heap.Object {
		m := map[uint64]heap.Object{}
		for _, o := range r.objects {
			if o.Size > 0 {
				m[o.Addr] = o
			}
		}
		return m
	}
	inBase, inCur := sizes(base), sizes(cur)
	for _, o := range base.objects {
		g := got[o.Type]
		g.NodesBase++
		if o.Size > 0 {
			g.CountBase++
			g.SelfBase += o.Size
			if c, ok := inCur[o.Addr]; !ok || c.Type != o.Type {
				g.Deleted++
				g.Freed += o.Size
			}
		}
		got[o.Type] = g
	}
	for _, o := range cur.objects {
		g := got[o.Type]
		g.Nodes++
		if o.Size > 0 {
			g.Count++
			g.Self += o.Size
			if b, ok := inBase[o.Addr]; !ok || b.Type != o.Type {
				g.New++
				g.Alloc += o.Size
			}
		}
		got[o.Type] = g
	}
	for class, w := range want {
		if g := got[class]; g != w {
			t.Errorf("class %q: got %+v, want %+v", class, g, w)
		}
	}
	for class := range got {
		if _, ok := want[class]; !ok {
			t.Errorf("class %q is not in classdiff's output", class)
		}
	}
	for _, class := range plantedClasses {
		if want[class].New == 0 {
			t.Errorf("classdiff has no new %s: the planted leak is missing", class)
		}
	}
}

// TestBlocksAsSerial reads every real snapshot in each of readModes, and in a window of 4 KiB
// with blocks of 1 KiB: the same objects, edges and roots as Read sends.
func TestBlocksAsSerial(t *testing.T) {
	modes := append(slices.Clone(readModes), struct {
		name             string
		window, blockMin int
	}{"blocks of 1 KiB", 4096, 1024})
	type input struct {
		name string
		data []byte
	}
	var inputs []input
	for _, name := range samples {
		inputs = append(inputs, input{name, mustRead(t, name)})
	}
	// Sizes of 4 GiB and more, which the columns keep apart, in the middle of the nodes and at
	// their end: the rows in blocks take them as the serial loop does.
	heap1 := mustRead(t, "heap1")
	l := layoutOf(t, heap1)
	big := heap1
	for _, node := range []int{l.nodes / 2, l.nodes/2 + 1, l.nodes - 1} {
		big, _ = setValue(t, big, "nodes", node*l.nf+l.nSize, strconv.FormatUint(5<<30+uint64(node), 10))
	}
	inputs = append(inputs, input{"heap1 with sizes past 4 GiB", big})
	for _, in := range inputs {
		name, data := in.name, in.data
		want := mustLoad(t, data)
		for _, m := range modes {
			got, err := readWith(t, data, m.window, m.blockMin)
			if err != nil {
				t.Fatalf("%s, %s: %v", name, m.name, err)
			}
			if !reflect.DeepEqual(got.objects, want.objects) || !reflect.DeepEqual(got.roots, want.roots) || got.snap.Records != want.snap.Records {
				t.Errorf("%s, %s: %d objects and %d roots, unlike Read's %d and %d", name, m.name, len(got.objects), len(got.roots), len(want.objects), len(want.roots))
			}
		}
	}
}
