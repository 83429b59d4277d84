package leak

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/store"
)

// SiteSeries, HolderSeries and keySeries read the store (ProfileGroups, analysis.LiveHoldings,
// TypeStats), and so does Find past its first checks; they are not tested here. What is:
// the checks Find makes before it reads anything, the names of the two kinds, and the Inside
// that HolderSeries returns, answered from dominator chains given in advance.

func TestKindName(t *testing.T) {
	tests := []struct {
		name string
		snap store.Snapshot
		want string
	}{
		{"pprof profile", store.Snapshot{Kind: heap.KindProfile, Format: "pprof"}, "a heap profile (pprof)"},
		{"meliae graph", store.Snapshot{Kind: heap.KindGraph, Format: "meliae"}, "an object dump (meliae)"},
		{"go heap dump graph", store.Snapshot{Kind: heap.KindGraph, Format: "godump"}, "an object dump (godump)"},
		// Anything but a profile reads as a dump: kindName has no third branch.
		{"no kind", store.Snapshot{Format: "v8"}, "an object dump (v8)"},
	}
	for _, tt := range tests {
		if got := kindName(tt.snap); got != tt.want {
			t.Errorf("kindName(%s): got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestFindBeforeTheStore covers what Find decides from the snapshots alone: no snapshots is
// no findings, and snapshots of both kinds are refused before the store is read (the db is
// nil: reaching it would panic).
func TestFindBeforeTheStore(t *testing.T) {
	prof := func(id int64, label string) store.Snapshot {
		return store.Snapshot{ID: id, Label: label, Kind: heap.KindProfile, Format: "pprof"}
	}
	graph := func(id int64, label string) store.Snapshot {
		return store.Snapshot{ID: id, Label: label, Kind: heap.KindGraph, Format: "meliae"}
	}
	tests := []struct {
		name    string
		snaps   []store.Snapshot
		wantErr string // "" for no error
	}{
		{"no snapshots", nil, ""},
		{"empty slice", []store.Snapshot{}, ""},
		{"profile then graph", []store.Snapshot{prof(1, "heap1"), graph(2, "shop1")},
			"snapshot 1 (heap1) is a heap profile (pprof) and snapshot 2 (shop1) is an object dump (meliae): leaks follows the snapshots of one process"},
		{"graph then profile", []store.Snapshot{graph(4, "shop1"), prof(7, "heap1")},
			"snapshot 4 (shop1) is an object dump (meliae) and snapshot 7 (heap1) is a heap profile (pprof): leaks follows the snapshots of one process"},
		// The first snapshot of another kind is named, compared with the first snapshot.
		{"mixed at the third", []store.Snapshot{prof(1, "a"), prof(2, "b"), graph(3, "c"), graph(4, "d")},
			"snapshot 1 (a) is a heap profile (pprof) and snapshot 3 (c) is an object dump (meliae): leaks follows the snapshots of one process"},
	}
	for _, tt := range tests {
		fs, err := Find(context.Background(), nil, tt.snaps, Options{})
		switch {
		case tt.wantErr == "" && (err != nil || fs != nil):
			t.Errorf("Find(%s): got %v, %v, want no findings and no error", tt.name, fs, err)
		case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
			t.Errorf("Find(%s): got error %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

// TestInsideFn answers Inside from chains cached in advance, as HolderSeries leaves them after
// asking the Walker: a chain lists inner's holder's dominators, outermost first, ending with
// the holder. outer holds inner when the object after outer's holder in that chain is of
// outer's type (for the super-root, when the chain's first object is).
func TestInsideFn(t *testing.T) {
	obj := func(oid int64, typ string) store.Object { return store.Object{OID: oid, Type: typ} }
	chains := map[int64][]store.Object{
		// module dict 10 -> list 11 -> AuditEntry 12 -> its __dict__ 13
		13: {obj(10, "dict"), obj(11, "list"), obj(12, "AuditEntry"), obj(13, "dict")},
		20: {obj(20, "Cache")}, // a root-level holder
		30: {},                 // no dominators known
	}
	f := func(anchor int64, what string) *Finding {
		return &Finding{Series: Series{Anchor: anchor, What: what}}
	}
	tests := []struct {
		name         string
		outer, inner *Finding
		err          error // an earlier store error kept in the insideFn
		want         bool
	}{
		{"dict holds the list that holds inner", f(10, "list"), f(13, "str"), nil, true},
		{"list holds the entry that holds inner", f(11, "AuditEntry"), f(13, "str"), nil, true},
		{"entry holds inner's dict", f(12, "dict"), f(13, "str"), nil, true},
		{"outer's type is not the next on the chain", f(10, "tuple"), f(13, "str"), nil, false},
		// inner's own holder is last in the chain: nothing after it.
		{"outer is inner's holder itself", f(13, "str"), f(13, "str"), nil, false},
		{"outer's holder not on the chain", f(99, "list"), f(13, "str"), nil, false},
		{"super-root holds a root-level dict", f(-1, "dict"), f(13, "str"), nil, true},
		{"super-root of another type", f(-1, "list"), f(13, "str"), nil, false},
		{"super-root, one-object chain", f(-1, "Cache"), f(20, "bytes"), nil, true},
		{"super-root, empty chain", f(-1, "dict"), f(30, "str"), nil, false},
		{"inner held by the super-root", f(10, "list"), f(-1, "str"), nil, false},
		{"after a store error", f(10, "list"), f(13, "str"), errors.New("disk I/O error"), false},
	}
	for _, tt := range tests {
		in := &insideFn{ctx: context.Background(), chains: chains, err: tt.err}
		if got := in.fn(tt.outer, tt.inner); got != tt.want {
			t.Errorf("insideFn.fn(%s): got %v, want %v", tt.name, got, tt.want)
		}
		if in.err != tt.err {
			t.Errorf("insideFn.fn(%s): err became %v, want %v", tt.name, in.err, tt.err)
		}
	}
}

// TestInsideFnGroups runs Group with the Inside that HolderSeries returns, on findings shaped
// as HolderSeries makes them (Anchor the largest holder, Holders how many the key stands for).
func TestInsideFnGroups(t *testing.T) {
	obj := func(oid int64, typ string) store.Object { return store.Object{OID: oid, Type: typ} }
	in := &insideFn{ctx: context.Background(), chains: map[int64][]store.Object{
		10: {obj(10, "dict")},
		11: {obj(10, "dict"), obj(11, "list")},
		13: {obj(10, "dict"), obj(11, "list"), obj(12, "AuditEntry"), obj(13, "dict")},
	}}
	times := hourly(3)
	series := []Series{
		// The module's dict: 1000 -> 2000 -> 3000 (+2000), mostly the list's growth.
		{Key: "mod holds list", What: "list", Holder: "mod", Anchor: 10, Holders: 1, Points: points(1000, 2000, 3000)},
		// The list in it: 500 -> 1400 -> 2300 (+1800): 2*1800 >= 2000, so the dict is dropped.
		{Key: "mod.items holds AuditEntry", What: "AuditEntry", Holder: "mod.items", Anchor: 11, Holders: 1, Points: points(500, 1400, 2300)},
		// Every entry's __dict__ (many holders): part of the list's growth, dropped.
		{Key: "mod.items[*] holds dict", What: "dict", Holder: "mod.items[*]", Anchor: 13, Holders: 40, Points: points(0, 800, 1600)},
	}
	fs := Group(Classify(times, series, Options{}), in.fn)
	if len(fs) != 1 || fs[0].Key != "mod.items holds AuditEntry" || fs[0].Kind != Incremental || fs[0].Growth.Bytes != 1800 {
		t.Errorf("Group(insideFn): got %+v, want only mod.items holds AuditEntry, incremental, +1800", fs)
	}
	if in.err != nil {
		t.Errorf("Group(insideFn): err %v", in.err)
	}
}

// TestJoinRoutes: a holder whose route from a root changed between snapshots is one series
// (the same name, type and way of holding, seen in snapshots that follow one another); two
// holders of one name seen in the same snapshot are not joined, nor are series of another
// type, another way of holding, or roots.
func TestJoinRoutes(t *testing.T) {
	name := func(s string) (n [16]byte) { copy(n[:], s); return n }
	path := func(s string) (p [16]byte) { copy(p[:], "path "+s); return p }
	// series builds a series of holder nm reached by route, of type what, with bytes per
	// snapshot (0: not seen there), anchored in the last snapshot when seen there.
	series := func(nm, route, what string, how uint8, bytes ...int64) Series {
		s := Series{What: what, Anchor: -1, id: seriesID{holder: path(route), typ: what, how: how}, name: name(nm)}
		s.first.snap = -1
		for i, b := range bytes {
			if b != 0 {
				s.Points = append(s.Points, Point{Count: b / 8, Bytes: b})
				if s.first.snap < 0 {
					s.first = where{i, int64(10*len(route) + i)}
				}
			} else {
				s.Points = append(s.Points, Point{})
			}
		}
		if bytes[len(bytes)-1] != 0 {
			s.Anchor, s.Holders = int64(100+len(route)), 1
		}
		return s
	}
	type want struct {
		route string  // the route of the series it is spelled from (its first)
		bytes []int64 // per snapshot
	}
	tests := []struct {
		name string
		in   []Series
		want []want
	}{
		{"one route", []Series{series("cache", "a", "Item", holds, 8, 16, 24)},
			[]want{{"a", []int64{8, 16, 24}}}},
		{"the route changed once", []Series{
			series("cache", "a", "Item", holds, 8, 16, 0),
			series("cache", "b", "Item", holds, 0, 0, 24)},
			[]want{{"a", []int64{8, 16, 24}}}},
		{"twice, listed out of order", []Series{
			series("cache", "c", "Item", holds, 0, 0, 0, 32),
			series("cache", "a", "Item", holds, 8, 0, 0, 0),
			series("cache", "b", "Item", holds, 0, 16, 24, 0)},
			[]want{{"a", []int64{8, 16, 24, 32}}}},
		{"a gap between the routes", []Series{
			series("cache", "a", "Item", holds, 8, 0, 0),
			series("cache", "b", "Item", holds, 0, 0, 24)},
			[]want{{"a", []int64{8, 0, 24}}}},
		{"two holders of one name, seen together", []Series{
			series("cache", "a", "Item", holds, 8, 16, 0),
			series("cache", "b", "Item", holds, 0, 16, 24)},
			[]want{{"a", []int64{8, 16, 0}}, {"b", []int64{0, 16, 24}}}},
		{"two holders together, and a third after them", []Series{
			series("cache", "a", "Item", holds, 8, 0, 0),
			series("cache", "b", "Item", holds, 8, 0, 0),
			series("cache", "c", "Item", holds, 0, 0, 24)},
			[]want{{"a", []int64{8, 0, 0}}, {"b", []int64{8, 0, 0}}, {"c", []int64{0, 0, 24}}}},
		{"another name", []Series{
			series("cache", "a", "Item", holds, 8, 0),
			series("other", "b", "Item", holds, 0, 24)},
			[]want{{"a", []int64{8, 0}}, {"b", []int64{0, 24}}}},
		{"another type", []Series{
			series("cache", "a", "Item", holds, 8, 0),
			series("cache", "b", "Order", holds, 0, 24)},
			[]want{{"a", []int64{8, 0}}, {"b", []int64{0, 24}}}},
		{"storage and what it holds", []Series{
			series("cache", "a", "Item", holdsStorage, 8, 0),
			series("cache", "b", "Item", holds, 0, 24)},
			[]want{{"a", []int64{8, 0}}, {"b", []int64{0, 24}}}},
		{"roots are named, not routed", []Series{
			series("cache", "a", "Item", rootHolds, 8, 0),
			series("cache", "b", "Item", rootHolds, 0, 24)},
			[]want{{"a", []int64{8, 0}}, {"b", []int64{0, 24}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := joinRoutes(slices.Clone(tt.in))
			if len(got) != len(tt.want) {
				t.Fatalf("got %d series, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				g := got[i]
				if g.id.holder != path(w.route) {
					t.Errorf("series %d: spelled from another route, want %q", i, w.route)
				}
				var bytes []int64
				for _, p := range g.Points {
					bytes = append(bytes, p.Bytes)
					if p.Count != p.Bytes/8 {
						t.Errorf("series %d: count %d for %d bytes", i, p.Count, p.Bytes)
					}
				}
				if !slices.Equal(bytes, w.bytes) {
					t.Errorf("series %d (%s): bytes %v, want %v", i, w.route, bytes, w.bytes)
				}
				if seenLast := w.bytes[len(w.bytes)-1] != 0; seenLast != (g.Anchor >= 0 && g.Holders == 1) {
					t.Errorf("series %d: anchor %d, holders %d; seen in the last snapshot: %v", i, g.Anchor, g.Holders, seenLast)
				}
			}
		})
	}
}
