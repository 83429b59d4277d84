package hprof

import (
	"strings"

	"github.com/memsee/memsee/internal/heap"
)

// The JDK's collections keep what a program puts in them in objects of their own: a HashMap
// its table of nodes, an ArrayList its elementData array, a Thread its ThreadLocalMap. leaks
// looks through them (heap.HolderRules): what grew is the objects the program put in, held by
// the collection it put them in.

// storage are the classes that are only ever a collection's storage, whatever holds them: the
// tables, nodes and entries of the JDK's maps, lists and queues, and a thread's map of
// ThreadLocal values.
var storage = map[string]bool{
	"java.util.HashMap$Node":                                true,
	"java.util.HashMap$Node[]":                              true,
	"java.util.HashMap$TreeNode":                            true,
	"java.util.LinkedHashMap$Entry":                         true,
	"java.util.Hashtable$Entry":                             true,
	"java.util.Hashtable$Entry[]":                           true,
	"java.util.WeakHashMap$Entry":                           true,
	"java.util.WeakHashMap$Entry[]":                         true,
	"java.util.TreeMap$Entry":                               true,
	"java.util.LinkedList$Node":                             true,
	"java.util.concurrent.ConcurrentHashMap$Node":           true,
	"java.util.concurrent.ConcurrentHashMap$Node[]":         true,
	"java.util.concurrent.ConcurrentHashMap$TreeBin":        true,
	"java.util.concurrent.ConcurrentHashMap$TreeNode":       true,
	"java.util.concurrent.ConcurrentHashMap$ForwardingNode": true,
	"java.util.concurrent.ConcurrentLinkedQueue$Node":       true,
	"java.util.concurrent.ConcurrentLinkedDeque$Node":       true,
	"java.util.concurrent.LinkedBlockingQueue$Node":         true,
	"java.util.concurrent.LinkedBlockingDeque$Node":         true,
	"java.util.concurrent.ConcurrentSkipListMap$Node":       true,
	"java.util.concurrent.ConcurrentSkipListMap$Index":      true,
	"java.util.concurrent.ConcurrentSkipListMap$HeadIndex":  true,
	"java.util.concurrent.LinkedTransferQueue$Node":         true,
	"java.lang.ThreadLocal$ThreadLocalMap":                  true,
	"java.lang.ThreadLocal$ThreadLocalMap$Entry":            true,
	"java.lang.ThreadLocal$ThreadLocalMap$Entry[]":          true,
	"java.util.concurrent.ConcurrentHashMap$CounterCell":    true,
	"java.util.concurrent.ConcurrentHashMap$CounterCell[]":  true,
	"java.util.concurrent.ConcurrentHashMap$KeySetView":     true,
	"java.util.concurrent.ConcurrentSkipListMap$KeySet":     true,
}

// arrayBacked are the collections that keep their elements in an array of their own (an
// ArrayList's elementData, a CopyOnWriteArrayList's array, an ArrayDeque's elements).
var arrayBacked = map[string]bool{
	"java.util.ArrayList":                               true,
	"java.util.Vector":                                  true,
	"java.util.Stack":                                   true,
	"java.util.ArrayDeque":                              true,
	"java.util.PriorityQueue":                           true,
	"java.util.IdentityHashMap":                         true,
	"java.util.EnumMap":                                 true,
	"java.util.Arrays$ArrayList":                        true,
	"java.util.ImmutableCollections$ListN":              true,
	"java.util.ImmutableCollections$SetN":               true,
	"java.util.ImmutableCollections$MapN":               true,
	"java.util.concurrent.CopyOnWriteArrayList":         true,
	"java.util.concurrent.ArrayBlockingQueue":           true,
	"java.util.concurrent.PriorityBlockingQueue":        true,
	"java.util.concurrent.atomic.AtomicReferenceArray":  true,
	"java.util.concurrent.ConcurrentHashMap":            true, // its table: ConcurrentHashMap$Node[]
	"java.util.concurrent.ConcurrentLinkedQueue":        true,
	"java.util.concurrent.LinkedBlockingQueue":          true,
	"java.util.concurrent.CopyOnWriteArraySet":          true,
	"java.util.concurrent.ConcurrentSkipListMap":        true,
	"java.util.concurrent.ConcurrentLinkedDeque":        true,
	"java.util.concurrent.LinkedTransferQueue":          true,
	"java.util.concurrent.ConcurrentHashMap$KeySetView": true,
}

// wrappers are the collections made of another one, which is their storage: a HashSet's
// HashMap, a TreeSet's TreeMap, a CopyOnWriteArraySet's CopyOnWriteArrayList, and the
// synchronized, unmodifiable and checked views of java.util.Collections (prefix).
var wrappers = map[string]bool{
	"java.util.HashSet":                          true,
	"java.util.LinkedHashSet":                    true,
	"java.util.TreeSet":                          true,
	"java.util.concurrent.CopyOnWriteArraySet":   true,
	"java.util.concurrent.ConcurrentSkipListSet": true,
}

// collections are the classes a wrapper may keep as its storage.
var collections = map[string]bool{
	"java.util.HashMap":                                 true,
	"java.util.LinkedHashMap":                           true,
	"java.util.TreeMap":                                 true,
	"java.util.ArrayList":                               true,
	"java.util.LinkedList":                              true,
	"java.util.HashSet":                                 true,
	"java.util.LinkedHashSet":                           true,
	"java.util.TreeSet":                                 true,
	"java.util.concurrent.CopyOnWriteArrayList":         true,
	"java.util.concurrent.ConcurrentHashMap":            true,
	"java.util.concurrent.ConcurrentSkipListMap":        true,
	"java.util.concurrent.ConcurrentLinkedQueue":        true,
	"java.util.concurrent.LinkedBlockingQueue":          true,
	"java.util.concurrent.ArrayBlockingQueue":           true,
	"java.util.concurrent.ConcurrentLinkedDeque":        true,
	"java.util.concurrent.PriorityBlockingQueue":        true,
	"java.util.concurrent.LinkedBlockingDeque":          true,
	"java.util.concurrent.LinkedTransferQueue":          true,
	"java.util.concurrent.ConcurrentSkipListSet":        true,
	"java.util.concurrent.CopyOnWriteArraySet":          true,
	"java.util.IdentityHashMap":                         true,
	"java.util.WeakHashMap":                             true,
	"java.util.Hashtable":                               true,
	"java.util.Vector":                                  true,
	"java.util.ArrayDeque":                              true,
	"java.util.PriorityQueue":                           true,
	"java.util.EnumMap":                                 true,
	"java.util.concurrent.ConcurrentHashMap$KeySetView": true,
}

// Internal reports whether an object of class typ, immediately dominated by an object of
// class holder, is a collection's storage (heap.HolderRules): the JDK's tables, nodes and
// entries (storage), the array of an array-backed collection, the collection a set or a view
// is made of.
func (Reader) Internal(typ, holder string) bool {
	if storage[typ] {
		return true
	}
	if strings.HasSuffix(typ, "[]") && arrayBacked[holder] {
		return true
	}
	if collections[typ] && (wrappers[holder] || strings.HasPrefix(holder, "java.util.Collections$")) {
		return true
	}
	return false
}

// HolderName spells a holder as Java code names it (heap.HolderRules), from its path:
//   - from a class's static field, the field and the fields after it:
//     `shop.AuditLog.ENTRIES (ArrayList)`, `shop.PriceFeed.INSTANCE.listeners (CopyOnWriteArrayList)`;
//   - through a collection, [*] for any of its elements: `shop.Catalog.BY_SKU[*].reviews (ArrayList)`;
//   - the value of a ThreadLocal, whatever the thread, as the code reads it:
//     `shop.RequestContext.TRAIL.get() (ArrayList)`, when a static field holds the ThreadLocal
//     (NameGraph names the thread's entry after it), else `ThreadLocal.get() in thread
//     checkout-1 (ArrayList)`.
//
// A class that holds what grew in its static fields is spelled as the root it is: `class
// plugins.DiscountRules`. The holder's class is spelled without its package. A path from another root (a local
// variable, a JNI reference) has no better name than itself: ok is false.
func (Reader) HolderName(path []heap.Hop) (string, bool) {
	if len(path) == 0 {
		return "", false
	}
	var b strings.Builder
	root := path[0].Root
	switch {
	case strings.HasPrefix(root, "class "):
		b.WriteString(strings.TrimPrefix(root, "class "))
	case strings.HasPrefix(root, "thread ") || strings.Contains(root, " in thread "):
		// Only a ThreadLocal's value is named from a thread (below).
	default:
		return "", false
	}
	named := b.Len() > 0
	inside := false // the hop before is a collection's storage: this one is an element
	for i := 1; i < len(path); i++ {
		h := path[i]
		if h.Type == threadLocalEntry {
			b.Reset()
			if h.Value != "" {
				b.WriteString(h.Value)
			} else {
				b.WriteString("ThreadLocal")
			}
			b.WriteString(".get()")
			if h.Value == "" {
				b.WriteString(" in " + threadOf(root))
			}
			named, inside = true, false
			if i+1 < len(path) && path[i+1].Via == ".value" {
				i++ // the entry's value is what get() returns
			}
			continue
		}
		if !named {
			continue
		}
		if (Reader{}).Internal(h.Type, path[i-1].Type) {
			inside = true
			continue
		}
		if inside {
			b.WriteString("[*]")
			inside = false
			if strings.HasPrefix(h.Via, "[") || h.Via == ".key" || h.Via == ".value" || h.Via == ".item" {
				continue
			}
		}
		switch {
		case strings.HasPrefix(h.Via, ".<"):
			// A field the VM adds to a class (<resolved_references>, its constant pool's
			// objects): no code names it.
			return "", false
		case strings.HasPrefix(h.Via, "."):
			b.WriteString(h.Via)
		case strings.HasPrefix(h.Via, "["):
			b.WriteString("[*]")
		default:
			return "", false
		}
	}
	if !named || inside {
		return "", false
	}
	if len(path) == 1 && strings.HasPrefix(root, "class ") {
		return root, true // the class itself, as Class.toString spells it
	}
	b.WriteString(" (" + shortClass(path[len(path)-1].Type) + ")")
	return b.String(), true
}

// threadLocalEntry is the class of a thread's ThreadLocal values, one entry each.
const threadLocalEntry = "java.lang.ThreadLocal$ThreadLocalMap$Entry"

// threadOf returns the thread a thread's root names ("thread checkout-1").
func threadOf(root string) string {
	if i := strings.Index(root, " in thread "); i >= 0 {
		return root[i+len(" in "):]
	}
	return root
}

// shortClass spells a class without its package: ArrayList, HashMap$Node[], Order.
func shortClass(name string) string {
	end := len(name)
	if i := strings.IndexByte(name, '/'); i >= 0 { // a hidden class's suffix
		end = i
	}
	if i := strings.LastIndexByte(name[:end], '.'); i >= 0 {
		return name[i+1:]
	}
	return name
}
