package leak

import (
	"fmt"
	"testing"
	"time"

	"github.com/memsee/memsee/internal/store"
)

// hourly returns n snapshot times an hour apart.
func hourly(n int) []time.Time {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	ts := make([]time.Time, n)
	for i := range ts {
		ts[i] = t0.Add(time.Duration(i) * time.Hour)
	}
	return ts
}

func points(bytes ...int64) []Point {
	ps := make([]Point, len(bytes))
	for i, b := range bytes {
		ps[i] = Point{Count: b / 100, Bytes: b}
	}
	return ps
}

func ramp(n int, start, step int64) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = start + int64(i)*step
	}
	return out
}

func TestClassify(t *testing.T) {
	o := Options{MinBytes: 1000, MinGrowth: 0.1}
	tests := []struct {
		name  string
		bytes []int64
		kind  Kind // "" when not reported
		step  int
		steps int
	}{
		{"steady growth", []int64{0, 10000, 20000, 30000}, Incremental, 0, 3},
		{"steady growth from a base", []int64{50000, 60000, 70000, 80000}, Incremental, 0, 3},
		{"steady over 20 snapshots", ramp(20, 1000, 500), Incremental, 0, 19},
		{"growth at two of three steps", []int64{0, 10000, 10000, 20000}, Incremental, 0, 2},
		{"three snapshots, both up", []int64{0, 5000, 10000}, Incremental, 0, 2},
		{"loaded before the second", []int64{100, 50000, 50000, 50000}, Static, 1, 1},
		{"loaded before the third", []int64{100, 100, 50000, 50000}, Static, 2, 1},
		{"static with noise", []int64{10000, 110000, 105000, 112000}, Static, 1, 1},
		{"at the last snapshot only", []int64{100, 100, 100, 50000}, Undecided, 3, 1},
		{"two snapshots", []int64{0, 50000}, Undecided, 1, 1},
		{"churn: up and down", []int64{10000, 50000, 20000, 60000}, "", 0, 0},
		{"freed again", []int64{0, 50000, 50000, 0}, "", 0, 0},
		{"flat", []int64{50000, 50000, 50000, 50000}, "", 0, 0},
		{"shrinks", []int64{50000, 40000, 30000, 20000}, "", 0, 0},
		{"below MinBytes", []int64{0, 300, 600, 900}, "", 0, 0},
		{"below MinGrowth", []int64{1000000, 1020000, 1040000, 1060000}, "", 0, 0},
		{"one snapshot", []int64{50000}, "", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Series{Key: tt.name, Points: points(tt.bytes...)}
			fs := Classify(hourly(len(tt.bytes)), []Series{s}, o)
			if tt.kind == "" {
				if len(fs) != 0 {
					t.Fatalf("reported %+v, want nothing", fs[0])
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("not reported, want %s", tt.kind)
			}
			f := fs[0]
			if f.Kind != tt.kind || f.Step != tt.step || f.Steps != tt.steps {
				t.Errorf("kind %s step %d steps %d, want %s %d %d", f.Kind, f.Step, f.Steps, tt.kind, tt.step, tt.steps)
			}
			n := len(tt.bytes)
			g := tt.bytes[n-1] - tt.bytes[0]
			if f.Growth.Bytes != g || f.PerSnapshot.Bytes != g/int64(n-1) {
				t.Errorf("growth %d per snapshot %d, want %d and %d", f.Growth.Bytes, f.PerSnapshot.Bytes, g, g/int64(n-1))
			}
			if want := float64(g) / float64(n-1); f.BytesPerHour != want {
				t.Errorf("%.1f bytes/h, want %.1f (snapshots an hour apart)", f.BytesPerHour, want)
			}
		})
	}
}

// The classifier must not depend on the snapshots' times, only on their order; a series
// that spans less than a second has no hourly rate.
func TestClassifySameTimes(t *testing.T) {
	for _, span := range []time.Duration{0, 7 * time.Millisecond} {
		ts := make([]time.Time, 4)
		ts[3] = ts[3].Add(span)
		fs := Classify(ts, []Series{{Points: points(0, 10000, 20000, 30000)}}, Options{})
		if len(fs) != 1 || fs[0].Kind != Incremental || fs[0].BytesPerHour != 0 {
			t.Fatalf("span %v: got %+v", span, fs)
		}
	}
}

func TestSortKinds(t *testing.T) {
	s := []Series{
		{Key: "small static", Points: points(0, 2000, 2000, 2000)},
		{Key: "big static", Points: points(0, 90000, 90000, 90000)},
		{Key: "small incremental", Points: points(0, 1000, 2000, 3000)},
		{Key: "undecided", Points: points(0, 0, 0, 900000)},
		{Key: "big incremental", Points: points(0, 10000, 20000, 30000)},
	}
	fs := Classify(hourly(4), s, Options{})
	var got []string
	for _, f := range fs {
		got = append(got, f.Key)
	}
	want := "[big incremental small incremental big static small static undecided]"
	if fmt.Sprint(got) != want {
		t.Errorf("order %v, want %s", got, want)
	}
}

func TestHoursTo(t *testing.T) {
	if h, ok := HoursTo(1000, 400, 100); !ok || h != 6 {
		t.Errorf("HoursTo(1000, 400, 100) = %v %v, want 6", h, ok)
	}
	if _, ok := HoursTo(1000, 1200, 100); ok {
		t.Error("past the limit already: want false")
	}
	if _, ok := HoursTo(1000, 400, 0); ok {
		t.Error("no growth: want false")
	}
}

// A tree of holders: module dict -> list (the real holder) -> entries -> their dicts, and a
// table beside it. The module dict's growth is the list's, and the entries' dicts are part of
// the entries: only the list is named. Two types under one holder with one kind are one finding.
func TestGroup(t *testing.T) {
	mk := func(holder, what string, anchor int64, bytes ...int64) Series {
		return Series{Key: holder + " holds " + what, Holder: holder, What: what, Anchor: anchor, Points: points(bytes...)}
	}
	series := []Series{
		mk("module shop", "list", 1, 0, 10000, 20000, 30000),         // the list itself, in the module dict
		mk("module shop -> .log", "Entry", 2, 0, 9000, 18000, 27000), // what the list holds
		mk("module shop -> .table", "Product", 3, 0, 80000, 80000, 80000),
		mk("module shop -> .table", "str", 3, 0, 20000, 20000, 20000),
		// The insides of every Entry: many holders, part of the list's growth.
		mk("module shop -> .log -> [*] (Entry)", "dict", 4, 0, 8000, 16000, 24000),
	}
	series[4].Holders = 300
	// parent[h] is the holder above holder h; via[h] the type of the object under parent[h]
	// that h is (or lies in).
	parent := map[int64]int64{2: 1, 3: 1, 4: 2}
	via := map[int64]string{2: "list", 3: "dict", 4: "Entry"}
	inside := func(outer, inner *Finding) bool {
		for h := inner.Anchor; ; h = parent[h] {
			p, ok := parent[h]
			if !ok {
				return false
			}
			if p == outer.Anchor {
				return via[h] == outer.What
			}
		}
	}
	fs := Group(Classify(hourly(4), series, Options{MinBytes: 1000}), inside)
	if len(fs) != 2 {
		t.Fatalf("got %d findings, want 2: %+v", len(fs), fs)
	}
	if fs[0].Kind != Incremental || fs[0].What != "Entry" || fs[0].Holder != "module shop -> .log" {
		t.Errorf("first: %+v, want the Entry growth in .log", fs[0])
	}
	if fs[1].Kind != Static || fs[1].What != "Product, str" || fs[1].Growth.Bytes != 100000 {
		t.Errorf("second: %+v, want Product, str in .table, 100000 bytes", fs[1])
	}
	if series[2].Points[1].Bytes != 80000 {
		t.Error("Group changed the caller's series")
	}
}

func TestProcess(t *testing.T) {
	at := func(min int) time.Time { return time.Date(2026, 11, 1, 12, min, 0, 0, time.UTC) }
	snap := func(id int64, series, format string, min int) store.Snapshot {
		return store.Snapshot{ID: id, Label: fmt.Sprint("s", id), Series: series, Format: format, TakenAt: at(min), TakenFrom: store.TakenFromDump}
	}
	one := []store.Snapshot{snap(1, "", "pprof", 5), snap(2, "", "pprof", 1), snap(3, "", "pprof", 2), snap(4, "", "pprof", 3)}
	got, err := Process(one, "", false)
	if err != nil {
		t.Fatal(err)
	}
	var order []int64
	for _, s := range got {
		order = append(order, s.ID)
	}
	if fmt.Sprint(order) != "[2 3 4 1]" {
		t.Errorf("time order %v, want [2 3 4 1]", order)
	}

	two := []store.Snapshot{snap(1, "api", "pprof", 1), snap(2, "api", "pprof", 2), snap(3, "", "meliae", 1), snap(4, "", "meliae", 2)}
	if _, err := Process(two, "", false); err == nil {
		t.Error("two processes and no series: want an error")
	}
	if got, err := Process(two, "api", true); err != nil || len(got) != 2 || got[0].ID != 1 {
		t.Errorf("series api: %v %v", got, err)
	}
	if got, err := Process(two, "", true); err != nil || len(got) != 2 || got[0].ID != 3 {
		t.Errorf("series \"\": %v %v", got, err)
	}
	if _, err := Process(two, "web", true); err == nil {
		t.Error("unknown series: want an error")
	}
	if _, err := Process(nil, "", false); err == nil {
		t.Error("no snapshots: want an error")
	}
}
