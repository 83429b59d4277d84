package analysis

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/memsee/memsee/internal/store"
	"github.com/memsee/memsee/internal/store/page"
)

// push makes stacks of at most MaxDepth frames, the objects MaxDepth or more deep all in a
// "…" frame, the last; and one stack per path of frames.
func TestFlamePush(t *testing.T) {
	tests := []struct {
		name     string
		maxDepth int
		chain    []string // frames, root first
		want     []string // the stack made for the chain, root first
	}{
		{"short", 4, []string{"a", "b"}, []string{"a", "b"}},
		{"one under max", 4, []string{"a", "b", "c"}, []string{"a", "b", "c"}},
		{"at max", 4, []string{"a", "b", "c", "d"}, []string{"a", "b", "c", "…"}},
		{"one over", 4, []string{"a", "b", "c", "d", "e"}, []string{"a", "b", "c", "…"}},
		{"far over", 3, []string{"a", "b", "c", "d", "e", "f"}, []string{"a", "b", "…"}},
		{"min depth", 2, []string{"a", "b", "c"}, []string{"a", "…"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFlameBuilder(store.Snapshot{}, FlameOptions{MaxDepth: tt.maxDepth})
			s := int32(-1)
			var err error
			for _, fr := range tt.chain {
				if s, err = b.push(s, b.frame(fr)); err != nil {
					t.Fatal(err)
				}
			}
			var got []string
			for _, fr := range b.f.Stack(s, nil) {
				got = append(got, b.f.Frames[fr])
			}
			slices.Reverse(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("push(%s): got %q, want %q", tt.name, got, tt.want)
			}
			// The same chain again makes no stack.
			n := len(b.f.Parent)
			s = -1
			for _, fr := range tt.chain {
				s, _ = b.push(s, b.frame(fr))
			}
			if len(b.f.Parent) != n {
				t.Errorf("push(%s) twice: %d stacks, then %d", tt.name, n, len(b.f.Parent))
			}
		})
	}
}

// On every runtime's sample: the stacks hold every object and byte of the snapshot once, and
// a stack's cumulative bytes (its own and those of the stacks below it) are what the objects
// whose stack it is retain, as the database stores it: a frame's width is a retained size.
func TestFlameOfDumps(t *testing.T) {
	tests := []struct {
		name, file string
		holder     string // a frame the leak's holder gets, as leaks names it
	}{
		{"python", "../../testdata/python/shop4.json.gz", "module shop: _audit_log (list)"},
		{"java", "../../testdata/java/heap4.hprof.gz", "shop.Shop.AUDIT_LOG (ArrayList)"},
		{"node", "../../testdata/node/heap4.heapsnapshot.gz", "globalThis.priceTable (Map)"},
		{"go", "../../testdata/godump/heap4.dump.gz", ""},
		{"ruby", "../../testdata/ruby/rubyshop4.json.gz", "Shop::SessionStore.@sessions (Array)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db, snap := loadSnapshot(t, tt.file)
			for _, depth := range []int{DefaultFlameDepth, 6} {
				b := newFlameBuilder(snap, FlameOptions{MaxDepth: depth, NameFloor: NameFloorOf(snap), MaxNamed: DefaultMaxNamed})
				if err := b.graph(ctx, db); err != nil {
					t.Fatal(err)
				}
				f := b.f
				objects, bytes := f.Totals()
				if objects != snap.Objects || bytes != snap.Bytes {
					t.Errorf("depth %d: stacks hold %d objects, %d bytes; the snapshot %d, %d", depth, objects, bytes, snap.Objects, snap.Bytes)
				}
				checkCumulative(t, db, snap.ID, f, b.stackOf)
				if tt.holder != "" && depth == DefaultFlameDepth && !slices.Contains(f.Frames, tt.holder) {
					t.Errorf("no frame %q among %d", tt.holder, len(f.Frames))
				}
				if depth == 6 && f.Capped == 0 && tt.name != "go" {
					t.Errorf("depth 6: nothing capped")
				}
			}
		})
	}
}

// checkCumulative checks that each stack's cumulative bytes are the retained bytes of the
// objects whose stack it is, but for the stacks that are not objects: "…" and the unreachable.
func checkCumulative(t *testing.T, db *store.DB, snap int64, f *Flame, stackOf []uint32) {
	t.Helper()
	n := len(f.Parent)
	cum := slices.Clone(f.Bytes)
	for s := n - 1; s >= 0; s-- { // a stack is made after the stack it extends
		if p := f.Parent[s]; p >= 0 {
			if p >= int32(s) {
				t.Fatalf("stack %d extends a later stack %d", s, p)
			}
			cum[p] += cum[s]
		}
	}
	retained := make([]int64, n)
	err := db.EachObjectPage(context.Background(), snap, func(first int64, p *page.Objects) error {
		for i := 0; i < p.N; i++ {
			retained[stackOf[first+int64(i)]] += int64(p.Retained.At(i))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	bad := 0
	for s := range n {
		label := f.Frames[f.Frame[s]]
		if label == Ellipsis || label == Unreachable {
			continue
		}
		if cum[s] != retained[s] {
			bad++
			if bad <= 5 {
				t.Errorf("stack %d (%s): cumulative %d bytes, its objects retain %d", s, label, cum[s], retained[s])
			}
		}
	}
	if bad > 5 {
		t.Errorf("... %d stacks in all differ", bad)
	}
}

// A heap profile's stacks are its allocation stacks, outermost first, with what is in use.
func TestFlameOfProfile(t *testing.T) {
	ctx := context.Background()
	db, snap := loadSnapshot(t, "../../testdata/go/heap4.pb.gz")
	f, err := FlameOf(ctx, db, snap, FlameOptions{})
	if err != nil {
		t.Fatal(err)
	}
	totals, err := db.ProfileTotals(ctx, snap.ID)
	if err != nil {
		t.Fatal(err)
	}
	objects, bytes := f.Totals()
	if objects != totals[0] || bytes != totals[1] {
		t.Errorf("stacks hold %d objects, %d bytes; the profile %d, %d in use", objects, bytes, totals[0], totals[1])
	}
	found := false
	for s := range f.Parent {
		var names []string
		for _, fr := range f.Stack(int32(s), nil) {
			names = append(names, f.Frames[fr])
		}
		if f.Bytes[s] > 0 && names[0] == "main.newAuditEntry" && names[len(names)-1] == "runtime.main" {
			found = true
		}
		if f.Bytes[s] > 0 && strings.HasPrefix(names[len(names)-1], "main.") {
			t.Errorf("stack %q starts inside main, not at the goroutine's start", names)
		}
	}
	if !found {
		t.Errorf("no stack from runtime.main to main.newAuditEntry")
	}
}

// A damaged database makes FlameOf fail with an error, never panic: a page cut short, a
// dominator past the snapshot's objects, dominators that loop, a type the table lacks. Each
// damage rewrites the first object page of a real Python dump.
func TestReliabilityFlameDamaged(t *testing.T) {
	tests := []struct {
		name   string
		damage func(i int, o *page.Object) // o is object i of the first page
		cut    bool                        // the page's blob is cut short instead
	}{
		{"page cut short", nil, true},
		{"dominator past the end", func(i int, o *page.Object) {
			if i == 3 {
				o.IDom = 1 << 40
			}
		}, false},
		{"dominators loop", func(i int, o *page.Object) {
			switch i {
			case 0:
				o.IDom = 1
			case 1:
				o.IDom = 0
			}
		}, false},
		{"no such type", func(i int, o *page.Object) {
			if i == 5 {
				o.Type = 1 << 33
			}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db, snap := withFirstPage(t, tt.damage, tt.cut)
			_, err := FlameOf(ctx, db, snap, FlameOptions{})
			t.Logf("FlameOf(%s): %v", tt.name, err)
			if err == nil {
				t.Errorf("FlameOf(%s): no error", tt.name)
			}
		})
	}
}
