//go:build !linux

package graph

// mapMemory returns nil: arenas are only mapped on Linux; elsewhere the arrays stay in the Go
// heap.
func mapMemory(int, bool) []byte { return nil }

func dropPages([]byte) bool { return false }
