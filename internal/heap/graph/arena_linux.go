package graph

import (
	"syscall"
	"unsafe"
)

// mapMemory maps size bytes of address space that become memory only where written, or
// returns nil; huge asks the system to back it with huge pages where it can (MADV_HUGEPAGE,
// which transparent huge pages set to "madvise" or "always" honour). MAP_NORESERVE keeps the kernel from counting the whole size against its
// overcommit limit; where the system counts it anyway (strict overcommit) or a limit on the
// address space refuses it, the caller does without an arena.
//
// A mapping for huge pages of at least one starts at a huge page's boundary: mapped where the
// system puts it, an array of a few huge pages (a reader's column's chunk) would have its
// first and last partial ones in small pages, most of it at 4 MiB.
func mapMemory(size int, huge bool) []byte {
	align := 0
	if huge && size >= hugePage {
		align = hugePage
	}
	m, err := syscall.Mmap(-1, 0, size+align, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|syscall.MAP_NORESERVE)
	if err != nil {
		return nil
	}
	if align > 0 {
		// Keep the aligned size bytes; unmap the rest before and after them.
		lo := uintptr(unsafe.Pointer(unsafe.SliceData(m)))
		skip := int((uintptr(align) - lo%uintptr(align)) % uintptr(align))
		unmap(lo, skip)
		unmap(lo+uintptr(skip+size), align-skip)
		m = m[skip : skip+size : skip+size]
	}
	if huge {
		_ = syscall.Madvise(m, syscall.MADV_HUGEPAGE) // a hint: refused, the pages are small
	}
	return m
}

// hugePage is the size of a huge page on x86-64 and most arm64 systems.
const hugePage = 2 << 20

// unmap unmaps n bytes at p, if n > 0. syscall.Munmap would refuse them: it unmaps only whole
// mappings it made itself.
func unmap(p uintptr, n int) {
	if n > 0 {
		_, _, _ = syscall.Syscall(syscall.SYS_MUNMAP, p, uintptr(n), 0) // the bytes stay mapped if refused: address space only
	}
}

// dropPages gives the memory of m back to the system, and reports whether it did: m reads as
// zeros afterwards.
func dropPages(m []byte) bool {
	return syscall.Madvise(m, syscall.MADV_DONTNEED) == nil
}
