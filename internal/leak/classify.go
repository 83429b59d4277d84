// Package leak tells static leaks from incremental ones, and compares builds for CI. It works
// on series: one key (an allocation site, or a holder and the type it holds) measured across
// the snapshots of one process in time order. It knows no file format: series.go builds the
// series from whatever the store holds, and everything after that is arithmetic on numbers.
package leak

import (
	"sort"
	"time"
)

// Point is what one key holds in one snapshot.
type Point struct {
	Count int64 // objects
	Bytes int64 // bytes: in use (heap profiles) or retained (object graphs)
}

// Series is one key across the snapshots of a process, oldest first.
type Series struct {
	Key    string  // what stays the same across snapshots: a stack, or a holder path and a type
	What   string  // what grows, for people: a type, or an allocating function
	Holder string  // who keeps it: a variable as its programmer wrote it, a path from a root, or an allocation stack (innermost first)
	Path   string  // for object graphs, the holder's whole path from a root, indices as [*]
	Points []Point // one per snapshot, zero where the key is absent
	// Anchor is a handle on the key in the last snapshot (an object id for object graphs, -1
	// for the super-root); Group uses it to find leaks inside leaks.
	Anchor int64
	// Holders is how many holders the key stands for in the last snapshot: more than one when
	// its path runs through the elements of a collection ([*]).
	Holders int
	storage bool // a holder's storage, not what the program put in it (HolderSeries)
	self    bool // the objects are the roots Anchor names (a variable's), not what it holds
	// For object graphs (HolderSeries): what the series stays the same by, the sum of its
	// holder's name, and where its holder was first seen, whose texts it is spelled with.
	id    seriesID
	name  [16]byte
	first where
}

// Kind says how a key grew.
type Kind string

// The kinds of growth.
const (
	// Incremental: it grew at every step (or at several steps, never shrinking): memory
	// that grows with work and does not come back.
	Incremental Kind = "incremental"
	// Static: one step up, then flat: something big was loaded once and kept.
	Static Kind = "static"
	// Undecided: it grew, but the series cannot tell how yet (two snapshots, or growth at
	// the last snapshot only).
	Undecided Kind = "undecided"
)

// Options are the thresholds below which growth is not reported.
type Options struct {
	MinBytes  int64   // a key must grow by at least this many bytes over the series
	MinGrowth float64 // and by at least this fraction of what it held at the start (0.1 = 10%)
	// Progress, when set, is called as the holdings of each object-graph snapshot are worked
	// out (the i-th of n, from 0, and its label), the long part of leaks: a command can say which it is at.
	Progress func(i, n int, label string)
}

// Finding is a key whose growth is reported.
type Finding struct {
	Series
	Kind   Kind
	Growth Point // last minus first
	Steps  int   // steps between snapshots in which it grew
	// Step is, for a static leak, the index of the snapshot it jumped at (1..n-1); for an
	// undecided one that grew once, the same; otherwise 0.
	Step int
	// PerSnapshot is the average growth per step between snapshots (incremental leaks).
	PerSnapshot Point
	// BytesPerHour is the growth rate from the snapshots' times; 0 when they span less than
	// a second.
	BytesPerHour float64
	Note         string // for people, when the kind needs a word: why undecided
}

// Classify reports the keys that grew beyond the thresholds, and how: incremental first, then
// static, then undecided, each largest growth first. times are the snapshots' times, oldest
// first, one per point of every series.
//
// The rules, with G the growth from the first snapshot to the last over n-1 steps:
//   - a step is up when it grew by more than tol = min(G/10, G/(2(n-1))), down when it shrank
//     by more than tol, and flat otherwise;
//   - a key with any step down is churn (its memory comes back) and is not reported;
//   - with two snapshots, growth is undecided: a third is needed to tell the kinds apart;
//   - up at two or more steps is incremental; up at exactly one step and flat after is
//     static; up at the last step only is undecided until the next snapshot.
func Classify(times []time.Time, series []Series, o Options) []Finding {
	var out []Finding
	for _, s := range series {
		if f, ok := classify(times, s, o); ok {
			out = append(out, f)
		}
	}
	Sort(out)
	return out
}

func classify(times []time.Time, s Series, o Options) (Finding, bool) {
	n := len(s.Points)
	if n < 2 {
		return Finding{}, false
	}
	first, last := s.Points[0], s.Points[n-1]
	g := last.Bytes - first.Bytes
	if g <= 0 || g < o.MinBytes || float64(g) < o.MinGrowth*float64(first.Bytes) {
		return Finding{}, false
	}
	f := Finding{Series: s, Growth: Point{Count: last.Count - first.Count, Bytes: g}}
	steps := n - 1
	tol := min(g/10, g/int64(2*steps))
	lastUp := 0
	for i := 1; i < n; i++ {
		d := s.Points[i].Bytes - s.Points[i-1].Bytes
		switch {
		case d < -tol:
			return Finding{}, false // it gave memory back: churn, not a leak
		case d > tol:
			f.Steps++
			lastUp = i
		}
	}
	f.PerSnapshot = Point{Count: f.Growth.Count / int64(steps), Bytes: g / int64(steps)}
	// Snapshots taken less than a second apart (or files copied at once, whose modification
	// times stand in for the dump's) say nothing about a rate per hour.
	if span := times[n-1].Sub(times[0]); span >= time.Second {
		f.BytesPerHour = float64(g) / span.Hours()
	}
	switch {
	case n == 2:
		f.Kind, f.Step = Undecided, 1
		f.Note = "two snapshots: load a third to tell static from incremental"
	case f.Steps >= 2:
		f.Kind = Incremental
	case lastUp == steps:
		f.Kind, f.Step = Undecided, lastUp
		f.Note = "grew at the last snapshot only: take another to see whether it stays flat"
	default:
		f.Kind, f.Step = Static, lastUp
	}
	return f, true
}

var kindRank = map[Kind]int{Incremental: 0, Static: 1, Undecided: 2}

// Sort orders findings by kind (incremental, static, undecided), then by growth, largest
// first, then by key.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if kindRank[a.Kind] != kindRank[b.Kind] {
			return kindRank[a.Kind] < kindRank[b.Kind]
		}
		if a.Growth.Bytes != b.Growth.Bytes {
			return a.Growth.Bytes > b.Growth.Bytes
		}
		return a.Key < b.Key
	})
}

// HoursTo returns the hours until total bytes reach limit at bytesPerHour, and false when
// that never happens (no growth) or already has.
func HoursTo(limit, total int64, bytesPerHour float64) (float64, bool) {
	if bytesPerHour <= 0 || total >= limit {
		return 0, false
	}
	return float64(limit-total) / bytesPerHour, true
}
