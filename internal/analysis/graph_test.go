package analysis

import "testing"

func TestShortPath(t *testing.T) {
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"short", "module a -> .b (list) -> [1] (X)", 8, "module a -> .b (list) -> [1] (X)"},
		{"exactly max", "a -> b -> c -> d", 4, "a -> b -> c -> d"},
		{"long", "r -> 1 -> 2 -> 3 -> 4 -> 5 -> 6 -> 7 -> 8 -> 9", 6, "r -> 1 -> … 5 more … -> 7 -> 8 -> 9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ShortPath(tt.in, tt.max); got != tt.want {
				t.Errorf("ShortPath(%s): got %q, want %q", tt.name, got, tt.want)
			}
		})
	}
}
