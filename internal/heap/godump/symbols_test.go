package godump

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/memsee/memsee/internal/heap/heaptest"
)

// shopBuild builds gen/godump into dir with the go build flags given, and returns its path.
func shopBuild(t *testing.T, dir, name string, flags ...string) string {
	t.Helper()
	bin := filepath.Join(dir, name)
	args := append(append([]string{"build"}, flags...), "-o", bin, "../../../testdata/gen/godump")
	if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", strings.Join(flags, " "), err, out)
	}
	return bin
}

// TestSymbols builds the generator, runs it for a small series, and names the dump's globals
// with the binary that wrote it: the planted holders by their symbols, and a slot no symbol
// covers by its segment and offset, as without the binary.
func TestSymbols(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs gen/godump")
	}
	dir := t.TempDir()
	bin := shopBuild(t, dir, "shop", "-trimpath")
	gen := exec.Command(bin, "-out", dir, "-n", "2", "-requests", "50", "-products", "50")
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("gen: %v\n%s", err, out)
	}
	data := heaptest.Gunzip(t, filepath.Join(dir, "heap2.dump.gz"))
	syms, err := ReadSymbols(bin)
	if err != nil {
		t.Fatal(err)
	}
	named := newRecSink()
	st, err := Reader{Symbols: syms}.ReadStats(context.Background(), "heap2.dump", bytes.NewReader(data), named)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"global main.auditLog", "global main.priceTable"} {
		if !hasRoot(named.roots, "global", want) {
			t.Errorf("no root %q in %v", want, named.roots)
		}
	}
	if st.NamedGlobals == 0 || st.NamedGlobals > st.GlobalSlots {
		t.Errorf("%d of %d global slots named", st.NamedGlobals, st.GlobalSlots)
	}
	// Root for root, a global is named by a symbol or as it is without the binary.
	plain := newRecSink()
	if err := (Reader{}).Read(context.Background(), "heap2.dump", bytes.NewReader(data), plain); err != nil {
		t.Fatal(err)
	}
	if len(plain.roots) != len(named.roots) {
		t.Fatalf("%d roots with the binary, %d without", len(named.roots), len(plain.roots))
	}
	unnamed := 0
	for i, r := range named.roots {
		p := plain.roots[i]
		switch {
		case r.Kind != "global":
			if r != p {
				t.Errorf("root %d: %+v with the binary, %+v without", i, r, p)
			}
		case strings.HasPrefix(r.Name, "global "):
		case r.Name == p.Name && (strings.HasPrefix(r.Name, "data+0x") || strings.HasPrefix(r.Name, "bss+0x")):
			unnamed++
		default:
			t.Errorf("global root %d: %q with the binary, %q without", i, r.Name, p.Name)
		}
	}
	if unnamed != st.GlobalSlots-st.NamedGlobals {
		t.Errorf("%d global roots by segment offset, want %d (slots) - %d (named)", unnamed, st.GlobalSlots, st.NamedGlobals)
	}

	// The rule is exact: change any one thing the binary says and the dump is refused.
	firstBit := func(mask []byte, set bool) uint64 {
		for w := uint64(0); w < uint64(len(mask))*8; w++ {
			if (mask[w/8]>>(w%8)&1 == 1) == set {
				return w
			}
		}
		t.Fatal("no such bit")
		return 0
	}
	for _, tt := range []struct {
		name   string
		change func(s *Symbols)
		want   string
	}{
		{"the binary itself", func(*Symbols) {}, ""},
		{"another Go version", func(s *Symbols) { s.GoVersion = "go1.20" }, "built by go1.20, the dump written by"},
		{"another GOARCH", func(s *Symbols) { s.GOARCH = "arm64" }, "built for arm64, the dump written on amd64"},
		{"the data segment elsewhere", func(s *Symbols) { s.data.addr += 0x1000 }, "its data segment is"},
		{"a larger bss segment", func(s *Symbols) { s.bss.size += 8 }, "its bss segment is"},
		{"a pointer word the binary does not have", func(s *Symbols) {
			w := firstBit(s.data.mask, true)
			s.data.mask = slices.Clone(s.data.mask)
			s.data.mask[w/8] &^= 1 << (w % 8)
			s.data.pointers--
		}, "the dump's data segment has a pointer at +0x"},
		{"a pointer word the dump does not have", func(s *Symbols) {
			w := firstBit(s.bss.mask, false)
			s.bss.mask = slices.Clone(s.bss.mask)
			s.bss.mask[w/8] |= 1 << (w % 8)
			s.bss.pointers++
		}, "its bss segment has a pointer at +0x"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := *syms
			tt.change(&s)
			err := Reader{Symbols: &s}.Read(context.Background(), "heap2.dump", bytes.NewReader(data), newRecSink())
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Read: %v, want no error", err)
			case tt.want != "" && (!errors.Is(err, ErrWrongBinary) || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Read: got %v, want ErrWrongBinary saying %q", err, tt.want)
			}
		})
	}

	// Another Go program, with other segments: the pprof generator.
	otherBin := filepath.Join(dir, "other")
	if out, err := exec.Command("go", "build", "-trimpath", "-o", otherBin, "../../../testdata/gen/go").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	other, err := ReadSymbols(otherBin)
	if err != nil {
		t.Fatal(err)
	}
	err = Reader{Symbols: other}.Read(context.Background(), "heap2.dump", bytes.NewReader(data), newRecSink())
	if !errors.Is(err, ErrWrongBinary) || !strings.Contains(err.Error(), "segment") {
		t.Errorf("a different binary: got %v, want ErrWrongBinary naming the segments", err)
	}
}

// TestReadSymbolsRefuses checks what ReadSymbols refuses, before any dump is read.
func TestReadSymbolsRefuses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds gen/godump")
	}
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		path string
		want string
	}{
		{"PIE", shopBuild(t, dir, "pie", "-trimpath", "-buildmode=pie"), "position-independent executable (PIE): its addresses move at every start, so they cannot be matched with a dump's; build it with -buildmode=exe"},
		{"no symbol table", shopBuild(t, dir, "stripped", "-trimpath", "-ldflags=-s"), "-ldflags=-s"},
		{"not an executable", samples + "heap1.dump.gz", "--binary takes the Go executable"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadSymbols(tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadSymbols(%s): got %v, want an error saying %q", tt.name, err, tt.want)
			}
		})
	}
}

func TestRunGCProg(t *testing.T) {
	for _, tt := range []struct {
		name  string
		prog  []byte
		words uint64
		want  []byte
		err   string
	}{
		{"literal", []byte{0x03, 0b101, 0x00}, 3, []byte{0b101}, ""},
		{"literal over a byte", []byte{0x0a, 0xff, 0x02, 0x00}, 10, []byte{0xff, 0x02}, ""},
		{"repeat", []byte{0x02, 0b01, 0x82, 0x03, 0x00}, 8, []byte{0x55}, ""},
		{"repeat with a varint length", []byte{0x01, 0x01, 0x80, 0x01, 0x09, 0x00}, 10, []byte{0xff, 0x03}, ""},
		{"fewer bits than words", []byte{0x01, 0x01, 0x00}, 20, []byte{0x01, 0x00, 0x00}, ""},
		{"no stop", []byte{0x01, 0x01}, 8, nil, "runs past its end"},
		{"cut in a literal", []byte{0x10, 0xff}, 16, nil, "runs past its end"},
		{"repeat before any bit", []byte{0x81, 0x01, 0x00}, 8, nil, "repeats the previous 1 bits of 0 written"},
		{"more bits than words", []byte{0x09, 0xff, 0x01, 0x00}, 4, nil, "more than the segment's 4 words"},
		{"a huge repeat", []byte{0x01, 0x01, 0x81, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00}, 64, nil, "more than the segment's 64 words"},
		{"a count past 64 bits", []byte{0x01, 0x01, 0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 64, nil, "overflows"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := runGCProg(tt.prog, tt.words)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("runGCProg(%s): got %v, want %q", tt.name, err, tt.err)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tt.want) {
				t.Errorf("runGCProg(%s): got %08b, %v; want %08b", tt.name, got, err, tt.want)
			}
		})
	}
}

// TestReliabilityBinary gives ReadSymbols damaged copies of a real executable (cut short, bits
// flipped in its headers, its section table and its GC programs) and reads a real dump with
// what it accepts: an error or names, never a panic.
func TestReliabilityBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs gen/godump")
	}
	dir := t.TempDir()
	bin := shopBuild(t, dir, "shop", "-trimpath")
	if out, err := exec.Command(bin, "-out", dir, "-n", "1", "-requests", "20", "-products", "20").CombinedOutput(); err != nil {
		t.Fatalf("gen: %v\n%s", err, out)
	}
	dump := heaptest.Gunzip(t, filepath.Join(dir, "heap1.dump.gz"))
	exe, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.NewFile(bytes.NewReader(exe))
	if err != nil {
		t.Fatal(err)
	}
	all, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	var progs [][2]int // file offset and size of runtime.gcdata and runtime.gcbss
	for _, sym := range all {
		if sym.Name != "runtime.gcdata" && sym.Name != "runtime.gcbss" {
			continue
		}
		sect := f.Sections[sym.Section]
		progs = append(progs, [2]int{int(sym.Value - sect.Addr + sect.Offset), int(sym.Size)})
	}
	shoff := int(binary.LittleEndian.Uint64(exe[0x28:]))
	if len(progs) != 2 || shoff <= 0 || shoff >= len(exe) {
		t.Fatalf("GC programs at %v, section table at %d", progs, shoff)
	}
	rng := rand.New(rand.NewPCG(15, 15))
	type damage struct {
		name string
		b    []byte
	}
	var cases []damage
	for _, n := range []int{0, 16, 64, 4096, len(exe) / 2, len(exe) - 1} {
		cases = append(cases, damage{"cut at " + strconv.Itoa(n), exe[:n]})
	}
	flip := func(name string, lo, hi int) {
		for i := range 10 {
			b := slices.Clone(exe)
			for range 4 {
				j := lo + rng.IntN(hi-lo)
				b[j] ^= 1 << rng.IntN(8)
			}
			cases = append(cases, damage{name + " " + strconv.Itoa(i), b})
		}
	}
	flip("header", 0, 0x40)
	flip("program headers", 0x40, 0x40+13*56)
	flip("section table", shoff, len(exe))
	for i, p := range progs {
		flip("GC program "+strconv.Itoa(i), p[0], p[0]+p[1])
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "exe")
			if err := os.WriteFile(path, tt.b, 0o755); err != nil {
				t.Fatal(err)
			}
			syms, err := ReadSymbols(path)
			if err != nil {
				return
			}
			err = Reader{Symbols: syms}.Read(context.Background(), "heap1.dump", bytes.NewReader(dump), newRecSink())
			if err != nil && !errors.Is(err, ErrWrongBinary) {
				t.Errorf("Read with a damaged binary: %v, want no error or ErrWrongBinary", err)
			}
		})
	}
}
