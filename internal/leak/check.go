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

// Budget is how much a build may grow the heap: every limit of zero or more is checked, and a
// limit below zero is not.
type Budget struct {
	MaxGrowth float64 // the whole heap, as a fraction of base (0.1 = 10%)
	MaxBytes  int64   // the whole heap, in bytes
	// One key (a type, or an allocation stack): in bytes, or as a fraction of what it held in
	// base.
	KeyMaxBytes  int64
	KeyMaxGrowth float64
	// Floor is the growth that the fraction budgets (MaxGrowth, KeyMaxGrowth) let pass
	// whatever its share: growth of Floor bytes or less is never over them, since a share of a
	// few kilobytes is noise. From an empty base (the whole heap, or a key new in head) no
	// share can be measured, and growth of more than Floor is over every fraction budget.
	Floor int64
}

// over says whether growth from base breaks the fraction budget limit (see Floor).
func (b Budget) over(base, growth int64, limit float64) bool {
	if limit < 0 || growth <= max(b.Floor, 0) {
		return false
	}
	return base <= 0 || float64(growth)/float64(base) > limit
}

// CheckKey is one key compared between builds.
type CheckKey struct {
	Key, What  string
	Stack      []string // heap profiles: the allocation stack, innermost first
	Base, Head Point    // in the last snapshot of each side
	Delta      Point
	// Kind is how head's snapshots show the key growing, when head has three or more (see
	// headKind): static, incremental or undecided; "" when they cannot tell.
	Kind Kind
	Over bool // it breaks the per-key budget
}

// Failure is one budget broken.
type Failure struct {
	Budget string // the flag that set it: max-growth, max-bytes, max-key-growth
	// What the heap did and what the budget allowed: a fraction for max-growth, bytes for
	// max-bytes, and for max-key-growth the number of keys over it (and Limit 0).
	Got, Limit float64
	// EmptyBase is set on a max-growth failure whose base held nothing: no share of it can
	// be measured, so Got is the growth in bytes, more than the budget's Floor.
	EmptyBase bool
}

// CheckResult compares two builds.
type CheckResult struct {
	BaseSnapshots, HeadSnapshots []store.Snapshot // each side, in time order
	Budget                       Budget
	Base, Head                   Point   // totals, of the last snapshot of each side
	Growth                       Point   // Head - Base
	GrowthShare                  float64 // Growth.Bytes / Base.Bytes; 0 when base is empty (EmptyBase)
	Keys                         []CheckKey
	Failures                     []Failure
}

// EmptyBase says whether base held nothing, so that growth has no share of it.
func (r *CheckResult) EmptyBase() bool { return r.Base.Bytes <= 0 }

// Failed says whether a budget was broken.
func (r *CheckResult) Failed() bool { return len(r.Failures) > 0 }

// Check compares the heaps of two builds under the same workload, key by key: object graphs
// by type, heap profiles by allocation stack (function names only, since line numbers move
// between builds); never by object identity. Each side is one or more snapshots in time
// order; the last of each is compared, and head's series, when it has three or more
// snapshots, tells incremental from static growth. Keys are sorted by growth, largest first.
func Check(ctx context.Context, db *store.DB, base, head []store.Snapshot, b Budget) (*CheckResult, error) {
	if len(base) == 0 || len(head) == 0 {
		return nil, fmt.Errorf("check needs a snapshot on each side (base has %d, head %d)", len(base), len(head))
	}
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
			k.Kind = headKind(times, s.Points[nb:], k.Delta.Bytes)
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
	if b.over(r.Base.Bytes, r.Growth.Bytes, b.MaxGrowth) {
		if r.EmptyBase() {
			r.Failures = append(r.Failures, Failure{Budget: "max-growth", Got: float64(r.Growth.Bytes), Limit: b.MaxGrowth, EmptyBase: true})
		} else {
			r.Failures = append(r.Failures, Failure{Budget: "max-growth", Got: r.GrowthShare, Limit: b.MaxGrowth})
		}
	}
	if b.MaxBytes >= 0 && r.Growth.Bytes > b.MaxBytes {
		r.Failures = append(r.Failures, Failure{Budget: "max-bytes", Got: float64(r.Growth.Bytes), Limit: float64(b.MaxBytes)})
	}
	over := 0
	for _, k := range r.Keys {
		if k.Over {
			over++
		}
	}
	if over > 0 {
		r.Failures = append(r.Failures, Failure{Budget: "max-key-growth", Got: float64(over)})
	}
	return r, nil
}

// keyOver says whether k breaks a per-key budget.
func (b Budget) keyOver(k CheckKey) bool {
	if b.KeyMaxBytes >= 0 && k.Delta.Bytes > b.KeyMaxBytes {
		return true
	}
	return b.over(k.Base.Bytes, k.Delta.Bytes, b.KeyMaxGrowth)
}

// headKind says how a key that grew by delta from base to head grew across head's points
// (three or more, at times): what Classify makes of head's series alone (incremental, static,
// or undecided when it grew at the last snapshot only); else, when head's series did not grow
// or gave memory back, static if its points stay within a tenth of delta of each other (the
// key grew before head's first snapshot and kept it), and "" if they swing more: neither
// kind of growth is what they show.
func headKind(times []time.Time, points []Point, delta int64) Kind {
	if f, ok := classify(times, Series{Points: points}, Options{}); ok {
		return f.Kind
	}
	lo, hi := points[0].Bytes, points[0].Bytes
	for _, p := range points[1:] {
		lo, hi = min(lo, p.Bytes), max(hi, p.Bytes)
	}
	if hi-lo <= delta/10 {
		return Static
	}
	return ""
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
