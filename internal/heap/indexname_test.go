package heap

import (
	"strconv"
	"sync"
	"testing"
)

// TestIndexName checks every name against strconv, across the lengths the shared text grows
// through and past its bound, with readers growing it side by side.
func TestIndexName(t *testing.T) {
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, i := range []int{0, 9, 10, 99, 100, 999, 1000, 12345, 99999, 100000, maxIndexNames - 1, maxIndexNames, maxIndexNames + 7, w} {
				if got, want := IndexName(i), strconv.Itoa(i); got != want {
					t.Errorf("IndexName(%d) = %q, want %q", i, got, want)
				}
			}
		}()
	}
	wg.Wait()
	for i := range 20000 {
		if got, want := IndexName(i), strconv.Itoa(i); got != want {
			t.Fatalf("IndexName(%d) = %q, want %q", i, got, want)
		}
	}
}
