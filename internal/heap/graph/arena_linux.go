package graph

import "syscall"

// mapMemory maps size bytes of address space that become memory only where written, or
// returns nil; huge asks the system to back it with huge pages where it can (MADV_HUGEPAGE,
// which transparent huge pages set to "madvise" or "always" honour). MAP_NORESERVE keeps the kernel from counting the whole size against its
// overcommit limit; where the system counts it anyway (strict overcommit) or a limit on the
// address space refuses it, the caller does without an arena.
func mapMemory(size int, huge bool) []byte {
	m, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|syscall.MAP_NORESERVE)
	if err != nil {
		return nil
	}
	if huge {
		_ = syscall.Madvise(m, syscall.MADV_HUGEPAGE) // a hint: refused, the pages are small
	}
	return m
}

// dropPages gives the memory of m back to the system, and reports whether it did: m reads as
// zeros afterwards.
func dropPages(m []byte) bool {
	return syscall.Madvise(m, syscall.MADV_DONTNEED) == nil
}
