package loader

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestStringCache(t *testing.T) {
	java := "java.util.HashMap$Node"
	copied := strings.Clone(java)
	tests := []struct {
		name   string
		put    []string
		get    string
		want   uint32
		wantOK bool
	}{
		{"the same string", []string{java}, java, 1, true},
		{"the same text elsewhere", []string{java}, copied, 0, false},
		{"a prefix of it, at the same address", []string{java}, java[:9], 0, false},
		{"the empty string", []string{""}, "", 0, false},
		{"nothing put", nil, java, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c stringCache
			for i, s := range tt.put {
				c.put(s, uint32(i+1))
			}
			got, ok := c.get(tt.get)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("get(%q) = %d, %v; want %d, %v", tt.get, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// TestStringCacheAgainstMap hands the cache many strings, some the same string again, some
// the same text in a new string, some new texts, and checks every hit against a map of texts:
// a hit never gives the id of another text.
func TestStringCacheAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var c stringCache
	ids := map[string]uint32{}
	var seen []string // strings handed over before, to hand over again
	hits := 0
	for i := range 200_000 {
		var s string
		switch k := r.IntN(10); {
		case k < 6 && len(seen) > 0:
			s = seen[r.IntN(len(seen))]
		case k < 8 && len(seen) > 0:
			s = strings.Clone(seen[r.IntN(len(seen))])
		default:
			s = "type" + strconv.Itoa(r.IntN(5000))
			if len(seen) < 4096 {
				seen = append(seen, s)
			} else {
				seen[r.IntN(len(seen))] = s
			}
		}
		if id, ok := c.get(s); ok {
			hits++
			if id != ids[s] {
				t.Fatalf("step %d: %q hit id %d, its id is %d", i, s, id, ids[s])
			}
			continue
		}
		id, ok := ids[s]
		if !ok {
			id = uint32(len(ids) + 1)
			ids[s] = id
		}
		c.put(s, id)
	}
	if hits == 0 {
		t.Fatal("no hit at all")
	}
}
