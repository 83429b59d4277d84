package godump

import (
	"strconv"
	"strings"
)

// allocKinds says what a runtime function allocates, for the runtime frames between an
// allocation and the code that asked for it. The outermost runtime frame that matches wins:
// growslice calls mallocgc, and the object is an append's new array, not a new(T).
var allocKinds = []struct{ fn, kind string }{
	{"growslice", "append"},
	{"makeslicecopy", "slice"},
	{"makeslice", "slice"},
	{"makemap", "map"},
	{"mapassign", "map"},
	{"internal/runtime/maps.", "map"},
	{"makechan", "chan"},
	{"concatstring", "string"},
	{"slicebytetostring", "string"},
	{"slicerunetostring", "string"},
	{"intstring", "string"},
	{"rawstring", "string"},
	{"stringtoslicebyte", "[]byte"},
	{"stringtoslicerune", "[]rune"},
	{"newproc", "goroutine"},
	{"malg", "goroutine"},
	{"convT", "interface"},
	{"newobject", "new"},
	{"mallocgc", "new"},
}

// isRuntime reports whether a frame is the runtime's own allocation machinery.
func isRuntime(fn string) bool {
	return strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "internal/runtime/") || strings.HasPrefix(fn, "(0x")
}

// isStd reports whether a function is from the standard library: its import path's first
// element has no dot, and it is not package main.
func isStd(fn string) bool {
	first := fn
	if i := strings.IndexByte(first, '/'); i >= 0 {
		first = first[:i]
	} else if i := strings.IndexByte(first, '.'); i >= 0 {
		first = first[:i]
	}
	return first != "main" && !strings.Contains(first, ".")
}

// siteName names the objects of a memory-profile bucket by where they were allocated, as a Go
// programmer would look for it: the innermost function of the program itself, then the
// library function that allocated for it if there is one, then what the runtime made:
//
//	main.newAuditEntry (new 64 B)        new(AuditEntry), &AuditEntry{...}: the size tells types apart
//	main.newAuditEntry (slice)            make([]byte, 128)
//	main.handleRequest (append)           a new array for append
//	main.newAuditEntry → fmt.Sprintf (string)
//	main.loadPriceTable (map)
//
// stack is innermost first. Frames are physical: a function inlined into its caller shows as
// the caller. A stack with no function outside the runtime is named by its runtime frames
// (goroutine stacks, the runtime's own tables).
func siteName(stack []string, size uint64) (name, kind string) {
	first := 0 // the first frame outside the runtime
	for first < len(stack) && isRuntime(stack[first]) {
		first++
	}
	for i := first - 1; i >= 0 && kind == ""; i-- {
		for _, k := range allocKinds {
			if strings.Contains(stack[i], k.fn) {
				kind = k.kind
				break
			}
		}
	}
	switch {
	case first < len(stack):
		name = stack[first]
		for _, fn := range stack[first:] {
			if !isStd(fn) {
				if fn != name {
					name = fn + " → " + name
				}
				break
			}
		}
	case len(stack) > 0:
		name = stack[len(stack)-1]
		for _, fn := range stack {
			if !allocator(fn) {
				name = fn
				break
			}
		}
	default:
		name = "(no stack)"
	}
	switch kind {
	case "":
	case "new":
		// new(T) has one size per type: the size tells a site's types apart (a Product and
		// its Tags array, both built in loadPriceTable).
		name += " (new " + strconv.FormatUint(size, 10) + " B)"
	default:
		name += " (" + kind + ")"
	}
	return name, kind
}

// isCollection reports whether objects of an allocation kind hold elements: a slice's array,
// a map's tables. Their pointers are named as elements ([3], the pointer word's index), so
// that paths and leaks group them as [*], as they do a Python list's items.
func isCollection(kind string) bool {
	return kind == "append" || kind == "slice" || kind == "map"
}

// allocator reports whether a runtime function is one of the allocation entry points.
func allocator(fn string) bool {
	for _, k := range allocKinds {
		if strings.Contains(fn, k.fn) && k.kind != "goroutine" {
			return true
		}
	}
	return false
}
