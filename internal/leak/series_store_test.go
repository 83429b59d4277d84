package leak

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/memsee/memsee/internal/analysis"
	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/loader/loadertest"
	"github.com/memsee/memsee/internal/store"
)

// These tests build real databases in a temporary directory: heap profiles written through a
// store load transaction with chosen in-use bytes per allocation site, and the committed
// Python dumps loaded through the loader, and check the series, findings and budgets that
// SiteSeries, HolderSeries, keySeries, Find and Check read from them against values worked
// out by hand.

// site is what one allocation site holds in one snapshot: its stack, innermost first and
// comma-separated (main.main is added as the outermost frame), and its in-use bytes. Objects
// are bytes/100. Sites of zero bytes are not written (absent from the snapshot).
type site struct {
	stack string
	bytes int64
}

// t0 is the time of the first snapshot; each one after is an hour later.
var t0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func openStore(t *testing.T) *store.DB {
	t.Helper()
	return loadertest.Open(t, filepath.Join(t.TempDir(), "leak.db"))
}

// addProfiles loads one heap profile per element of snaps, in one transaction, the i-th
// taken at t0 + hours[i] hours (t0 + i hours when hours is nil), and returns the snapshots in
// load order.
func addProfiles(t *testing.T, db *store.DB, hours []int, snaps ...[]site) []store.Snapshot {
	t.Helper()
	ctx := context.Background()
	l, err := db.BeginLoad(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Rollback()
	main, err := l.Function(ctx, "main.main")
	if err != nil {
		t.Fatal(err)
	}
	before, err := db.Snapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, sites := range snaps {
		var samples []store.ProfileSample
		for _, s := range sites {
			if s.bytes == 0 {
				continue
			}
			var funcs []int64
			for _, name := range strings.Split(s.stack, ",") {
				f, err := l.Function(ctx, name)
				if err != nil {
					t.Fatal(err)
				}
				funcs = append(funcs, f)
			}
			id, err := l.Site(ctx, append(funcs, main), "x.go:1")
			if err != nil {
				t.Fatal(err)
			}
			x := store.ProfileSample{Site: id}
			x.Values[heap.InuseObjects] = s.bytes / 100
			x.Values[heap.InuseBytes] = s.bytes
			samples = append(samples, x)
		}
		h := i
		if hours != nil {
			h = hours[i]
		}
		label := fmt.Sprintf("p%d", len(before)+i+1)
		taken := t0.Add(time.Duration(h) * time.Hour)
		if _, err := l.AddProfile(ctx, store.NewSnapshot{Label: label, Source: label + ".pb.gz", SHA256: label,
			Format: "pprof", Kind: heap.KindProfile, TakenAt: taken, TakenFrom: "dump", LoadedAt: t0}, samples); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Commit(); err != nil {
		t.Fatal(err)
	}
	all, err := db.Snapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return all[len(before):]
}

// seriesOf makes one snapshot per value, in which the site stack holds that many bytes.
func seriesOf(stack string, bytes ...int64) [][]site {
	out := make([][]site, len(bytes))
	for i, b := range bytes {
		out[i] = []site{{stack, b}}
	}
	return out
}

func TestSiteSeries(t *testing.T) {
	ctx := context.Background()
	db := openStore(t)
	snaps := addProfiles(t, db, nil,
		[]site{{"grow", 1000}, {"flat", 5000}, {"shrink", 9000}, {"inner,outer", 0}, {"small", 100}},
		[]site{{"grow", 2000}, {"flat", 5000}, {"shrink", 6000}, {"inner,outer", 4000}, {"small", 200}},
		[]site{{"grow", 3000}, {"flat", 5000}, {"shrink", 3000}, {"inner,outer", 4000}, {"small", 300}},
	)
	pts := func(b ...int64) []Point {
		out := make([]Point, len(b))
		for i, x := range b {
			out[i] = Point{Count: x / 100, Bytes: x}
		}
		return out
	}
	grow := Series{Key: "grow ← main.main @ x.go:1", What: "grow", Holder: "grow ← main.main", Points: pts(1000, 2000, 3000)}
	nested := Series{Key: "inner ← outer ← main.main @ x.go:1", What: "inner", Holder: "inner ← outer ← main.main", Points: pts(0, 4000, 4000)}
	small := Series{Key: "small ← main.main @ x.go:1", What: "small", Holder: "small ← main.main", Points: pts(100, 200, 300)}
	tests := []struct {
		name      string
		minGrowth int64
		want      []Series // in the order the sites were first seen (inner,outer is absent at first); Anchor not compared
	}{
		// Flat and shrinking sites are never returned; a site absent at first starts at 0.
		{"no floor", 0, []Series{grow, small, nested}},
		{"floor 200: growth of exactly 200 is kept", 200, []Series{grow, small, nested}},
		{"floor 201", 201, []Series{grow, nested}},
		{"floor 2000", 2000, []Series{grow, nested}},
		{"floor 2001", 2001, []Series{nested}},
		{"floor above all", 4001, nil},
	}
	for _, tt := range tests {
		got, err := SiteSeries(ctx, db, snaps, tt.minGrowth)
		if err != nil {
			t.Fatalf("SiteSeries(%s): %v", tt.name, err)
		}
		for i := range got {
			if got[i].Anchor <= 0 {
				t.Errorf("SiteSeries(%s): %s has anchor %d, want its site id", tt.name, got[i].Key, got[i].Anchor)
			}
			got[i].Anchor = 0
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SiteSeries(%s):\n got %+v\nwant %+v", tt.name, got, tt.want)
		}
	}
}

func TestFindProfiles(t *testing.T) {
	o := Options{MinBytes: 64 << 10, MinGrowth: 0.1}
	tests := []struct {
		name  string
		bytes []int64 // of the one site, per snapshot, an hour apart
		kind  Kind    // "" when not reported
		step  int
		steps int
		// growth and per snapshot, in bytes (objects are bytes/100 at every snapshot)
		growth, per int64
	}{
		{"grows at every step", []int64{100000, 200000, 300000, 400000}, Incremental, 0, 3, 300000, 100000},
		{"grows at every step, new after the first", []int64{0, 100000, 200000, 300000}, Incremental, 0, 3, 300000, 100000},
		// G = 250000, tol = min(25000, 41666): up, flat, up.
		{"grows at two of three steps", []int64{0, 100000, 100000, 250000}, Incremental, 0, 2, 250000, 83333},
		{"three snapshots, both up", []int64{100000, 200000, 300000}, Incremental, 0, 2, 200000, 100000},
		{"up at the first step, then flat", []int64{50000, 500000, 500000, 500000}, Static, 1, 1, 450000, 150000},
		{"up at the second step, then flat", []int64{50000, 50000, 500000, 500000}, Static, 2, 1, 450000, 150000},
		// Within tol = min(45000, 75000) after the jump: still flat.
		{"static with noise", []int64{50000, 500000, 460000, 500000}, Static, 1, 1, 450000, 150000},
		{"up at the last step only", []int64{50000, 50000, 50000, 500000}, Undecided, 3, 1, 450000, 150000},
		{"two snapshots", []int64{50000, 500000}, Undecided, 1, 1, 450000, 450000},
		{"up then down", []int64{50000, 500000, 500000, 50000}, "", 0, 0, 0, 0},
		// G = 150000, tol 15000: the step down of 300000 is churn though it ends higher.
		{"up then partly down", []int64{50000, 500000, 200000, 200000}, "", 0, 0, 0, 0},
		{"flat", []int64{500000, 500000, 500000, 500000}, "", 0, 0, 0, 0},
		{"gone at the end", []int64{100000, 200000, 300000, 0}, "", 0, 0, 0, 0},
		// MinBytes is 65536: 65535 is below it, 65536 is enough.
		{"below MinBytes", []int64{0, 21845, 43690, 65535}, "", 0, 0, 0, 0},
		{"at MinBytes", []int64{0, 21846, 43691, 65536}, Incremental, 0, 3, 65536, 21845},
		// MinGrowth is 10% of 1000000: 90000 is below it, 120000 is not.
		{"below MinGrowth", []int64{1000000, 1030000, 1060000, 1090000}, "", 0, 0, 0, 0},
		{"at MinGrowth", []int64{1000000, 1040000, 1080000, 1120000}, Incremental, 0, 3, 120000, 40000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openStore(t)
			snaps := addProfiles(t, db, nil, seriesOf("leaky", tt.bytes...)...)
			fs, err := Find(context.Background(), db, snaps, o)
			if err != nil {
				t.Fatal(err)
			}
			if tt.kind == "" {
				if len(fs) != 0 {
					t.Fatalf("reported %+v, want nothing", fs)
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("got %d findings %+v, want one %s", len(fs), fs, tt.kind)
			}
			f := fs[0]
			if f.Kind != tt.kind || f.Step != tt.step || f.Steps != tt.steps {
				t.Errorf("kind %s step %d steps %d, want %s %d %d", f.Kind, f.Step, f.Steps, tt.kind, tt.step, tt.steps)
			}
			if f.Key != "leaky ← main.main @ x.go:1" || f.What != "leaky" || f.Holder != "leaky ← main.main" {
				t.Errorf("key %q what %q holder %q", f.Key, f.What, f.Holder)
			}
			n := int64(len(tt.bytes) - 1)
			wantGrowth := Point{Count: tt.bytes[n]/100 - tt.bytes[0]/100, Bytes: tt.growth}
			wantPer := Point{Count: wantGrowth.Count / n, Bytes: tt.per}
			if f.Growth != wantGrowth || f.PerSnapshot != wantPer {
				t.Errorf("growth %+v per snapshot %+v, want %+v and %+v", f.Growth, f.PerSnapshot, wantGrowth, wantPer)
			}
			if want := float64(tt.growth) / float64(n); f.BytesPerHour != want {
				t.Errorf("%.1f bytes/h, want %.1f", f.BytesPerHour, want)
			}
		})
	}
}

// Several sites in one series: each classified on its own, the findings sorted by kind and
// growth, and the thresholds applied to each site.
func TestFindProfilesSorted(t *testing.T) {
	db := openStore(t)
	snaps := addProfiles(t, db, nil,
		[]site{{"inc.small", 100000}, {"static", 0}, {"inc.big", 0}, {"churn", 100000}, {"noise", 0}},
		[]site{{"inc.small", 200000}, {"static", 900000}, {"inc.big", 200000}, {"churn", 900000}, {"noise", 1000}},
		[]site{{"inc.small", 300000}, {"static", 900000}, {"inc.big", 400000}, {"churn", 100000}, {"noise", 2000}},
		[]site{{"inc.small", 400000}, {"static", 900000}, {"inc.big", 600000}, {"churn", 900000}, {"noise", 3000}},
	)
	fs, err := Find(context.Background(), db, snaps, Options{MinBytes: 64 << 10, MinGrowth: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, fmt.Sprintf("%s %s +%d", f.Kind, f.What, f.Growth.Bytes))
	}
	want := []string{"incremental inc.big +600000", "incremental inc.small +300000", "static static +900000"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings %q, want %q", got, want)
	}
	if fs, err := Find(context.Background(), db, nil, Options{}); fs != nil || err != nil {
		t.Errorf("Find of no snapshots: %v, %v; want nothing", fs, err)
	}
}

// loadDumps loads the committed Python dumps named, one load transaction each, and returns
// the snapshots in load order.
func loadDumps(t *testing.T, names ...string) (*store.DB, []store.Snapshot) {
	t.Helper()
	db := openStore(t)
	var files []string
	for _, n := range names {
		files = append(files, filepath.Join("..", "..", "testdata", "python", n+".json.gz"))
	}
	loadertest.Load(t, db, files...)
	snaps, err := db.Snapshots(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return db, snaps
}

// loadShop loads the four shop dumps, and gives the options leaks finds their leaks with by
// default. It skips a -short run.
func loadShop(t *testing.T) (context.Context, Options, *store.DB, []store.Snapshot) {
	t.Helper()
	if testing.Short() {
		t.Skip("loads the shop dumps")
	}
	db, snaps := loadDumps(t, "shop1", "shop2", "shop3", "shop4")
	return context.Background(), Options{MinBytes: DefaultMinBytes, MinGrowth: 0.1}, db, snaps
}

// The two planted leaks of the shop dumps (testdata/python/README.md): _audit_log gains 300
// AuditEntry per step; PRICE_TABLE gains 2000 Product (with their str) before shop2 and stays
// flat. The churn dumps plant none.
func TestFindDumps(t *testing.T) {
	ctx, o, db, snaps := loadShop(t)
	var told []string // what Progress was told, snapshot by snapshot
	withProgress := o
	withProgress.Progress = func(i, n int, label string) { told = append(told, fmt.Sprintf("%d/%d %s", i+1, n, label)) }
	fs, err := Find(ctx, db, snaps, withProgress)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"1/4 shop1", "2/4 shop2", "3/4 shop3", "4/4 shop4"}; !slices.Equal(told, want) {
		t.Errorf("Progress told %q, want %q", told, want)
	}
	if len(fs) != 2 {
		t.Fatalf("got %d findings, want 2: %+v", len(fs), fs)
	}
	inc, st := fs[0], fs[1]
	if inc.Kind != Incremental || inc.What != "AuditEntry" || inc.Holder != "module shop: _audit_log (list)" ||
		inc.Steps != 3 || inc.PerSnapshot.Count != 300 || inc.Holders != 1 {
		t.Errorf("incremental: %s %q held by %q, %d steps, %+v per snapshot, %d holders; want AuditEntry by module shop: _audit_log (list), 3 steps, 300 objects per snapshot, 1 holder",
			inc.Kind, inc.What, inc.Holder, inc.Steps, inc.PerSnapshot, inc.Holders)
	}
	// README: about 124 KB per step (120430 -> 492300 retained by the list).
	if g := inc.PerSnapshot.Bytes; g < 115000 || g > 130000 {
		t.Errorf("incremental: %d bytes per snapshot, want about 124000", g)
	}
	if st.Kind != Static || st.What != "Product, str" || st.Holder != "module shop: PRICE_TABLE (dict)" || st.Step != 1 || st.Steps != 1 {
		t.Errorf("static: %s %q held by %q at step %d (%d steps); want Product, str by module shop: PRICE_TABLE (dict) at step 1",
			st.Kind, st.What, st.Holder, st.Step, st.Steps)
	}
	// README: about 0.93 MB retained by the table, part of it the dict itself.
	if g := st.Growth.Bytes; g < 800000 || g > 934099 {
		t.Errorf("static: grew by %d bytes, want 800000..934099", g)
	}

	// The series under the findings: the AuditEntry key grows at every snapshot.
	series, _, err := HolderSeries(ctx, db, snaps, o.MinBytes/64, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var audit *Series
	for i := range series {
		if series[i].Key == "module shop -> ._audit_log (list) holds AuditEntry" {
			audit = &series[i]
		}
	}
	if audit == nil {
		t.Fatal("no series for the AuditEntry held by _audit_log")
	}
	for i, p := range audit.Points {
		if p.Count != int64(300*(i+1)) {
			t.Errorf("AuditEntry in snapshot %d: %d, want %d", i+1, p.Count, 300*(i+1))
		}
		if i > 0 && p.Bytes <= audit.Points[i-1].Bytes {
			t.Errorf("AuditEntry bytes %v do not grow at every snapshot", audit.Points)
		}
	}
	if audit.Anchor < 0 {
		t.Errorf("AuditEntry anchor %d, want the list's object id", audit.Anchor)
	}

	db, snaps = loadDumps(t, "churn1", "churn2", "churn3", "churn4")
	fs, err = Find(ctx, db, snaps, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 0 {
		t.Errorf("churn: got %+v, want nothing", fs)
	}
}

// HolderSeries matches holders across snapshots by the sums of their paths and names and spells
// out only the series it keeps: those must be the series it gives when it keeps all, texts and
// all. A database whose holders were named before their sums were recorded (no holder_key
// rows), or whose load named only some of them, gives the same findings.
func TestHolderSeriesSpellsWhatItKeeps(t *testing.T) {
	ctx, o, db, snaps := loadShop(t)
	times := Times(snaps)
	reported := func(s Series) bool { _, ok := classify(times, s, o); return ok }
	all, _, err := HolderSeries(ctx, db, snaps, o.MinBytes/64, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var want []Series
	last := snaps[len(snaps)-1]
	w := analysis.NewWalker(db, last.ID)
	rules := heap.HolderRulesOf(heap.Format(last.Format))
	checked := 0
	for _, s := range all {
		if s.id.how == holds && s.Anchor >= 0 {
			// The path of any of its holders, from the walker rather than what the load recorded.
			n, err := analysis.HolderName(ctx, w, rules, s.Anchor)
			if err != nil {
				t.Fatal(err)
			}
			if s.Path != n.Path || s.Key != n.Path+" holds "+s.What {
				t.Errorf("series of %s held by %d: path %q, key %q; want the path %q", s.What, s.Anchor, s.Path, s.Key, n.Path)
			}
			checked++
		}
		if reported(s) {
			want = append(want, s)
		}
	}
	if checked == 0 || len(want) == 0 || len(want) == len(all) {
		t.Fatalf("%d of %d series reported, %d spellings checked: the test needs some of each", len(want), len(all), checked)
	}
	kept, _, err := HolderSeries(ctx, db, snaps, o.MinBytes/64, reported, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(kept, want) {
		t.Errorf("kept series:\n%+v\nwant those of all reported:\n%+v", kept, want)
	}

	found, err := Find(ctx, db, snaps, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, change := range []string{
		"DELETE FROM holder_key",                                // named before schema 7
		"DELETE FROM holder WHERE oid % 2 = 0 AND snapshot > 1", // and some not named at all
	} {
		if _, err := db.Query(ctx, change, store.QueryOptions{Write: true}); err != nil {
			t.Fatal(err)
		}
		got, err := Find(ctx, db, snaps, o)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, found) {
			t.Errorf("after %s:\n%+v\nwant\n%+v", change, got, found)
		}
	}
}
