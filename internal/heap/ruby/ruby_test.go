package ruby

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/heaptest"
)

// samples are the real dumps written by testdata/gen/ruby (see testdata/README.md).
var samples = []string{"rubyshop1", "rubyshop2", "rubyshop3", "rubyshop4", "rubychurn1", "rubychurn4"}

func samplePath(name string) string {
	return filepath.Join("..", "..", "..", "testdata", "ruby", name+".json.gz")
}

// mustRead returns the decompressed bytes of a sample.
func mustRead(tb testing.TB, name string) []byte {
	tb.Helper()
	return heaptest.Gunzip(tb, samplePath(name))
}

// recorder is a heap.Sink that keeps copies of everything.
type recorder struct {
	begun   int
	objects []heap.Object
	roots   []heap.Root
}

func (r *recorder) Begin(heap.Snapshot) error { r.begun++; return nil }
func (r *recorder) Sample(*heap.Sample) error { return errors.New("sample in a graph") }
func (r *recorder) Root(x heap.Root) error {
	if r.begun != 1 {
		return errors.New("root before Begin")
	}
	r.roots = append(r.roots, x)
	return nil
}

func (r *recorder) Object(o *heap.Object) error {
	if r.begun != 1 {
		return errors.New("object before Begin")
	}
	c := *o
	c.More = nil
	c.Edges = slices.Clone(o.Edges)
	if o.More != nil {
		o.More(func(e heap.Edge) bool { c.Edges = append(c.Edges, e); return true })
	}
	r.objects = append(r.objects, c)
	return nil
}

func read(tb testing.TB, data []byte) (*recorder, heap.Notes, error) {
	tb.Helper()
	rec := &recorder{}
	n, err := Reader{}.ReadNotes(context.Background(), "test.json", bytes.NewReader(data), rec)
	return rec, n, err
}

// line is what the test reads of a record with encoding/json, independently of the reader.
type line struct {
	Address    string   `json:"address"`
	Type       string   `json:"type"`
	Class      string   `json:"class"`
	Name       string   `json:"name"`
	Root       string   `json:"root"`
	Memsize    int64    `json:"memsize"`
	Singleton  bool     `json:"singleton"`
	Super      string   `json:"superclass"`
	References []string `json:"references"`
	Owner      string   `json:"owner"` // MEMSEE_NAME
	To         string   `json:"to"`
}

func decode(t *testing.T, data []byte) []line {
	t.Helper()
	var out []line
	for _, b := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		var l line
		if err := json.Unmarshal(b, &l); err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

// TestReadSamples reads each sample and checks it against encoding/json's reading of it: one
// object per object line, with its references in order; the objects of each named class
// (through singleton classes) under that name; a root per distinct address of each ROOT
// record, and one per named class or module; each name memsee's dumper wrote (MEMSEE_NAME)
// given to the reference of its module to its value, or to the root of its global.
func TestReadSamples(t *testing.T) {
	for _, name := range samples {
		t.Run(name, func(t *testing.T) {
			data := mustRead(t, name)
			rec, _, err := read(t, data)
			if err != nil {
				t.Fatal(err)
			}
			lines := decode(t, data)
			classes := map[string]line{}
			want := map[string]line{}
			wantRoots := 0
			var names []line
			for _, l := range lines {
				if l.Type == nameRecord {
					names = append(names, l)
					continue
				}
				if l.Type == "ROOT" {
					seen := map[string]bool{}
					for _, a := range l.References {
						if !seen[a] {
							seen[a] = true
							wantRoots++
						}
					}
					continue
				}
				want[l.Address] = l
				if l.Type == "CLASS" || l.Type == "MODULE" {
					classes[l.Address] = l
					if l.Name != "" && !l.Singleton {
						wantRoots++
					}
				}
			}
			if len(rec.objects) != len(want) {
				t.Fatalf("Read(%s): got %d objects, want %d", name, len(rec.objects), len(want))
			}
			if len(rec.roots) != wantRoots {
				t.Errorf("Read(%s): got %d roots, want %d", name, len(rec.roots), wantRoots)
			}
			byType := map[string]int{}
			for _, o := range rec.objects {
				byType[o.Type]++
				l := want[heapAddr(o.Addr)]
				edges := o.Edges
				if k := len(edges); k > 0 && edges[k-1].Name == edgeClassOf {
					if heapAddr(edges[k-1].To) != l.Class {
						t.Fatalf("Read(%s): %#x refers to %#x as its class, want %s", name, o.Addr, edges[k-1].To, l.Class)
					}
					edges = edges[:k-1]
				}
				if len(edges) != len(l.References) {
					t.Fatalf("Read(%s): %#x has %d edges, want %d", name, o.Addr, len(edges), len(l.References))
				}
				for i, e := range edges {
					if heapAddr(e.To) != l.References[i] {
						t.Fatalf("Read(%s): %#x edge %d to %#x, want %s", name, o.Addr, i, e.To, l.References[i])
					}
				}
			}
			wantType := map[string]int{}
			for _, l := range lines {
				if l.Type != "OBJECT" {
					continue
				}
				c := classes[l.Class]
				for c.Singleton {
					c = classes[c.Super]
				}
				wantType[c.Name]++
			}
			for _, typ := range []string{"Shop::Session", "Shop::Currency"} {
				if byType[typ] != wantType[typ] {
					t.Errorf("Read(%s): %d %s, want %d", name, byType[typ], typ, wantType[typ])
				}
			}
			if byType["Shop::Session"] == 0 && name != "rubyshop1" && strings.HasPrefix(name, "rubyshop") {
				t.Errorf("Read(%s): no sessions", name)
			}
			checkNames(t, name, rec, names)
		})
	}
}

// checkNames checks that each MEMSEE_NAME line names the reference of its module to its value
// ("::CURRENCIES", "@sessions"), or the root of the global variable's value ("$registry"),
// when the module refers to it or the value is a global's root.
func checkNames(t *testing.T, name string, rec *recorder, names []line) {
	t.Helper()
	if len(names) == 0 {
		t.Fatalf("Read(%s): no MEMSEE_NAME lines: the sample was not written by memsee's dumper", name)
	}
	objects := map[string]heap.Object{}
	for _, o := range rec.objects {
		objects[heapAddr(o.Addr)] = o
	}
	globals := map[string]string{}
	for _, r := range rec.roots {
		if r.Kind == "global_tbl" {
			globals[heapAddr(r.Addr)] = r.Name
		}
	}
	checked := map[string]int{}
	norm := func(a string) string { // the dumper writes leading zeros, dump_all none
		v, err := strconv.ParseUint(strings.TrimPrefix(a, "0x"), 16, 64)
		if err != nil {
			t.Fatalf("Read(%s): MEMSEE_NAME address %q: %v", name, a, err)
		}
		return heapAddr(v)
	}
	for _, n := range names {
		n.To = norm(n.To)
		if n.Owner != "" {
			n.Owner = norm(n.Owner)
		}
		if n.Owner == "" {
			if got, ok := globals[n.To]; ok {
				checked["global"]++
				if got != n.Name {
					t.Errorf("Read(%s): the global root %s is %q, want %q", name, n.To, got, n.Name)
				}
			}
			continue
		}
		want := "::" + n.Name
		if strings.HasPrefix(n.Name, "@") {
			want = n.Name
		}
		found, refers := false, false
		for _, e := range objects[n.Owner].Edges {
			if heapAddr(e.To) == n.To {
				refers = true
				found = found || e.Name == want
			}
		}
		if refers {
			checked[want[:1]]++
			if !found {
				t.Errorf("Read(%s): %s refers to %s, but by no reference named %s", name, n.Owner, n.To, want)
			}
		}
	}
	if checked[":"] == 0 || checked["@"] == 0 || checked["global"] == 0 {
		t.Errorf("Read(%s): names checked %v, want constants, instance variables and globals", name, checked)
	}
}

// heapAddr spells an address as the dump does.
func heapAddr(a uint64) string {
	const digits = "0123456789abcdef"
	var b []byte
	for ; a > 0; a >>= 4 {
		b = append(b, digits[a&15])
	}
	slices.Reverse(b)
	return "0x" + string(b)
}

// TestReadTypes checks how the runtime's own objects and a few classes are named, on a real
// dump.
func TestReadTypes(t *testing.T) {
	rec, notes, err := read(t, mustRead(t, "rubyshop2"))
	if err != nil {
		t.Fatal(err)
	}
	byType := map[string]int{}
	var tracer heap.Object
	for _, o := range rec.objects {
		byType[o.Type]++
		if o.Type == "(data "+tracerStruct+")" {
			tracer = o
		}
	}
	tests := []struct {
		typ  string
		some bool
	}{
		{"String", true}, {"Array", true}, {"Hash", true}, {"Class", true}, {"Module", true},
		{"(imemo)", true}, {"(iclass)", true}, {"Thread", true}, {"Shop::SessionStore", false},
		{"STRING", false}, {"OBJECT", false}, {"(data " + tracerStruct + ")", true},
	}
	for _, tt := range tests {
		if got := byType[tt.typ] > 0; got != tt.some {
			t.Errorf("Read(rubyshop2): %d objects of type %q, want some: %v", byType[tt.typ], tt.typ, tt.some)
		}
	}
	if tracer.Size != 0 {
		t.Errorf("Read(rubyshop2): the allocation tracer has size %d, want 0 (its tables are noted)", tracer.Size)
	}
	if notes.Meta["allocation_tracing_bytes"] == "" || len(notes.File) != 0 {
		t.Errorf("Read(rubyshop2): notes %+v, want the tracing's bytes", notes)
	}
	var sessionStore bool
	for _, r := range rec.roots {
		if r.Kind == "class" && r.Name == "Shop::SessionStore" {
			sessionStore = true
		}
	}
	if !sessionStore {
		t.Error("Read(rubyshop2): Shop::SessionStore is not a root")
	}
}

// TestSniff: a Ruby dump is claimed, from its first 4 KiB as the loader hands them; the other
// JSON formats' files are not.
func TestSniff(t *testing.T) {
	ruby := mustRead(t, "rubyshop1")
	python := heaptest.Gunzip(t, filepath.Join("..", "..", "..", "testdata", "python", "shop1.json.gz"))
	node := heaptest.Gunzip(t, filepath.Join("..", "..", "..", "testdata", "node", "heap1.heapsnapshot.gz"))
	objLine := ruby[bytes.Index(ruby, []byte(`{"address":`)):]
	tests := []struct {
		name string
		head []byte
		want bool
	}{
		{"ruby dump", ruby[:4096], true},
		{"ruby object lines without the ROOT records", objLine[:4096], true},
		{"meliae dump", python[:4096], false},
		{"V8 snapshot", node[:4096], false},
		{"empty", nil, false},
		{"not JSON", []byte("GIF89a"), false},
	}
	for _, tt := range tests {
		if got := (Reader{}).Sniff(tt.head); got != tt.want {
			t.Errorf("Sniff(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestReadHashPairs: the references of a Hash are told for keys and values only when they
// are twice its size (the default proc set aside): on the real sample, the CURRENCIES Hash
// (2,000 String keys, 2,000 Currency values) is, and every Hash's edges are named as its
// line says.
func TestReadHashPairs(t *testing.T) {
	data := mustRead(t, "rubyshop2")
	rec, _, err := read(t, data)
	if err != nil {
		t.Fatal(err)
	}
	type hashLine struct {
		Address    string   `json:"address"`
		Type       string   `json:"type"`
		Size       int      `json:"size"`
		Default    string   `json:"default"`
		References []string `json:"references"`
	}
	want := map[string]hashLine{}
	for _, b := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		var l hashLine
		if err := json.Unmarshal(b, &l); err != nil {
			t.Fatal(err)
		}
		if l.Type == "HASH" {
			want[l.Address] = l
		}
	}
	paired := 0
	for _, o := range rec.objects {
		l, ok := want[heapAddr(o.Addr)]
		if !ok {
			continue
		}
		refs := l.References
		if l.Default != "" && len(refs) > 0 && refs[len(refs)-1] == l.Default {
			refs = refs[:len(refs)-1]
		}
		pairs := l.Size > 0 && len(refs) == 2*l.Size
		if pairs && l.Size >= 2000 {
			paired++
		}
		for i := range l.References {
			var wantName string
			switch {
			case i == len(refs):
				wantName = edgeDefault
			case pairs && i%2 == 0:
				wantName = edgeKey
			case pairs:
				wantName = edgeValue
			default:
				wantName = edgeElement
			}
			if got := o.Edges[i].Name; got != wantName {
				t.Errorf("Hash %s (size %d, %d references): edge %d named %q, want %q", l.Address, l.Size, len(l.References), i, got, wantName)
				break
			}
		}
	}
	if paired != 1 {
		t.Errorf("%d Hashes of 2,000 pairs, want 1 (Shop::CURRENCIES)", paired)
	}
}
