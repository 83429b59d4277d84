package leak

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/memsee/memsee/internal/store"
)

// finding makes a finding of the given kind, key, holder and growth in bytes (a tenth as many
// objects), with two points from 0 to the growth.
func finding(kind Kind, holder, what string, growth int64) Finding {
	return Finding{
		Series: Series{Key: holder + " holds " + what, What: what, Holder: holder, Holders: 1,
			Points: []Point{{0, 0}, {growth / 10, growth}}},
		Kind:   kind,
		Growth: Point{Count: growth / 10, Bytes: growth},
	}
}

// nesting answers Inside from a list of "outer>inner" pairs of keys.
func nesting(pairs ...string) Inside {
	in := map[string]bool{}
	for _, p := range pairs {
		in[p] = true
	}
	return func(outer, inner *Finding) bool { return in[outer.Key+">"+inner.Key] }
}

func keys(fs []Finding) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.Key)
	}
	return out
}

func TestDropNested(t *testing.T) {
	d := finding(Static, "mod", "dict", 1000)
	l := finding(Static, "mod.items", "list", 600)
	half := finding(Static, "mod.items", "list", 500)
	under := finding(Static, "mod.items", "list", 499)
	m := finding(Static, "mod.items.inner", "list", 400)
	elems := finding(Static, "mod.items[*]", "dict", 900)
	elems.Holders = 5
	tests := []struct {
		name   string
		fs     []Finding
		inside Inside
		want   []string // keys kept, in input order
	}{
		{"empty", nil, nesting(), []string{}},
		{"no nesting keeps all", []Finding{d, l}, nesting(), []string{d.Key, l.Key}},
		// elems has 5 holders inside d: part of d's growth, dropped; d explains nothing.
		{"elements of a collection dropped", []Finding{d, elems}, nesting(d.Key + ">" + elems.Key), []string{d.Key}},
		// l (one holder, +600) inside d (+1000): 2*600 = 1200 >= 1000, d dropped for l.
		{"outer mostly inner's growth", []Finding{d, l}, nesting(d.Key + ">" + l.Key), []string{l.Key}},
		// 2*500 = 1000, not < 1000: exactly half is "mostly".
		{"exactly half explained", []Finding{d, half}, nesting(d.Key + ">" + half.Key), []string{half.Key}},
		// 2*499 = 998 < 1000: d keeps its place beside the inner finding.
		{"less than half explained", []Finding{d, under}, nesting(d.Key + ">" + under.Key), []string{d.Key, under.Key}},
		// m inside l inside d: d's explained growth is l's 600 only (l is the outermost; m is
		// inside l), 2*600 >= 1000, dropped; l's is m's 400, 2*400 >= 600, dropped; m kept.
		{"chain of three", []Finding{d, l, m},
			nesting(d.Key+">"+l.Key, d.Key+">"+m.Key, l.Key+">"+m.Key), []string{m.Key}},
		// b (+400) inside a (+400) inside d (+1000). d: only a's 400 counts (b is inside a),
		// 800 < 1000, kept (counting b too, 1600, would drop it); a: b's 400, dropped.
		{"no double counting", []Finding{d, finding(Static, "mod.a", "list", 400), finding(Static, "mod.a.b", "list", 400)},
			nesting(d.Key+">mod.a holds list", d.Key+">mod.a.b holds list", "mod.a holds list>mod.a.b holds list"),
			[]string{d.Key, "mod.a.b holds list"}},
		// Two single holders side by side inside d: 300+300 = 600, 1200 >= 1000, d dropped.
		{"siblings add up", []Finding{d, finding(Static, "mod.a", "list", 300), finding(Static, "mod.b", "list", 300)},
			nesting(d.Key+">mod.a holds list", d.Key+">mod.b holds list"),
			[]string{"mod.a holds list", "mod.b holds list"}},
		// The elements (part) do not explain d's growth either: d stays.
		{"part findings explain nothing", []Finding{d, elems, finding(Static, "mod.x", "list", 100)},
			nesting(d.Key+">"+elems.Key, d.Key+">mod.x holds list"), []string{d.Key, "mod.x holds list"}},
	}
	for _, tt := range tests {
		got := keys(dropNested(tt.fs, tt.inside))
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("dropNested(%s): got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestMergeByHolder(t *testing.T) {
	a := finding(Static, "h", "A", 3000)
	a.PerSnapshot, a.BytesPerHour, a.Steps = Point{5, 1500}, 100, 1
	b := finding(Static, "h", "B", 1000)
	b.Points = []Point{{1, 100}, {5, 1100}}
	b.PerSnapshot, b.BytesPerHour, b.Steps = Point{2, 500}, 50, 2

	type want struct {
		key, what   string
		kind        Kind
		growth      Point
		perSnapshot Point
		perHour     float64
		steps       int
		points      []Point
	}
	tests := []struct {
		name string
		fs   []Finding
		want []want
	}{
		{"empty", nil, []want{}},
		{"one finding unchanged", []Finding{a}, []want{{a.Key, "A", Static, Point{300, 3000}, Point{5, 1500}, 100, 1, []Point{{0, 0}, {300, 3000}}}}},
		// Growth {300,3000}+{100,1000}; PerSnapshot {5,1500}+{2,500}; per hour 100+50;
		// steps max(1,2); points {0,0}+{1,100}, {300,3000}+{5,1100}.
		{"two types of one holder", []Finding{b, a}, []want{{"h holds A\nh holds B", "A, B", Static,
			Point{400, 4000}, Point{7, 2000}, 150, 2, []Point{{1, 100}, {305, 4100}}}}},
		{"same holder, other kind, not merged", []Finding{finding(Static, "h", "A", 1000), finding(Incremental, "h", "B", 500)},
			[]want{
				{"h holds B", "B", Incremental, Point{50, 500}, Point{}, 0, 0, []Point{{0, 0}, {50, 500}}},
				{"h holds A", "A", Static, Point{100, 1000}, Point{}, 0, 0, []Point{{0, 0}, {100, 1000}}},
			}},
		// Ties in growth are ordered by key: X before Y.
		{"tie within a holder", []Finding{finding(Static, "h", "Y", 700), finding(Static, "h", "X", 700)},
			[]want{{"h holds X\nh holds Y", "X, Y", Static, Point{140, 1400}, Point{}, 0, 0, []Point{{0, 0}, {140, 1400}}}}},
		{"tie between holders", []Finding{finding(Static, "h2", "T", 700), finding(Static, "h1", "T", 700)},
			[]want{
				{"h1 holds T", "T", Static, Point{70, 700}, Point{}, 0, 0, []Point{{0, 0}, {70, 700}}},
				{"h2 holds T", "T", Static, Point{70, 700}, Point{}, 0, 0, []Point{{0, 0}, {70, 700}}},
			}},
		// h1's two types, 3000+3000, outgrow h2's 5000 once merged: sorted again after merging.
		{"merged sorts again", []Finding{finding(Static, "h2", "C", 5000), finding(Static, "h1", "A", 3000), finding(Static, "h1", "B", 3000)},
			[]want{
				{"h1 holds A\nh1 holds B", "A, B", Static, Point{600, 6000}, Point{}, 0, 0, []Point{{0, 0}, {600, 6000}}},
				{"h2 holds C", "C", Static, Point{500, 5000}, Point{}, 0, 0, []Point{{0, 0}, {500, 5000}}},
			}},
		{"four types", []Finding{finding(Static, "h", "D", 1000), finding(Static, "h", "C", 2000), finding(Static, "h", "B", 3000), finding(Static, "h", "A", 4000)},
			[]want{{"h holds A\nh holds B\nh holds C\nh holds D", "A, B, C +1 more", Static, Point{1000, 10000}, Point{}, 0, 0, []Point{{0, 0}, {1000, 10000}}}}},
	}
	for _, tt := range tests {
		got := mergeByHolder(tt.fs)
		if len(got) != len(tt.want) {
			t.Errorf("mergeByHolder(%s): got %d findings %q, want %d", tt.name, len(got), keys(got), len(tt.want))
			continue
		}
		for i, w := range tt.want {
			g := got[i]
			gw := want{g.Key, g.What, g.Kind, g.Growth, g.PerSnapshot, g.BytesPerHour, g.Steps, g.Points}
			if !reflect.DeepEqual(gw, w) {
				t.Errorf("mergeByHolder(%s)[%d]: got %+v, want %+v", tt.name, i, gw, w)
			}
		}
	}
	// Merging added into a copy of the first finding's points, not into a's own.
	if !reflect.DeepEqual(a.Points, []Point{{0, 0}, {300, 3000}}) {
		t.Errorf("mergeByHolder(two types of one holder): a.Points became %v", a.Points)
	}
}

func TestGroupNilInside(t *testing.T) {
	d := finding(Incremental, "mod", "dict", 1000)
	l := finding(Incremental, "mod.items", "list", 600)
	tests := []struct {
		name   string
		inside Inside
		want   []string
	}{
		// Allocation sites cannot nest: nothing is dropped.
		{"nil inside keeps both", nil, []string{d.Key, l.Key}},
		{"nesting drops the outer", nesting(d.Key + ">" + l.Key), []string{l.Key}},
		// d (+1000) inside l (+600): 2*1000 >= 600, l is dropped for d.
		{"nesting the other way drops the other", nesting(l.Key + ">" + d.Key), []string{d.Key}},
	}
	for _, tt := range tests {
		if got := keys(Group([]Finding{l, d}, tt.inside)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Group(%s): got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestListTypes(t *testing.T) {
	tests := []struct {
		name string
		ts   []string
		want string
	}{
		{"none", nil, ""},
		{"one", []string{"str"}, "str"},
		{"three", []string{"Product", "str", "int"}, "Product, str, int"},
		{"four", []string{"a", "b", "c", "d"}, "a, b, c +1 more"},
		{"five", []string{"a", "b", "c", "d", "e"}, "a, b, c +2 more"},
	}
	for _, tt := range tests {
		if got := listTypes(tt.ts); got != tt.want {
			t.Errorf("listTypes(%s): got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// Picking: Process takes the snapshots of one process out of a database, InTimeOrder orders
// them, ids and seriesNames word the errors.

func snap(id int64, series, format string, hour int) store.Snapshot {
	return store.Snapshot{ID: id, Series: series, Format: format,
		TakenAt: time.Date(2026, 11, 1, hour, 0, 0, 0, time.UTC), TakenFrom: store.TakenFromDump}
}

func snapIDs(snaps []store.Snapshot) []int64 {
	out := []int64{}
	for _, s := range snaps {
		out = append(out, s.ID)
	}
	return out
}

func TestInTimeOrder(t *testing.T) {
	tests := []struct {
		name  string
		snaps []store.Snapshot
		want  []int64
	}{
		{"empty", nil, []int64{}},
		{"already ordered", []store.Snapshot{snap(1, "", "pprof", 1), snap(2, "", "pprof", 2)}, []int64{1, 2}},
		{"by time, not id", []store.Snapshot{snap(1, "", "pprof", 3), snap(2, "", "pprof", 1), snap(3, "", "pprof", 2)}, []int64{2, 3, 1}},
		{"equal times by id", []store.Snapshot{snap(3, "", "meliae", 5), snap(1, "", "meliae", 5), snap(2, "", "meliae", 5)}, []int64{1, 2, 3}},
		{"ties among others", []store.Snapshot{snap(9, "", "pprof", 2), snap(4, "", "pprof", 1), snap(7, "", "pprof", 2)}, []int64{4, 7, 9}},
	}
	for _, tt := range tests {
		InTimeOrder(tt.snaps)
		if got := snapIDs(tt.snaps); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("InTimeOrder(%s): got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestProcessPicks(t *testing.T) {
	const tail = "; name the snapshots of one, in time order, or load each process with --series NAME and pass --series NAME"
	mixed := []store.Snapshot{
		snap(1, "api", "pprof", 3), snap(2, "api", "pprof", 1), snap(3, "", "pprof", 2),
		snap(4, "web", "meliae", 1), snap(5, "api", "meliae", 1), snap(6, "api", "pprof", 2),
	}
	tests := []struct {
		name    string
		all     []store.Snapshot
		series  string
		named   bool
		want    []int64
		wantErr string
		noSnap  bool // the error wraps store.ErrNoSnapshot
	}{
		{"one process in time order", []store.Snapshot{snap(1, "", "pprof", 3), snap(2, "", "pprof", 1), snap(3, "", "pprof", 2)}, "", false, []int64{2, 3, 1}, "", false},
		{"one named series, not asked for", []store.Snapshot{snap(1, "api", "pprof", 1), snap(2, "api", "pprof", 2)}, "", false, []int64{1, 2}, "", false},
		// api's profiles 1 (3h), 2 (1h), 6 (2h); its meliae dump 5 is another process.
		{"named series, two formats", mixed, "api", true, nil,
			`the snapshots here are of 2 processes: 1 2 6 (series "api", pprof); 5 (series "api", meliae)` + tail, false},
		{"named series, one format", mixed, "web", true, []int64{4}, "", false},
		{"the unnamed series by name", mixed, "", true, []int64{3}, "", false},
		{"series absent", mixed, "db", true, nil, `no such snapshot: no snapshots in series "db" (series here: "api", none, "web")`, true},
		{"empty database", nil, "", false, nil, "no such snapshot: the database holds no snapshots yet", true},
		{"empty database, named", nil, "api", true, nil, `no such snapshot: no snapshots in series "api" (series here: )`, true},
		// Groups are listed in the order their first snapshot was loaded; 1-3 is a run.
		{"two formats, no series", []store.Snapshot{snap(1, "", "pprof", 1), snap(2, "", "pprof", 2), snap(3, "", "pprof", 3), snap(4, "", "meliae", 1), snap(5, "", "meliae", 2)},
			"", false, nil, "the snapshots here are of 2 processes: 1-3 (pprof); 4 5 (meliae)" + tail, false},
		{"every process of a database", mixed, "", false, nil,
			`the snapshots here are of 4 processes: 1 2 6 (series "api", pprof); 3 (pprof); 4 (series "web", meliae); 5 (series "api", meliae)` + tail, false},
	}
	for _, tt := range tests {
		got, err := Process(tt.all, tt.series, tt.named)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("Process(%s): got error %v, want %q", tt.name, err, tt.wantErr)
			} else if errors.Is(err, store.ErrNoSnapshot) != tt.noSnap {
				t.Errorf("Process(%s): errors.Is(err, ErrNoSnapshot) = %v, want %v", tt.name, !tt.noSnap, tt.noSnap)
			}
			continue
		}
		if err != nil {
			t.Errorf("Process(%s): got error %v, want %v", tt.name, err, tt.want)
			continue
		}
		if ids := snapIDs(got); !reflect.DeepEqual(ids, tt.want) {
			t.Errorf("Process(%s): got %v, want %v", tt.name, ids, tt.want)
		}
	}
	// Process orders a copy: the caller's list stays in load order.
	if ids := snapIDs(mixed); !reflect.DeepEqual(ids, []int64{1, 2, 3, 4, 5, 6}) {
		t.Errorf("Process(caller's list): got %v, want [1 2 3 4 5 6]", ids)
	}
}

func TestIDs(t *testing.T) {
	of := func(ids ...int64) []store.Snapshot {
		var out []store.Snapshot
		for _, id := range ids {
			out = append(out, store.Snapshot{ID: id})
		}
		return out
	}
	tests := []struct {
		name  string
		snaps []store.Snapshot
		want  string
	}{
		{"none", nil, ""},
		{"one", of(5), "5"},
		{"two in a row are listed", of(1, 2), "1 2"},
		{"three in a row", of(1, 2, 3), "1-3"},
		{"long run", of(4, 5, 6, 7, 8), "4-8"},
		{"gaps", of(1, 3, 7), "1 3 7"},
		{"a run then a gap", of(1, 2, 4), "1 2 4"},
		{"descending is no run", of(3, 2, 1), "3 2 1"},
		{"repeated id is no run", of(2, 2, 2), "2 2 2"},
	}
	for _, tt := range tests {
		if got := ids(tt.snaps); got != tt.want {
			t.Errorf("ids(%s): got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestSeriesNames(t *testing.T) {
	tests := []struct {
		name   string
		series []string
		want   string
	}{
		{"none", nil, ""},
		{"unnamed only", []string{"", ""}, "none"},
		{"first seen order, once each", []string{"web", "", "api", "web", ""}, `"web", none, "api"`},
		{"quotes kept", []string{`a "b"`}, `"a \"b\""`},
	}
	for _, tt := range tests {
		var all []store.Snapshot
		for i, s := range tt.series {
			all = append(all, store.Snapshot{ID: int64(i + 1), Series: s})
		}
		if got := seriesNames(all); got != tt.want {
			t.Errorf("seriesNames(%s): got %s, want %s", tt.name, got, tt.want)
		}
	}
}
