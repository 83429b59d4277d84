package ruby

import (
	"testing"

	"github.com/memsee/memsee/internal/heap"
)

// TestHolderName spells holders from the hops of their shortest paths, as the loader stores
// them for the samples.
func TestHolderName(t *testing.T) {
	class := func(name string) heap.Hop {
		return heap.Hop{Root: name, Type: "Class", Value: name}
	}
	module := func(name string) heap.Hop {
		return heap.Hop{Root: name, Type: "Module", Value: name}
	}
	tests := []struct {
		name string
		path []heap.Hop
		want string // "": no name
	}{
		{"constant of a module", []heap.Hop{module("Shop"), {Via: "::<constant>", Type: "Hash"}}, "Shop::<constant> (Hash)"},
		{"instance variable of a class", []heap.Hop{class("Shop::SessionStore"), {Via: "@<ivar>", Type: "Array"}}, "Shop::SessionStore.@<ivar> (Array)"},
		{"instance variable of a singleton", []heap.Hop{class("Metrics"), {Via: "@<ivar>", Type: "Metrics"}, {Via: "@<ivar>", Type: "Array"}}, "Metrics.@<ivar>.@<ivar> (Array)"},
		{"element of a constant", []heap.Hop{module("Hooks"), {Via: "::<constant>", Type: "Array"}, {Via: "[*]", Type: "Proc"}}, "Hooks::<constant>[*] (Proc)"},
		{"a class of a class", []heap.Hop{module("Shop"), {Via: "::Session", Type: "Class"}}, "Shop::Session (Class)"},
		{"global variable", []heap.Hop{{Root: "$<global>", Type: "Array"}}, "$<global> (Array)"},
		{"a value of a constant Hash", []heap.Hop{module("Shop"), {Via: "::<constant>", Type: "Hash"}, {Via: `["C0001"]`, Type: "Array"}}, `Shop::<constant>["C0001"] (Array)`},
		{"in a global variable", []heap.Hop{{Root: "$<global>", Type: "Hash"}, {Via: "[*]", Type: "Array"}}, "$<global>[*] (Array)"},
		{"the class itself", []heap.Hop{class("Shop::Session")}, "Shop::Session (Class)"},
		{"from the VM's roots", []heap.Hop{{Root: "root vm", Type: "Array"}, {Via: "[*]", Type: "String"}}, ""},
		{"through a proc's internals", []heap.Hop{module("Hooks"), {Via: "::<constant>", Type: "Array"}, {Via: "[*]", Type: "Proc"}, {Type: "(imemo)"}}, ""},
		{"an anonymous class", []heap.Hop{{Root: "", Type: "Class"}, {Via: "@<ivar>", Type: "Array"}}, ""},
		{"no hops", nil, ""},
	}
	for _, tt := range tests {
		got, ok := Reader{}.HolderName(tt.path)
		if !ok {
			got = ""
		}
		if got != tt.want {
			t.Errorf("HolderName(%s) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestInternal: what leaks looks through.
func TestInternal(t *testing.T) {
	tests := []struct {
		typ, holder string
		element     bool
		want        bool
	}{
		{"(imemo)", "Proc", false, true},
		{"(imemo)", "", false, false},
		{"Array", "Hash", true, true},
		{"Array", "Array", true, false},
		{"Hash", "Hash", true, false},
		{"Array", "Shop::SessionStore", false, false},
		{"Shop::Session", "Array", true, false},
	}
	for _, tt := range tests {
		if got := (Reader{}).Internal(tt.typ, tt.holder, tt.element); got != tt.want {
			t.Errorf("Internal(%s held by %q, element %v) = %v, want %v", tt.typ, tt.holder, tt.element, got, tt.want)
		}
	}
}

// TestNameTime reads the names the Ruby dumper writes, and no other.
func TestNameTime(t *testing.T) {
	tests := []struct {
		base string
		ok   bool
	}{
		{"heap-4242-20261129T184512.345Z-3.json", true},
		{"heap-4242-20261129T184512.345Z-3.json.gz", true},
		{"heap-4242-20261129T184512Z-3.json", true},
		{"heap-4242-20261129T184512.345Z.json", false},
		{"shop1.json.gz", false},
		{"heap-x-20261129T184512.345Z-3.json", false},
	}
	for _, tt := range tests {
		got, ok := Reader{}.NameTime(tt.base, nil)
		if ok != tt.ok {
			t.Errorf("NameTime(%s): ok %v, want %v", tt.base, ok, tt.ok)
		}
		if ok && got.Format("2006-01-02T15:04:05Z") != "2026-11-29T18:45:12Z" {
			t.Errorf("NameTime(%s) = %v", tt.base, got)
		}
	}
}
