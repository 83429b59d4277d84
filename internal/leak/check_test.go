package leak

import (
	"context"
	"testing"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/store"
)

// Check reads the store (keySeries: StackGroups or TypeStats; NewStackNamer) before it
// applies the whole-heap budgets, so MaxGrowth, MaxBytes and the list of failures are tested
// on real databases in check_store_test.go; the per-key budget (keyOver), the percent rule
// with its floor (over), how head's series is told (headKind), Failed, and the refusals Check
// makes before it reads anything are tested here.

// noKeyBudget checks no per-key budget, as `memsee check` sets it when no flag names one.
var noKeyBudget = Budget{MaxGrowth: -1, MaxBytes: -1, KeyMaxBytes: -1, KeyMaxGrowth: -1, Floor: floor}

func keyBudget(maxBytes int64, maxGrowth float64, floor int64) Budget {
	return Budget{MaxGrowth: -1, MaxBytes: -1, KeyMaxBytes: maxBytes, KeyMaxGrowth: maxGrowth, Floor: floor}
}

// key makes a key that held base bytes in base and base+delta in head.
func key(base, delta int64) CheckKey {
	return CheckKey{Key: "k", Base: Point{Bytes: base}, Head: Point{Bytes: base + delta}, Delta: Point{Bytes: delta}}
}

func TestKeyOver(t *testing.T) {
	tests := []struct {
		name string
		b    Budget
		k    CheckKey
		want bool
	}{
		{"no key budget", noKeyBudget, key(1000, 1<<30), false},
		// KeyMaxBytes: over when the delta is more than the limit; the floor does not apply.
		{"bytes: one over", keyBudget(1000, -1, floor), key(5000, 1001), true},
		{"bytes: at the limit", keyBudget(1000, -1, floor), key(5000, 1000), false},
		{"bytes: new in head, over", keyBudget(1000, -1, floor), key(0, 2000), true},
		{"bytes: zero limit, any growth", keyBudget(0, -1, floor), key(5000, 1), true},
		{"bytes: zero growth", keyBudget(0, -1, floor), key(5000, 0), false},
		{"bytes: shrinks", keyBudget(0, -1, floor), key(5000, -4000), false},
		// KeyMaxGrowth: delta/base over the fraction, once the delta is more than the floor.
		// 200000 -> +100001: 0.500005 > 0.5 (and 100001 > the floor).
		{"fraction: just over", keyBudget(-1, 0.5, floor), key(200000, 100001), true},
		// +100000: exactly 0.5, not over.
		{"fraction: exactly at", keyBudget(-1, 0.5, floor), key(200000, 100000), false},
		// 1<<20 -> +65537: 0.0625 <= 0.5.
		{"fraction: under", keyBudget(-1, 0.5, floor), key(1<<20, floor+1), false},
		{"fraction: new in head over the floor", keyBudget(-1, 0.5, floor), key(0, floor+1), true},
		{"fraction: new in head at the floor", keyBudget(-1, 0.5, floor), key(0, floor), false},
		{"fraction: new in head, floor 0", keyBudget(-1, 0.5, 0), key(0, 1), true},
		// The floor is for every key: 1000 -> +65536 is 6553.6%, and noise all the same.
		{"fraction: old key at the floor", keyBudget(-1, 0.5, floor), key(1000, floor), false},
		{"fraction: old key over the floor", keyBudget(-1, 0.5, floor), key(1000, floor+1), true},
		{"fraction: zero growth", keyBudget(-1, 0, 0), key(100000, 0), false},
		{"fraction: shrinks", keyBudget(-1, 0, 0), key(100000, -1000), false},
		{"fraction: nothing at all, floor 0", keyBudget(-1, 0.5, 0), key(0, 0), false},
		// Both: bytes decides first; the fraction still catches what bytes lets through.
		{"both: bytes over, fraction under", keyBudget(1000, 10, floor), key(1<<30, 2000), true},
		{"both: bytes under, fraction over", keyBudget(1<<30, 0.5, floor), key(100000, 70000), true},
		{"both: under both", keyBudget(1<<30, 0.5, floor), key(1<<20, floor), false},
		// The zero Budget checks everything at 0: one byte of growth is over.
		{"zero Budget", Budget{}, key(1000, 1), true},
	}
	for _, tt := range tests {
		if got := tt.b.keyOver(tt.k); got != tt.want {
			t.Errorf("keyOver(%s): got %v, want %v", tt.name, got, tt.want)
		}
	}
}

// over is the rule of every percent budget, the whole heap's and a key's.
func TestOver(t *testing.T) {
	tests := []struct {
		name                string
		floor, base, growth int64
		limit               float64
		want                bool
	}{
		{"not checked", 0, 100, 1000, -1, false},
		{"over the share", floor, 1 << 20, 200000, 0.1, true},
		{"at the share", 0, 1000000, 100000, 0.1, false},
		{"over the share, not the floor", floor, 1000, floor, 0.1, false},
		{"empty base, over the floor", floor, 0, floor + 1, 0.1, true},
		{"empty base, at the floor", floor, 0, floor, 0.1, false},
		{"empty base, any percent", floor, 0, 1 << 30, 1e6, true},
		{"empty base, nothing grew, floor 0", 0, 0, 0, 0, false},
		{"empty base, one byte, floor 0", 0, 0, 1, 0, true},
		{"shrinks", 0, 1000, -500, 0, false},
		{"negative floor reads as 0", -5, 0, 1, 0.1, true},
	}
	for _, tt := range tests {
		if got := (Budget{Floor: tt.floor}).over(tt.base, tt.growth, tt.limit); got != tt.want {
			t.Errorf("over(%s): got %v, want %v", tt.name, got, tt.want)
		}
	}
}

// headKind tells how a key grew across head's snapshots (three or more) from its points there
// and its growth from base.
func TestHeadKind(t *testing.T) {
	tests := []struct {
		name   string
		points []int64
		delta  int64
		want   Kind
	}{
		{"flat in head: grew before it", []int64{500000, 500000, 500000}, 400000, Static},
		{"a little down in head, within a tenth of delta", []int64{600000, 601000, 600000}, 500000, Static},
		{"down in head by more than a tenth of delta", []int64{600000, 601000, 540000}, 500000, ""},
		// A small steady rise is growth in head, whatever it grew before.
		{"a small rise at every step", []int64{924531, 941379, 958227}, 412810, Incremental},
		{"up at every step", []int64{200000, 300000, 400000}, 300000, Incremental},
		{"up over four snapshots", []int64{100, 1000, 2000, 3000}, 3000, Incremental},
		{"up once in head, flat after", []int64{0, 100000, 100000}, 100000, Static},
		{"up at the last only", []int64{0, 0, 150000}, 150000, Undecided},
		{"down then up", []int64{300000, 100000, 200000}, 200000, ""},
		{"down in head", []int64{500000, 300000, 200000}, 100000, ""},
		{"up then down", []int64{100000, 400000, 200000}, 200000, ""},
	}
	for _, tt := range tests {
		var pts []Point
		for _, b := range tt.points {
			pts = append(pts, Point{Bytes: b})
		}
		if got := headKind(hourly(len(pts)), pts, tt.delta); got != tt.want {
			t.Errorf("headKind(%s): got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestFailed(t *testing.T) {
	tests := []struct {
		name string
		r    CheckResult
		want bool
	}{
		{"no failures", CheckResult{}, false},
		{"empty list", CheckResult{Failures: []Failure{}}, false},
		// Keys over their budget without a max-key-growth failure do not fail the check:
		// Failed reads Failures only.
		{"keys over, no failure listed", CheckResult{Keys: []CheckKey{{Key: "k", Over: true}}}, false},
		{"one failure", CheckResult{Failures: []Failure{fail("max-growth", 0.194, 0.1)}}, true},
		{"several failures", CheckResult{Failures: []Failure{fail("max-growth", 0.2, 0.1), fail("max-bytes", 2e6, 1e6), fail("max-key-growth", 2, 0)}}, true},
		{"from an empty base", CheckResult{Failures: []Failure{{Budget: "max-growth", Got: 6 << 20, Limit: 0.1, EmptyBase: true}}}, true},
	}
	for _, tt := range tests {
		if got := tt.r.Failed(); got != tt.want {
			t.Errorf("Failed(%s): got %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestCheckKinds covers the refusal Check makes before reading the store (the db is nil:
// reaching it would panic): base and head must be of one kind, and the first snapshot of
// another kind is named beside the first of all.
func TestCheckKinds(t *testing.T) {
	prof := store.Snapshot{ID: 1, Label: "base", Kind: heap.KindProfile, Format: "pprof"}
	prof2 := store.Snapshot{ID: 2, Label: "base2", Kind: heap.KindProfile, Format: "pprof"}
	dump := store.Snapshot{ID: 3, Label: "head", Kind: heap.KindGraph, Format: "meliae"}
	tests := []struct {
		name       string
		base, head []store.Snapshot
		want       string
	}{
		{"profile base, dump head", []store.Snapshot{prof}, []store.Snapshot{dump},
			"snapshot 1 (base) is a heap profile (pprof) and snapshot 3 (head) is an object dump (meliae): check compares like with like"},
		{"dump base, profile head", []store.Snapshot{dump}, []store.Snapshot{prof},
			"snapshot 3 (head) is an object dump (meliae) and snapshot 1 (base) is a heap profile (pprof): check compares like with like"},
		{"mixed within base", []store.Snapshot{prof, dump}, []store.Snapshot{prof2},
			"snapshot 1 (base) is a heap profile (pprof) and snapshot 3 (head) is an object dump (meliae): check compares like with like"},
		{"mixed within head, several per side", []store.Snapshot{prof, prof2}, []store.Snapshot{prof2, dump},
			"snapshot 1 (base) is a heap profile (pprof) and snapshot 3 (head) is an object dump (meliae): check compares like with like"},
	}
	for _, tt := range tests {
		r, err := Check(context.Background(), nil, tt.base, tt.head, Budget{})
		if err == nil || err.Error() != tt.want || r != nil {
			t.Errorf("Check(%s): got %v, %v, want error %q", tt.name, r, err, tt.want)
		}
	}
}

// An empty side is refused before anything is read (the db is nil: reaching it would panic).
func TestCheckEmptySide(t *testing.T) {
	prof := store.Snapshot{ID: 1, Label: "base", Kind: heap.KindProfile, Format: "pprof"}
	tests := []struct {
		name       string
		base, head []store.Snapshot
		want       string
	}{
		{"no base", nil, []store.Snapshot{prof}, "check needs a snapshot on each side (base has 0, head 1)"},
		{"no head", []store.Snapshot{prof, prof}, []store.Snapshot{}, "check needs a snapshot on each side (base has 2, head 0)"},
		{"neither", nil, nil, "check needs a snapshot on each side (base has 0, head 0)"},
	}
	for _, tt := range tests {
		r, err := Check(context.Background(), nil, tt.base, tt.head, Budget{})
		if err == nil || err.Error() != tt.want || r != nil {
			t.Errorf("Check(%s): got %v, %v, want error %q", tt.name, r, err, tt.want)
		}
	}
}
