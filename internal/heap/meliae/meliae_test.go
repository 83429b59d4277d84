package meliae

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
	"unsafe"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/heaptest"
)

// samples are the real dumps written by testdata/gen/python (see testdata/python/README.md).
var samples = []string{
	"shop1", "shop2", "shop3", "shop4",
	"churn1", "churn2", "churn3", "churn4",
}

func samplePath(name string) string {
	return filepath.Join("..", "..", "..", "testdata", "python", name+".json.gz")
}

// mustRead returns the decompressed bytes of a sample.
func mustRead(tb testing.TB, name string) []byte {
	tb.Helper()
	return heaptest.Gunzip(tb, samplePath(name))
}

// recorder is a heap.Sink that keeps copies of everything.
type recorder struct {
	begun   int
	snap    heap.Snapshot
	objects []heap.Object
	roots   []heap.Root
	// keepEdges copies edges; off for the big inputs.
	noEdges bool
	failAt  int // return errSink from the failAt-th Object call (from 1); 0: never
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
	c.More = nil
	if r.noEdges {
		c.Edges = nil
	} else {
		c.Edges = slices.Clone(o.Edges)
		if o.More != nil {
			o.More(func(e heap.Edge) bool { c.Edges = append(c.Edges, e); return true })
		}
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

func read(t *testing.T, in io.Reader) (*recorder, Stats, error) {
	t.Helper()
	rec := &recorder{}
	st, err := Reader{}.ReadStats(context.Background(), "dump.json", in, rec)
	return rec, st, err
}

// jsonLine is a dump line as encoding/json reads it: the slow reference for the reader.
type jsonLine struct {
	Address uint64          `json:"address"`
	Type    string          `json:"type"`
	Size    int64           `json:"size"`
	Len     *int64          `json:"len"`
	Value   json.RawMessage `json:"value"`
	Name    *string         `json:"name"`
	Refs    []uint64        `json:"refs"`
}

// want is what the reader should make of a line, by encoding/json.
func want(t *testing.T, line []byte) heap.Object {
	var l jsonLine
	if err := json.Unmarshal(line, &l); err != nil {
		t.Fatalf("encoding/json on %.100s: %v", line, err)
	}
	o := heap.Object{Addr: l.Address, Type: l.Type, Size: l.Size, Len: -1}
	if l.Len != nil {
		o.Len = *l.Len
	}
	switch {
	case len(l.Value) > 0 && l.Value[0] == '"':
		var s string
		if err := json.Unmarshal(l.Value, &s); err != nil {
			t.Fatal(err)
		}
		o.Value = s
	case len(l.Value) > 0:
		o.Value = string(l.Value)
	case l.Name != nil:
		o.Value = *l.Name
	}
	if utf8.RuneCountInString(o.Value) > MaxValue {
		o.Value = string([]rune(o.Value)[:MaxValue])
	}
	for _, a := range l.Refs {
		o.Edges = append(o.Edges, heap.Edge{To: a})
	}
	return o
}

func lines(b []byte) [][]byte {
	return bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
}

func TestSniff(t *testing.T) {
	shop := mustRead(t, "shop1")
	pprofHead, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "go", "heap1.pb.gz"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(pprofHead))
	if err != nil {
		t.Fatal(err)
	}
	pprofData, _ := io.ReadAll(zr)
	tests := []struct {
		name string
		head []byte
		want bool
	}{
		{"meliae dump", shop[:4096], true},
		{"meliae dump, first line cut", shop[:30], true},
		{"leading blank lines", append([]byte("\n  \n"), shop[:4096]...), true},
		{"pprof profile", pprofData[:min(len(pprofData), 4096)], false},
		{"v8 heapsnapshot", []byte(`{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"]}}, "address"`), false},
		{"v8 heapsnapshot, spaced", []byte("{\n  \"snapshot\": {\"meta\": {}}}"), false},
		{"hprof", []byte("JAVA PROFILE 1.0.2\x00"), false},
		{"go heap dump", []byte("go1.7 heap dump\n"), false},
		{"json without address", []byte(`{"type": "str"}` + "\n" + `{"address": 1}`), false},
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

// TestSamples reads every real dump and checks each object against encoding/json's reading
// of its line.
func TestSamples(t *testing.T) {
	for _, name := range samples {
		t.Run(name, func(t *testing.T) {
			data := mustRead(t, name)
			rec, st, err := read(t, bytes.NewReader(data))
			if err != nil {
				t.Fatalf("Read(%s): %v", name, err)
			}
			ls := lines(data)
			if got, want := len(rec.objects), len(ls); got != want {
				t.Fatalf("Read(%s): got %d objects, want %d (one per line)", name, got, want)
			}
			// shop.PRICE_FEED is a str with lone surrogates, which the dumper writes as
			// meliae does: the one line to repair.
			feed := findLine(t, data, `"value": "price-feed-\udce9t\udce9.csv"`)
			if st.Objects != int64(len(ls)) || st.Lines != int64(len(ls)) || st.Repaired != 1 || st.FirstRepaired != int64(feed) {
				t.Errorf("Read(%s): stats %+v, want %d lines and objects, line %d repaired", name, st, len(ls), feed)
			}
			if got, want := rec.objects[feed-1].Value, "price-feed-\uFFFDt\uFFFD.csv"; got != want {
				t.Errorf("Read(%s): PRICE_FEED is %q, want %q", name, got, want)
			}
			if rec.begun != 1 || rec.snap.Format != Format || rec.snap.Kind != heap.KindGraph {
				t.Errorf("Read(%s): Begin %d times with %+v", name, rec.begun, rec.snap)
			}
			types := map[string]bool{}
			modules := 0
			for i, got := range rec.objects {
				w := want(t, ls[i])
				types[w.Type] = true
				if w.Type == "module" {
					modules++ // not by name: CPython's _io calls itself io too
				}
				if got.Addr != w.Addr || got.Type != w.Type || got.Size != w.Size || got.Len != w.Len || got.Value != w.Value {
					t.Fatalf("line %d: got %+v, want %+v", i+1, strip(got), strip(w))
				}
				if len(got.Edges) != len(w.Edges) {
					t.Fatalf("line %d: got %d edges, want %d", i+1, len(got.Edges), len(w.Edges))
				}
				for j, e := range got.Edges {
					if e.To != w.Edges[j].To {
						t.Fatalf("line %d: edge %d to %d, want %d", i+1, j, e.To, w.Edges[j].To)
					}
				}
			}
			for _, o := range rec.objects {
				delete(types, o.Type)
			}
			if len(types) > 0 {
				t.Errorf("Read(%s): types never seen: %v", name, types)
			}
			rootNames := map[string]bool{}
			for _, r := range rec.roots {
				if r.Kind != "module" {
					t.Errorf("root %+v: kind %q", r, r.Kind)
				}
				rootNames[r.Name] = true
			}
			if len(rec.roots) != modules || int64(len(rec.roots)) != st.Roots {
				t.Errorf("Read(%s): %d roots (stats %d), want %d modules", name, len(rec.roots), st.Roots, modules)
			}
			for _, m := range []string{"module shop", "module builtins", "module sys", "module memsee_dumper"} {
				if !rootNames[m] {
					t.Errorf("Read(%s): no root %q", name, m)
				}
			}
		})
	}
}

func strip(o heap.Object) heap.Object { o.Edges = nil; return o }

func sameObject(a, b heap.Object) bool {
	return a.Addr == b.Addr && a.Type == b.Type && a.Size == b.Size && a.Len == b.Len && a.Value == b.Value &&
		slices.Equal(a.Edges, b.Edges)
}

// TestLeakShape follows module shop -> __dict__ -> "_audit_log" in each snapshot, and checks the
// reader's edge kinds on the way: the list's elements are named by index, the index of the
// element in the list (the program appends request 1's entry first).
func TestLeakShape(t *testing.T) {
	wantLen := map[string]int64{"shop1": 300, "shop2": 600, "shop3": 900, "shop4": 1200, "churn4": 0}
	for name, n := range wantLen {
		t.Run(name, func(t *testing.T) {
			rec, _, err := read(t, bytes.NewReader(mustRead(t, name)))
			if err != nil {
				t.Fatal(err)
			}
			byAddr := map[uint64]*heap.Object{}
			for i := range rec.objects {
				byAddr[rec.objects[i].Addr] = &rec.objects[i]
			}
			var mod *heap.Object
			for _, r := range rec.roots {
				if r.Name == "module shop" {
					mod = byAddr[r.Addr]
				}
			}
			if mod == nil {
				t.Fatal("no module shop")
			}
			d := byAddr[mod.Edges[0].To]
			if d == nil || d.Type != "dict" || int64(len(d.Edges)) != 2*d.Len {
				t.Fatalf("module shop's first ref is %+v, want its __dict__ with key, value pairs", d)
			}
			var log *heap.Object
			for i := 0; i+1 < len(d.Edges); i += 2 {
				if k := byAddr[d.Edges[i].To]; k != nil && k.Value == "_audit_log" {
					log = byAddr[d.Edges[i+1].To]
				}
				if e := d.Edges[i]; e.Kind != heap.EdgeField || e.Name != "" {
					t.Errorf("dict edge %+v, want an unnamed field", e)
				}
			}
			if log == nil || log.Type != "list" || log.Len != n {
				t.Fatalf("shop._audit_log is %+v, want a list of %d", log, n)
			}
			// The refs come last element first; the entry at index j is that of request j+1.
			for i, e := range log.Edges {
				j := len(log.Edges) - 1 - i
				if e.Kind != heap.EdgeElement || e.Name != strconv.Itoa(j) {
					t.Fatalf("_audit_log edge %d: %+v, want element %d", i, e, j)
				}
				a := byAddr[e.To]
				if a == nil || a.Type != "AuditEntry" {
					t.Fatalf("_audit_log[%d] is %+v, want an AuditEntry", j, a)
				}
				if id := attr(byAddr, a, "request_id"); id == nil || id.Value != strconv.Itoa(j+1) {
					t.Fatalf("_audit_log[%d].request_id is %+v, want %d", j, id, j+1)
				}
			}
		})
	}
}

// attr returns the value of attribute name of instance o, through its __dict__ (its first ref).
func attr(byAddr map[uint64]*heap.Object, o *heap.Object, name string) *heap.Object {
	if len(o.Edges) == 0 {
		return nil
	}
	d := byAddr[o.Edges[0].To]
	if d == nil || d.Type != "dict" {
		return nil
	}
	for i := 0; i+1 < len(d.Edges); i += 2 {
		if k := byAddr[d.Edges[i].To]; k != nil && k.Type == "str" && k.Value == name {
			return byAddr[d.Edges[i+1].To]
		}
	}
	return nil
}

// lineStart returns the offset of line n (from 1) of b.
func lineStart(b []byte, n int) int {
	off := 0
	for i := 1; i < n; i++ {
		off += bytes.IndexByte(b[off:], '\n') + 1
	}
	return off
}

// findLine returns the number (from 1) of the first line of b that contains all of subs.
func findLine(t *testing.T, b []byte, subs ...string) int {
	t.Helper()
next:
	for i, l := range lines(b) {
		for _, s := range subs {
			if !bytes.Contains(l, []byte(s)) {
				continue next
			}
		}
		return i + 1
	}
	t.Fatalf("no line with %q", subs)
	return 0
}

// replaceLine returns a copy of b with line n replaced by f(line).
func replaceLine(b []byte, n int, f func([]byte) []byte) []byte {
	start := lineStart(b, n)
	end := start + bytes.IndexByte(b[start:], '\n')
	out := slices.Clone(b[:start])
	out = append(out, f(slices.Clone(b[start:end]))...)
	return append(out, b[end:]...)
}

// spliceValue returns line with s put at the start of its string value.
func spliceValue(line []byte, s string) []byte {
	i := bytes.Index(line, []byte(`"value": "`)) + len(`"value": "`)
	return slices.Concat(line[:i], []byte(s), line[i:])
}

func TestBadInput(t *testing.T) {
	real := mustRead(t, "shop1")
	strLine := findLine(t, real, `"type": "str"`, `"value": "`)
	listLine := findLine(t, real, `"type": "list"`, `"refs": [1`)
	mid := len(lines(real)) / 2
	tests := []struct {
		name    string
		in      []byte
		line    int    // the line the error is at; 0: no error
		errText string // in the error
	}{
		{"truncated mid-line", real[:lineStart(real, mid)+40], mid, "looks truncated"},
		{"truncated after a comma", real[:lineStart(real, listLine)+bytes.Index(real[lineStart(real, listLine):], []byte(", "))+1], listLine, "looks truncated"},
		{"truncated in a string", real[:lineStart(real, strLine)+bytes.Index(real[lineStart(real, strLine):], []byte(`"value": "`))+12], strLine, "looks truncated"},
		{"last line without newline", bytes.TrimRight(real, "\n"), 0, ""},
		{"blank and CRLF lines", replaceLine(real, mid, func(l []byte) []byte { return append(append([]byte("\r\n  \n"), l...), '\r') }), 0, ""},
		{"garbage line", replaceLine(real, mid, func([]byte) []byte { return []byte("Traceback (most recent call last):") }), mid, "where a record should start"},
		{"binary garbage", replaceLine(real, mid, func(l []byte) []byte { return l[len(l)/2:] }), mid, "column 1"},
		{"line cut in two", replaceLine(real, listLine, func(l []byte) []byte {
			i := bytes.Index(l, []byte(", ")) + 1
			return slices.Concat(l[:i], []byte("\n"), l[i:])
		}), listLine, "line ends"},
		{"no address", replaceLine(real, mid, func(l []byte) []byte {
			i := bytes.Index(l, []byte(`"type"`))
			return slices.Concat([]byte("{"), l[i:])
		}), mid, `no "address"`},
		{"address not a number", replaceLine(real, mid, func(l []byte) []byte {
			return bytes.Replace(l, []byte(`"address": `), []byte(`"address": "x`), 1)
		}), mid, "want a number for address"},
		{"address too large", replaceLine(real, mid, func(l []byte) []byte {
			return bytes.Replace(l, []byte(`"address": `), []byte(`"address": 99999999999`), 1)
		}), mid, "too large"},
		{"text after the record", replaceLine(real, mid, func(l []byte) []byte { return append(l, " x"...) }), mid, "after the end of the record"},
		{"unknown keys", replaceLine(real, mid, func(l []byte) []byte {
			return slices.Concat([]byte(`{"x": [1, {"a": "b\"", "c": null}, -1.5e3], "y": true, `), l[1:])
		}), 0, ""},
		{"empty file", nil, -1, "no objects in the dump"},
		{"blank lines only", []byte("\n \n\r\n"), -1, "no objects in the dump"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, err := read(t, bytes.NewReader(tt.in))
			if tt.line == 0 {
				if err != nil {
					t.Fatalf("Read(%s): %v", tt.name, err)
				}
				return
			}
			var fe *heap.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Read(%s): got %v, want a *heap.FormatError", tt.name, err)
			}
			if !strings.Contains(err.Error(), tt.errText) {
				t.Errorf("Read(%s): got %q, want it to say %q", tt.name, err, tt.errText)
			}
			if tt.line < 0 {
				if rec.begun != 0 {
					t.Errorf("Read(%s): Begin called for an empty dump", tt.name)
				}
				return
			}
			if want := fmt.Sprintf("line %d", tt.line); fe.Record != want {
				t.Errorf("Read(%s): record %q, want %q", tt.name, fe.Record, want)
			}
			if want := int64(lineStart(tt.in, tt.line)); fe.Offset != want {
				t.Errorf("Read(%s): offset %d, want %d (start of line %d)", tt.name, fe.Offset, want, tt.line)
			}
			if len(rec.objects) != tt.line-1 {
				t.Errorf("Read(%s): %d objects before the error, want %d", tt.name, len(rec.objects), tt.line-1)
			}
		})
	}
}

// TestRepair checks that the invalid strings meliae writes are repaired, counted, and do not
// stop the read.
func TestRepair(t *testing.T) {
	real := mustRead(t, "shop1")
	n := findLine(t, real, `"type": "str"`, `"value": "`)
	orig := want(t, lines(real)[n-1]).Value
	_, base, err := read(t, bytes.NewReader(real))
	if err != nil {
		t.Fatal(err)
	}
	if base.FirstRepaired <= int64(n) {
		t.Fatalf("the sample's first repaired line is %d, want one after line %d", base.FirstRepaired, n)
	}
	tests := []struct {
		name   string
		splice string
		value  string // the repaired value's start
	}{
		{"lone low surrogate", `\udc80`, "\uFFFD"},
		{"lone high surrogate", `\ud800x`, "\uFFFDx"},
		{"high surrogate then non-low", `\ud800\u0041`, "\uFFFDA"},
		{"raw control byte", "a\x01b", "a\uFFFDb"},
		{"invalid UTF-8", "\xff\xfeok", "\uFFFD\uFFFDok"},
		{"unknown escape", `\x41`, "\uFFFD41"},
		{"short unicode escape", `\u12g`, "\uFFFD12g"},
		{"surrogate pair is fine", `\ud83d\ude00`, "😀"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := replaceLine(real, n, func(l []byte) []byte { return spliceValue(l, tt.splice) })
			rec, st, err := read(t, bytes.NewReader(in))
			if err != nil {
				t.Fatalf("Read(%s): %v", tt.name, err)
			}
			got := rec.objects[n-1].Value
			if wantV := tt.value + orig; !strings.HasPrefix(wantV, got) || utf8.RuneCountInString(got) < min(MaxValue, utf8.RuneCountInString(wantV)) {
				t.Errorf("Read(%s): value %q, want %q", tt.name, got, wantV)
			}
			repaired := strings.ContainsRune(tt.value, utf8.RuneError)
			if !repaired {
				if st.Repaired != base.Repaired || st.FirstRepaired != base.FirstRepaired {
					t.Errorf("Read(%s): stats %+v, want the sample's %+v", tt.name, st, base)
				}
				return
			}
			if st.Repaired != base.Repaired+1 || st.FirstRepaired != int64(n) || st.FirstRepairedOffset != int64(lineStart(in, n)) {
				t.Errorf("Read(%s): stats %+v, want line %d repaired", tt.name, st, n)
			}
		})
	}
}

// TestReaders feeds a real dump through awkward readers, so that every token, escape and
// UTF-8 sequence is cut by the end of a read somewhere.
func TestReaders(t *testing.T) {
	real := mustRead(t, "churn1")
	// Add the escapes the dump lacks, so that they are cut too.
	n := findLine(t, real, `"type": "str"`, `"value": "`)
	real = replaceLine(real, n, func(l []byte) []byte { return spliceValue(l, `\ud83d\ude00é\u00e9\udc80`) })
	base, st0, err := read(t, bytes.NewReader(real))
	if err != nil {
		t.Fatal(err)
	}
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
			rec, st, err := read(t, tt.r)
			if err != nil {
				t.Fatalf("Read(%s): %v", tt.name, err)
			}
			if st != st0 {
				t.Errorf("Read(%s): stats %+v, want %+v", tt.name, st, st0)
			}
			if len(rec.objects) != len(base.objects) {
				t.Fatalf("Read(%s): %d objects, want %d", tt.name, len(rec.objects), len(base.objects))
			}
			for i := range rec.objects {
				a, b := rec.objects[i], base.objects[i]
				if !sameObject(a, b) {
					t.Fatalf("Read(%s): object %d is %+v, want %+v", tt.name, i, strip(a), strip(b))
				}
			}
		})
	}
	t.Run("read error", func(t *testing.T) {
		r := io.MultiReader(bytes.NewReader(real[:len(real)/2]), iotest.ErrReader(errors.New("disk on fire")))
		_, _, err := read(t, r)
		var fe *heap.FormatError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), "disk on fire") {
			t.Errorf("Read: got %v, want a positioned read error", err)
		}
	})
	t.Run("positioned read error", func(t *testing.T) {
		gz := &heap.FormatError{File: "x.gz", Offset: 99, Record: "gzip", Err: errors.New("bad")}
		r := io.MultiReader(bytes.NewReader(real[:len(real)/2]), iotest.ErrReader(gz))
		_, _, err := read(t, r)
		if err != gz {
			t.Errorf("Read: got %v, want the reader's own %v", err, gz)
		}
	})
}

func TestSinkAndContext(t *testing.T) {
	real := mustRead(t, "shop1")
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

// TestHugeLines builds, from real lines, a str whose value is 100 MB and a list with a million
// refs, and checks that the reader keeps a short value and every ref, without holding the
// line.
func TestHugeLines(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 100 MB line")
	}
	real := mustRead(t, "shop2")

	t.Run("100 MB value", func(t *testing.T) {
		n := findLine(t, real, `"type": "str"`, `"value": "`)
		pad := strings.Repeat("\\u00e9x", 100<<20/7)
		in := replaceLine(real, n, func(l []byte) []byte { return spliceValue(l, pad) })
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		rec := &recorder{noEdges: true}
		if err := (Reader{}).Read(context.Background(), "big.json", bytes.NewReader(in), rec); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		v := rec.objects[n-1].Value
		if utf8.RuneCountInString(v) != MaxValue || !strings.HasPrefix(v, "éxéx") {
			t.Errorf("100 MB value kept as %d runes %.20q, want %d", utf8.RuneCountInString(v), v, MaxValue)
		}
		// What the reader needs for the ordinary lines is a few MB; the 100 MB line must not be
		// held. The recorder's copies of the objects (a slice grown by doubling: about twice its
		// final capacity allocated in all) are the test's, not the reader's, and are left out.
		recorder := uint64(2 * cap(rec.objects) * int(unsafe.Sizeof(heap.Object{})))
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > recorder+20<<20 {
			t.Errorf("Read allocated %d MB for a %d MB input (%d MB of them the recorder's)", alloc>>20, len(in)>>20, recorder>>20)
		}
	})

	t.Run("a million refs", func(t *testing.T) {
		m := findLine(t, real, `"type": "list"`, `"refs": [1`)
		listLine := lines(real)[m-1]
		i := bytes.Index(listLine, []byte(`"refs": [`)) + len(`"refs": [`)
		ref := listLine[i : i+bytes.IndexAny(listLine[i:], ",]")]
		refs := bytes.Repeat(append(slices.Clone(ref), ", "...), 1000000)
		in := replaceLine(real, m, func(l []byte) []byte { return slices.Concat(l[:i], refs, l[i:]) })
		edges := 0
		sink := &edgeCounter{recorder: &recorder{noEdges: true}, edges: &edges, line: m}
		if err := (Reader{}).Read(context.Background(), "big.json", bytes.NewReader(in), sink); err != nil {
			t.Fatal(err)
		}
		if want := 1000000 + len(want(t, listLine).Edges); edges != want {
			t.Errorf("list line: %d edges, want %d", edges, want)
		}
	})
}

type edgeCounter struct {
	*recorder
	edges *int
	line  int
}

func (e *edgeCounter) Object(o *heap.Object) error {
	if len(e.objects) == e.line-1 {
		*e.edges = len(o.Edges)
		if o.More != nil {
			o.More(func(heap.Edge) bool { *e.edges++; return true })
		}
	}
	return e.recorder.Object(o)
}

func TestDumperEmbedded(t *testing.T) {
	if !strings.Contains(DumperSource, "def dump_all_objects(path") {
		t.Error("DumperSource does not hold dumper.py")
	}
}
