package godump

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/heaptest"
)

const samples = "../../../testdata/godump/"

// mustRead returns the decompressed sample dump name (heap1, churn2, ...).
func mustRead(tb testing.TB, name string) []byte {
	tb.Helper()
	return heaptest.Gunzip(tb, samples+name+".dump.gz")
}

// planted is what gen/godump says it planted in each dump.
type planted struct {
	Dumps []struct {
		File         string `json:"file"`
		AuditEntries int    `json:"audit_entries"`
		Products     int    `json:"products"`
		HeapObjects  int    `json:"heap_objects"`
	} `json:"dumps"`
}

func readPlanted(t *testing.T, prefix string) planted {
	t.Helper()
	b, err := os.ReadFile(samples + prefix + ".planted.json")
	if err != nil {
		t.Fatal(err)
	}
	var p planted
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// recSink keeps what a test needs to look at.
type recSink struct {
	snap    heap.Snapshot
	begun   int
	objects int
	edges   int
	types   map[string]int
	roots   []heap.Root
	addrs   map[uint64]bool
	targets []uint64
	skus    int // values that read SKU-...
}

func newRecSink() *recSink { return &recSink{types: map[string]int{}, addrs: map[uint64]bool{}} }

func (s *recSink) Begin(sn heap.Snapshot) error { s.snap = sn; s.begun++; return nil }
func (s *recSink) Sample(*heap.Sample) error    { return errors.New("sample in a heap dump") }
func (s *recSink) Root(r heap.Root) error       { s.roots = append(s.roots, r); return nil }
func (s *recSink) Object(o *heap.Object) error {
	s.objects++
	s.edges += len(o.Edges)
	s.types[o.Type]++
	s.addrs[o.Addr] = true
	if strings.HasPrefix(o.Value, "SKU-") {
		s.skus++
	}
	for _, e := range o.Edges {
		s.targets = append(s.targets, e.To)
	}
	return nil
}

// TestReadSamples reads the committed dumps and checks the planted objects, counted by
// allocation site, against what the generator says it kept.
func TestReadSamples(t *testing.T) {
	for _, prefix := range []string{"heap", "churn"} {
		p := readPlanted(t, prefix)
		for _, d := range p.Dumps {
			t.Run(d.File, func(t *testing.T) {
				name := strings.TrimSuffix(d.File, ".dump.gz")
				s := newRecSink()
				st, err := Reader{}.ReadStats(context.Background(), d.File, bytes.NewReader(mustRead(t, name)), s)
				if err != nil {
					t.Fatal(err)
				}
				if s.begun != 1 || s.snap.Format != Format || s.snap.Kind != heap.KindGraph {
					t.Errorf("Begin: %d calls, %+v", s.begun, s.snap)
				}
				if got := s.snap.Meta["go_version"]; !strings.HasPrefix(got, "go1.") {
					t.Errorf("go_version %q", got)
				}
				if s.snap.Meta["pointer_size"] != "8" || s.snap.Meta["goarch"] == "" {
					t.Errorf("meta %v", s.snap.Meta)
				}
				if got, want := s.types["main.newAuditEntry (new 64 B)"], d.AuditEntries; got != want {
					t.Errorf("%s: AuditEntry objects: got %d, want %d", d.File, got, want)
				}
				if got, want := s.types["main.newAuditEntry (slice)"], d.AuditEntries; got != want {
					t.Errorf("%s: payloads: got %d, want %d", d.File, got, want)
				}
				if got, want := s.types["main.loadPriceTable (new 64 B)"], d.Products; got != want {
					t.Errorf("%s: Product objects: got %d, want %d", d.File, got, want)
				}
				// Each SKU string is its own object, and the text of the product's name
				// ("product SKU-...") another: one value a product reads SKU-.
				if got, want := s.skus, d.Products; got != want {
					t.Errorf("%s: values SKU-...: got %d, want %d", d.File, got, want)
				}
				// The memstats record counts the tiny allocator's objects one by one, the
				// dump its 16-byte blocks; and the dump has every allocated slot of the
				// heap's spans, the runtime's own too, which memstats leaves out.
				if s.objects < d.HeapObjects*9/10 || s.objects > 2*d.HeapObjects+200 {
					t.Errorf("%s: %d objects, memstats says %d", d.File, s.objects, d.HeapObjects)
				}
				if st.Objects != s.objects || st.MemStatObjects == 0 || st.Sampled == 0 {
					t.Errorf("stats %+v for %d objects", st, s.objects)
				}
				for _, a := range s.targets {
					if !s.addrs[a] {
						t.Fatalf("edge to %#x, which is no object's address", a)
					}
				}
				kinds := map[string]bool{}
				for _, r := range s.roots {
					kinds[r.Kind] = true
					if !s.addrs[r.Addr] {
						t.Fatalf("root %+v is no object's address", r)
					}
					if r.Kind == "global" && !strings.HasPrefix(r.Name, "bss+0x") && !strings.HasPrefix(r.Name, "data+0x") {
						t.Errorf("global without --binary named %q", r.Name)
					}
				}
				if !kinds["global"] || !kinds["stack"] {
					t.Errorf("root kinds %v: want global and stack", kinds)
				}
				if !hasRoot(s.roots, "stack", "goroutine 1 main.") {
					t.Errorf("no stack root of goroutine 1 in main: %v", s.roots)
				}
			})
		}
	}
}

func hasRoot(roots []heap.Root, kind, prefix string) bool {
	for _, r := range roots {
		if r.Kind == kind && strings.HasPrefix(r.Name, prefix) {
			return true
		}
	}
	return false
}

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		head string
		want bool
	}{
		{"dump", Header + "\x06\x00\x08", true},
		{"header only", Header, true},
		{"older header", "go1.4 heap dump\n", false},
		{"pprof", "\x1f\x8b", false},
		{"json", `{"address": 1}`, false},
	}
	for _, tt := range tests {
		if got := (Reader{}).Sniff([]byte(tt.head)); got != tt.want {
			t.Errorf("Sniff(%s): got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestSiteName(t *testing.T) {
	tests := []struct {
		name  string
		stack []string
		size  uint64
		want  string
	}{
		{"new", []string{"runtime.mallocgc", "runtime.newobject", "main.newAuditEntry", "main.handleRequest", "main.main"}, 64, "main.newAuditEntry (new 64 B)"},
		{"append", []string{"runtime.mallocgc", "runtime.growslice", "main.handleRequest", "main.main"}, 8192, "main.handleRequest (append)"},
		{"library", []string{"runtime.mallocgc", "runtime.rawstring", "runtime.slicebytetostring", "fmt.Sprintf", "main.newAuditEntry"}, 8, "main.newAuditEntry → fmt.Sprintf (string)"},
		{"map", []string{"runtime.mallocgc", "runtime.newarray", "internal/runtime/maps.newarray", "internal/runtime/maps.(*table).reset", "runtime.mapassign_faststr", "main.loadPriceTable"}, 1152, "main.loadPriceTable (map)"},
		{"module path", []string{"runtime.newobject", "github.com/x/y.New"}, 16, "github.com/x/y.New (new 16 B)"},
		{"runtime only", []string{"runtime.mallocgc", "runtime.newobject", "runtime.malg", "runtime.newproc1"}, 400, "runtime.malg (goroutine)"},
		{"no stack", nil, 8, "(no stack)"},
	}
	for _, tt := range tests {
		if got, _ := siteName(tt.stack, tt.size); got != tt.want {
			t.Errorf("siteName(%s): got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// dump builds a small dump by hand: records are varints and length-prefixed bytes.
type dump struct{ bytes.Buffer }

func newDump() *dump {
	d := &dump{}
	d.WriteString(Header)
	d.ints(tagParams, 0, 8, 0xc000000000, 0xc004000000)
	d.str("amd64")
	d.str("go1.26.8")
	d.ints(4)
	return d
}

func (d *dump) ints(vs ...uint64) *dump {
	for _, v := range vs {
		for v >= 0x80 {
			d.WriteByte(byte(v) | 0x80)
			v >>= 7
		}
		d.WriteByte(byte(v))
	}
	return d
}

func (d *dump) str(s string) *dump { d.ints(uint64(len(s))); d.WriteString(s); return d }

// object writes an object of n words whose pointer fields (word indexes) hold ptrs.
func (d *dump) object(addr uint64, words int, ptrs map[int]uint64) *dump {
	d.ints(tagObject, addr)
	b := make([]byte, words*8)
	for i, v := range ptrs {
		for k := 0; k < 8; k++ {
			b[i*8+k] = byte(v >> (8 * k))
		}
	}
	d.str(string(b))
	for i := 0; i < words; i++ {
		if _, ok := ptrs[i]; ok {
			d.ints(fieldPtr, uint64(i*8))
		}
	}
	return d.ints(fieldEol)
}

func TestReadSmall(t *testing.T) {
	d := newDump()
	d.object(0xc000010000, 4, map[int]uint64{1: 0xc000010048}) // interior pointer into the next
	d.object(0xc000010040, 2, map[int]uint64{0: 0x4a0000})     // a pointer to rodata: dropped
	d.ints(tagBSS, 0x5a0000)
	d.str(string([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x01, 0, 0xc0, 0, 0, 0}))
	d.ints(fieldPtr, 8, fieldEol)
	d.ints(tagMemProf, 0x77, 32, 2)
	d.str("runtime.newobject").str("x.go").ints(1)
	d.str("main.f").str("main.go").ints(12)
	d.ints(1, 0)
	d.ints(tagAllocSample, 0xc000010000, 0x77)
	d.ints(tagEOF)
	s := newRecSink()
	st, err := Reader{}.ReadStats(context.Background(), "small.dump", bytes.NewReader(d.Bytes()), s)
	if err != nil {
		t.Fatal(err)
	}
	if s.objects != 2 || s.edges != 1 || s.targets[0] != 0xc000010040 {
		t.Errorf("objects %d, edges %d (%x): want 2 objects and one edge to 0xc000010040", s.objects, s.edges, s.targets)
	}
	if s.types["main.f (new 32 B)"] != 1 || s.types["object (16 B)"] != 1 {
		t.Errorf("types %v", s.types)
	}
	if len(s.roots) != 1 || s.roots[0] != (heap.Root{Addr: 0xc000010000, Kind: "global", Name: "bss+0x8"}) {
		t.Errorf("roots %+v", s.roots)
	}
	if st.OutsideHeap != 1 {
		t.Errorf("OutsideHeap %d, want 1", st.OutsideHeap)
	}
}

func TestBadInput(t *testing.T) {
	real := mustRead(t, "heap1")
	good := newDump().object(0xc000010000, 2, nil).ints(tagEOF).Bytes()
	tests := []struct {
		name   string
		in     []byte
		offset int64  // -1: any
		record string // a part of the record
		cause  string // a part of the cause
	}{
		{"empty", nil, 0, "header", "not a Go heap dump"},
		{"wrong header", []byte("go1.4 heap dump\n\x00"), 0, "header", "not a Go heap dump"},
		{"header only", []byte(Header), 16, "", "without an EOF record"},
		{"truncated real", real[:len(real)/2], -1, "record", "cut short"},
		{"no EOF", good[:len(good)-1], int64(len(good) - 1), "", "without an EOF record"},
		{"unknown tag", append(slicesClone(good[:len(good)-1]), 42), int64(len(good) - 1), "tag 42", "unknown record tag 42"},
		{"bad varint", append(slicesClone(good[:len(good)-1]), 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
			int64(len(good) - 1), "object record", "bad varint"},
		{"pointer outside the object", newDump().ints(tagObject, 0xc000010000).str("12345678").ints(fieldPtr, 8, fieldEol, tagEOF).Bytes(),
			-1, "object record", "outside the record's 8 bytes"},
		{"field kind", newDump().ints(tagObject, 0xc000010000).str("12345678").ints(9, 0, fieldEol, tagEOF).Bytes(),
			-1, "object record", "field kind 9"},
		{"huge string", newDump().ints(tagOtherRoot, 1<<40).Bytes(), -1, "other root", "string of"},
		{"huge object", newDump().ints(tagObject, 0xc000010000, 1<<40).Bytes(), -1, "object record", "more than memsee reads (4 GiB)"},
		{"huge object cut short", newDump().ints(tagObject, 0xc000010000, 1<<31).Bytes(), -1, "object record", "cut short"},
		{"pointer size", append([]byte(Header), tagParams, 0, 3), int64(len(Header)), "params", "pointer size 3"},
		{"no params", append([]byte(Header), tagEOF), -1, "params", "no params"},
		{"no objects", newDump().ints(tagEOF).Bytes(), -1, "", "no objects"},
		{"overlap", newDump().object(0xc000010000, 4, nil).object(0xc000010010, 2, nil).ints(tagEOF).Bytes(), -1, "", "overlap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newRecSink()
			err := Reader{}.Read(context.Background(), "bad.dump", bytes.NewReader(tt.in), s)
			var fe *heap.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Read(%s): got %v, want a *heap.FormatError", tt.name, err)
			}
			if tt.offset >= 0 && fe.Offset != tt.offset {
				t.Errorf("Read(%s): offset %d, want %d (%v)", tt.name, fe.Offset, tt.offset, err)
			}
			if !strings.Contains(fe.Record, tt.record) || !strings.Contains(fe.Err.Error(), tt.cause) {
				t.Errorf("Read(%s): got %q, want record %q and cause %q", tt.name, err, tt.record, tt.cause)
			}
			if fe.File != "bad.dump" {
				t.Errorf("Read(%s): file %q", tt.name, fe.File)
			}
			if s.begun != 0 || s.objects != 0 {
				t.Errorf("Read(%s): the sink was handed %d objects before the error", tt.name, s.objects)
			}
		})
	}
}

func slicesClone(b []byte) []byte { return append([]byte(nil), b...) }
