package leak

import (
	"context"
	"testing"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/store"
)

// Check reads the store (keySeries: StackGroups or TypeStats; NewStackNamer) before it
// applies the whole-heap budgets, so MaxGrowth, MaxBytes and the list of failures are not
// tested here; the per-key budget (keyOver), Failed, and the kind check Check makes before it
// reads anything are.

// noKeyBudget checks no per-key budget, as `memsee check` sets it when no flag names one.
var noKeyBudget = Budget{MaxGrowth: -1, MaxBytes: -1, KeyMaxBytes: -1, KeyMaxGrowth: -1, KeyFloor: 64 << 10}

func keyBudget(maxBytes int64, maxGrowth float64, floor int64) Budget {
	return Budget{MaxGrowth: -1, MaxBytes: -1, KeyMaxBytes: maxBytes, KeyMaxGrowth: maxGrowth, KeyFloor: floor}
}

// key makes a key that held base bytes in base and base+delta in head.
func key(base, delta int64) CheckKey {
	return CheckKey{Key: "k", Base: Point{Bytes: base}, Head: Point{Bytes: base + delta}, Delta: Point{Bytes: delta}}
}

func TestKeyOver(t *testing.T) {
	const floor = 64 << 10 // 65536
	tests := []struct {
		name string
		b    Budget
		k    CheckKey
		want bool
	}{
		{"no key budget", noKeyBudget, key(1000, 1<<30), false},
		// KeyMaxBytes: over when the delta is more than the limit.
		{"bytes: one over", keyBudget(1000, -1, floor), key(5000, 1001), true},
		{"bytes: at the limit", keyBudget(1000, -1, floor), key(5000, 1000), false},
		{"bytes: new in head, over", keyBudget(1000, -1, floor), key(0, 2000), true},
		{"bytes: zero limit, any growth", keyBudget(0, -1, floor), key(5000, 1), true},
		{"bytes: zero growth", keyBudget(0, -1, floor), key(5000, 0), false},
		{"bytes: shrinks", keyBudget(0, -1, floor), key(5000, -4000), false},
		// KeyMaxGrowth: delta/base over the fraction, once the delta reaches the floor.
		// 200000 -> +100001: 0.500005 > 0.5 (and 100001 >= the floor).
		{"fraction: just over", keyBudget(-1, 0.5, floor), key(200000, 100001), true},
		// +100000: exactly 0.5, not over.
		{"fraction: exactly at", keyBudget(-1, 0.5, floor), key(200000, 100000), false},
		// 1<<20 -> +65536: 0.0625 <= 0.5.
		{"fraction: under", keyBudget(-1, 0.5, floor), key(1<<20, floor), false},
		{"fraction: new in head at the floor", keyBudget(-1, 0.5, floor), key(0, floor), true},
		{"fraction: new in head below the floor", keyBudget(-1, 0.5, floor), key(0, floor-1), false},
		// The floor applies to every key, not only new ones: 1000 -> +65535 is 6553% but
		// under the floor.
		{"fraction: old key below the floor", keyBudget(-1, 0.5, floor), key(1000, floor-1), false},
		{"fraction: old key at the floor", keyBudget(-1, 0.5, floor), key(1000, floor), true},
		{"fraction: zero growth", keyBudget(-1, 0, 0), key(100000, 0), false},
		{"fraction: shrinks", keyBudget(-1, 0, 0), key(100000, -1000), false},
		// Zero growth of a key absent from both sides reads as new in head when the floor is
		// 0; Check never asks, as it skips keys that did not grow.
		{"fraction: nothing at all, floor 0", keyBudget(-1, 0.5, 0), key(0, 0), true},
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
		{"one failure", CheckResult{Failures: []Failure{{"max-growth", 0.194, 0.1}}}, true},
		{"several failures", CheckResult{Failures: []Failure{{"max-growth", 0.2, 0.1}, {"max-bytes", 2e6, 1e6}, {"max-key-growth", 2, 0}}}, true},
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
