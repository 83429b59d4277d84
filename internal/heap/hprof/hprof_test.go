package hprof

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/heaptest"
)

const dataDir = "../../../testdata/java"

// recordSink keeps what the reader hands it.
type recordSink struct {
	snap    heap.Snapshot
	begun   int
	count   map[string]int64 // type -> objects
	bytes   map[string]int64 // type -> shallow bytes
	roots   []heap.Root
	objects int
	edges   int
	rooted  map[uint64]bool
	typeOf  map[uint64]string
	size    map[uint64]int64
	value   map[uint64]string
	edgesOf map[uint64][]heap.Edge
}

func newRecordSink() *recordSink {
	return &recordSink{count: map[string]int64{}, bytes: map[string]int64{}, rooted: map[uint64]bool{},
		typeOf: map[uint64]string{}, size: map[uint64]int64{}, value: map[uint64]string{}, edgesOf: map[uint64][]heap.Edge{}}
}

func (s *recordSink) Begin(snap heap.Snapshot) error { s.begun++; s.snap = snap; return nil }
func (s *recordSink) Sample(*heap.Sample) error      { return nil }
func (s *recordSink) Root(r heap.Root) error {
	s.roots = append(s.roots, r)
	s.rooted[r.Addr] = true
	return nil
}
func (s *recordSink) Object(o *heap.Object) error {
	s.objects++
	s.edges += len(o.Edges)
	s.count[o.Type]++
	s.bytes[o.Type] += o.Size
	s.typeOf[o.Addr] = o.Type
	s.size[o.Addr] = o.Size
	if o.Value != "" {
		s.value[o.Addr] = strings.Clone(o.Value)
	}
	s.edgesOf[o.Addr] = append([]heap.Edge(nil), o.Edges...)
	return nil
}

// edge returns the first edge of addr named name.
func (s *recordSink) edge(addr uint64, name string) (heap.Edge, bool) {
	for _, e := range s.edgesOf[addr] {
		if e.Name == name {
			return e, true
		}
	}
	return heap.Edge{}, false
}

// class returns the address of the class object named name.
func (s *recordSink) class(t *testing.T, name string) uint64 {
	t.Helper()
	for a, ty := range s.typeOf {
		if ty == "java.lang.Class" && s.value[a] == name {
			return a
		}
	}
	t.Fatalf("no class %s in the dump", name)
	return 0
}

// gunzip returns the decompressed bytes of a sample dump.
func gunzip(t testing.TB, name string) []byte {
	t.Helper()
	return heaptest.Gunzip(t, filepath.Join(dataDir, name))
}

func read(t testing.TB, b []byte, rd Reader) *recordSink {
	t.Helper()
	s := newRecordSink()
	if err := rd.Read(context.Background(), "test.hprof", bytes.NewReader(b), s); err != nil {
		t.Fatalf("Read: %v", err)
	}
	return s
}

// histogram is one `jcmd <pid> GC.class_histogram`: instances and bytes per class, by Java name.
type histogram map[string][2]int64

func readHistogram(t testing.TB, name string) histogram {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, name))
	if err != nil {
		t.Fatal(err)
	}
	h := histogram{}
	for _, line := range strings.Split(string(b), "\n") {
		// "   1:          5593         271264  [B (java.base@17.0.15)": num, #instances,
		// #bytes, class name, and the module for the JDK's classes.
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasSuffix(f[0], ":") {
			continue
		}
		n, err1 := strconv.ParseInt(f[1], 10, 64)
		by, err2 := strconv.ParseInt(f[2], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		h[JavaName(f[3])] = [2]int64{n, by}
	}
	if len(h) < 100 {
		t.Fatalf("%s: only %d classes", name, len(h))
	}
	return h
}

// sizeExceptions are the classes whose instances HotSpot lays out bigger than their HPROF
// fields say, so that the shallow sizes estimated from the dump are smaller than the
// histogram's: fields the VM injects (a ClassLoader's loader_data, a Module's module_entry, a
// MemberName's vmindex, a ResolvedMethodName's vmtarget, a Class's klass pointers), which HPROF
// leaves out, and @Contended padding (Thread's and ForkJoinPool's 128 bytes each side).
var sizeExceptions = map[string]bool{
	"java.lang.Class": true, "java.lang.Module": true, "java.lang.invoke.MemberName": true,
	"java.lang.invoke.ResolvedMethodName": true, "java.lang.Thread": true,
	"java.lang.ref.Finalizer$FinalizerThread": true, "java.lang.ref.Reference$ReferenceHandler": true,
	"jdk.internal.misc.InnocuousThread": true, "java.util.concurrent.ForkJoinPool": true,
	"jdk.internal.loader.ClassLoaders$AppClassLoader":      true,
	"jdk.internal.loader.ClassLoaders$BootClassLoader":     true,
	"jdk.internal.loader.ClassLoaders$PlatformClassLoader": true,
}

// TestHistogram checks the reader's per-class instance counts (and shallow sizes) against
// what jcmd GC.class_histogram counted in the same JVM right after the dump (see
// testdata/gen/java/shop/Shop.java: the two full GCs have no Java code between them).
func TestHistogram(t *testing.T) {
	for i := 1; i <= 4; i++ {
		name := "heap" + strconv.Itoa(i)
		t.Run(name, func(t *testing.T) {
			s := read(t, gunzip(t, name+".hprof.gz"), Reader{})
			h := readHistogram(t, "histo"+strconv.Itoa(i)+".txt")
			// An object that no object in the dump refers to and no root holds is held by
			// the VM itself in a way HPROF does not list as a root (the string table's
			// interned strings; an int[] of the attach listener's in heap4, one run in three).
			// The histogram's full GC, right after the dump's, may find such an object gone:
			// so each class's count must lie between what the dump's objects and roots hold
			// and everything in the dump. For the program's own classes it must be exact.
			loose := map[string]int64{}
			for _, a := range s.unreferenced() {
				loose[s.typeOf[a]]++
			}
			exact := 0
			for class, want := range h {
				got := s.count[class]
				if got < want[0] || got-loose[class] > want[0] || strings.HasPrefix(class, "shop.") && got != want[0] {
					t.Errorf("%s: %s: got %d instances (%d unreferenced), histogram has %d", name, class, got, loose[class], want[0])
				}
				if got == want[0] {
					exact++
				}
				if by := s.bytes[class]; got == want[0] && !sizeExceptions[class] && by != want[1] {
					t.Errorf("%s: %s: got %d bytes, histogram has %d", name, class, by, want[1])
				}
			}
			t.Logf("%s: %d of %d classes have the histogram's count", name, exact, len(h))
			for class, n := range s.count {
				if _, ok := h[class]; !ok && n != 0 {
					t.Errorf("%s: %s: %d instances not in the histogram", name, class, n)
				}
			}
		})
	}
}

// unreferenced returns the objects that no object or root refers to.
func (s *recordSink) unreferenced() []uint64 {
	referred := map[uint64]bool{}
	for _, es := range s.edgesOf {
		for _, e := range es {
			referred[e.To] = true
		}
	}
	var out []uint64
	for a := range s.typeOf {
		if !referred[a] && !s.rooted[a] {
			out = append(out, a)
		}
	}
	return out
}

func TestSnapshot(t *testing.T) {
	s := read(t, gunzip(t, "heap1.hprof.gz"), Reader{})
	if s.begun != 1 || s.snap.Format != Format || s.snap.Kind != heap.KindGraph {
		t.Fatalf("Begin: %d calls, %+v", s.begun, s.snap)
	}
	if y := s.snap.TakenAt.Year(); y < 2024 || s.snap.TakenAt.After(time.Now()) {
		t.Errorf("TakenAt %v", s.snap.TakenAt)
	}
	for k, want := range map[string]string{"id_size": "8", "hprof_version": "1.0.2", "compressed_oops": "true"} {
		if got := s.snap.Meta[k]; got != want {
			t.Errorf("Meta[%s]: got %q, want %q", k, got, want)
		}
	}
}

// TestGraph checks the references the reader emits on the planted objects of heap4.
func TestGraph(t *testing.T) {
	s := read(t, gunzip(t, "heap4.hprof.gz"), Reader{})
	shop := s.class(t, "shop.Shop")
	log, ok := s.edge(shop, "AUDIT_LOG")
	if !ok || log.Kind != heap.EdgeField || s.typeOf[log.To] != "java.util.ArrayList" {
		t.Fatalf("class shop.Shop .AUDIT_LOG: got %+v (%s)", log, s.typeOf[log.To])
	}
	data, ok := s.edge(log.To, "elementData")
	if !ok || s.typeOf[data.To] != "java.lang.Object[]" {
		t.Fatalf("AUDIT_LOG .elementData: got %+v (%s)", data, s.typeOf[data.To])
	}
	first, ok := s.edge(data.To, "0")
	if !ok || first.Kind != heap.EdgeElement || s.typeOf[first.To] != "shop.AuditEntry" {
		t.Fatalf("elementData[0]: got %+v (%s)", first, s.typeOf[first.To])
	}
	entry := first.To
	if c, ok := s.edge(entry, "<class>"); !ok || c.Kind != heap.EdgeClass || c.To != s.class(t, "shop.AuditEntry") {
		t.Errorf("AuditEntry <class>: got %+v", c)
	}
	if c, ok := s.edge(s.class(t, "shop.AuditEntry"), "<super>"); !ok || c.To != s.class(t, "java.lang.Object") {
		t.Errorf("class shop.AuditEntry <super>: got %+v", c)
	}
	if _, ok := s.edge(shop, "<loader>"); !ok {
		t.Errorf("class shop.Shop has no <loader>")
	}
	// AuditEntry(id, "/cart/" + id, ...): a String whose value is a byte[] with the text.
	path, _ := s.edge(entry, "path")
	value, ok := s.edge(path.To, "value")
	if !ok || s.typeOf[value.To] != "byte[]" || s.value[value.To] != "/cart/0" {
		t.Errorf("AuditEntry .path .value: got %+v %q", value, s.value[value.To])
	}
	// A String that is not Latin-1 keeps UTF-16 in its byte[] (coder 1).
	greeting, _ := s.edge(shop, "greeting")
	gv, _ := s.edge(greeting.To, "value")
	if got, want := s.value[gv.To], "Grüße ☕ from the shop"; got != want {
		t.Errorf("greeting .value: got %q, want %q", got, want)
	}
	if s.size[entry] != 32 || s.size[shop] < 104 {
		t.Errorf("sizes: AuditEntry %d, want 32; class shop.Shop %d", s.size[entry], s.size[shop])
	}
	// THUMBNAILS is a SoftReference: its referent is weak.
	soft, _ := s.edge(shop, "THUMBNAILS")
	if r, ok := s.edge(soft.To, "referent"); !ok || r.Kind != heap.EdgeWeak || s.typeOf[r.To] != "byte[]" {
		t.Errorf("THUMBNAILS .referent: got %+v", r)
	}
	weak := 0
	for _, es := range s.edgesOf {
		for _, e := range es {
			if e.Kind == heap.EdgeWeak {
				weak++
				if e.Name != "referent" {
					t.Errorf("weak edge %+v", e)
				}
			}
		}
	}
	// Every WeakHashMap entry is a WeakReference, whose referent (the key) is weak; some of
	// the carts' keys are cleared already.
	if entries := s.count["java.util.WeakHashMap$Entry"]; entries < 100 || int64(weak) < entries/2 {
		t.Errorf("%d weak edges for %d WeakHashMap entries", weak, entries)
	}
	for ty := range s.count {
		if strings.ContainsAny(ty, "/;") && !strings.Contains(ty, "/0x") || strings.HasPrefix(ty, "[") {
			t.Errorf("type %q not spelled as Java spells it", ty)
		}
	}
}

func TestRoots(t *testing.T) {
	s := read(t, gunzip(t, "heap1.hprof.gz"), Reader{})
	kinds := map[string]int{}
	names := map[string]bool{}
	for _, r := range s.roots {
		kinds[r.Kind]++
		names[r.Name] = true
		if s.typeOf[r.Addr] == "" {
			t.Errorf("root %+v: no such object", r)
		}
	}
	for _, k := range []string{"sticky class", "thread", "java frame", "jni global", "class"} {
		if kinds[k] == 0 {
			t.Errorf("no %q roots: %v", k, kinds)
		}
	}
	for _, n := range []string{"class shop.Shop", "class java.lang.System", "thread 1"} {
		if !names[n] {
			t.Errorf("no root named %q", n)
		}
	}
	frame := false
	for n := range names {
		if strings.HasPrefix(n, "shop.Shop.main(Shop.java:") && strings.HasSuffix(n, " in thread 1") {
			frame = true
		}
	}
	if !frame {
		t.Errorf("no java frame root in shop.Shop.main")
	}
}

func TestJavaName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"java/util/HashMap$Node", "java.util.HashMap$Node"},
		{"java.util.HashMap$Node", "java.util.HashMap$Node"},
		{"[I", "int[]"},
		{"[[B", "byte[][]"},
		{"[Ljava/lang/String;", "java.lang.String[]"},
		{"[Ljava.lang.String;", "java.lang.String[]"},
		{"[[Ljava/util/HashMap$Node;", "java.util.HashMap$Node[][]"},
		{"java/lang/invoke/LambdaForm$MH+0x0000000800c01000", "java.lang.invoke.LambdaForm$MH/0x0000000800c01000"},
		{"java.lang.invoke.LambdaForm$MH/0x0000000800c01000", "java.lang.invoke.LambdaForm$MH/0x0000000800c01000"},
		{"Main", "Main"},
	}
	for _, tt := range tests {
		if got := JavaName(tt.in); got != tt.want {
			t.Errorf("JavaName(%s): got %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestGzipMembers checks that the sample dumps are what jcmd -gz=1 writes, many gzip members,
// and that heap.Open reads them to the end.
func TestGzipMembers(t *testing.T) {
	name := filepath.Join(dataDir, "heap1.hprof.gz")
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	zr.Multistream(false)
	first, err := io.Copy(io.Discard, zr)
	if err != nil {
		t.Fatal(err)
	}
	all := gunzip(t, "heap1.hprof.gz")
	if first >= int64(len(all)) {
		t.Fatalf("heap1.hprof.gz is one gzip member (%d bytes)", first)
	}
	in, err := heap.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	s := newRecordSink()
	if err := (Reader{}).Read(context.Background(), name, in, s); err != nil {
		t.Fatal(err)
	}
	if want := read(t, all, Reader{}); s.objects != want.objects || s.objects < 10000 {
		t.Errorf("through heap.Open: %d objects, want %d", s.objects, want.objects)
	}
}

func TestSizeOptions(t *testing.T) {
	b := gunzip(t, "heap4.hprof.gz")
	tests := []struct {
		name            string
		opts            Options
		entry, objArray int64 // AuditEntry (int, 3 refs); Object[] of n: header + n refs
	}{
		{"compressed oops", Options{}, 32, 16},
		{"uncompressed oops", Options{UncompressedOops: true}, 40, 16},
		{"uncompressed oops and class pointers", Options{UncompressedOops: true, UncompressedClassPointers: true}, 48, 24},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := read(t, b, Reader{Options: tt.opts})
			if got := s.bytes["shop.AuditEntry"] / s.count["shop.AuditEntry"]; got != tt.entry {
				t.Errorf("%s: AuditEntry %d bytes, want %d", tt.name, got, tt.entry)
			}
			refs := int64(4)
			if tt.opts.UncompressedOops {
				refs = 8
			}
			shop := s.class(t, "shop.Shop")
			recent, _ := s.edge(shop, "RECENT") // Session[8]
			if got, want := s.size[recent.To], align8(tt.objArray+8*refs); got != want {
				t.Errorf("%s: Session[8] %d bytes, want %d", tt.name, got, want)
			}
		})
	}
}

// A JVM run with its defaults (G1, the CDS archive's heap objects mapped) writes dumps that
// refer to objects they do not hold: the elements of one Object[], a JNI global root (the
// archived heap's roots), that name the archived objects of classes the program never loaded
// (docs/formats/hprof.md). Without the CDS heap (-Xshare:off, or SerialGC), none.
func TestOmittedTargets(t *testing.T) {
	tests := []struct {
		name, file string
		omitted    bool // the dump refers to objects it does not hold
	}{
		{"JVM defaults", "cds.hprof.gz", true},
		{"SerialGC without CDS", "heap1.hprof.gz", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := read(t, gunzip(t, tt.file), Reader{})
			missing := 0
			from := map[uint64]bool{}
			for a, es := range s.edgesOf {
				for _, e := range es {
					if _, ok := s.typeOf[e.To]; !ok {
						missing++
						from[a] = true
					}
				}
			}
			if !tt.omitted {
				if missing > 0 {
					t.Errorf("%s: %d references from %d objects to objects not in the dump, want none", tt.file, missing, len(from))
				}
				return
			}
			if missing == 0 || len(from) != 1 {
				t.Fatalf("%s: %d references from %d objects to objects not in the dump, want some, from one", tt.file, missing, len(from))
			}
			for a := range from {
				kinds := []string{}
				for _, r := range s.roots {
					if r.Addr == a {
						kinds = append(kinds, r.Kind)
					}
				}
				if s.typeOf[a] != "java.lang.Object[]" || len(kinds) != 1 || kinds[0] != "jni global" {
					t.Errorf("%s: they are from a %s, roots %v; want an Object[], a jni global root", tt.file, s.typeOf[a], kinds)
				}
			}
		})
	}
	if !(Reader{}).GraphRules().OmittedTargets {
		t.Error("GraphRules: OmittedTargets is false: every JVM dump of the defaults would have a note the user can do nothing about")
	}
}
