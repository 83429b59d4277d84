package heap

import (
	"strconv"
	"strings"
	"sync/atomic"
)

// IndexName returns the decimal name of element i ("17", as Edge.Name spells an element),
// without allocating for i below maxIndexNames: the numbers 0, 1, 2... are written one after
// another in one string, shared by every reader of the process, and the name of element i is
// a part of it. The string is never changed; a longer one replaces it when an index needs it.
func IndexName(i int) string {
	t := indexText.Load()
	if t == nil || i >= t.n {
		if i < 0 || i >= maxIndexNames {
			return strconv.Itoa(i)
		}
		t = growIndexText(i)
	}
	// Numbers of d digits start at 10^(d-1) (0 for d = 1), at offset start.
	start, width, first := 0, 1, 0
	for lim := 10; i >= lim; lim *= 10 {
		start += (lim - first) * width
		first = lim
		width++
	}
	start += (i - first) * width
	return t.s[start : start+width]
}

// maxIndexNames bounds the shared string (about 28 MB when full: a JVM array of millions of
// elements); larger indexes are allocated.
const maxIndexNames = 1 << 22

type indexNames struct {
	s string
	n int // names 0..n-1 are in s
}

var indexText atomic.Pointer[indexNames]

// growIndexText returns a text that holds name i, making it if no reader has.
func growIndexText(i int) *indexNames {
	n := min(max(1<<12, 2*(i+1)), maxIndexNames) // twice what is asked: a few steps to the longest
	var b strings.Builder
	b.Grow(n * 7)
	var d [20]byte
	for j := 0; j < n; j++ {
		b.Write(strconv.AppendInt(d[:0], int64(j), 10))
	}
	t := &indexNames{s: b.String(), n: n}
	for {
		old := indexText.Load()
		if old != nil && old.n >= n {
			return old
		}
		if indexText.CompareAndSwap(old, t) {
			return t
		}
	}
}
