package v8

import (
	"strings"

	"github.com/memsee/memsee/internal/heap/graph"
)

// The V8 names the naming pass reads: the class of a scope's variables, of the outermost
// context, and the internal references between closures, their code and their scripts.
const (
	contextClass       = "system / Context"
	nativeContextValue = "system / NativeContext"
	functionClass      = "Function"
	edgeContext        = "context"
	edgeShared         = "shared"
	edgeScript         = "script_or_debug_info"
	edgeScopeInfo      = "scope_info"
	edgeFunctionScope  = "name_or_scope_info"
	edgePrevious       = "previous"
	// anonymousFunction is the name of the SharedFunctionInfo of many a function without a
	// name (others have ""), among them the wrapper of a CommonJS module.
	anonymousFunction = "(shared function info)"
)

// maxScopeDepth bounds the walk out through a context's previous contexts: a hostile snapshot
// may make them a loop.
const maxScopeDepth = 64

// NameGraph names every scope (a "system / Context": the variables of a module, a script or a
// function call that closures keep) after the code that declared it, as its value:
//
//   - the scope of a module or a script (the outermost, whose previous context is the native
//     context) is named by the base name of its script: "app.js";
//   - the scope of a function call by the script and the function: "app.js: makeAuditLog"; a
//     block's scope by the function it is in.
//
// A context does not say which code it belongs to, but its ScopeInfo does: the
// SharedFunctionInfo of the function that declared it refers to the same ScopeInfo
// (name_or_scope_info), and names the function and its script (script_or_debug_info). When no
// SharedFunctionInfo refers to it (a script's scope), a closure of the context says the script.
// HolderName reads these values to spell a holder `app.js: subscriptions (Map)`.
func (Reader) NameGraph(d graph.Dump) {
	g := d.Graph()
	contextT, ok := d.TypeIndex(contextClass)
	if !ok {
		return
	}
	// The names' ids, looked up once: field runs for every object. A name the snapshot lacks
	// gets id 0, which EdgeNameID gives only to an edge without a plain name: never found.
	nameID := func(name string) uint32 {
		id, _ := d.NameID(name)
		return id
	}
	var (
		edgeContextID       = nameID(edgeContext)
		edgeSharedID        = nameID(edgeShared)
		edgeScriptID        = nameID(edgeScript)
		edgeScopeInfoID     = nameID(edgeScopeInfo)
		edgeFunctionScopeID = nameID(edgeFunctionScope)
		edgePreviousID      = nameID(edgePrevious)
	)
	// field returns the target of id's internal reference with name id want.
	field := func(id graph.ObjID, want uint32) (graph.ObjID, bool) {
		if want == 0 {
			return 0, false
		}
		lo, hi := g.EdgeRange(id)
		for e := lo; e < hi; e++ {
			if d.EdgeNameID(e) == want {
				return g.Edges[e], true
			}
		}
		return 0, false
	}
	functionT, hasFunction := d.TypeIndex(functionClass)

	type code struct {
		function, script string
	}
	byScope := map[graph.ObjID]code{}    // ScopeInfo -> the function that declared it
	scriptOf := map[graph.ObjID]string{} // context -> the script of a closure of it
	for id := graph.ObjID(0); int(id) < g.Len(); id++ {
		if scope, ok := field(id, edgeFunctionScopeID); ok {
			script := ""
			if s, ok := field(id, edgeScriptID); ok {
				script = d.Value(s)
			}
			function := d.Value(id)
			if function == anonymousFunction {
				function = ""
			}
			byScope[scope] = code{function: function, script: script}
			continue
		}
		if !hasFunction || d.TypeOf(id) != functionT {
			continue
		}
		ctx, ok := field(id, edgeContextID)
		if !ok || d.TypeOf(ctx) != contextT {
			continue
		}
		if _, seen := scriptOf[ctx]; seen {
			continue
		}
		if shared, ok := field(id, edgeSharedID); ok {
			if s, ok := field(shared, edgeScriptID); ok && d.Value(s) != "" {
				scriptOf[ctx] = d.Value(s)
			}
		}
	}

	// scopeName names context id, or "" when nothing says whose it is.
	names := map[graph.ObjID]string{}
	var scopeName func(id graph.ObjID, depth int) string
	scopeName = func(id graph.ObjID, depth int) string {
		if name, ok := names[id]; ok {
			return name
		}
		names[id] = "" // a loop of contexts names nothing
		var c code
		if scope, ok := field(id, edgeScopeInfoID); ok {
			c = byScope[scope]
		}
		if c.script == "" {
			c.script = scriptOf[id]
		}
		prev, hasPrev := field(id, edgePreviousID)
		outermost := !hasPrev || d.TypeOf(prev) != contextT || d.Value(prev) == nativeContextValue
		name := ""
		switch {
		case outermost && c.function == "":
			name = scriptName(c.script)
		case c.function != "" && c.script != "":
			name = scriptName(c.script) + ": " + c.function
		case !outermost && depth < maxScopeDepth:
			name = scopeName(prev, depth+1) // a block, or a scope whose code is gone
		}
		names[id] = name
		return name
	}
	named := false
	for id := graph.ObjID(0); int(id) < g.Len(); id++ {
		if d.TypeOf(id) == contextT && scopeName(id, 0) != "" {
			named = true
		}
	}
	if !named {
		return
	}
	// Only contexts are named: the type spares a map lookup for every other object.
	d.SetValues(func(id graph.ObjID) string {
		if d.TypeOf(id) == contextT {
			if name := names[id]; name != "" {
				return name
			}
		}
		return d.Value(id)
	})
}

// scriptName shortens a script's name to what its programmer calls it: a file's base name
// ("/srv/shop/app.js" and "file:///srv/shop/app.mjs" are "app.js" and "app.mjs"), so that no
// path of the machine that ran it is spelled. Node's own modules ("node:internal/timers") and
// names that are no path ("[eval]") stay as they are.
func scriptName(s string) string {
	if s == "" || strings.HasPrefix(s, "node:") {
		return s
	}
	if i := strings.LastIndexAny(s, `/\`); i >= 0 && i+1 < len(s) {
		return s[i+1:]
	}
	return s
}
