package analysis

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/store"
	"github.com/memsee/memsee/internal/store/page"
)

// generalize writes what Generalize writes, and a text that is not open generalizes on its own.
func TestGeneralize(t *testing.T) {
	tests := []struct {
		name, in, want string
		open           bool
	}{
		{"none", "module shop -> .x (list)", "module shop -> .x (list)", false},
		{"index", " -> [17] (Item)", " -> [*] (Item)", false},
		{"key", " -> ['SKU-1'] (dict)", " -> [*] (dict)", false},
		{"escaped quote", ` -> ['a\'b'] (str)`, " -> [*] (str)", false},
		{"bracket in key", " -> ['a]b'] (str)", " -> [*] (str)", false},
		{"java array", "(java.lang.String[])", "(java.lang.String[*])", false},
		{"unclosed", " -> [abc", " -> [abc", true},
		{"unclosed key", " -> ['abc", " -> ['abc", true},
		{"key then text", " -> ['a'x] (str)", " -> ['a'x] (str)", false},
		{"quote in index", " -> [a'b] (str)", " -> [a'b] (str)", false},
		{"bracket last", "x [", "x [", true},
		{"quote last", "x ['a'", "x ['a'", true},
		{"backslash last", `x ['a\`, `x ['a\`, true},
		{"escaped newline", "x ['a\\\nb'] (str)", "x ['a\\\nb'] (str)", false},
		{"two", "[1][2] [x] ['y']", "[*][*] [*] [*]", false},
		{"empty", "[]", "[*]", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, open := generalize(nil, tt.in)
			if string(got) != tt.want || open != tt.open {
				t.Errorf("generalize(%q): got %q, %v, want %q, %v", tt.in, got, open, tt.want, tt.open)
			}
			if want := Generalize(tt.in); string(got) != want {
				t.Errorf("generalize(%q): got %q, Generalize: %q", tt.in, got, want)
			}
		})
	}
}

// On random texts of the characters that matter to indexRE: generalize is Generalize, and
// Generalize(s+u) is generalize(s) and Generalize(u) when s is not open.
func TestGeneralizeRandom(t *testing.T) {
	const alphabet = "[]'\\\na. é"
	r := rand.New(rand.NewPCG(1, 2))
	text := func() string {
		b := make([]rune, r.IntN(12))
		for i := range b {
			b[i] = []rune(alphabet)[r.IntN(len([]rune(alphabet)))]
		}
		return string(b)
	}
	opens := 0
	for range 200000 {
		s, u := text(), text()
		g, open := generalize(nil, s)
		if string(g) != Generalize(s) {
			t.Fatalf("generalize(%q): got %q, Generalize: %q", s, g, Generalize(s))
		}
		if open {
			opens++
			continue
		}
		if got, want := string(g)+Generalize(u), Generalize(s+u); got != want {
			t.Fatalf("generalize(%q) + Generalize(%q): got %q, Generalize of both: %q", s, u, got, want)
		}
	}
	if opens == 0 {
		t.Errorf("no open text among the random ones")
	}
}

// mergeSlowly is the obvious answer PathsOfType must give: every instance's shortest path,
// spelled out (Walker.PathText), generalized, and summed by the text.
func mergeSlowly(ctx context.Context, db *store.DB, snap int64, typ string) ([]Held, error) {
	id, _, err := db.TypeID(ctx, typ)
	if err != nil {
		return nil, err
	}
	var oids []int64
	err = db.EachObjectPage(ctx, snap, func(first int64, p *page.Objects) error {
		for i := 0; i < p.N; i++ {
			if int64(p.Type.At(i)) == id {
				oids = append(oids, first+int64(i))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	w := NewWalker(db, snap)
	byPath := map[string]*Held{}
	keyOf := map[int64]string{}
	for _, oid := range oids {
		path, err := w.ShortestPath(ctx, oid)
		if err != nil {
			return nil, err
		}
		text, err := foldedText(ctx, w, path)
		if err != nil {
			return nil, err
		}
		o := path[len(path)-1]
		key := Generalize(text)
		if byPath[key] == nil {
			byPath[key] = &Held{Path: key}
		}
		byPath[key].Count++
		byPath[key].Bytes += o.Size
		byPath[key].Retained += o.Retained
		keyOf[oid] = key
	}
	// An instance dominated by another on its path does not add to its retained: the nearest
	// instance among its first maxFoldDominators dominators.
	for _, oid := range oids {
		cur := oid
		for range maxFoldDominators {
			o, err := w.Object(ctx, cur)
			if err != nil {
				return nil, err
			}
			if cur = o.IDom; cur < 0 {
				break
			}
			d, err := w.Object(ctx, cur)
			if err != nil {
				return nil, err
			}
			if d.Type == typ {
				if keyOf[cur] == keyOf[oid] {
					o, _ := w.Object(ctx, oid)
					byPath[keyOf[oid]].Retained -= o.Retained
				}
				break
			}
		}
	}
	var out []Held
	for _, h := range byPath {
		out = append(out, *h)
	}
	sortHeld(out)
	return out, nil
}

// foldedText is PathText with each run of objects of one type folded (folder).
func foldedText(ctx context.Context, w *Walker, path []store.Object) (string, error) {
	start, err := w.PathText(ctx, path[:1])
	if err != nil {
		return "", err
	}
	f := folder[string]{b: []byte(start)}
	for _, o := range path[1:] {
		if !heap.HiddenHop(o.Via) {
			f.step(o.Via, o.Type, typeLabel(o.Type))
		}
	}
	return string(f.b), nil
}

// On every runtime's sample, for each of its types: PathsOfType gives what the slow, obvious
// merge gives, group for group.
func TestPathsOfTypeAgainstSlowMerge(t *testing.T) {
	tests := []struct {
		name, file string
		typ        string // a type the sample's leak is made of, which must be among those checked
	}{
		{"python", "../../testdata/python/shop4.json.gz", "AuditEntry"},
		{"java", "../../testdata/java/heap4.hprof.gz", "shop.AuditEntry"},
		{"node", "../../testdata/node/heap4.heapsnapshot.gz", "Object"},
		{"go", "../../testdata/godump/heap4.dump.gz", ""},
		{"ruby", "../../testdata/ruby/rubyshop4.json.gz", "Shop::Session"},
		{"go tree", "../../testdata/godump/tree.dump.gz", treeNode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db, snap := loadSnapshot(t, tt.file)
			stats := typesByCount(ctx, t, db, snap) // the types with the most instances, and the leak's
			var types []string
			for i, s := range stats {
				if i < 25 || s.Type == tt.typ {
					types = append(types, s.Type)
				}
			}
			if tt.typ != "" && !slices.Contains(types, tt.typ) {
				t.Fatalf("%s: no type %s among %d", tt.name, tt.typ, len(stats))
			}
			groups := 0
			for _, typ := range types {
				got, want := bothMerges(t, db, snap, tt.name, typ)
				var n int64
				for _, h := range want {
					n += h.Count
				}
				if int64(got.Instances) != n || !slices.Equal(got.Held, want) || got.Paths != len(want) {
					t.Errorf("PathsOfType(%s, %s): %d instances, %d paths; the slow merge: %d, %d\n got %v\nwant %v",
						tt.name, typ, got.Instances, len(got.Held), n, len(want), head(got.Held), head(want))
				}
				// The first few only: the same, spelling out only those.
				for _, limit := range []int{1, 2, 5} {
					if limit >= len(want) {
						continue
					}
					got, err := PathsOfType(ctx, db, snap, typ, limit)
					if err != nil {
						t.Fatal(err)
					}
					if !slices.Equal(got.Held, want[:limit]) || got.Paths != len(want) {
						t.Errorf("PathsOfType(%s, %s, %d): %d of %d paths %v, want %d of %d %v",
							tt.name, typ, limit, len(got.Held), got.Paths, got.Held, limit, len(want), want[:limit])
					}
				}
				groups += len(want)
			}
			t.Logf("%s: %d types, %d paths", tt.name, len(types), groups)
		})
	}
}

// With a window of tries of a few instances, the instances of the samples' most numerous types
// are walked as the pages are read, or left for later, or skipped a window at a time, in turn:
// PathsOfType still gives what the slow merge gives.
func TestPathsOfTypeLeftForLater(t *testing.T) {
	defer func(w, s int) { tryWindow, skipOne = w, s }(tryWindow, skipOne)
	tryWindow, skipOne = 16, 3
	for _, file := range []string{"../../testdata/python/shop4.json.gz", "../../testdata/node/heap4.heapsnapshot.gz", "../../testdata/godump/tree.dump.gz"} {
		db, snap := loadSnapshot(t, file)
		mostNumerousAsSlowMerge(t, db, snap, file)
	}
}

// With room for one class of instances a page (stepClasses), or none, the instances of the
// others are worked out one by one: PathsOfType still gives what the slow merge gives.
func TestPathsOfTypeFewClasses(t *testing.T) {
	defer func(m int) { maxClasses = m }(maxClasses)
	for _, file := range []string{"../../testdata/python/shop4.json.gz", "../../testdata/java/heap4.hprof.gz", "../../testdata/godump/tree.dump.gz"} {
		db, snap := loadSnapshot(t, file)
		for _, m := range []int{0, 1} {
			maxClasses = m
			mostNumerousAsSlowMerge(t, db, snap, fmt.Sprintf("%s, %d classes", file, m))
		}
	}
}

// mostNumerousAsSlowMerge checks that PathsOfType gives what the slow merge gives for the
// eight most numerous types of snap; name says which snapshot, and how, in an error.
func mostNumerousAsSlowMerge(t *testing.T, db *store.DB, snap store.Snapshot, name string) {
	t.Helper()
	stats := typesByCount(context.Background(), t, db, snap)
	for _, s := range stats[:min(len(stats), 8)] {
		got, want := bothMerges(t, db, snap, name, s.Type)
		if !slices.Equal(got.Held, want) || got.Paths != len(want) {
			t.Errorf("PathsOfType(%s, %s): %d paths; the slow merge: %d\n got %v\nwant %v", name, s.Type, len(got.Held), len(want), head(got.Held), head(want))
		}
	}
}

// stepClasses puts the instances held through one reference in one class, every element index
// one reference; a hop paths leave out (even one written as an index) in none, nor those past
// maxClasses; and the objects that are not instances in none.
func TestStepClasses(t *testing.T) {
	defer func(m int) { maxClasses = m }(maxClasses)
	tests := []struct {
		name string
		vias []string
		max  int
		want []uint8 // by object; the last object is not an instance
	}{
		{"fields", []string{".a", ".b", ".a", ".b", ".c", ".a", ".x"}, 255, []uint8{1, 2, 1, 2, 3, 1, 0}},
		{"elements", []string{"[1]", "[2]", "['k']", "[x", ".a", "[3]", "[4]"}, 255, []uint8{1, 1, 1, 2, 3, 1, 0}},
		{"hidden", []string{".h", "[0]", "[1]", ".h", ".a", "[0]", "[5]"}, 255, []uint8{0, 0, 1, 0, 2, 0, 0}},
		{"full", []string{".a", ".b", ".c", ".a", ".c", ".b", ".d"}, 2, []uint8{1, 2, 0, 1, 0, 2, 0}},
		{"none", []string{".a", "[1]", ".a", ".b", "", "", ""}, 0, []uint8{0, 0, 0, 0, 0, 0, 0}},
		{"empty", []string{"", "", ".a", "", "[1]", "", ""}, 255, []uint8{1, 1, 2, 1, 3, 1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			maxClasses = tt.max
			var b page.Builder
			b.Reset()
			var found []instance
			for i, via := range tt.vias {
				b.Add(&page.Object{Type: 1, Len: -1, Distance: 1, Parent: 0, IDom: 0, Via: via})
				if i < len(tt.vias)-1 {
					found = append(found, instance{i: i})
				}
			}
			p, err := page.DecodeObjects(b.AppendObjects(nil), nil)
			if err != nil {
				t.Fatal(err)
			}
			var c stepClasses
			var slots classSlots
			c.sort(&typeWalk{hidden: []string{".h", "[0]"}}, p.Via.Rows(page.Rows{}, p.N), found, &slots)
			if got := c.of[:len(tt.vias)]; !slices.Equal(got, tt.want) {
				t.Errorf("classes %v, want %v", got, tt.want)
			}
			for k, key := range c.key {
				if want := string(stepKey(c.via[k])); string(key) != want {
					t.Errorf("class %d: key %q, its reference %q", k+1, key, c.via[k])
				}
			}
		})
	}
}

// bothMerges returns PathsOfType of typ, all of its paths, and what the slow merge gives.
func bothMerges(t *testing.T, db *store.DB, snap store.Snapshot, name, typ string) (*TypePaths, []Held) {
	t.Helper()
	ctx := context.Background()
	want, err := mergeSlowly(ctx, db, snap.ID, typ)
	if err != nil {
		t.Fatal(err)
	}
	got, err := PathsOfType(ctx, db, snap, typ, 0)
	if err != nil {
		t.Fatalf("PathsOfType(%s, %s): %v", name, typ, err)
	}
	return got, want
}

func head(h []Held) []Held { return h[:min(len(h), 3)] }

// treeNode is the type of the nodes of testdata/godump/tree.dump.gz.
const treeNode = "main.newNode (new 48 B)"

// The nodes of a binary tree, each with a path of its own, merge into five: the root, its two
// children, and below each child the rest folded into one step. A folded path's retained is
// that of the nodes at its top, which hold the others: no more than the child's above them.
func TestPathsOfTypeFoldsATree(t *testing.T) {
	ctx := context.Background()
	db, snap := loadSnapshot(t, "../../testdata/godump/tree.dump.gz")
	got, err := PathsOfType(ctx, db, snap, treeNode, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got.Instances != 3000 || got.Paths != 5 {
		t.Fatalf("%d instances on %d paths, want 3000 on 5: %v", got.Instances, got.Paths, got.Held)
	}
	label := " (" + treeNode + ")"
	byPath := map[string]Held{}
	var root string
	for _, h := range got.Held {
		byPath[h.Path] = h
		if h.Count == 1 && strings.Count(h.Path, " -> ") == 1 {
			root = h.Path
		}
	}
	if root == "" {
		t.Fatalf("no path to the root node: %v", got.Held)
	}
	var folded int64
	for _, side := range []string{"+0x0", "+0x8"} {
		child, ok := byPath[root+" -> "+side+label]
		fold, ok2 := byPath[root+" -> "+side+label+" -> …"+label]
		if !ok || !ok2 || child.Count != 1 {
			t.Fatalf("no child %s and its folded subtree under %s: %v", side, root, got.Held)
		}
		if fold.Retained > child.Retained || fold.Retained < 48*(fold.Count) {
			t.Errorf("the subtree under %s: %d nodes retain %d bytes, the child above them %d", side, fold.Count, fold.Retained, child.Retained)
		}
		folded += fold.Count
	}
	if folded != 2997 || byPath[root].Retained < 48*3000 {
		t.Errorf("%d nodes folded, want 2997; the root retains %d", folded, byPath[root].Retained)
	}
}

// A type no snapshot has, or one another snapshot has, is an error that names similar types.
func TestPathsOfTypeNone(t *testing.T) {
	ctx := context.Background()
	db, snap := loadSnapshot(t, "../../testdata/python/shop1.json.gz")
	tests := []struct{ name, typ, want string }{
		{"unknown", "NoSuchType", `has no objects of type "NoSuchType"`},
		{"similar", "auditentr", "did you mean AuditEntry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := PathsOfType(ctx, db, snap, tt.typ, 0)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("PathsOfType(%s): got %v, want an error with %q", tt.name, err, tt.want)
			}
		})
	}
}

// Damaged pages are an error, never a panic or a hang.
func TestPathsOfTypeDamaged(t *testing.T) {
	tests := []struct {
		name   string
		damage func(i int, o *page.Object)
	}{
		{"parent past the end", func(i int, o *page.Object) {
			if o.Parent >= 0 {
				o.Parent = 1 << 40
			}
		}},
		{"parents loop", func(i int, o *page.Object) {
			if o.Parent >= 0 {
				o.Parent = int64(i)
			}
		}},
		{"no such type", func(i int, o *page.Object) {
			if o.Parent >= 0 {
				o.Type = 1 << 33
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			// Every object of the first page is damaged, and "str" has instances there.
			db, snap := withFirstPage(t, tt.damage, false)
			_, err := PathsOfType(ctx, db, snap, "str", 0)
			t.Logf("PathsOfType(%s): %v", tt.name, err)
			if err == nil {
				t.Errorf("PathsOfType(%s): no error", tt.name)
			}
		})
	}
}

// Paths whose texts stay open (a '[' that more text could close) are spelled out whole: with
// such references written into a sample's first page, PathsOfType still gives what the slow
// merge gives.
func TestPathsOfTypeOpenTexts(t *testing.T) {
	tests := []struct {
		name string
		via  func(i int, via string) string
	}{
		{"unclosed bracket", func(i int, via string) string { return "[" + via }},
		{"unclosed quote", func(i int, via string) string { return "['" + via }},
		{"closed later", func(i int, via string) string {
			if i%2 == 0 {
				return "[" + via
			}
			return via + "]"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, snap := withFirstPage(t, func(i int, o *page.Object) {
				if o.Parent >= 0 && i%3 == 0 {
					o.Via = tt.via(i, o.Via)
				}
			}, false)
			for _, typ := range []string{"str", "dict", "tuple", "list", "AuditEntry"} {
				got, want := bothMerges(t, db, snap, tt.name, typ)
				if !slices.Equal(got.Held, want) && testing.Verbose() {
					for _, h := range want {
						if !slices.Contains(got.Held, h) {
							t.Logf("only slow: %v", h)
						}
					}
					for _, h := range got.Held {
						if !slices.Contains(want, h) {
							t.Logf("only fast: %v", h)
						}
					}
				}
				if !slices.Equal(got.Held, want) {
					t.Errorf("PathsOfType(%s, %s): %d paths; the slow merge: %d\n got %v\nwant %v",
						tt.name, typ, len(got.Held), len(want), head(got.Held), head(want))
				}
			}
		})
	}
}

// typesByCount returns the types of a snapshot, those with the most instances first.
func typesByCount(ctx context.Context, t *testing.T, db *store.DB, snap store.Snapshot) []store.TypeStatRow {
	t.Helper()
	stats, err := db.TypeStats(ctx, snap.ID)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(stats, func(a, b store.TypeStatRow) int {
		if a.Count != b.Count {
			return int(b.Count - a.Count)
		}
		return strings.Compare(a.Type, b.Type)
	})
	return stats
}
