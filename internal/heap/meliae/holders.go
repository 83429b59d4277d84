package meliae

import (
	"strings"

	"github.com/memsee/memsee/internal/heap"
)

// containers are the built-in types whose references are the program's data: a dict held by
// one of them is a value the program put in, never its plumbing.
var containers = map[string]bool{
	"dict": true, "list": true, "tuple": true, "set": true, "frozenset": true, "deque": true,
	"collections.deque": true, "defaultdict": true, "OrderedDict": true, "Counter": true,
	"ChainMap": true, "cell": true, "str": true, "bytes": true, "int": true, "float": true,
}

// Internal reports whether an object of type typ held by one of type holder is how CPython
// stores what a program wrote, not something the program named:
//   - the __dict__ of an instance or a function (a dict held by anything but a container, a
//     module or a class): `self.items` is held by the instance, not by its __dict__;
//   - the cache of a functools.lru_cache (a dict held by an _lru_cache_wrapper, caught by the
//     rule above) and the links of a bounded one (_lru_list_elem);
//   - a function's __closure__ (a tuple of cells) and __defaults__, and the cells of a
//     closure: the list a closure appends to is held by the variable, which is what HolderName
//     spells through them;
//   - a list, set or deque that is an item of a dict or a list (element: reached by a key or
//     an index): `_wishlists.setdefault(user, []).append(item)` keeps items, held by
//     `_wishlists`, and the lists are how it stores them. A dict item of a dict is not looked
//     through: a dict used as a record is what the program keeps.
//
// The __dict__ of a module or a class is not looked through: what a program keeps in a global
// or a class attribute is its own holder either way, and a module's dict would group with the
// dicts the module holds (the same type under the same holder). Nor is the dict of a
// threading.local, which holds each thread's dict of attributes, for the same reason.
func (Reader) Internal(typ, holder string, element bool) bool {
	switch typ {
	case "list", "set", "frozenset", "deque", "collections.deque":
		return element && (holder == "dict" || holder == "defaultdict" || holder == "OrderedDict" || holder == "list")
	case "dict":
		return holder != "" && !containers[holder] && holder != "module" && !metaclasses[holder] && holder != threadLocal
	case "tuple":
		return holder == "function"
	case "cell":
		return holder == "tuple"
	case "_lru_list_elem":
		return true
	}
	return false
}

// threadLocal is the type of a threading.local: it holds, in a dict of its own, one dict per
// thread (keyed by a weakref), in which its attributes are items: `ctx.queries` is
// `ctx -> (dict) -> [ReferenceType] (dict) -> ['queries']` in a dump.
const threadLocal = "_local"

// closureVar spells a closure's variable after its function: record_event.<closure>.events.
// Python has no expression for it but the cell's index; it writes the function itself so in
// its repr, after its qualified name, make_audit_trail.<locals>.record, where <locals> stands
// for a scope no expression reaches, as <closure> does here.
const closureVar = ".<closure>."

// metaclasses are the types of classes whose attributes HolderName spells as Class.attr.
var metaclasses = map[string]bool{"type": true, "ABCMeta": true, "EnumType": true, "EnumMeta": true}

// HolderName spells a holder as the expression that reaches it from its module, the way the
// program writes it: `module shop: _audit_log (list)` for a module's variable, `module
// metrics: request_latency.samples (deque)` for an attribute of an object in one, and
// `carts.CartRepository.items (list)` for a class attribute, which Python code writes with the
// class's qualified name. A closure's variable is spelled `module audit:
// record_event.<closure>.events (list)` when the dump names it (memsee's dumper does: names.go,
// cellName), and as Python reaches it otherwise, `module audit:
// record_event.__closure__[0].cell_contents (list)` (meliae's dumps lack the names, which are
// in the code object, whose fields gc does not list). An attribute of a threading.local is spelled as the code writes
// it, `module db: _context.queries (list)`, whichever thread's it is. ok is false for a holder
// that no module reaches, or that is reached through a reference Python does not name (a
// set's element, the cache of an lru_cache).
func (Reader) HolderName(path []heap.Hop) (string, bool) {
	if len(path) < 2 {
		return "", false
	}
	module, ok := strings.CutPrefix(path[0].Root, "module ")
	if !ok || path[0].Type != "module" {
		return "", false
	}
	var expr strings.Builder
	class := false
	hops := path[1:]
	for i := 0; i < len(hops); i++ {
		h := hops[i]
		switch {
		case h.Via == attrDict:
			continue
		case h.Via == closure && i+2 < len(hops) && hops[i+2].Via == cellContents:
			if v, ok := variableOf(hops[i+1].Via); ok && hops[i+1].Type == "cell" && expr.Len() > 0 {
				// The function, its tuple of cells, the variable's cell, its value.
				expr.WriteString(closureVar + v)
				i += 2
				continue
			}
		case strings.HasPrefix(h.Via, ".") && len(h.Via) > 1, strings.HasPrefix(h.Via, "["):
		default:
			return "", false
		}
		if expr.Len() == 0 {
			class = metaclasses[h.Type]
		}
		expr.WriteString(h.Via)
		if h.Type == threadLocal && i+1 < len(hops) {
			// Its dict, the thread's dict, then the attribute in it: .queries.
			if i+3 >= len(hops) || hops[i+1].Type != "dict" || hops[i+2].Type != "dict" {
				return "", false
			}
			attr := hops[i+3].Via
			if !strings.HasPrefix(attr, ".") || len(attr) < 2 {
				return "", false
			}
			expr.WriteString(attr)
			i += 3
		}
	}
	if expr.Len() == 0 || strings.HasPrefix(expr.String(), "[") {
		return "", false
	}
	typ := " (" + path[len(path)-1].Type + ")"
	if class {
		return module + expr.String() + typ, true
	}
	return "module " + module + ": " + expr.String()[1:] + typ, true
}

var _ heap.HolderRules = Reader{}
