package analysis_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/memsee/memsee/internal/analysis"
	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/loader/loadertest"
	"github.com/memsee/memsee/internal/store"
)

// The holdings a load keeps answer as the pages do: for a dump of every graph format (each
// zoo's leaking process, its last snapshot), SnapshotHoldings, which reads the kept rows, must
// equal LiveHoldingsThrough, which sums the pages, at every floor and depth leaks or the
// report may ask for; and every holder kept must have the name recorded after the load that
// its path gives.
func TestSnapshotHoldingsAsThePages(t *testing.T) {
	ctx := context.Background()
	for _, dump := range []string{
		"../../testdata/zoo/go/leak3.dump.gz",
		"../../testdata/zoo/java/leak3.hprof.gz",
		"../../testdata/zoo/node/leak3.heapsnapshot.gz",
		"../../testdata/zoo/python/leak3.json.gz",
		"../../testdata/zoo/ruby/leak3.json.gz",
	} {
		t.Run(filepath.Base(filepath.Dir(dump)), func(t *testing.T) {
			t.Parallel()
			db, res := loadertest.LoadInto(t, filepath.Join(t.TempDir(), "h.db"), dump)
			defer db.Close()
			rules := heap.HolderRulesOf(res.Format)
			var storage analysis.Storage
			if rules != nil {
				storage = rules.Internal
			}
			rows, kept, ok, err := db.HoldingRows(ctx, res.ID)
			if err != nil || !ok || len(rows) == 0 {
				t.Fatalf("kept holdings: %d rows, ok %v, %v", len(rows), ok, err)
			}
			// The rows packed in one value (as a load keeps them) are the rows of holding.
			if _, err := db.Query(ctx, "UPDATE holding_set SET packed = NULL", store.QueryOptions{Write: true}); err != nil {
				t.Fatal(err)
			}
			unpacked, kept2, ok, err := db.HoldingRows(ctx, res.ID)
			if err != nil || !ok || kept2 != kept || !reflect.DeepEqual(unpacked, rows) {
				t.Fatalf("the rows of holding (%d, %+v, %v, %v) are not those packed (%d, %+v)", len(unpacked), kept2, ok, err, len(rows), kept)
			}
			compared := 0
			for _, floor := range []int64{kept.Floor, 2 * kept.Floor, 1 << 12, 1 << 16, 1 << 20} {
				for _, depth := range []int64{kept.Depth, 2, 1 << 30} { // the last sums the pages
					got, err := analysis.SnapshotHoldings(ctx, db, res.ID, floor, depth, storage)
					if err != nil {
						t.Fatal(err)
					}
					want, err := analysis.LiveHoldingsThrough(ctx, db, res.ID, floor, depth, storage)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(got, want) {
						t.Errorf("floor %d, depth %d: kept rows give %d groups, the pages %d\n%s", floor, depth, len(got), len(want), firstDiff(got, want))
					}
					compared += len(want)
				}
			}
			if compared == 0 {
				t.Error("no groups at any floor: nothing was compared")
			}

			if err := analysis.RecordHolderNames(ctx, db, res.ID, res.Format); err != nil {
				t.Fatal(err)
			}
			names, err := db.HolderNames(ctx, res.ID)
			if err != nil || len(names) == 0 {
				t.Fatalf("%d names recorded, %v", len(names), err)
			}
			for _, r := range rows {
				if _, ok := names[r.Holder]; !ok && r.Holder >= 0 {
					t.Errorf("holder %d (%+v) has no name recorded", r.Holder, r)
				}
			}
			keys, err := db.HolderKeys(ctx, res.ID)
			if err != nil || len(keys) != len(names) {
				t.Fatalf("%d keys of %d names, %v", len(keys), len(names), err)
			}
			var some []int64 // every other holder, and one that is none
			i := 0
			for oid, n := range names {
				if keys[oid] != n.Key() {
					t.Errorf("holder %d: key %x, want the sums of %+v", oid, keys[oid], n)
				}
				if i++; i%2 == 0 {
					some = append(some, oid)
				}
			}
			some = append(some, -7)
			of, err := db.HolderNamesOf(ctx, res.ID, some)
			if err != nil || len(of) != len(some)-1 {
				t.Fatalf("HolderNamesOf %d holders: %d names, %v", len(some), len(of), err)
			}
			for oid, n := range of {
				if names[oid] != n {
					t.Errorf("HolderNamesOf holder %d: %+v, want %+v", oid, n, names[oid])
				}
			}
			w := analysis.NewWalker(db, res.ID)
			for oid, got := range names {
				want, err := analysis.HolderName(ctx, w, rules, oid)
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("holder %d: recorded %+v, the path gives %+v", oid, got, want)
				}
			}
		})
	}
}

func firstDiff(got, want []analysis.Holding) string {
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = fmt.Sprintf("%+v", got[i])
		}
		if i < len(want) {
			w = fmt.Sprintf("%+v", want[i])
		}
		if g != w {
			return fmt.Sprintf("at %d: kept %s\n        pages %s", i, g, w)
		}
	}
	return ""
}
