//go:build !unix

package main

// preemptByCalls does nothing where a process cannot start another program in its place.
func preemptByCalls() {}
