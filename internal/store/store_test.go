package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/store/page"
)

func openTemp(t testing.TB) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// addProfile adds a snapshot with n sites named f0..f(n-1), each holding i+1 objects of 8 bytes.
func addProfile(t *testing.T, l *Load, label string, n int) int64 {
	t.Helper()
	ctx := context.Background()
	main, err := l.Function(ctx, "main.main")
	if err != nil {
		t.Fatal(err)
	}
	sites := make([]ProfileSample, n)
	for i := range sites {
		f, err := l.Function(ctx, fmt.Sprintf("f%d", i))
		if err != nil {
			t.Fatal(err)
		}
		site, err := l.Site(ctx, []int64{f, main}, "x.go:1")
		if err != nil {
			t.Fatal(err)
		}
		sites[i] = ProfileSample{Site: site}
		sites[i].Values[heap.InuseObjects] = int64(i + 1)
		sites[i].Values[heap.InuseBytes] = int64(8 * (i + 1))
	}
	id, err := l.AddProfile(ctx, NewSnapshot{Label: label, Source: label, SHA256: label,
		Format: "pprof", Kind: heap.KindProfile, LoadedAt: time.Unix(0, 0)}, sites)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestMigrateReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	for i := 0; i < 2; i++ {
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("open #%d: %v", i+1, err)
		}
		v, err := db.SchemaVersion(ctx)
		if err != nil || v != LatestSchema() {
			t.Errorf("open #%d: schema version %d, %v; want %d", i+1, v, err, LatestSchema())
		}
		db.Close()
	}
}

// TestSiteHashStable pins siteHash: it is stored in databases, so a change would split every
// site loaded before it from the same site loaded after. The wanted values are FNV-1a (64) of
// the ids' uvarint bytes, computed with hash/fnv.
func TestSiteHashStable(t *testing.T) {
	for _, funcs := range [][]int64{{1}, {1, 2, 3}, {127, 128, 300, 1 << 40}, {0}} {
		h := fnv.New64a()
		var b [binary.MaxVarintLen64]byte
		for _, f := range funcs {
			h.Write(b[:binary.PutUvarint(b[:], uint64(f))])
		}
		if got, want := siteHash(funcs), int64(h.Sum64()); got != want {
			t.Errorf("siteHash(%v): got %d, want %d", funcs, got, want)
		}
	}
}

func TestSchemaTooNew(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.db.Exec("INSERT INTO schema_version VALUES (?, 'x')", LatestSchema()+1); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Open(ctx, path)
	if !errors.Is(err, ErrSchemaTooNew) || !strings.Contains(err.Error(), fmt.Sprint(LatestSchema()+1)) {
		t.Errorf("Open on a newer schema: got %v, want ErrSchemaTooNew naming both versions", err)
	}
}

// TestBatchBoundaries loads site counts around the batch size, so that full batches, partial
// batches and both together are written, and checks every row arrived.
func TestBatchBoundaries(t *testing.T) {
	ctx := context.Background()
	for _, n := range []int{0, 1, 499, 500, 501, 1000, 1234} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			db := openTemp(t)
			l, err := db.BeginLoad(ctx)
			if err != nil {
				t.Fatal(err)
			}
			id := addProfile(t, l, "a", n)
			if err := l.Commit(); err != nil {
				t.Fatal(err)
			}
			g, err := db.ProfileGroups(ctx, id, ByFunction)
			if err != nil {
				t.Fatal(err)
			}
			if len(g) != n {
				t.Errorf("AddProfile(%d sites): %d groups back", n, len(g))
			}
			tot, err := db.ProfileTotals(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if want := int64(n * (n + 1) / 2); tot[heap.InuseObjects] != want || tot[heap.InuseBytes] != 8*want {
				t.Errorf("AddProfile(%d sites): totals %v, want %d objects, %d bytes", n, tot, want, 8*want)
			}
		})
	}
}

func TestSitesShared(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	l, _ := db.BeginLoad(ctx)
	addProfile(t, l, "a", 10)
	addProfile(t, l, "b", 20) // f0..f9 again, and ten new
	if err := l.Commit(); err != nil {
		t.Fatal(err)
	}
	var n int
	db.db.QueryRow("SELECT count(*) FROM site").Scan(&n)
	if n != 20 {
		t.Errorf("sites after two loads sharing ten: %d, want 20", n)
	}
	// A later load finds the sites written by an earlier one.
	l, _ = db.BeginLoad(ctx)
	addProfile(t, l, "c", 25)
	if err := l.Commit(); err != nil {
		t.Fatal(err)
	}
	db.db.QueryRow("SELECT count(*) FROM site").Scan(&n)
	if n != 25 {
		t.Errorf("sites after a third load: %d, want 25", n)
	}
	if err := db.Remove(ctx, 3); err != nil {
		t.Fatal(err)
	}
	db.db.QueryRow("SELECT count(*) FROM site").Scan(&n)
	if n != 20 {
		t.Errorf("sites after removing the only user of five: %d, want 20", n)
	}
}

// TestSameSiteTwice gives AddProfile two samples of one site, as a profile does when two of its
// functions share a name: they are summed, not stored twice.
func TestSameSiteTwice(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	l, _ := db.BeginLoad(ctx)
	f, _ := l.Function(ctx, "main.f")
	site, _ := l.Site(ctx, []int64{f}, "")
	again, _ := l.Site(ctx, []int64{f}, "other.go:2")
	if again != site {
		t.Fatalf("Site: the same stack got ids %d and %d", site, again)
	}
	x := ProfileSample{Site: site}
	x.Values[heap.InuseBytes] = 10
	id, err := l.AddProfile(ctx, NewSnapshot{Label: "a", Kind: heap.KindProfile}, []ProfileSample{x, x})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Commit(); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	tot, _ := db.ProfileTotals(ctx, id)
	if tot[heap.InuseBytes] != 20 {
		t.Errorf("two samples of one site: %d bytes, want 20", tot[heap.InuseBytes])
	}
}

// TestRowsBoundInC checks that loads bind rows through memsee_insert, not the slower
// multi-row INSERTs it falls back to, and that both write the same rows.
func TestRowsBoundInC(t *testing.T) {
	ctx := context.Background()
	for _, slow := range []bool{false, true} {
		db := openTemp(t)
		l, err := db.BeginLoad(ctx)
		if err != nil {
			t.Fatal(err)
		}
		l.w.slow = slow
		id := addProfile(t, l, "a", 2500) // more than one batch
		if err := l.sync(); err != nil {
			t.Fatal(err)
		}
		if l.w.slow != slow {
			t.Errorf("writer slow = %v after a load, want %v: the statement handle was not found", l.w.slow, slow)
		}
		if err := l.Commit(); err != nil {
			t.Fatal(err)
		}
		tot, _ := db.ProfileTotals(ctx, id)
		if want := int64(2500 * 2501 / 2); tot[heap.InuseObjects] != want {
			t.Errorf("slow=%v: %d objects, want %d", slow, tot[heap.InuseObjects], want)
		}
	}
}

// TestWriteErrorSurfaces checks that an INSERT failing on the writer goroutine fails the load.
func TestWriteErrorSurfaces(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	l, _ := db.BeginLoad(ctx)
	x := ProfileSample{Site: 12345} // no such site: the foreign key fails
	if _, err := l.AddProfile(ctx, NewSnapshot{Label: "a", Kind: heap.KindProfile}, []ProfileSample{x}); err != nil {
		t.Fatal(err)
	}
	if err := l.Commit(); err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Errorf("Commit after a failed write: %v, want a foreign key error", err)
	}
	snaps, _ := db.Snapshots(ctx)
	if len(snaps) != 0 {
		t.Errorf("a failed load left %d snapshots", len(snaps))
	}
}

func TestRollbackLeavesNothing(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	l, _ := db.BeginLoad(ctx)
	addProfile(t, l, "a", 700)
	l.Rollback()
	snaps, err := db.Snapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var sites, samples int
	db.db.QueryRow("SELECT count(*) FROM site").Scan(&sites)
	db.db.QueryRow("SELECT count(*) FROM sample").Scan(&samples)
	if len(snaps)+sites+samples != 0 {
		t.Errorf("after rollback: %d snapshots, %d sites, %d samples; want none", len(snaps), sites, samples)
	}
}

func TestResolve(t *testing.T) {
	all := []Snapshot{
		{ID: 1, Label: "heap1", Series: "go", Source: "go/heap1.pb.gz"},
		{ID: 2, Label: "heap2", Series: "go", Source: "go/heap2.pb.gz"},
		{ID: 5, Label: "7"},
		{ID: 7, Label: "last-one"},
		{ID: 8, Label: "node/heap1", Series: "node", Source: "node/heap1.heapsnapshot.gz"},
		{ID: 9, Label: "heap3-2", Series: "node", Source: "node/heap3.heapsnapshot.gz"}, // by a memsee before this one
		{ID: 10, Label: "heap3", Source: "go/heap3.pb.gz"},
	}
	tests := []struct {
		ref  string
		want int64
		err  error // ErrNoSnapshot or ErrAmbiguous
	}{
		{"1", 1, nil},
		{"5", 5, nil},
		{"7", 7, nil}, // an id wins over a label
		{"heap2", 2, nil},
		{"go/heap2", 2, nil}, // a series and the label of a snapshot loaded without clash
		{"first", 1, nil},
		{"last", 10, nil},
		{"-1", 10, nil},
		{"@-1", 10, nil},
		{"-7", 1, nil},
		{"-8", 0, ErrNoSnapshot},
		{"3", 0, ErrNoSnapshot},
		{"nope", 0, ErrNoSnapshot},
		{"", 0, ErrNoSnapshot},
		{"node/heap1", 8, nil},
		{"go/heap1", 1, nil},
		{"heap1", 0, ErrAmbiguous}, // go's heap1 and node/heap1
		{"node/heap2", 0, ErrNoSnapshot},
		{"go/node/heap1", 0, ErrNoSnapshot},
		{"heap3-2", 9, nil}, // an old numbered label stays as it is
		{"node/heap3-2", 9, nil},
		{"heap3", 10, nil},
		{"node/heap3", 0, ErrNoSnapshot},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			got, err := resolveIn(all, tt.ref)
			if !errors.Is(err, tt.err) || (err == nil && got.ID != tt.want) || (tt.err != nil && err == nil) {
				t.Errorf("Resolve(%q): got %d, %v; want %d, error %v", tt.ref, got.ID, err, tt.want, tt.err)
			}
		})
	}
	if _, err := resolveIn(nil, "last"); !errors.Is(err, ErrNoSnapshot) {
		t.Errorf("Resolve on an empty database: %v", err)
	}
	// An ambiguous reference lists every snapshot it matches: id, label, series, file.
	_, err := resolveIn(all, "heap1")
	want := `"heap1" matches several snapshots: 1 heap1 (series go, go/heap1.pb.gz); 8 node/heap1 (series node, node/heap1.heapsnapshot.gz); refer to one by id or as series/label`
	if err == nil || err.Error() != want {
		t.Errorf("Resolve(heap1): %v, want %q", err, want)
	}
}

func TestQueryReadOnly(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	l, _ := db.BeginLoad(ctx)
	addProfile(t, l, "a", 3)
	l.Commit()
	if _, err := db.Query(ctx, "DELETE FROM snapshot", QueryOptions{}); err == nil {
		t.Errorf("Query without write deleted rows")
	}
	res, err := db.Query(ctx, "SELECT label, object_count FROM snapshot", QueryOptions{})
	if err != nil || len(res.Rows) != 1 || res.Rows[0][0] != "a" || res.Rows[0][1] != int64(6) {
		t.Errorf("Query: got %+v, %v", res, err)
	}
	// The pooled connection is writable again for the next user.
	if _, err := db.Query(ctx, "UPDATE snapshot SET series = 'x'", QueryOptions{Write: true}); err != nil {
		t.Errorf("Query with write: %v", err)
	}
}

// TestLoadRestoresWAL checks that the database is in WAL mode again after a load commits and
// after one rolls back (a load itself writes through a rollback journal).
func TestLoadRestoresWAL(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	for _, commit := range []bool{true, false} {
		l, err := db.BeginLoad(ctx)
		if err != nil {
			t.Fatal(err)
		}
		addProfile(t, l, fmt.Sprint(commit), 3)
		if commit {
			err = l.Commit()
		} else {
			err = l.Rollback()
		}
		if err != nil {
			t.Fatal(err)
		}
		var mode string
		db.db.QueryRow("PRAGMA journal_mode").Scan(&mode)
		if mode != "wal" {
			t.Errorf("journal_mode after a load (commit %v): %q, want wal", commit, mode)
		}
	}
}

func TestPragmas(t *testing.T) {
	db := openTemp(t)
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": fmt.Sprint(writerBusyMillis), "synchronous": "1"} {
		var got string
		if err := db.db.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil || got != want {
			t.Errorf("PRAGMA %s: got %q, %v; want %q", pragma, got, err, want)
		}
	}
}

func TestParseRef(t *testing.T) {
	tests := []struct {
		in   string
		want SnapRef
	}{
		{"3", SnapRef{Kind: RefID, N: 3}},
		{"+3", SnapRef{Kind: RefID, N: 3}},
		{"first", SnapRef{Kind: RefFirst}},
		{"last", SnapRef{Kind: RefLast}},
		{"-1", SnapRef{Kind: RefFromEnd, N: 1}},
		{RefPrefix + "-2", SnapRef{Kind: RefFromEnd, N: 2}},
		{"heap3", SnapRef{Kind: RefLabel, Label: "heap3"}},
		{"3a", SnapRef{Kind: RefLabel, Label: "3a"}},
		{"", SnapRef{Kind: RefLabel}},
	}
	for _, tt := range tests {
		if got := ParseRef(tt.in); got != tt.want {
			t.Errorf("ParseRef(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if got, want := ReadsAsRef(tt.in), tt.want.Kind != RefLabel; got != want {
			t.Errorf("ReadsAsRef(%q) = %v, want %v", tt.in, got, want)
		}
	}
	for in, want := range map[string]bool{"-1": true, "-12": true, "-": false, "-n": false, "--db": false, "1": false, "-1x": false} {
		if got := IsFromEnd(in); got != want {
			t.Errorf("IsFromEnd(%q) = %v, want %v", in, got, want)
		}
	}
}

// RankedKidsStored reports whether the page of object oid has its kids ranked (Related reads
// them from there rather than ranking them).
func RankedKidsStored(ctx context.Context, d *DB, snap, oid int64) (bool, error) {
	p, _, _, err := d.refsOf(ctx, snap, oid)
	if err != nil {
		return false, err
	}
	lo, hi := p.RankedKids(int(oid & (page.Size - 1)))
	return hi > lo, nil
}
