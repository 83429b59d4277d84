package ruby

import (
	"strings"

	"github.com/memsee/memsee/internal/heap"
)

// Internal reports whether an object of type typ held by one of type holder is how Ruby
// stores what a program wrote, not something the program named:
//   - the runtime's internal objects, "(imemo)": the environment a block or a proc keeps its
//     variables in, so that what a proc captured is held by the proc;
//   - an Array that is a value of a Hash (element: reached as one of its entries):
//     `(@by_user[user] ||= []) << item` keeps items, held by the Hash.
func (Reader) Internal(typ, holder string, element bool) bool {
	switch typ {
	case runtimeTypes["IMEMO"]:
		return holder != ""
	case runtimeTypes["ARRAY"]:
		return element && holder == runtimeTypes["HASH"]
	}
	return false
}

// HolderName spells a holder from the class, module or global variable that reaches it, the
// way a Ruby programmer writes it: `Shop::CURRENCIES (Hash)` for a constant of the module
// Shop, `Shop::SessionStore.@sessions (Array)` for an instance variable of a class,
// `$request_log (Array)` for a global variable, `Metrics.@instance.@<ivar> (Array)` for an
// instance variable of an object one of those holds. The names come from memsee's dumper
// (MEMSEE_NAME lines); dump_all writes none, and what a dump does not say is in angle
// brackets: `Shop::<constant>`, `@<ivar>`, `$<global>` (docs/formats/ruby.md). ok is false for a holder reached otherwise (from the VM's or the
// machine stack's roots).
func (Reader) HolderName(path []heap.Hop) (string, bool) {
	if len(path) == 0 {
		return "", false
	}
	var expr strings.Builder
	switch first := path[0]; {
	case strings.HasPrefix(first.Root, "$"): // $<global>, or its name from memsee's dumper
		expr.WriteString(first.Root)
	case (first.Type == runtimeTypes["CLASS"] || first.Type == runtimeTypes["MODULE"]) && first.Root != "" && first.Root == first.Value:
		expr.WriteString(first.Root)
	default:
		return "", false
	}
	for _, h := range path[1:] {
		switch {
		case strings.HasPrefix(h.Via, "::"):
			expr.WriteString(h.Via)
		case strings.HasPrefix(h.Via, "@"): // @<ivar>, or its name from memsee's dumper
			expr.WriteString("." + h.Via)
		case strings.HasPrefix(h.Via, "["): // [*], or a Hash's key: ["C0001"]
			expr.WriteString(h.Via)
		default:
			return "", false
		}
	}
	return expr.String() + " (" + path[len(path)-1].Type + ")", true
}

var _ heap.HolderRules = Reader{}
