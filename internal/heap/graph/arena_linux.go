package graph

import "syscall"

// mapMemory maps size bytes of address space that become memory only where written, or
// returns nil. MAP_NORESERVE keeps the kernel from counting the whole size against its
// overcommit limit; where the system counts it anyway (strict overcommit) or a limit on the
// address space refuses it, the caller does without an arena.
func mapMemory(size int) []byte {
	m, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|syscall.MAP_NORESERVE)
	if err != nil {
		return nil
	}
	return m
}

// dropPages gives the memory of m back to the system, and reports whether it did: m reads as
// zeros afterwards.
func dropPages(m []byte) bool {
	return syscall.Madvise(m, syscall.MADV_DONTNEED) == nil
}
