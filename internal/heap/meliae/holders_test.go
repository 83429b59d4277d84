package meliae

import (
	"testing"

	"github.com/memsee/memsee/internal/heap"
)

func TestInternal(t *testing.T) {
	tests := []struct {
		name, typ, holder string
		want              bool
		element           bool // reached by an index or a key
	}{
		{"a module's __dict__", "dict", "module", false, false},
		{"a class's __dict__", "dict", "type", false, false},
		{"an enum's __dict__", "dict", "EnumType", false, false},
		{"an instance's __dict__", "dict", "Session", true, false},
		{"the cache of an lru_cache", "dict", "_lru_cache_wrapper", true, false},
		{"a function's __dict__", "dict", "function", true, false},
		{"a dict in a module's dict", "dict", "dict", false, false},
		{"a dict in a list", "dict", "list", false, false},
		{"a dict in a defaultdict", "dict", "defaultdict", false, false},
		{"a dict only roots hold", "dict", "", false, false},
		{"the dict of a threading.local", "dict", "_local", false, false},
		{"a closure's cells", "tuple", "function", true, false},
		{"a tuple in a dict", "tuple", "dict", false, false},
		{"a cell of a closure", "cell", "tuple", true, false},
		{"the list of a closure's variable", "list", "cell", false, false},
		{"a module's list", "list", "dict", false, false},
		{"a list that is a dict's item", "list", "dict", true, true},
		{"a set that is a defaultdict's item", "set", "defaultdict", true, true},
		{"a list in a list", "list", "list", true, true},
		{"a list that is an instance's attribute", "list", "dict", false, false},
		{"a dict that is a dict's item", "dict", "dict", false, true},
		{"a link of a bounded lru_cache", "_lru_list_elem", "dict", true, false},
		{"an instance in a list", "CartItem", "list", false, false},
		{"a str in an instance's __dict__", "str", "dict", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Reader{}).Internal(tt.typ, tt.holder, tt.element); got != tt.want {
				t.Errorf("Internal(%q, %q): got %v, want %v", tt.typ, tt.holder, got, tt.want)
			}
		})
	}
}

// The paths of the holders of testdata/zoo/python, hop by hop as analysis.Walker.Hops gives
// them for leak3.json.gz (the __dict__ hops included), and of holders no module reaches.
func TestHolderName(t *testing.T) {
	module := func(name string) heap.Hop { return heap.Hop{Root: "module " + name, Type: "module", Value: name} }
	dict := heap.Hop{Via: "__dict__", Type: "dict"}
	tests := []struct {
		name string
		path []heap.Hop
		want string // "" for none
	}{
		{"a module's dict", []heap.Hop{module("sessions"), dict, {Via: "._sessions", Type: "dict"}},
			"module sessions: _sessions (dict)"},
		{"a module's set", []heap.Hop{module("orders"), dict, {Via: "._open_orders", Type: "set"}},
			"module orders: _open_orders (set)"},
		{"a class attribute", []heap.Hop{module("carts"), dict, {Via: ".CartRepository", Type: "type", Value: "CartRepository"},
			dict, {Via: ".items", Type: "list"}},
			"carts.CartRepository.items (list)"},
		{"a class attribute in a package", []heap.Hop{module("shop.carts"), dict, {Via: ".CartRepository", Type: "type"},
			dict, {Via: ".items", Type: "list"}},
			"shop.carts.CartRepository.items (list)"},
		{"an attribute of a module's object", []heap.Hop{module("metrics"), dict,
			{Via: ".request_latency", Type: "LatencyHistogram"}, dict, {Via: ".samples", Type: "deque"}},
			"module metrics: request_latency.samples (deque)"},
		{"an lru_cache", []heap.Hop{module("customers"), dict, {Via: ".load_customer", Type: "_lru_cache_wrapper"}},
			"module customers: load_customer (_lru_cache_wrapper)"},
		{"an attribute of a threading.local", []heap.Hop{module("db"), dict, {Via: "._context", Type: "_local"},
			{Type: "dict"}, {Via: "[ReferenceType]", Type: "dict"}, {Via: ".queries", Type: "list"}},
			"module db: _context.queries (list)"},
		{"a threading.local's thread dict", []heap.Hop{module("db"), dict, {Via: "._context", Type: "_local"},
			{Type: "dict"}, {Via: "[ReferenceType]", Type: "dict"}}, ""},
		{"a threading.local", []heap.Hop{module("db"), dict, {Via: "._context", Type: "_local"}},
			"module db: _context (_local)"},
		{"a closure's variable", []heap.Hop{module("audit"), dict, {Via: ".record_event", Type: "function", Value: "record"},
			{Via: ".__closure__", Type: "tuple"}, {Via: "[0]", Type: "cell"}, {Via: ".cell_contents", Type: "list"}},
			"module audit: record_event.__closure__[0].cell_contents (list)"},
		{"a closure's variable, named", []heap.Hop{module("audit"), dict, {Via: ".record_event", Type: "function", Value: "record"},
			{Via: ".__closure__", Type: "tuple"}, {Via: "<events>", Type: "cell"}, {Via: ".cell_contents", Type: "list"}},
			"module audit: record_event.<closure>.events (list)"},
		{"an attribute of a closure's variable", []heap.Hop{module("audit"), dict, {Via: ".trail", Type: "function"},
			{Via: ".__closure__", Type: "tuple"}, {Via: "<state>", Type: "cell"}, {Via: ".cell_contents", Type: "Trail"},
			dict, {Via: ".events", Type: "list"}},
			"module audit: trail.<closure>.state.events (list)"},
		{"a variable of a closure in a closure", []heap.Hop{module("audit"), dict, {Via: ".outer", Type: "function"},
			{Via: ".__closure__", Type: "tuple"}, {Via: "<inner>", Type: "cell"}, {Via: ".cell_contents", Type: "function"},
			{Via: ".__closure__", Type: "tuple"}, {Via: "<events>", Type: "cell"}, {Via: ".cell_contents", Type: "list"}},
			"module audit: outer.<closure>.inner.<closure>.events (list)"},
		{"a closure's cell, named", []heap.Hop{module("audit"), dict, {Via: ".record_event", Type: "function"},
			{Via: ".__closure__", Type: "tuple"}, {Via: "<events>", Type: "cell"}}, ""},
		{"a closure's tuple", []heap.Hop{module("audit"), dict, {Via: ".record_event", Type: "function"},
			{Via: ".__closure__", Type: "tuple"}},
			"module audit: record_event.__closure__ (tuple)"},
		{"a named cell not through a closure", []heap.Hop{module("audit"), dict, {Via: ".cells", Type: "tuple"},
			{Via: "<events>", Type: "cell"}, {Via: ".cell_contents", Type: "list"}}, ""},
		{"a named hop that is no cell", []heap.Hop{module("audit"), dict, {Via: ".record_event", Type: "function"},
			{Via: ".__closure__", Type: "tuple"}, {Via: "<events>", Type: "list"}, {Via: ".cell_contents", Type: "list"}}, ""},
		{"a cell named by nothing", []heap.Hop{module("audit"), dict, {Via: ".record_event", Type: "function"},
			{Via: ".__closure__", Type: "tuple"}, {Via: "<>", Type: "cell"}, {Via: ".cell_contents", Type: "list"}}, ""},
		{"an entry of a dict", []heap.Hop{module("sessions"), dict, {Via: "._sessions", Type: "dict"},
			{Via: "['d75419460ea98b1bca6c40581315cd0db54edc93e822031c80e16f90abaa761c']", Type: "Session"}, dict,
			{Via: ".preferences", Type: "dict"}},
			"module sessions: _sessions['d75419460ea98b1bca6c40581315cd0db54edc93e822031c80e16f90abaa761c'].preferences (dict)"},
		{"through a set's element", []heap.Hop{module("orders"), dict, {Via: "._open_orders", Type: "set"},
			{Type: "Order"}, dict, {Via: ".lines", Type: "list"}}, ""},
		{"through the cache of an lru_cache", []heap.Hop{module("customers"), dict,
			{Via: ".load_customer", Type: "_lru_cache_wrapper"}, {Type: "dict"}}, ""},
		{"a dict's key", []heap.Hop{module("sessions"), dict, {Via: "._sessions", Type: "dict"}, {Via: "(key)", Type: "str"}}, ""},
		{"a module itself", []heap.Hop{module("sessions")}, ""},
		{"a module's __dict__", []heap.Hop{module("sessions"), dict}, ""},
		{"unreferenced", []heap.Hop{{Root: "unreferenced", Type: "list"}, {Via: "[3]", Type: "Session"}}, ""},
		{"no path", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := (Reader{}).HolderName(tt.path)
			if ok != (tt.want != "") || got != tt.want {
				t.Errorf("HolderName(%s): got %q, %v; want %q", tt.name, got, ok, tt.want)
			}
		})
	}
}
