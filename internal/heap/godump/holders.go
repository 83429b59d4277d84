package godump

import (
	"strings"

	"github.com/memsee/memsee/internal/heap"
)

// Internal reports whether an object is the storage of the Go map or slice that holds it, for
// leaks to look through (heap.HolderRules). A dump has no types, so this reads the allocation
// kinds siteName gives: since Go 1.24 a map is a header (48 B) that points to a directory of
// tables, each with its array of groups, all allocated by the runtime's map code
// ("main.login (map)"): an object of kind map whose holder is of kind map is its storage.
// So is the array of a slice kept in a map's groups or in another slice's array
// (map[int][]*Order, [][]byte), and a map kept in a map's groups. What the program put in
// (the *Session a map's group points to) is not storage, nor is a slice's array held by
// a struct (its holder is the struct). A map's header, or a slice's array, that only a root
// holds (a global's, a frame's) is looked through to that root: the global holds the entries.
// Map storage under an object no sample names is looked through too: that object is
// the map's header or directory, allocated before sampling began (a map made by a package's
// initializer, before main set runtime.MemProfileRate); were it a struct holding a map's
// header, the struct is then named as the holder, one field short.
func (Reader) Internal(typ, holder string) bool {
	switch siteKind(holder) {
	case "":
		if holder == "" { // a global's map or slice: looked through to the global
			switch siteKind(typ) {
			case "map", "append", "slice":
				return true
			}
		}
		return siteKind(typ) == "map"
	case "map":
		switch siteKind(typ) {
		case "map", "append", "slice":
			return true
		}
	case "append", "slice":
		switch siteKind(typ) {
		case "append", "slice":
			return true
		}
	}
	return false
}

// siteKind returns the allocation kind of a type siteName wrote ("main.login (map)": "map",
// "main.audit (new 80 B)": "new"), or "" for an object no sample names ("object (48 B)").
func siteKind(typ string) string {
	if !strings.HasSuffix(typ, ")") {
		return ""
	}
	i := strings.LastIndex(typ, " (")
	if i < 0 || strings.HasPrefix(typ, "object (") {
		return ""
	}
	kind := typ[i+2 : len(typ)-1]
	if strings.HasPrefix(kind, "new ") {
		return "new"
	}
	return kind
}

// HolderName spells a holder as a Go programmer names it, from its path from a root
// (heap.HolderRules):
//
//	global main.sessions -> (main.startService (map))          main.sessions
//	global main.auditLog -> (main.audit (append))              main.auditLog
//	global main.shop -> +0x18 (main.newShop (map))             main.shop+0x18
//	global main.users -> [2] (map) -> ... -> [5] (new 64 B)    main.users[5]
//	bss+0x1a8 -> (main.audit (append))                         bss+0x1a8 (without --binary)
//	goroutine 12 main.heartbeat -> (main.openConnection (new 96 B))
//	                                                            main.heartbeat (goroutine stack)
//
// A global is its symbol, as the program spells it. A goroutine's stack is the function whose
// frame holds the path's first object: neither the goroutine's id (every goroutine that runs
// that function leaks alike, and the ids differ from dump to dump) nor the local variable
// (a dump does not name a frame's slots) would help. After the root, a map's storage reads
// as one index (the entry the holder is in), a slice's array as its index, and a struct's
// field as its offset (a dump has no field names). The finalizer queue and the runtime's
// other roots have no such name: ok is false.
func (Reader) HolderName(path []heap.Hop) (string, bool) {
	if len(path) == 0 {
		return "", false
	}
	var b strings.Builder
	suffix := ""
	switch root := path[0].Root; {
	case strings.HasPrefix(root, "global "):
		b.WriteString(strings.TrimPrefix(root, "global "))
	case strings.HasPrefix(root, "bss+"), strings.HasPrefix(root, "data+"):
		b.WriteString(root)
	case strings.HasPrefix(root, "goroutine "):
		// "goroutine 12 main.heartbeat": the frame's function.
		_, fn, _ := strings.Cut(strings.TrimPrefix(root, "goroutine "), " ")
		if fn == "" {
			return "", false
		}
		b.WriteString(fn)
		suffix = " (goroutine stack)"
	default:
		return "", false
	}
	for i := 1; i < len(path); i++ {
		if siteKind(path[i-1].Type) == "map" && siteKind(path[i].Type) == "map" {
			continue // the map's directory, tables and groups: one index, the entry's
		}
		b.WriteString(path[i].Via)
	}
	return b.String() + suffix, true
}
