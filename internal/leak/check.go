package leak

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/store"
)

// Budget is how much a build may grow the heap. A limit below zero is not checked.
type Budget struct {
	MaxGrowth float64 // the whole heap, as a fraction of base (0.1 = 10%)
	MaxBytes  int64   // the whole heap, in bytes
	// One key (a type, or an allocation stack): in bytes, or as a fraction of what it held in
	// base. A key new in head is over a fraction budget once it holds KeyFloor bytes.
	KeyMaxBytes  int64
	KeyMaxGrowth float64
	KeyFloor     int64
}

// CheckKey is one key compared between builds.
type CheckKey struct {
	Key, What  string
	Stack      []string // heap profiles: the allocation stack, innermost first
	Base, Head Point    // in the last snapshot of each side
	Delta      Point
	// Kind is how head's snapshots show the key growing, when head has three or more: an
	// incremental leak, or static growth (more than base, flat in head); "" when they cannot tell.
	Kind Kind
	Over bool // it breaks the per-key budget
}

// Failure is one budget broken.
type Failure struct {
	Budget string // the flag that set it: max-growth, max-bytes, max-key-growth
	// What the heap did and what the budget allowed: a fraction for max-growth, bytes for
	// max-bytes, and for max-key-growth the number of keys over it (and Limit 0).
	Got, Limit float64
}

// CheckResult compares two builds.
type CheckResult struct {
	BaseSnapshots, HeadSnapshots []store.Snapshot // each side, in time order
	Budget                       Budget
	Base, Head                   Point   // totals, of the last snapshot of each side
	Growth                       Point   // Head - Base
	GrowthShare                  float64 // Growth.Bytes / Base.Bytes; 0 when base is empty
	Keys                         []CheckKey
	Failures                     []Failure
}

// Failed says whether a budget was broken.
func (r *CheckResult) Failed() bool { return len(r.Failures) > 0 }

// Check compares the heaps of two builds under the same workload, key by key: object graphs
// by type, heap profiles by allocation stack (function names only, since line numbers move
// between builds); never by object identity. Each side is one or more snapshots in time
// order; the last of each is compared, and head's series, when it has three or more
// snapshots, tells incremental from static growth. Keys are sorted by growth, largest first.
func Check(ctx context.Context, db *store.DB, base, head []store.Snapshot, b Budget) (*CheckResult, error) {
	all := append(append([]store.Snapshot{}, base...), head...)
	for _, s := range all[1:] {
		if s.Kind != all[0].Kind {
			return nil, fmt.Errorf("snapshot %d (%s) is %s and snapshot %d (%s) is %s: check compares like with like",
				all[0].ID, all[0].Label, kindName(all[0]), s.ID, s.Label, kindName(s))
		}
	}
	series, err := keySeries(ctx, db, all)
	if err != nil {
		return nil, err
	}
	nb := len(base)
	lb, lh := base[nb-1], head[len(head)-1]
	r := &CheckResult{
		BaseSnapshots: base, HeadSnapshots: head, Budget: b,
		Base: Point{Count: lb.Objects, Bytes: lb.Bytes},
		Head: Point{Count: lh.Objects, Bytes: lh.Bytes},
	}
	r.Growth = Point{Count: r.Head.Count - r.Base.Count, Bytes: r.Head.Bytes - r.Base.Bytes}
	if r.Base.Bytes > 0 {
		r.GrowthShare = float64(r.Growth.Bytes) / float64(r.Base.Bytes)
	}
	times := make([]time.Time, len(head))
	for i, s := range head {
		times[i] = s.TakenAt
	}
	var namer *store.StackNamer
	if all[0].Kind == heap.KindProfile {
		if namer, err = db.NewStackNamer(ctx); err != nil {
			return nil, err
		}
	}
	for _, s := range series {
		k := CheckKey{Key: s.Key, What: s.What, Base: s.Points[nb-1], Head: s.Points[len(s.Points)-1]}
		k.Delta = Point{Count: k.Head.Count - k.Base.Count, Bytes: k.Head.Bytes - k.Base.Bytes}
		if k.Delta.Bytes <= 0 {
			continue
		}
		if namer != nil {
			// The key is a stack of function ids; name the stacks that grew (the others are
			// never shown).
			if k.Stack, err = namer.Names(s.Key); err != nil {
				return nil, err
			}
			k.Key = strings.Join(k.Stack, " ← ")
			if len(k.Stack) > 0 {
				k.What = k.Stack[0]
			}
		}
		if len(head) >= 3 {
			if f, ok := classify(times, Series{Points: s.Points[nb:]}, Options{}); ok && f.Kind == Incremental {
				k.Kind = Incremental
			} else {
				k.Kind = Static
			}
		}
		k.Over = b.keyOver(k)
		r.Keys = append(r.Keys, k)
	}
	sort.Slice(r.Keys, func(i, j int) bool {
		if r.Keys[i].Delta.Bytes != r.Keys[j].Delta.Bytes {
			return r.Keys[i].Delta.Bytes > r.Keys[j].Delta.Bytes
		}
		return r.Keys[i].Key < r.Keys[j].Key
	})
	if b.MaxGrowth >= 0 && r.Base.Bytes > 0 && r.GrowthShare > b.MaxGrowth {
		r.Failures = append(r.Failures, Failure{"max-growth", r.GrowthShare, b.MaxGrowth})
	}
	if b.MaxBytes >= 0 && r.Growth.Bytes > b.MaxBytes {
		r.Failures = append(r.Failures, Failure{"max-bytes", float64(r.Growth.Bytes), float64(b.MaxBytes)})
	}
	over := 0
	for _, k := range r.Keys {
		if k.Over {
			over++
		}
	}
	if over > 0 {
		r.Failures = append(r.Failures, Failure{"max-key-growth", float64(over), 0})
	}
	return r, nil
}

// keyOver says whether k breaks a per-key budget.
func (b Budget) keyOver(k CheckKey) bool {
	if b.KeyMaxBytes >= 0 && k.Delta.Bytes > b.KeyMaxBytes {
		return true
	}
	if b.KeyMaxGrowth >= 0 && k.Delta.Bytes >= b.KeyFloor {
		return k.Base.Bytes == 0 || float64(k.Delta.Bytes)/float64(k.Base.Bytes) > b.KeyMaxGrowth
	}
	return false
}

// keySeries returns, for each key, what it holds in each snapshot: object graphs by type
// (count and shallow bytes), heap profiles by allocation stack (in-use objects and bytes).
func keySeries(ctx context.Context, db *store.DB, snaps []store.Snapshot) ([]Series, error) {
	at := map[string]int{}
	var all []Series
	put := func(i int, key string, p Point) {
		j, ok := at[key]
		if !ok {
			j = len(all)
			at[key] = j
			all = append(all, Series{Key: key, What: key, Points: make([]Point, len(snaps))})
		}
		all[j].Points[i] = add(all[j].Points[i], p)
	}
	profile := snaps[0].Kind == heap.KindProfile
	for i, s := range snaps {
		if profile {
			gs, err := db.StackGroups(ctx, s.ID)
			if err != nil {
				return nil, err
			}
			for _, g := range gs {
				put(i, g.Stack, Point{Count: g.Objects, Bytes: g.Bytes})
			}
			continue
		}
		ts, err := db.TypeStats(ctx, s.ID)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			put(i, t.Type, Point{Count: t.Count, Bytes: t.Bytes})
		}
	}
	return all, nil
}
