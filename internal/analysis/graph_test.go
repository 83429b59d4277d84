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

func TestGeneralizeName(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"main.users[5]", "main.users[*]"},
		{"module shop: CARTS['a1'] (dict)", "module shop: CARTS[*] (dict)"},
		{`app.js: cache["k\"1"] (Map)`, "app.js: cache[*] (Map)"},
		{"[eval]: makeAuditListener: entries (Array)", "[eval]: makeAuditListener: entries (Array)"},
		{"shop.Shop.TABLE[None]", "shop.Shop.TABLE[*]"},
		{"a[i]", "a[i]"},
	} {
		if got := GeneralizeName(tt.in); got != tt.want {
			t.Errorf("GeneralizeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
