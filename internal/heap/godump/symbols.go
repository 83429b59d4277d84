package godump

import (
	"cmp"
	"debug/buildinfo"
	"debug/elf"
	"errors"
	"fmt"
	"math/bits"
	"slices"
)

// ErrWrongBinary is returned when the executable given to name globals is not the one that
// wrote the dump.
var ErrWrongBinary = errors.New("the binary is not the one that wrote the dump")

// Symbols are what memsee reads of a Go executable (ELF) to name the pointer slots of a
// dump's data and bss segments: where the runtime's data and bss segments are, which of their
// words hold pointers, and the symbols that cover them.
//
// The rule that the executable wrote the dump is exact (see match): the dump records the
// address and size of both segments and, in their field lists, every word the runtime's
// pointer bitmap of the segment marks (nil or not); the executable must have the same
// addresses, sizes and bitmaps. Addresses are only comparable in an executable loaded where
// the linker placed it, so a position-independent one (PIE) is refused when it is read.
type Symbols struct {
	Path      string
	GoVersion string // from the build info; "" when the binary has none
	GOARCH    string // from the build info; "" when it does not say
	syms      []symbol
	data, bss segmentOf
}

// segmentOf is one of the runtime's segments in the executable: runtime.data..runtime.edata
// or runtime.bss..runtime.ebss, the ranges the runtime dumps (firstmoduledata.data, ...).
type segmentOf struct {
	name       string // "data" or "bss"
	addr, size uint64
	mask       []byte // its pointer bitmap: bit i (of byte i/8, low bit first) for word i
	pointers   int    // the bits set in mask
}

type symbol struct {
	addr, size uint64
	name       string
}

// maxGCProg bounds what is read of a segment's GC program (runtime.gcdata, runtime.gcbss):
// the linker writes a few hundred bytes for a program with net/http.
const maxGCProg = 16 << 20

// ReadSymbols reads the segments, pointer bitmaps and data symbols of the executable at path.
// A segment of more than 4 GiB (maxRange, what the reader reads of a dump's) is refused, so
// that what a damaged executable claims bounds its bitmaps at 64 MiB.
func ReadSymbols(path string) (s *Symbols, err error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("reading symbols from %s: %s", path, fmt.Sprintf(format, args...))
	}
	// debug/elf is not hardened against damaged files: a panic in it is this file's error.
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, bad("a damaged ELF file (%v) (--binary takes the Go executable that wrote the dump)", r)
		}
	}()
	f, err := elf.Open(path)
	if err != nil {
		return nil, bad("%v (--binary takes the Go executable that wrote the dump, built for Linux)", err)
	}
	defer f.Close()
	if f.Type == elf.ET_DYN {
		return nil, bad("it is a position-independent executable (PIE): its addresses move at every start, so they cannot be matched with a dump's; build it with -buildmode=exe, run that, and take the dump again")
	}
	if f.Type != elf.ET_EXEC {
		return nil, bad("it is an ELF file of type %v, not an executable (--binary takes the Go executable that wrote the dump)", f.Type)
	}
	all, err := f.Symbols()
	if err != nil {
		return nil, bad("%v (was it built with -ldflags=-s? names need the symbol table)", err)
	}
	s = &Symbols{Path: path, data: segmentOf{name: "data"}, bss: segmentOf{name: "bss"}}
	marks := map[string]elf.Symbol{}
	for _, sym := range all {
		switch sym.Name {
		case "runtime.data", "runtime.edata", "runtime.bss", "runtime.ebss", "runtime.gcdata", "runtime.gcbss":
			marks[sym.Name] = sym
		}
	}
	for _, m := range []string{"runtime.data", "runtime.edata", "runtime.bss", "runtime.ebss", "runtime.gcdata", "runtime.gcbss"} {
		if _, ok := marks[m]; !ok {
			return nil, bad("its symbol table has no %s (--binary takes the Go executable that wrote the dump)", m)
		}
	}
	for _, seg := range []struct {
		to                        *segmentOf
		start, end, prog, section string
	}{
		{to: &s.data, start: "runtime.data", end: "runtime.edata", prog: "runtime.gcdata", section: ".data"},
		{to: &s.bss, start: "runtime.bss", end: "runtime.ebss", prog: "runtime.gcbss", section: ".bss"},
	} {
		lo, hi := marks[seg.start].Value, marks[seg.end].Value
		// With external linking the section also holds the C code's data, around the Go
		// segment: the segment lies inside its section, not equal to it.
		sect := f.Section(seg.section)
		if hi < lo || sect == nil || lo < sect.Addr || hi > sect.Addr+sect.Size {
			return nil, bad("its %s..%s (%#x..%#x) is not inside a %s section", seg.start, seg.end, lo, hi, seg.section)
		}
		if hi-lo > maxRange {
			return nil, bad("its %s segment claims %d bytes, more than memsee reads (4 GiB)", seg.to.name, hi-lo)
		}
		seg.to.addr, seg.to.size = lo, hi-lo
		prog, err := gcProgBytes(f, marks[seg.prog])
		if err != nil {
			return nil, bad("%s: %v", seg.prog, err)
		}
		words := seg.to.size / 8 // a word is a pointer's size
		if f.Class == elf.ELFCLASS32 {
			words = seg.to.size / 4
		}
		if seg.to.mask, err = runGCProg(prog, words); err != nil {
			return nil, bad("%s, the pointer bitmap of its %s segment: %v", seg.prog, seg.to.name, err)
		}
		for _, b := range seg.to.mask {
			seg.to.pointers += bits.OnesCount8(b)
		}
	}
	in := func(a uint64, seg segmentOf) bool { return a >= seg.addr && a < seg.addr+seg.size }
	for _, sym := range all {
		if elf.ST_TYPE(sym.Info) == elf.STT_OBJECT && sym.Size > 0 && (in(sym.Value, s.data) || in(sym.Value, s.bss)) {
			s.syms = append(s.syms, symbol{sym.Value, sym.Size, sym.Name})
		}
	}
	slices.SortFunc(s.syms, func(x, y symbol) int { return cmp.Compare(x.addr, y.addr) })
	if bi, err := buildinfo.ReadFile(path); err == nil {
		s.GoVersion = bi.GoVersion
		for _, kv := range bi.Settings {
			if kv.Key == "GOARCH" {
				s.GOARCH = kv.Value
			}
		}
	}
	return s, nil
}

// gcProgBytes returns the bytes of a GC program's symbol: its size's, or up to the end of the
// section that holds it when the size is not set (a GC program ends itself), at most
// maxGCProg.
func gcProgBytes(f *elf.File, sym elf.Symbol) ([]byte, error) {
	a := sym.Value
	for _, sect := range f.Sections {
		if sect.Type == elf.SHT_NOBITS || a < sect.Addr || a >= sect.Addr+sect.Size {
			continue
		}
		n := min(sect.Addr+sect.Size-a, maxGCProg)
		if sym.Size > 0 {
			n = min(n, sym.Size)
		}
		b := make([]byte, n)
		if _, err := sect.ReadAt(b, int64(a-sect.Addr)); err != nil {
			return nil, err
		}
		return b, nil
	}
	return nil, fmt.Errorf("no section holds its address %#x", a)
}

// runGCProg runs a GC program, the encoding of the pointer bitmaps of the data and bss
// segments in a Go executable, and returns the bitmap of words words (one bit a word, low bit
// first). The instructions, as the runtime's runGCProg reads them:
//
//	00000000: stop
//	0nnnnnnn: emit n bits copied from the next (n+7)/8 bytes
//	10000000 n c: repeat the previous n bits c times; n, c are varints
//	1nnnnnnn c: repeat the previous n bits c times; c is a varint
//
// It fails on a program that runs past its bytes, repeats more bits than it has written, or
// writes more bits than the segment has words (rounded up to a byte, as the runtime allows).
func runGCProg(prog []byte, words uint64) ([]byte, error) {
	limit := (words + 7) / 8 * 8
	mask := make([]byte, limit/8)
	var n uint64 // bits written
	put := func(bit byte) error {
		if n >= limit {
			return fmt.Errorf("writes more than the segment's %d words", words)
		}
		mask[n/8] |= bit << (n % 8)
		n++
		return nil
	}
	i := 0
	next := func() (byte, error) {
		if i >= len(prog) {
			return 0, errors.New("runs past its end")
		}
		i++
		return prog[i-1], nil
	}
	varint := func() (uint64, error) {
		var x uint64
		for shift := uint(0); ; shift += 7 {
			c, err := next()
			if err != nil {
				return 0, err
			}
			if shift >= 64 {
				return 0, errors.New("a count overflows 64 bits")
			}
			x |= uint64(c&0x7f) << shift
			if c&0x80 == 0 {
				return x, nil
			}
		}
	}
	for {
		inst, err := next()
		if err != nil {
			return nil, err
		}
		k := uint64(inst & 0x7f)
		if inst&0x80 == 0 {
			if k == 0 {
				return mask[:(words+7)/8], nil
			}
			for j := uint64(0); j < k; j += 8 {
				b, err := next()
				if err != nil {
					return nil, err
				}
				for bit := uint64(0); bit < 8 && j+bit < k; bit++ {
					if err := put(b >> bit & 1); err != nil {
						return nil, err
					}
				}
			}
			continue
		}
		if k == 0 {
			if k, err = varint(); err != nil {
				return nil, err
			}
		}
		c, err := varint()
		if err != nil {
			return nil, err
		}
		if k == 0 || k > n {
			return nil, fmt.Errorf("repeats the previous %d bits of %d written", k, n)
		}
		if c > limit || k*c > limit-n {
			return nil, fmt.Errorf("writes more than the segment's %d words", words)
		}
		from := n - k
		for j := uint64(0); j < k*c; j++ {
			src := from + j
			if err := put(mask[src/8] >> (src % 8) & 1); err != nil {
				return nil, err
			}
		}
	}
}

// pointerAt says whether word w of the segment holds a pointer, by the executable's bitmap.
func (g *segmentOf) pointerAt(w uint64) bool {
	return w/8 < uint64(len(g.mask)) && g.mask[w/8]>>(w%8)&1 == 1
}

// lookup names the symbol that covers address a: "main.auditLog", or "main.cfg+0x8" inside it.
//
// An address no symbol covers has no name here, and the reader names it by its segment and
// offset ("bss+0x1a8"), as without --binary, rather than after the nearest symbol before it
// plus an offset. Such words are real globals whose symbols the Go linker leaves out of the
// table: file-local ones, the compiler's static temporaries (pkg..stmp_N: the backing array
// of a slice or map literal, the value a pointer global is initialised to) when it links
// internally, which it does by default. The linker lays out data by size and alignment, not
// by who points to what, so the symbol before such a word is an unrelated variable, often of
// another package: "net/http.errTrailerEOF+0x40" would name a holder that does not hold the
// object, where "data+0x7b0" says only what is known.
func (s *Symbols) lookup(a uint64) (string, bool) {
	i, _ := slices.BinarySearchFunc(s.syms, a+1, func(x symbol, a uint64) int { return cmp.Compare(x.addr, a) })
	if i == 0 {
		return "", false
	}
	sym := s.syms[i-1]
	if a-sym.addr >= sym.size {
		return "", false
	}
	if a == sym.addr {
		return sym.name, true
	}
	return sym.name + "+" + hex(a-sym.addr), true
}

// segment returns the executable's segment of a dump's data or bss record.
func (s *Symbols) segment(tag uint64) *segmentOf {
	if tag == tagBSS {
		return &s.bss
	}
	return &s.data
}

// match checks that the executable is the one that wrote the dump, by an exact rule: the
// same Go version and GOARCH where both say, and for the data and the bss segment the same
// address, the same size, and the same words holding pointers. A word of a segment holds a
// pointer or not by the type of the variable there, so two builds whose variables differ in
// type, order or size differ here; a rebuild of the same program that laid out every
// variable alike is accepted, and names its globals alike.
func (s *Symbols) match(p *parser) error {
	wrong := func(format string, args ...any) error {
		return fmt.Errorf("%s: %w: %s (give the exact executable the process ran, or load without --binary)",
			s.Path, ErrWrongBinary, fmt.Sprintf(format, args...))
	}
	if s.GoVersion != "" && p.version != "" && s.GoVersion != p.version {
		return wrong("it was built by %s, the dump written by %s", s.GoVersion, p.version)
	}
	if s.GOARCH != "" && p.goarch != "" && s.GOARCH != p.goarch {
		return wrong("it was built for %s, the dump written on %s", s.GOARCH, p.goarch)
	}
	for _, d := range []*segment{&p.data, &p.bss} {
		g := &s.data
		if d == &p.bss {
			g = &s.bss
		}
		switch {
		case !d.seen:
			return wrong("the dump has no %s segment record to match its %s segment with", g.name, g.name)
		case d.addr != g.addr || d.size != g.size:
			return wrong("its %s segment is %#x..%#x, the dump's %#x..%#x", g.name, g.addr, g.addr+g.size, d.addr, d.addr+d.size)
		case d.unexpected >= 0:
			return wrong("the dump's %s segment has a pointer at +%#x, where its %s segment has none", g.name, d.unexpected, g.name)
		case d.missing >= 0:
			return wrong("its %s segment has a pointer at +%#x, where the dump's has none", g.name, d.missing)
		case d.pointers != g.pointers:
			return wrong("its %s segment has %d words that hold pointers, the dump's %d", g.name, g.pointers, d.pointers)
		}
	}
	return nil
}
