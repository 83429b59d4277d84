package loader

import "unsafe"

// stringCache finds the id of a string a reader handed over before by where its bytes are,
// without hashing or comparing them: a reader hands a type or a field name over again and again
// as one string (its copy of the name, kept for the whole file), and a map lookup of its text,
// for every object and every reference, was most of what the sink did per object in a JVM
// dump. It is direct-mapped: each string has one slot, picked from its address, and a string
// in that slot is the same text when it has the same address and length. An entry holds its
// string, so that its bytes cannot be collected and their address taken by another string
// while the entry is there (the collector never moves what is on the heap).
type stringCache struct {
	slots [1 << stringCacheBits]stringSlot
}

type stringSlot struct {
	s  string
	id uint32
}

const stringCacheBits = 9

func (c *stringCache) slot(s string) *stringSlot {
	p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	return &c.slots[(p>>3^p>>(3+stringCacheBits))&(1<<stringCacheBits-1)]
}

// get returns the id put for a string with s's bytes, if its slot still holds it.
func (c *stringCache) get(s string) (uint32, bool) {
	e := c.slot(s)
	if len(e.s) == len(s) && unsafe.StringData(e.s) == unsafe.StringData(s) && e.s != "" {
		return e.id, true
	}
	return 0, false
}

// put remembers s's id, in place of what its slot held.
func (c *stringCache) put(s string, id uint32) {
	*c.slot(s) = stringSlot{s, id}
}
