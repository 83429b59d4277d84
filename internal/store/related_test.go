package store_test

import (
	"cmp"
	"context"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/memsee/memsee/internal/loader/loadertest"
	"github.com/memsee/memsee/internal/store"
)

// TestRelated checks Related against answers worked out one object at a time, on a real dump:
// an object's kids are its references' targets, each once, the most retained first (then by
// oid), and its referrers the objects that refer to it, each once, the most retained first;
// every one reads as Object reads it, and n keeps the first n. The objects with the most
// references have kids across many pages (a dict of 2,000 entries, a list of 1,200).
//
// It loads the dump three ways: every object's kids ranked at load (store.RankKidsFrom 1), only
// those of the large collections (the default), and none, so that Related reads them ranked
// from the page, ranks them itself, or both, with the same answers.
func TestRelated(t *testing.T) {
	for _, tt := range []struct {
		name   string
		from   int
		ranked func(refs int) bool // whether an object of so many references has its kids ranked
	}{
		{"all ranked at load", 1, func(refs int) bool { return refs > 0 }},
		{"large collections ranked at load", store.RankKidsFrom, func(refs int) bool { return refs >= store.RankKidsFrom }},
		{"none ranked at load", math.MaxInt, func(int) bool { return false }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func(from int) { store.RankKidsFrom = from }(store.RankKidsFrom)
			store.RankKidsFrom = tt.from
			testRelated(t, tt.ranked)
		})
	}
}

func testRelated(t *testing.T, rankedAtLoad func(refs int) bool) {
	ctx := context.Background()
	db, res := loadertest.LoadInto(t, filepath.Join(t.TempDir(), "r.db"), "../../testdata/python/shop4.json.gz")
	defer db.Close()
	snap := res.ID
	objects := make([]store.Object, res.Objects)
	refs := make([][]store.Reference, res.Objects)
	referrers := map[int64][]int64{}
	for oid := range res.Objects {
		var err error
		if objects[oid], err = db.Object(ctx, snap, oid); err != nil {
			t.Fatal(err)
		}
		if refs[oid], err = db.Refs(ctx, snap, oid); err != nil {
			t.Fatal(err)
		}
		for _, e := range refs[oid] {
			if l := referrers[e.To]; len(l) == 0 || l[len(l)-1] != oid {
				referrers[e.To] = append(l, oid)
			}
		}
	}
	byRefs := make([]int64, res.Objects)
	for i := range byRefs {
		byRefs[i] = int64(i)
	}
	slices.SortStableFunc(byRefs, func(a, b int64) int { return cmp.Compare(len(refs[b]), len(refs[a])) })
	mostReferred := slices.Collect(func(yield func(int64) bool) {
		for oid, l := range referrers {
			if len(l) > 50 && !yield(oid) {
				return
			}
		}
	})
	if len(refs[byRefs[0]]) < 2000 || len(mostReferred) == 0 {
		t.Fatalf("the sample has no large collection (%d references at most) or no object with many referrers", len(refs[byRefs[0]]))
	}
	ranked := func(ids []int64) []store.Object {
		out := make([]store.Object, 0, len(ids))
		for _, id := range ids {
			out = append(out, objects[id])
		}
		slices.SortStableFunc(out, func(a, b store.Object) int {
			if c := cmp.Compare(b.Retained, a.Retained); c != 0 {
				return c
			}
			return cmp.Compare(a.OID, b.OID)
		})
		return out
	}
	sample := append(byRefs[:5:5], 0, res.Objects-1)
	for oid := int64(1); oid < res.Objects; oid += 97 {
		sample = append(sample, oid)
	}
	for _, oid := range sample {
		if got, err := store.RankedKidsStored(ctx, db, snap, oid); err != nil || got != rankedAtLoad(len(refs[oid])) {
			t.Fatalf("object %d, %d references: kids ranked at load %v (%v)", oid, len(refs[oid]), got, err)
		}
		var kids []int64
		for _, e := range refs[oid] {
			kids = append(kids, e.To)
		}
		slices.Sort(kids)
		want := ranked(slices.Compact(kids))
		for _, n := range []int{0, 3} {
			got, total, err := db.Related(ctx, snap, oid, true, n)
			if err != nil {
				t.Fatal(err)
			}
			w := want
			if n > 0 && len(w) > n {
				w = w[:n]
			}
			if total != len(want) || !reflect.DeepEqual(got, w) && len(w) > 0 {
				t.Fatalf("kids of object %d, n %d: %d of %d, want %d of %d", oid, n, len(got), total, len(w), len(want))
			}
			// The references to each kid shown are those of all the references that go to it.
			if len(got) == 0 {
				continue
			}
			shown := make([]int64, len(got))
			wantRefs := make([][]store.Reference, len(got))
			for i, o := range got {
				shown[i] = o.OID
				for _, e := range refs[oid] {
					if e.To == o.OID {
						wantRefs[i] = append(wantRefs[i], e)
					}
				}
			}
			gotRefs, err := db.RefsTo(ctx, snap, oid, shown)
			if err != nil || !reflect.DeepEqual(gotRefs, wantRefs) {
				t.Fatalf("references of object %d to its first %d kids: %v (%v), want %v", oid, n, gotRefs, err, wantRefs)
			}
			if none, err := db.RefsTo(ctx, snap, oid, nil); err != nil || len(none) > 0 {
				t.Fatalf("references of object %d to no kid: %v (%v)", oid, none, err)
			}
		}
	}
	for _, oid := range mostReferred {
		got, total, err := db.Related(ctx, snap, oid, false, 0)
		if err != nil {
			t.Fatal(err)
		}
		if total != len(referrers[oid]) || len(got) != total {
			t.Fatalf("referrers of object %d: %d of %d, want %d", oid, len(got), total, len(referrers[oid]))
		}
		seen := map[int64]bool{}
		for i, o := range got {
			if o != objects[o.OID] || seen[o.OID] || !slices.Contains(referrers[oid], o.OID) ||
				i > 0 && o.Retained > got[i-1].Retained {
				t.Fatalf("referrers of object %d: %d is %+v, not a referrer in order as Object reads it", oid, i, o)
			}
			seen[o.OID] = true
		}
	}
}
