package loader

import "math/bits"

// sortPairs sorts key in ascending order, and val along with it (val[i] stays key[i]'s), in
// place: a most-significant-digit radix sort a byte at a time (American flag sort), from the
// highest byte in which the keys differ. Equal keys end up in no particular order.
//
// Sorting a dump's addresses this way reads each in place, once per byte that tells them apart;
// a comparison sort of ObjIDs by address looks an address up at random for every comparison,
// which took a second at 10M objects.
func sortPairs[K uint32 | uint64, V any](key []K, val []V) {
	if len(key) < 2 {
		return
	}
	or, and := K(0), ^K(0)
	for _, k := range key {
		or |= k
		and &= k
	}
	if differ := or ^ and; differ != 0 {
		flagSort(key, val[:len(key)], (bits.Len64(uint64(differ))-1)/8*8)
	}
}

// smallSort is the length below which flagSort sorts by insertion.
const smallSort = 48

// flagSort sorts key (and val along) by its bits from shift+7 down; the bits above are the
// same in every key.
func flagSort[K uint32 | uint64, V any](key []K, val []V, shift int) {
	for {
		if len(key) < smallSort {
			insertionSortPairs(key, val)
			return
		}
		var count [256]int
		for _, k := range key {
			count[k>>shift&255]++
		}
		if count[key[0]>>shift&255] == len(key) { // one digit: on to the next
			if shift == 0 {
				return
			}
			shift -= 8
			continue
		}
		var start, next [256]int
		sum := 0
		for d := range count {
			start[d], next[d] = sum, sum
			sum += count[d]
		}
		// Each key goes to its digit's next free slot, taking the key it displaces on to that
		// one's slot, until the one carried belongs where the walk started.
		for d := range count {
			end := start[d] + count[d]
			for i := next[d]; i < end; i = next[d] {
				k, v := key[i], val[i]
				for e := int(k >> shift & 255); e != d; e = int(k >> shift & 255) {
					j := next[e]
					next[e]++
					key[j], k = k, key[j]
					val[j], v = v, val[j]
				}
				key[i], val[i] = k, v
				next[d]++
			}
		}
		if shift == 0 {
			return
		}
		for d, c := range count {
			if c > 1 {
				flagSort(key[start[d]:start[d]+c], val[start[d]:start[d]+c], shift-8)
			}
		}
		return
	}
}

func insertionSortPairs[K uint32 | uint64, V any](key []K, val []V) {
	for i := 1; i < len(key); i++ {
		k, v := key[i], val[i]
		j := i
		for ; j > 0 && key[j-1] > k; j-- {
			key[j], val[j] = key[j-1], val[j-1]
		}
		key[j], val[j] = k, v
	}
}
