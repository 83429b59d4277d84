package hprof

import (
	"testing"

	"github.com/memsee/memsee/internal/heap"
)

func TestInternal(t *testing.T) {
	tests := []struct {
		name, typ, holder string
		want              bool
	}{
		{"a HashMap's table", "java.util.HashMap$Node[]", "java.util.HashMap", true},
		{"a HashMap's node", "java.util.HashMap$Node", "java.util.HashMap$Node[]", true},
		{"a node after another in its bucket", "java.util.HashMap$Node", "java.util.HashMap$Node", true},
		{"an ArrayList's elementData", "java.lang.Object[]", "java.util.ArrayList", true},
		{"a CopyOnWriteArrayList's array", "java.lang.Object[]", "java.util.concurrent.CopyOnWriteArrayList", true},
		{"an EnumMap's values", "java.lang.Object[]", "java.util.EnumMap", true},
		{"a HashSet's map", "java.util.HashMap", "java.util.HashSet", true},
		{"a synchronized list's list", "java.util.ArrayList", "java.util.Collections$SynchronizedRandomAccessList", true},
		{"a thread's ThreadLocalMap", "java.lang.ThreadLocal$ThreadLocalMap", "java.lang.Thread", true},
		{"its entries", "java.lang.ThreadLocal$ThreadLocalMap$Entry[]", "java.lang.ThreadLocal$ThreadLocalMap", true},
		{"one entry", "java.lang.ThreadLocal$ThreadLocalMap$Entry", "java.lang.ThreadLocal$ThreadLocalMap$Entry[]", true},
		{"a ThreadLocal's value", "java.util.ArrayList", "java.lang.ThreadLocal$ThreadLocalMap$Entry", false},
		{"what a map holds", "shop.Currency", "java.util.HashMap$Node", false},
		{"what a list holds", "shop.AuditEntry", "java.util.ArrayList", false},
		{"a collection in a static field", "java.util.HashMap", "java.lang.Class", false},
		{"a collection in an object", "java.util.concurrent.CopyOnWriteArrayList", "shop.PriceFeed", false},
		{"an array of the program's", "java.lang.Object[]", "shop.Cart", false},
		{"an object's own array", "long[]", "plugins.DiscountRule", false},
		{"held by roots only", "java.util.ArrayList", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Reader{}).Internal(tt.typ, tt.holder); got != tt.want {
				t.Errorf("Internal(%s, %s): got %v, want %v", tt.typ, tt.holder, got, tt.want)
			}
		})
	}
}

// The paths below are those of the holders in testdata/zoo/java, as memsee's walker gives
// them to HolderName.
func TestHolderName(t *testing.T) {
	tests := []struct {
		name string
		path []heap.Hop
		want string // "": no name better than the path
	}{
		{"a static field", []heap.Hop{
			{Root: "class shop.AuditLog", Type: "java.lang.Class", Value: "shop.AuditLog"},
			{Via: ".ENTRIES", Type: "java.util.ArrayList"},
		}, "shop.AuditLog.ENTRIES (ArrayList)"},
		{"fields after a static field", []heap.Hop{
			{Root: "class shop.PriceFeed", Type: "java.lang.Class", Value: "shop.PriceFeed"},
			{Via: ".INSTANCE", Type: "shop.PriceFeed"},
			{Via: ".listeners", Type: "java.util.concurrent.CopyOnWriteArrayList"},
		}, "shop.PriceFeed.INSTANCE.listeners (CopyOnWriteArrayList)"},
		{"a class of a plugin's loader", []heap.Hop{
			{Root: "class plugins.DiscountRules", Type: "java.lang.Class", Value: "plugins.DiscountRules"},
			{Via: ".RULES", Type: "java.util.ArrayList"},
		}, "plugins.DiscountRules.RULES (ArrayList)"},
		{"a class itself", []heap.Hop{
			{Root: "class plugins.DiscountRules", Type: "java.lang.Class", Value: "plugins.DiscountRules"},
		}, "class plugins.DiscountRules"},
		{"an element of a list", []heap.Hop{
			{Root: "class plugins.DiscountRules", Type: "java.lang.Class"},
			{Via: ".RULES", Type: "java.util.ArrayList"},
			{Via: ".elementData", Type: "java.lang.Object[]"},
			{Via: "[*]", Type: "plugins.DiscountRule"},
		}, "plugins.DiscountRules.RULES[*] (DiscountRule)"},
		{"a field of a map's value", []heap.Hop{
			{Root: "class shop.Catalog", Type: "java.lang.Class"},
			{Via: ".BY_SKU", Type: "java.util.HashMap"},
			{Via: ".table", Type: "java.util.HashMap$Node[]"},
			{Via: "[12]", Type: "java.util.HashMap$Node"},
			{Via: ".value", Type: "shop.Product"},
			{Via: ".reviews", Type: "java.util.ArrayList"},
		}, "shop.Catalog.BY_SKU[*].reviews (ArrayList)"},
		{"a field of a set's element", []heap.Hop{
			{Root: "class shop.Orders", Type: "java.lang.Class"},
			{Via: ".OPEN", Type: "java.util.HashSet"},
			{Via: ".map", Type: "java.util.HashMap"},
			{Via: ".table", Type: "java.util.HashMap$Node[]"},
			{Via: "[3]", Type: "java.util.HashMap$Node"},
			{Via: ".key", Type: "shop.Order"},
			{Via: ".lines", Type: "java.util.ArrayList"},
		}, "shop.Orders.OPEN[*].lines (ArrayList)"},
		{"a ThreadLocal a static field holds", []heap.Hop{
			{Root: "java.lang.Thread.run(Thread.java:840) in thread checkout-2", Type: "java.lang.Thread"},
			{Via: ".threadLocals", Type: "java.lang.ThreadLocal$ThreadLocalMap"},
			{Via: ".table", Type: "java.lang.ThreadLocal$ThreadLocalMap$Entry[]"},
			{Via: "[*]", Type: "java.lang.ThreadLocal$ThreadLocalMap$Entry", Value: "shop.RequestContext.TRAIL"},
			{Via: ".value", Type: "java.util.ArrayList"},
		}, "shop.RequestContext.TRAIL.get() (ArrayList)"},
		{"a ThreadLocal no static field holds", []heap.Hop{
			{Root: "java.lang.Thread.run(Thread.java:840) in thread checkout-2", Type: "java.lang.Thread"},
			{Via: ".threadLocals", Type: "java.lang.ThreadLocal$ThreadLocalMap"},
			{Via: ".table", Type: "java.lang.ThreadLocal$ThreadLocalMap$Entry[]"},
			{Via: "[5]", Type: "java.lang.ThreadLocal$ThreadLocalMap$Entry"},
			{Via: ".value", Type: "java.util.ArrayList"},
		}, "ThreadLocal.get() in thread checkout-2 (ArrayList)"},
		{"a thread's field", []heap.Hop{
			{Root: "thread main", Type: "java.lang.Thread"},
			{Via: ".name", Type: "java.lang.String"},
		}, ""},
		{"a local variable", []heap.Hop{
			{Root: "shop.ShopService.main(ShopService.java:93) in thread main", Type: "java.util.ArrayList"},
		}, ""},
		{"a JNI global", []heap.Hop{
			{Root: "", Type: "java.lang.Object[]"},
			{Via: "[3]", Type: "java.lang.String"},
		}, ""},
		{"the storage of a collection", []heap.Hop{
			{Root: "class shop.AuditLog", Type: "java.lang.Class"},
			{Via: ".ENTRIES", Type: "java.util.ArrayList"},
			{Via: ".elementData", Type: "java.lang.Object[]"},
		}, ""},
		{"a class's constant pool", []heap.Hop{
			{Root: "class shop.Shop", Type: "java.lang.Class"},
			{Via: ".<resolved_references>", Type: "java.lang.Object[]"},
		}, ""},
		{"a class loader's edge", []heap.Hop{
			{Root: "class shop.AuditLog", Type: "java.lang.Class"},
			{Via: "<loader>", Type: "jdk.internal.loader.ClassLoaders$AppClassLoader"},
		}, ""},
		{"no path", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := (Reader{}).HolderName(tt.path)
			if tt.want == "" {
				if ok {
					t.Errorf("HolderName(%s): got %q, want no name", tt.name, got)
				}
				return
			}
			if !ok || got != tt.want {
				t.Errorf("HolderName(%s): got %q (%v), want %q", tt.name, got, ok, tt.want)
			}
		})
	}
}

func TestShortClass(t *testing.T) {
	tests := []struct{ in, want string }{
		{"java.util.ArrayList", "ArrayList"},
		{"java.util.HashMap$Node[]", "HashMap$Node[]"},
		{"shop.Order", "Order"},
		{"int[]", "int[]"},
		{"java.lang.invoke.LambdaForm$MH/0x0000000800c01000", "LambdaForm$MH/0x0000000800c01000"},
	}
	for _, tt := range tests {
		if got := shortClass(tt.in); got != tt.want {
			t.Errorf("shortClass(%s): got %s, want %s", tt.in, got, tt.want)
		}
	}
}
