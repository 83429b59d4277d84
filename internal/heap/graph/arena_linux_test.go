package graph

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"
)

// TestHugeArena checks that a huge arena's arrays are mapped for huge pages and a plain
// arena's are not (as the kernel reports them, THPeligible in /proc/self/smaps, where
// transparent huge pages are set to "madvise"), and that a released mapping goes back only to
// an arena of its kind.
func TestHugeArena(t *testing.T) {
	const n = 8 << 20
	huge, plain := NewHugeArena(), NewArena()
	h, p := ArenaMake[byte](huge, n), ArenaMake[byte](plain, n)
	if h == nil || p == nil {
		t.Skip("no arena on this system: the arrays stay in the Go heap")
	}
	defer huge.Free()
	defer plain.Free()
	h, p = append(h, make([]byte, n)...), append(p, make([]byte, n)...)
	if mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil || !strings.Contains(string(mode), "[madvise]") {
		t.Logf("transparent huge pages not set to madvise (%q): what the arrays are mapped for is not checked", strings.TrimSpace(string(mode)))
	} else {
		for _, c := range []struct {
			arena string
			s     []byte
			want  string
		}{{"huge", h, "1"}, {"plain", p, "0"}} {
			if got := thpEligible(t, c.s); got != c.want {
				t.Errorf("THPeligible of a %s arena's array: %q, want %q", c.arena, got, c.want)
			}
		}
	}
	// A huge arena's array of a huge page or more starts at a huge page's boundary, so that
	// none of it is left to small pages.
	if at := uintptr(unsafe.Pointer(unsafe.SliceData(h))); at%hugePage != 0 {
		t.Errorf("a huge arena's array of %d bytes at %#x: not on a huge page's boundary", n, at)
	}
	hp := unsafe.SliceData(h)
	ArenaRelease(huge, h)
	if again := ArenaMake[byte](NewArena(), n); unsafe.SliceData(again) == hp {
		t.Error("a huge arena's mapping was handed to a plain arena")
	}
	other := NewHugeArena()
	defer other.Free()
	if again := ArenaMake[byte](other, n); unsafe.SliceData(again) != hp {
		t.Error("a huge arena's mapping was not handed to the next huge arena")
	}
}

// thpEligible returns the THPeligible field of the mapping that holds s, from /proc/self/smaps.
func thpEligible(t *testing.T, s []byte) string {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	at := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if f := strings.Fields(line); len(f) > 0 && !strings.HasSuffix(f[0], ":") { // a mapping's first line
			var lo, hi uintptr
			if _, err := fmt.Sscanf(f[0], "%x-%x", &lo, &hi); err == nil {
				in = lo <= at && at < hi
			}
			continue
		}
		if v, ok := strings.CutPrefix(line, "THPeligible:"); ok && in {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no mapping in /proc/self/smaps holds %#x, or it has no THPeligible", at)
	return ""
}
