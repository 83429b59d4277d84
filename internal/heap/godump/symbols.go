package godump

import (
	"cmp"
	"debug/buildinfo"
	"debug/elf"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// ErrWrongBinary is returned when the executable given to name globals is not the one that
// wrote the dump.
var ErrWrongBinary = errors.New("the binary is not the one that wrote the dump")

// Symbols are the data symbols of a Go executable (ELF), to name the pointer slots of a dump's
// data and bss segments. The Go linker builds non-PIE executables by default on linux/amd64,
// so the addresses in the file are the addresses at run time.
type Symbols struct {
	Path      string
	GoVersion string // from the build info; "" when the binary has none
	syms      []symbol
	// runtime.data/edata and runtime.bss/ebss: the ranges the runtime dumps as its data and
	// bss segments (firstmoduledata.data, ...), when the symbol table has them.
	data, edata, bss, ebss uint64
	haveRanges             bool
}

type symbol struct {
	addr, size uint64
	name       string
}

// ReadSymbols reads the data symbols of the executable at path.
func ReadSymbols(path string) (*Symbols, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading symbols from %s: %w (--binary takes the Go executable that wrote the dump, built for Linux)", path, err)
	}
	defer f.Close()
	all, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("reading symbols from %s: %w (was it built with -ldflags=-s? names need the symbol table)", path, err)
	}
	s := &Symbols{Path: path}
	found := 0
	for _, sym := range all {
		switch sym.Name {
		case "runtime.data":
			s.data, found = sym.Value, found+1
		case "runtime.edata":
			s.edata, found = sym.Value, found+1
		case "runtime.bss":
			s.bss, found = sym.Value, found+1
		case "runtime.ebss":
			s.ebss, found = sym.Value, found+1
		}
		if elf.ST_TYPE(sym.Info) == elf.STT_OBJECT && sym.Size > 0 {
			s.syms = append(s.syms, symbol{sym.Value, sym.Size, sym.Name})
		}
	}
	s.haveRanges = found == 4
	slices.SortFunc(s.syms, func(x, y symbol) int { return cmp.Compare(x.addr, y.addr) })
	if bi, err := buildinfo.ReadFile(path); err == nil {
		s.GoVersion = bi.GoVersion
	}
	return s, nil
}

// lookup names the symbol that covers address a: "main.auditLog", or "main.cfg+0x8" inside it.
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

// match checks that the executable is the one that wrote the dump: same Go version, the
// segments where the dump has them, and symbols for the pointer slots.
func (s *Symbols) match(p *parser) error {
	wrong := func(format string, args ...any) error {
		return fmt.Errorf("%s: %w: %s (give the exact executable the process ran, or load without --binary)",
			s.Path, ErrWrongBinary, fmt.Sprintf(format, args...))
	}
	if s.GoVersion != "" && p.version != "" && s.GoVersion != p.version {
		return wrong("it was built by %s, the dump written by %s", s.GoVersion, p.version)
	}
	if s.haveRanges {
		if p.data.seen && (p.data.addr != s.data || p.data.size != s.edata-s.data) {
			return wrong("its data segment is %#x..%#x, the dump's %#x..%#x", s.data, s.edata, p.data.addr, p.data.addr+p.data.size)
		}
		if p.bss.seen && (p.bss.addr != s.bss || p.bss.size != s.ebss-s.bss) {
			return wrong("its bss segment is %#x..%#x, the dump's %#x..%#x", s.bss, s.ebss, p.bss.addr, p.bss.addr+p.bss.size)
		}
	}
	if n := p.stats.GlobalSlots; n > 0 && p.stats.NamedGlobals*10 < n*9 {
		return wrong("its symbols cover only %d of the dump's %s global pointers", p.stats.NamedGlobals, strconv.Itoa(n))
	}
	return nil
}
