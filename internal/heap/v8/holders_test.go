package v8

import (
	"testing"

	"github.com/memsee/memsee/internal/heap"
)

// The classes and holders below are as the Node.js zoo's snapshots (testdata/zoo/node) have
// them on the dominator chains of what leaks.
func TestInternal(t *testing.T) {
	tests := []struct {
		name, typ, holder string
		want              bool
	}{
		{"a Map's table", "(array)", "Map", true},
		{"an Array's elements", "(array)", "Array", true},
		{"a closure's scope", "system / Context", "Function", true},
		{"a module's scope", "system / Context", "(system)", true},
		{"a shape", "(object shape)", "CatalogNode", true},
		{"a hidden object", "(system)", "Object", true},
		{"a listener in its Array", "Function", "Array", true},
		{"a callback in a Map's table", "Function", "(array)", true},
		{"a timer's callback", "Function", "Timeout", true},
		{"a function a variable holds", "Function", "system / Context", false},
		{"a function on the global object", "Function", "global", false},
		{"a Timeout in its list", "Timeout", "TimersList", true},
		{"a Timeout after another", "Timeout", "Timeout", true},
		{"a Timeout a variable holds", "Timeout", "system / Context", false},
		{"code", "(compiled code)", "Function", false},
		{"the program's objects", "Order", "system / Context", false},
		{"an Array in a scope", "Array", "system / Context", false},
		{"a Map", "Map", "system / Context", false},
		{"the timers' list", "TimersList", "Object", false},
		{"a string", "(string)", "Product", false},
		{"held by the roots only", "Object", "", false},
	}
	for _, tt := range tests {
		if got := (Reader{}).Internal(tt.typ, tt.holder); got != tt.want {
			t.Errorf("Internal(%s: %q, %q) = %v, want %v", tt.name, tt.typ, tt.holder, got, tt.want)
		}
	}
}

func TestHolderName(t *testing.T) {
	// The hops from the global object to a module's scope, as shortest paths in the zoo run:
	// through a Product of the price table, whose class is a closure of app.js.
	global := heap.Hop{Root: "global", Type: "global"}
	toModule := []heap.Hop{global,
		{Via: ".priceTable", Type: "Map"},
		{Via: "table", Type: "(array)"},
		{Via: "[17]", Type: "Product"},
		{Via: ".__proto__", Type: "Object"},
		{Via: ".constructor", Type: "Function", Value: "Product"},
		{Via: "context", Type: "system / Context", Value: "app.js"},
	}
	path := func(hops ...heap.Hop) []heap.Hop { return append(append([]heap.Hop{}, toModule...), hops...) }
	tests := []struct {
		name string
		path []heap.Hop
		want string // "" for no name
	}{
		{"a module's Map", path(heap.Hop{Via: ".subscriptions", Type: "Map"}), "app.js: subscriptions (Map)"},
		{"a module's object", path(heap.Hop{Via: ".nodeById", Type: "Object"}), "app.js: nodeById (Object)"},
		{"a closure's Array", path(
			heap.Hop{Via: ".recordAudit", Type: "Function", Value: "recordAudit"},
			heap.Hop{Via: "context", Type: "system / Context", Value: "app.js: makeAuditLog"},
			heap.Hop{Via: ".entries", Type: "Array"}),
			"app.js: makeAuditLog: entries (Array)"},
		{"an emitter's listeners", path(
			heap.Hop{Via: ".bus", Type: "EventEmitter"},
			heap.Hop{Via: "._events", Type: "Object"},
			heap.Hop{Via: ".restock", Type: "Array"}),
			"app.js: bus.listeners('restock') (Array)"},
		{"a class's static field", path(
			heap.Hop{Via: ".Currency", Type: "Function", Value: "Currency"},
			heap.Hop{Via: ".rates", Type: "Map"}),
			"app.js: Currency.rates (Map)"},
		{"a global property", []heap.Hop{global, {Via: ".priceTable", Type: "Map"}}, "globalThis.priceTable (Map)"},
		{"a global's property", []heap.Hop{global, {Via: ".config", Type: "Object"}, {Via: ".cache", Type: "Map"}},
			"globalThis.config.cache (Map)"},
		{"a timers list", []heap.Hop{global,
			{Via: ".clearImmediate", Type: "Function", Value: "clearImmediate"},
			{Via: "context", Type: "system / Context", Value: "node:internal/timers"},
			{Via: ".timerListMap", Type: "Object"},
			{Via: "[3600000]", Type: "TimersList"}},
			"timers: 3600000 ms (TimersList)"},
		{"a timers list in the queue", []heap.Hop{global,
			{Via: ".clearImmediate", Type: "Function"},
			{Via: "context", Type: "system / Context", Value: "node:internal/timers"},
			{Via: ".timerListQueue", Type: "PriorityQueue"},
			{Via: ".#heap", Type: "Array"},
			{Via: "[1]", Type: "TimersList"}},
			"timers (TimersList)"},
		{"a scope nothing names", []heap.Hop{global,
			{Via: ".f", Type: "Function"},
			{Via: "context", Type: "system / Context"},
			{Via: ".cache", Type: "Map"}}, ""},
		{"through storage", path(heap.Hop{Via: ".subscriptions", Type: "Map"}, heap.Hop{Via: "table", Type: "(array)"}), ""},
		{"an element", path(heap.Hop{Via: ".shards", Type: "Array"}, heap.Hop{Via: "[3]", Type: "Map"}), ""},
		{"the VM's roots", []heap.Hop{{Root: "(root)", Type: "(synthetic)"}, {Via: "[2]", Type: "(synthetic)"}}, ""},
		{"a root", []heap.Hop{global}, ""},
		{"nothing", nil, ""},
	}
	for _, tt := range tests {
		got, ok := (Reader{}).HolderName(tt.path)
		if tt.want == "" && ok || tt.want != "" && (!ok || got != tt.want) {
			t.Errorf("HolderName(%s) = %q, %v, want %q", tt.name, got, ok, tt.want)
		}
	}
}

func TestScriptName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/tmp/tmp.w2LqTjX0KD/app.js", "app.js"},
		{"file:///srv/shop/app.mjs", "app.mjs"},
		{`C:\shop\app.js`, "app.js"},
		{"app.js", "app.js"},
		{"node:internal/timers", "node:internal/timers"},
		{"[eval]", "[eval]"},
		{"/srv/shop/", "/srv/shop/"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := scriptName(tt.in); got != tt.want {
			t.Errorf("scriptName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
