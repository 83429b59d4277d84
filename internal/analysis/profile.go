// Package analysis turns what the store returns into answers: rankings, diffs between
// snapshots, and (later) the growth series that tell static from incremental leaks. It knows
// no file format and renders nothing.
package analysis

import (
	"sort"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/store"
)

// Rank drops the groups whose value v is zero, sorts the rest by v, largest first, ties by
// key, and keeps the first n (all when n <= 0).
func Rank(groups []store.Group, v heap.Value, n int) []store.Group {
	kept := groups[:0]
	for _, g := range groups {
		if g.Values[v] != 0 {
			kept = append(kept, g)
		}
	}
	groups = kept
	sort.Slice(groups, func(i, j int) bool {
		a, b := groups[i].Values[v], groups[j].Values[v]
		if a != b {
			return a > b
		}
		return groups[i].Key < groups[j].Key
	})
	if n > 0 && len(groups) > n {
		groups = groups[:n]
	}
	return groups
}

// DiffRow is one key's values before and after.
type DiffRow struct {
	Key           string
	Site          int64
	Before, After [heap.NumValues]int64
}

// Delta returns After - Before for value v.
func (r *DiffRow) Delta(v heap.Value) int64 { return r.After[v] - r.Before[v] }

// Diff joins two snapshots' groups by key. It returns the keys whose value v or its object
// count changed, sorted by the size of the change in v (largest first, either sign), ties by
// key. This is the arithmetic of `go tool pprof -diff_base`: after minus before, per key.
func Diff(before, after []store.Group, v heap.Value) []DiffRow {
	idx := make(map[string]int, len(after))
	rows := make([]DiffRow, 0, len(after))
	for _, g := range before {
		idx[g.Key] = len(rows)
		rows = append(rows, DiffRow{Key: g.Key, Site: g.Site, Before: g.Values})
	}
	for _, g := range after {
		i, ok := idx[g.Key]
		if !ok {
			i = len(rows)
			idx[g.Key] = i
			rows = append(rows, DiffRow{Key: g.Key, Site: g.Site})
		}
		rows[i].After = g.Values
	}
	objs := ObjectsOf(v)
	out := rows[:0]
	for _, r := range rows {
		if r.Delta(v) != 0 || r.Delta(objs) != 0 {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := abs(out[i].Delta(v)), abs(out[j].Delta(v))
		if a != b {
			return a > b
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// ObjectsOf returns the object count that goes with v (inuse_space goes with inuse_objects).
func ObjectsOf(v heap.Value) heap.Value {
	if v == heap.AllocBytes || v == heap.AllocObjects {
		return heap.AllocObjects
	}
	return heap.InuseObjects
}

// BytesOf returns the byte value that goes with v.
func BytesOf(v heap.Value) heap.Value {
	if v == heap.AllocBytes || v == heap.AllocObjects {
		return heap.AllocBytes
	}
	return heap.InuseBytes
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
