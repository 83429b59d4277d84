package godump

import (
	"testing"

	"github.com/memsee/memsee/internal/heap"
)

// The types and hops below are those of the Go leak zoo's dumps (testdata/zoo/go), loaded with
// the zoo's executable as --binary.

func TestInternal(t *testing.T) {
	tests := []struct {
		name        string
		typ, holder string
		want        bool
	}{
		{"map directory under its header", "main.login (map)", "main.startService (map)", true},
		{"map table under the directory", "main.login (map)", "main.login (map)", true},
		{"map groups under their table", "main.loadProductCache (map)", "main.loadProductCache (map)", true},
		{"a slice's array in a map's groups", "main.index (append)", "main.index (map)", true},
		{"an array in a slice's array", "main.split (slice)", "main.split (append)", true},
		{"a map value", "main.login (new 96 B)", "main.login (map)", false},
		{"a slice element", "main.audit (new 80 B)", "main.audit (append)", false},
		{"a struct's slice", "main.checkout (slice)", "main.checkout (new 64 B)", false},
		{"a struct's map", "main.newShop (map)", "main.newShop (new 48 B)", false},
		{"a map header only roots hold", "main.startService (map)", "", true},
		{"a slice's array only roots hold", "main.audit (append)", "", true},
		{"a struct only roots hold", "main.checkout (new 64 B)", "", false},
		{"an object no sample names", "object (32 B)", "object (64 B)", false},
		{"a map's tables under a header no sample names", "main.login (map)", "object (48 B)", true},
		{"an object no sample names in an unnamed one", "object (48 B)", "object (48 B)", false},
		{"a library's map", "main.main → flag.(*FlagSet).Var (map)", "main.main → flag.(*FlagSet).Var (map)", true},
		{"a string in a map", "main.login → fmt.Sprintf (string)", "main.login (map)", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Reader{}).Internal(tt.typ, tt.holder); got != tt.want {
				t.Errorf("Internal(%q, %q): got %v, want %v", tt.typ, tt.holder, got, tt.want)
			}
		})
	}
}

func TestHolderName(t *testing.T) {
	tests := []struct {
		name   string
		path   []heap.Hop
		want   string
		wantOK bool
	}{
		{"a global map", []heap.Hop{{Root: "global main.sessions", Type: "main.startService (map)"}}, "main.sessions", true},
		{"a global slice's array", []heap.Hop{{Root: "global main.auditLog", Type: "main.audit (append)"}}, "main.auditLog", true},
		{"a global's field", []heap.Hop{
			{Root: "global main.shop", Type: "main.newShop (new 48 B)"},
			{Via: "+0x18", Type: "main.newShop (map)"},
		}, "main.shop+0x18", true},
		{"a struct in a global map", []heap.Hop{
			{Root: "global main.users", Type: "main.loadUsers (map)"},
			{Via: "[2]", Type: "main.loadUsers (map)"},
			{Via: "[5]", Type: "main.loadUsers (map)"},
			{Via: "[2]", Type: "main.loadUsers (map)"},
			{Via: "[37]", Type: "main.loadUsers (new 64 B)"},
		}, "main.users[37]", true},
		{"a global the symbols do not name", []heap.Hop{{Root: "bss+0x1a8", Type: "main.audit (append)"}}, "bss+0x1a8", true},
		{"a symbol's inside", []heap.Hop{{Root: "global main.state+0x8", Type: "main.audit (append)"}}, "main.state+0x8", true},
		{"a goroutine's frame", []heap.Hop{{Root: "goroutine 11 main.heartbeat", Type: "main.openConnection (new 96 B)"}},
			"main.heartbeat (goroutine stack)", true},
		{"what a goroutine's frame holds", []heap.Hop{
			{Root: "goroutine 10 main.publishReceipt", Type: "main.checkout (new 64 B)"},
			{Via: "+0x10", Type: "main.checkout (slice)"},
		}, "main.publishReceipt+0x10 (goroutine stack)", true},
		{"a go statement's wrapper", []heap.Hop{{Root: "goroutine 7 main.checkout.gowrap1", Type: "main.checkout (new 64 B)"}},
			"main.checkout.gowrap1 (goroutine stack)", true},
		{"the finalizer queue", []heap.Hop{{Root: "finalizer queue", Type: "main.open (new 48 B)"}}, "", false},
		{"a runtime root", []heap.Hop{{Root: "mcache", Type: "object (48 B)"}}, "", false},
		{"a goroutine with no function", []heap.Hop{{Root: "goroutine 3", Type: "object (48 B)"}}, "", false},
		{"no path", nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := (Reader{}).HolderName(tt.path)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("HolderName(%s): got %q, %v, want %q, %v", tt.name, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestFrameName(t *testing.T) {
	tests := []struct {
		name, fn, callee, want string
	}{
		{"a go statement's wrapper", "main.openConnection.gowrap1", "main.heartbeat", "main.heartbeat"},
		{"a wrapper whose callee was inlined", "main.checkout.gowrap1", "runtime.chansend1", "main.checkout.gowrap1"},
		{"a method's wrapper", "main.(*Server).Serve.gowrap12", "main.(*Server).handle", "main.(*Server).handle"},
		{"a plain caller", "main.main", "main.snapshot", "main.main"},
		{"a closure", "main.checkout.func1", "main.publishReceipt", "main.checkout.func1"},
		{"a name that only looks like one", "main.gowrap", "main.heartbeat", "main.gowrap"},
		{"the innermost frame", "main.openConnection.gowrap1", "", "main.openConnection.gowrap1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := frameName(tt.fn, tt.callee); got != tt.want {
				t.Errorf("frameName(%q, %q): got %q, want %q", tt.fn, tt.callee, got, tt.want)
			}
		})
	}
}
