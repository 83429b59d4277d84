package graph

import (
	"math"
	"slices"
)

// Addrs is an address per object (ObjID -> the dump's address or id). While every address is
// within 4 GiB of one base it holds each as its distance from the base, in 4 bytes: V8's node
// ids, a Go heap's arenas and a JVM heap of less than 4 GiB are. Otherwise it holds the
// addresses themselves, in 8 (a Python process's, spread over its arenas and malloc's heap).
// The zero Addrs holds no objects, narrow; AddrsOf makes one from a slice.
type Addrs struct {
	base   uint64
	narrow []uint32 // address - base, while wide is nil
	wide   []uint64 // the addresses, once one is 4 GiB or more from another
	arena  *Arena   // where narrow is, and wide goes (Builder.UseArena); nil for the Go heap
}

// addrWord is what an Addrs keeps per object: the distance from its base, or the address.
type addrWord interface{ uint32 | uint64 }

// AddrsOf returns the addresses of s (ObjID -> address), narrow where they allow.
func AddrsOf(s []uint64) Addrs {
	var a Addrs
	if len(s) > 0 {
		lo, hi := slices.Min(s), slices.Max(s)
		if hi-lo > math.MaxUint32 {
			return Addrs{wide: slices.Clone(s)}
		}
		a.base = lo
	}
	a.narrow = make([]uint32, len(s))
	for i, v := range s {
		a.narrow[i] = uint32(v - a.base)
	}
	return a
}

// Len returns the number of objects.
func (a *Addrs) Len() int {
	if a.wide != nil {
		return len(a.wide)
	}
	return len(a.narrow)
}

// At returns the address of id.
func (a *Addrs) At(id ObjID) uint64 {
	if a.wide != nil {
		return a.wide[id]
	}
	return a.base + uint64(a.narrow[id])
}

// Words returns what a holds per object and the base the narrow words are counted from: the
// words of one of narrow and wide (the other is nil; both are nil for no objects), whose order
// is the order of the addresses. The caller must not change them.
func (a *Addrs) Words() (narrow []uint32, wide []uint64, base uint64) {
	if a.wide != nil {
		return nil, a.wide, 0
	}
	return a.narrow, nil, a.base
}

// AddrsOfWords returns the Addrs whose Words are narrow, wide and base: for a caller that kept
// them elsewhere for a while.
func AddrsOfWords(narrow []uint32, wide []uint64, base uint64) Addrs {
	if wide != nil {
		return Addrs{wide: wide}
	}
	return Addrs{base: base, narrow: narrow}
}

// Search returns the object at address x in addresses that increase with the ObjID (a graph
// renumbered in address order), by bisection.
func (a *Addrs) Search(x uint64) (ObjID, bool) {
	if a.wide != nil {
		return search(a.wide, 0, x)
	}
	return search(a.narrow, a.base, x)
}

func search[T addrWord](words []T, base, x uint64) (ObjID, bool) {
	k, ok := keyOf[T](base, x)
	if !ok {
		return 0, false
	}
	i, found := slices.BinarySearch(words, k)
	return ObjID(i), found
}

// keyOf returns the word for address x in words counted from base, and false when no word
// can be it (x below base, or too far above for a T).
func keyOf[T addrWord](base, x uint64) (T, bool) {
	d := x - base
	if x < base || uint64(T(d)) != d {
		return 0, false
	}
	return T(d), true
}

// push appends the address of the next object. When it falls outside what the base allows,
// the base moves to leave as much room below the addresses as above them, which at most
// halves the room left each time; when they span more than 4 GiB, a goes wide.
func (a *Addrs) push(x uint64) {
	if a.wide != nil {
		a.wide = append(a.wide, x)
		return
	}
	if len(a.narrow) == 0 {
		a.base = x - min(x, math.MaxUint32/2)
	}
	if x < a.base || x-a.base > math.MaxUint32 {
		// The lowest and highest address held are looked for only here, at most 32 times.
		lo := min(a.base+uint64(slices.Min(a.narrow)), x)
		hi := max(a.base+uint64(slices.Max(a.narrow)), x)
		if hi-lo > math.MaxUint32 {
			a.widen()
			a.wide = append(a.wide, x)
			return
		}
		base := lo - min(lo, (math.MaxUint32-(hi-lo))/2)
		shift := uint32(a.base - base) // mod 2^32: each word stays within 32 bits
		for i := range a.narrow {
			a.narrow[i] += shift
		}
		a.base = base
	}
	a.narrow = append(a.narrow, uint32(x-a.base))
}

// widen moves a to 8 bytes per object, keeping the room reserved; in its arena, when it has
// one, and the narrow words are released.
func (a *Addrs) widen() {
	w := ArenaMake[uint64](a.arena, cap(a.narrow))
	if w == nil {
		c := cap(a.narrow)
		if InArena(a.narrow) { // no room for the wide words there: grown by append from here
			c = len(a.narrow) + len(a.narrow)/4 + 1
		}
		w = make([]uint64, 0, c)
	}
	w = w[:len(a.narrow)]
	for i, v := range a.narrow {
		w[i] = a.base + uint64(v)
	}
	ArenaRelease(a.arena, a.narrow)
	*a = Addrs{wide: w, arena: a.arena}
}

// reserve makes room for n objects in all.
func (a *Addrs) reserve(n int) {
	if a.wide != nil {
		a.wide = Reserve(a.wide, n)
	} else {
		a.narrow = Reserve(a.narrow, n)
	}
}

// Room returns the bytes reserved that no object fills.
func (a *Addrs) Room() int64 {
	if a.wide != nil {
		return RoomOf(a.wide)
	}
	return RoomOf(a.narrow)
}

// clip gives back the room no object fills (Clip).
func (a *Addrs) clip() {
	if a.wide != nil {
		a.wide = Clip(a.wide)
	} else {
		a.narrow = Clip(a.narrow)
	}
}

// permute moves the addresses to r's numbering (permute). No addresses (a graph whose
// caller holds them elsewhere while it is renumbered) stay none.
func (a *Addrs) permute(r *Renumbering) {
	if a.Len() == 0 {
		return
	}
	if a.wide != nil {
		permute(r, a.wide)
	} else {
		permute(r, a.narrow)
	}
}

// Bytes returns the memory the addresses take, room included (room in an Arena is not
// memory).
func (a *Addrs) Bytes() int64 {
	if a.arena != nil {
		return int64(len(a.narrow))*4 + int64(len(a.wide))*8
	}
	if a.wide != nil {
		return int64(cap(a.wide)) * 8
	}
	return int64(cap(a.narrow)) * 4
}
