package v8

import (
	"strings"

	"github.com/memsee/memsee/internal/heap"
)

// Internal reports whether an object of class typ, held by one of class holder, is storage or
// plumbing that leaks looks through (heap.HolderRules):
//
//   - V8's own storage and machinery: backing stores "(array)" (an Array's elements, a Map's or
//     a Set's table, an object's properties), hidden objects "(system)", shapes, and the
//     "system / ..." objects, among them a scope's variables (system / Context). Not code,
//     which grows for a while as V8 compiles and optimizes what runs: looked through, it
//     would count as what the function's holder keeps;
//   - a closure (Function) kept in an Array or a collection's storage (listeners, callbacks),
//     or by a timer: what it keeps is what its scope holds, not the function. A function a
//     variable or a property holds is no plumbing, for the same reason as code;
//   - Node's timers: a Timeout in its TimersList (the list is doubly linked, so a Timeout may be
//     held by the one before it).
func (Reader) Internal(typ, holder string) bool {
	switch typ {
	case "(array)", "(system)", "(object shape)":
		return true
	case functionClass:
		return holder == "Array" || holder == "(array)" || holder == timeoutClass || holder == "Immediate"
	case timeoutClass:
		return holder == timersListClass || holder == timeoutClass
	}
	return strings.HasPrefix(typ, "system / ")
}

// Node's timers: a TimersList holds the pending Timeouts of one duration.
const (
	timeoutClass    = "Timeout"
	timersListClass = "TimersList"
)

// HolderName spells a holder as a JavaScript programmer names the variable that holds it, from
// the hops of its shortest path from a root (heap.HolderRules):
//
//   - a variable of a module's or a script's scope: `app.js: subscriptions (Map)`, the scope
//     named by NameGraph after its script;
//   - a variable a closure keeps, of a function call's scope: `app.js: makeAuditLog: entries
//     (Array)`, named by the script and the function that declared it (where DevTools' Scope
//     pane says "Closure (makeAuditLog)");
//   - a property of the global object: `globalThis.priceTable (Map)`;
//   - properties after any of these: `app.js: Currency.rates (Map)`; an EventEmitter's
//     listeners of one event, which Node keeps in its _events, as code reads them:
//     `app.js: bus.listeners('restock') (Array)`;
//   - the list of Node's timers of one duration, which no variable holds, by that duration:
//     `timers: 3600000 ms (TimersList)`.
//
// The hops before the variable (the VM's roots, the closures and objects that reach its scope
// first) are not spelled. ok is false when the path says no variable: the holder is reached
// only through storage, or its scope has no name.
func (Reader) HolderName(path []heap.Hop) (string, bool) {
	if len(path) == 0 {
		return "", false
	}
	holder := path[len(path)-1]
	suffix := " (" + holder.Type + ")"
	if holder.Type == timersListClass {
		// timerListMap keys the lists by their duration; elsewhere (the queue of lists by
		// expiry) the index says nothing.
		ms, ok := strings.CutPrefix(holder.Via, "[")
		if ok && len(path) > 1 && path[len(path)-2].Via == ".timerListMap" && strings.HasSuffix(ms, "]") && isIndex(ms[:len(ms)-1]) {
			return "timers: " + ms[:len(ms)-1] + " ms" + suffix, true
		}
		return "timers" + suffix, true
	}
	var props []string // the properties after the variable, innermost last
	for i := len(path) - 1; i >= 1; i-- {
		h, prev := path[i], path[i-1]
		name, ok := strings.CutPrefix(h.Via, ".")
		if !ok || name == "" {
			return "", false
		}
		switch {
		case prev.Type == contextClass:
			if prev.Value == "" {
				return "", false
			}
			return prev.Value + ": " + name + strings.Join(props, "") + suffix, true
		case i == 1 && prev.Root == "global":
			return "globalThis." + name + strings.Join(props, "") + suffix, true
		case name == "_events" && len(props) > 0 && strings.HasPrefix(props[0], "."):
			props[0] = ".listeners('" + props[0][1:] + "')"
		default:
			props = append([]string{"." + name}, props...)
		}
	}
	return "", false
}
