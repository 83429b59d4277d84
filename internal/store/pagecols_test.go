package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/memsee/memsee/internal/loader"
	"github.com/memsee/memsee/internal/loader/loadertest"
	"github.com/memsee/memsee/internal/store/page"
)

// On the pages of every runtime's sample (two snapshots, so that the second's pages have their
// generations where the format has them), EachObjectPageOf reads each column it is asked for as EachObjectPage does, and
// the others as zero.
func TestEachObjectPageOfReadsAsWhole(t *testing.T) {
	sets := []page.Columns{page.AllColumns, page.ColType | page.ColSize | page.ColDistance | page.ColParent | page.ColIDom | page.ColRetained | page.ColVia | page.ColAddr}
	for c := page.ColAddr; c <= page.ColGen; c <<= 1 {
		sets = append(sets, c)
	}
	for _, tt := range []struct {
		name, first, second string
		gen                 bool // whether the format keeps identity across dumps: the second's pages have generations
	}{
		{"python", "shop1.json.gz", "shop2.json.gz", true},
		{"java", "heap1.hprof.gz", "heap2.hprof.gz", false},
		{"node", "heap1.heapsnapshot.gz", "heap2.heapsnapshot.gz", true},
		{"godump", "heap1.dump.gz", "heap2.dump.gz", false},
		{"ruby", "rubyshop1.json.gz", "rubyshop2.json.gz", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			dir := filepath.Join("../../testdata", tt.name)
			db := loadertest.Open(t, filepath.Join(t.TempDir(), "s.db"))
			loaded := loadertest.Load(t, db, filepath.Join(dir, tt.first), filepath.Join(dir, tt.second))
			if err := loader.MarkGenerations(ctx, db, loaded); err != nil {
				t.Fatal(err)
			}
			snap := loaded[1].ID
			var whole []*page.Objects
			err := db.EachObjectPage(ctx, snap, func(_ int64, p *page.Objects) error {
				whole = append(whole, p)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(whole) == 0 || whole[0].HasGen != tt.gen {
				t.Fatalf("%d pages; generations marked: %v", len(whole), len(whole) > 0 && whole[0].HasGen)
			}
			for _, cols := range sets {
				n := 0
				err := db.EachObjectPageOf(ctx, snap, cols, func(first int64, p *page.Objects) error {
					w := whole[n]
					n++
					if p.N != w.N {
						return fmt.Errorf("page %d: %d objects, want %d", n-1, p.N, w.N)
					}
					for i := range w.N {
						if got, want := p.Object(i), only(w.Object(i), cols); got != want {
							return fmt.Errorf("object %d:\n got %+v\nwant %+v", first+int64(i), got, want)
						}
					}
					return nil
				})
				if err != nil || n != len(whole) {
					t.Fatalf("columns %#x: %v after %d of %d pages", cols, err, n, len(whole))
				}
			}
		})
	}
}

// only returns o with the fields of the columns not in cols as a page decoded without them
// reads them: zero, empty, or none.
func only(o page.Object, cols page.Columns) page.Object {
	none := page.Object{Len: -1, Distance: -1, Parent: -1, IDom: -1, Gen: -1}
	for _, f := range []struct {
		col      page.Columns
		dst, src *int64
	}{
		{page.ColAddr, &o.Addr, &none.Addr}, {page.ColType, &o.Type, &none.Type}, {page.ColSize, &o.Size, &none.Size},
		{page.ColLen, &o.Len, &none.Len}, {page.ColDistance, &o.Distance, &none.Distance}, {page.ColParent, &o.Parent, &none.Parent},
		{page.ColIDom, &o.IDom, &none.IDom}, {page.ColRetained, &o.Retained, &none.Retained}, {page.ColGen, &o.Gen, &none.Gen},
	} {
		if cols&f.col == 0 {
			*f.dst = *f.src
		}
	}
	if cols&page.ColNRefs == 0 {
		o.NRefs = 0
	}
	if cols&page.ColNReferrers == 0 {
		o.NReferrers = 0
	}
	if cols&page.ColValue == 0 {
		o.Value = ""
	}
	if cols&page.ColVia == 0 {
		o.Via = ""
	}
	return o
}

// A caller's function that panics on a page leaves EachObjectPage with the panic, the pages
// still being read and decoded stopped, rather than waiting for them.
func TestEachObjectPagePanics(t *testing.T) {
	ctx := context.Background()
	db, res := loadertest.LoadInto(t, filepath.Join(t.TempDir(), "s.db"), "../../testdata/python/shop1.json.gz")
	defer db.Close()
	done := make(chan any)
	go func() {
		defer func() { done <- recover() }()
		_ = db.EachObjectPage(ctx, res.ID, func(int64, *page.Objects) error { panic("fn") })
	}()
	select {
	case r := <-done:
		if r != "fn" {
			t.Errorf("recovered %v, want fn's panic", r)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("EachObjectPage did not return after fn panicked")
	}
}
