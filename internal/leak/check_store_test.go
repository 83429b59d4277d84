package leak

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/memsee/memsee/internal/store"
)

// These tests run Check on real databases built by addProfiles (series_store_test.go): heap
// profiles with chosen in-use bytes per allocation site, the numbers worked out by hand.

// floor is the Floor `memsee check` sets unless --floor says otherwise (DefaultMinBytes).
const floor = 64 << 10 // 65536

// wholeHeap checks only the whole-heap budgets, with the default floor.
func wholeHeap(maxGrowth float64, maxBytes int64) Budget {
	return Budget{MaxGrowth: maxGrowth, MaxBytes: maxBytes, KeyMaxBytes: -1, KeyMaxGrowth: -1, Floor: floor}
}

// floored is b with another floor.
func floored(b Budget, f int64) Budget {
	b.Floor = f
	return b
}

func fail(budget string, got, limit float64) Failure {
	return Failure{Budget: budget, Got: got, Limit: limit}
}

func TestCheckBudgets(t *testing.T) {
	// Base: 1000000 bytes, 600000 in a and 400000 in b.
	base := []site{{"a", 600000}, {"b", 400000}}
	head := func(a int64) []site { return []site{{"a", a}, {"b", 400000}} }
	tests := []struct {
		name  string
		head  []site
		b     Budget
		share float64
		want  []Failure
	}{
		{"+20% over 10%", head(800000), wholeHeap(0.1, -1), 0.2, []Failure{fail("max-growth", 0.2, 0.1)}},
		{"+5% under 10%", head(650000), wholeHeap(0.1, -1), 0.05, nil},
		{"+10% at 10%", head(700000), wholeHeap(0.1, -1), 0.1, nil},
		{"+20%, growth not checked", head(800000), wholeHeap(-1, -1), 0.2, nil},
		{"shrinks, 0% allowed", head(500000), wholeHeap(0, 0), -0.1, nil},
		// The floor: growth of 65536 bytes or less is under every percent budget.
		{"+1 byte, 0% allowed, floor 0", head(600001), floored(wholeHeap(0, -1), 0), 0.000001, []Failure{fail("max-growth", 0.000001, 0)}},
		{"+1 byte, 0% allowed, under the floor", head(600001), wholeHeap(0, -1), 0.000001, nil},
		{"+65536, 0% allowed, at the floor", head(600000 + floor), wholeHeap(0, -1), 0.065536, nil},
		{"+65537, 0% allowed, over the floor", head(600000 + floor + 1), wholeHeap(0, -1), 0.065537, []Failure{fail("max-growth", 0.065537, 0)}},
		// The floor is for percent budgets only.
		{"+1 byte, 0 bytes allowed", head(600001), wholeHeap(-1, 0), 0.000001, []Failure{fail("max-bytes", 1, 0)}},
		{"+200000 over 100000 bytes", head(800000), wholeHeap(-1, 100000), 0.2, []Failure{fail("max-bytes", 200000, 100000)}},
		{"+50000 under 100000 bytes", head(650000), wholeHeap(-1, 100000), 0.05, nil},
		{"+100000 at 100000 bytes", head(700000), wholeHeap(-1, 100000), 0.1, nil},
		{"both broken, growth first", head(800000), wholeHeap(0.1, 100000), 0.2,
			[]Failure{fail("max-growth", 0.2, 0.1), fail("max-bytes", 200000, 100000)}},
		{"bytes broken, growth not", head(800000), wholeHeap(0.5, 100000), 0.2, []Failure{fail("max-bytes", 200000, 100000)}},
		// a grows by 200000 (+33%), over a key budget of 100000 bytes: the third failure.
		{"all three, in order", head(800000), Budget{MaxGrowth: 0.1, MaxBytes: 100000, KeyMaxBytes: 100000, KeyMaxGrowth: -1}, 0.2,
			[]Failure{fail("max-growth", 0.2, 0.1), fail("max-bytes", 200000, 100000), fail("max-key-growth", 1, 0)}},
		// A key budget does not stand in for the heap's: +20% breaks 10% with a key budget
		// that nothing breaks.
		{"key budget beside the heap's", head(800000), Budget{MaxGrowth: 0.1, MaxBytes: -1, KeyMaxBytes: 1 << 20, KeyMaxGrowth: 0.5, Floor: floor}, 0.2,
			[]Failure{fail("max-growth", 0.2, 0.1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openStore(t)
			snaps := addProfiles(t, db, nil, base, tt.head)
			r, err := Check(context.Background(), db, snaps[:1], snaps[1:], tt.b)
			if err != nil {
				t.Fatal(err)
			}
			wantHead := tt.head[0].bytes + tt.head[1].bytes
			if r.Base.Bytes != 1000000 || r.Head.Bytes != wantHead || r.Growth.Bytes != wantHead-1000000 ||
				r.Base.Count != 10000 || r.Growth.Count != (wantHead-1000000)/100 || r.EmptyBase() {
				t.Errorf("base %+v head %+v growth %+v, want 1000000 -> %d bytes", r.Base, r.Head, r.Growth, wantHead)
			}
			if d := r.GrowthShare - tt.share; d > 1e-12 || d < -1e-12 {
				t.Errorf("growth share %v, want %v", r.GrowthShare, tt.share)
			}
			for i := range r.Failures {
				if i < len(tt.want) {
					if d := r.Failures[i].Got - tt.want[i].Got; d < 1e-12 && d > -1e-12 {
						r.Failures[i].Got = tt.want[i].Got
					}
				}
			}
			if !reflect.DeepEqual(r.Failures, tt.want) || r.Failed() != (len(tt.want) > 0) {
				t.Errorf("failures %+v (failed %v), want %+v", r.Failures, r.Failed(), tt.want)
			}
		})
	}
}

// An empty base has no share to measure: growth of more than the floor is over every percent
// budget (the failure says so, with the growth in bytes), and the byte budgets apply as ever.
func TestCheckEmptyBase(t *testing.T) {
	empty := func(head int64) Failure {
		return Failure{Budget: "max-growth", Got: float64(head), Limit: 0.1, EmptyBase: true}
	}
	tests := []struct {
		name string
		head int64 // bytes in head; base holds none
		b    Budget
		want []Failure
	}{
		{"6 MiB over 10%", 6 << 20, wholeHeap(0.1, -1), []Failure{empty(6 << 20)}},
		{"one byte over the floor", floor + 1, wholeHeap(0.1, -1), []Failure{empty(floor + 1)}},
		{"at the floor", floor, wholeHeap(0.1, -1), nil},
		{"under the floor", 5000, wholeHeap(0.1, -1), nil},
		{"floor 0, one byte", 100, floored(wholeHeap(0.1, -1), 0), []Failure{empty(100)}},
		{"any percent: 1000%", 6 << 20, wholeHeap(10, -1), []Failure{{Budget: "max-growth", Got: 6 << 20, Limit: 10, EmptyBase: true}}},
		{"growth not checked", 6 << 20, wholeHeap(-1, -1), nil},
		{"bytes under the floor", 5000, wholeHeap(0.1, 1000), []Failure{fail("max-bytes", 5000, 1000)}},
		{"both", 6 << 20, wholeHeap(0.1, 1<<20), []Failure{empty(6 << 20), fail("max-bytes", 6<<20, 1<<20)}},
		{"empty head, floor 0, 0%", 0, floored(wholeHeap(0, 0), 0), nil},
		// The key new in head breaks a key percent budget the same way.
		{"a key from empty", 6 << 20, Budget{MaxGrowth: -1, MaxBytes: -1, KeyMaxBytes: -1, KeyMaxGrowth: 0.5, Floor: floor}, []Failure{fail("max-key-growth", 1, 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openStore(t)
			snaps := addProfiles(t, db, nil, nil, []site{{"a", tt.head}})
			r, err := Check(context.Background(), db, snaps[:1], snaps[1:], tt.b)
			if err != nil {
				t.Fatal(err)
			}
			if r.Base.Bytes != 0 || !r.EmptyBase() || r.GrowthShare != 0 || r.Growth.Bytes != tt.head {
				t.Errorf("base %+v growth %+v share %v, want 0 -> %d", r.Base, r.Growth, r.GrowthShare, tt.head)
			}
			if !reflect.DeepEqual(r.Failures, tt.want) {
				t.Errorf("failures %+v, want %+v", r.Failures, tt.want)
			}
		})
	}
}

// The keys of a check: named by their stacks, only those that grew, largest growth first
// (then by name), compared by stack whatever the line.
func TestCheckKeys(t *testing.T) {
	db := openStore(t)
	snaps := addProfiles(t, db, nil,
		[]site{{"grow", 1000}, {"tie.b", 100}, {"tie.a", 100}, {"shrink", 5000}, {"flat", 700}, {"inner,outer", 0}},
		[]site{{"grow", 4000}, {"tie.b", 600}, {"tie.a", 600}, {"shrink", 1000}, {"flat", 700}, {"inner,outer", 2000}},
	)
	r, err := Check(context.Background(), db, snaps[:1], snaps[1:], wholeHeap(-1, -1))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range r.Keys {
		got = append(got, fmt.Sprintf("%s|%s|%v|%d->%d|%d|%q", k.Key, k.What, k.Stack, k.Base.Bytes, k.Head.Bytes, k.Delta.Bytes, k.Kind))
	}
	want := []string{
		`grow ← main.main|grow|[grow main.main]|1000->4000|3000|""`,
		`inner ← outer ← main.main|inner|[inner outer main.main]|0->2000|2000|""`,
		`tie.a ← main.main|tie.a|[tie.a main.main]|100->600|500|""`,
		`tie.b ← main.main|tie.b|[tie.b main.main]|100->600|500|""`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("keys:\n got %q\nwant %q", got, want)
	}
}

// Several snapshots per side: each side in time order (as the caller sorts it, here loaded
// out of order), the last of base compared with the last of head, and head's series of three
// or more telling how each key grew.
func TestCheckSeveralSnapshots(t *testing.T) {
	ctx := context.Background()
	db := openStore(t)
	// Loaded as b2, b1, h1, h3, h2; taken at hours 1, 0, 2, 4, 3.
	addProfiles(t, db, []int{1, 0, 2, 4, 3},
		[]site{{"inc", 100000}, {"static", 100000}, {"early", 0}, {"gone", 9000}, {"noisy", 100000}},                                         // b2
		[]site{{"inc", 50000}, {"static", 100000}, {"early", 700000}, {"gone", 9000}, {"noisy", 100000}},                                     // b1
		[]site{{"inc", 200000}, {"static", 500000}, {"early", 100000}, {"gone", 0}, {"noisy", 600000}, {"wobble", 300000}, {"late", 0}},      // h1
		[]site{{"inc", 400000}, {"static", 500000}, {"early", 100000}, {"gone", 0}, {"noisy", 600000}, {"wobble", 200000}, {"late", 150000}}, // h3
		[]site{{"inc", 300000}, {"static", 500000}, {"early", 100000}, {"gone", 0}, {"noisy", 601000}, {"wobble", 100000}, {"late", 0}},      // h2
	)
	all, err := db.Snapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	base := []store.Snapshot{all[0], all[1]}
	head := []store.Snapshot{all[2], all[3], all[4]}
	InTimeOrder(base)
	InTimeOrder(head)
	if base[0].Label != "p2" || base[1].Label != "p1" || head[0].Label != "p3" || head[1].Label != "p5" || head[2].Label != "p4" {
		t.Fatalf("time order: base %s %s head %s %s %s", base[0].Label, base[1].Label, head[0].Label, head[1].Label, head[2].Label)
	}
	tests := []struct {
		name       string
		base, head []store.Snapshot
		want       []string // what base->head delta kind, largest delta first
	}{
		// inc: 50000 100000 | 200000 300000 400000: up at each step of head.
		// static: 100000 100000 | 500000 500000 500000: more than base, flat in head.
		// noisy: 100000 100000 | 600000 601000 600000: up and down in head by 1000 of its
		// 500000: static.
		// early: 700000 in b1, 0 in b2 (the last of base): it is compared from 0, flat in head.
		// wobble: 0 0 | 300000 100000 200000: down and up in head, no kind.
		// late: 0 0 | 0 0 150000: up at head's last snapshot only: undecided.
		{"two and three", base, head, []string{
			"noisy 100000->600000 500000 static",
			"static 100000->500000 400000 static",
			"inc 100000->400000 300000 incremental",
			"wobble 0->200000 200000 ",
			"late 0->150000 150000 undecided",
			"early 0->100000 100000 static",
		}},
		// Head of two: no kind.
		{"two and two", base, head[1:], []string{
			"noisy 100000->600000 500000 ",
			"static 100000->500000 400000 ",
			"inc 100000->400000 300000 ",
			"wobble 0->200000 200000 ",
			"late 0->150000 150000 ",
			"early 0->100000 100000 ",
		}},
		// Base of one (b2) and head of one (h3).
		{"one and one", base[1:], head[2:], []string{
			"noisy 100000->600000 500000 ",
			"static 100000->500000 400000 ",
			"inc 100000->400000 300000 ",
			"wobble 0->200000 200000 ",
			"late 0->150000 150000 ",
			"early 0->100000 100000 ",
		}},
		// Base of one (b1): early shrank, and is left out.
		{"first base only", base[:1], head, []string{
			"noisy 100000->600000 500000 static",
			"static 100000->500000 400000 static",
			"inc 50000->400000 350000 incremental",
			"wobble 0->200000 200000 ",
			"late 0->150000 150000 undecided",
		}},
	}
	for _, tt := range tests {
		r, err := Check(ctx, db, tt.base, tt.head, wholeHeap(0.1, -1))
		if err != nil {
			t.Fatalf("Check(%s): %v", tt.name, err)
		}
		var got []string
		for _, k := range r.Keys {
			got = append(got, fmt.Sprintf("%s %d->%d %d %s", k.What, k.Base.Bytes, k.Head.Bytes, k.Delta.Bytes, k.Kind))
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Check(%s): keys\n got %q\nwant %q", tt.name, got, tt.want)
		}
		lb, lh := tt.base[len(tt.base)-1], tt.head[len(tt.head)-1]
		if r.Base.Bytes != lb.Bytes || r.Head.Bytes != lh.Bytes {
			t.Errorf("Check(%s): totals %d -> %d, want %d -> %d (the last of each side)", tt.name, r.Base.Bytes, r.Head.Bytes, lb.Bytes, lh.Bytes)
		}
		if len(r.Failures) != 1 || r.Failures[0].Budget != "max-growth" {
			t.Errorf("Check(%s): failures %+v, want max-growth", tt.name, r.Failures)
		}
		if !reflect.DeepEqual(r.BaseSnapshots, tt.base) || !reflect.DeepEqual(r.HeadSnapshots, tt.head) {
			t.Errorf("Check(%s): snapshots not kept as given", tt.name)
		}
	}
}
