package analysis_test

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/memsee/memsee/internal/analysis"
	"github.com/memsee/memsee/internal/loader/loadertest"
	"github.com/memsee/memsee/internal/store"
)

// Holdings picks the largest groups from the holders with the largest totals; for every n it
// must give the first n of all groups ranked, which SQL over query --objects computes here.
func TestHoldingsTopN(t *testing.T) {
	// A Python dump, and a V8 snapshot, whose synthetic nodes retain nothing.
	for _, dump := range []string{"../../testdata/python/shop4.json.gz", "../../testdata/node/heap1.heapsnapshot.gz"} {
		t.Run(filepath.Base(dump), func(t *testing.T) { holdingsTopN(t, dump) })
	}
}

func holdingsTopN(t *testing.T, dump string) {
	ctx := context.Background()
	db, res := loadertest.LoadInto(t, filepath.Join(t.TempDir(), "h.db"), dump)
	defer db.Close()
	q, err := db.Query(ctx, `SELECT coalesce(o.idom, -1), t.name, count(*), sum(o.size), sum(o.retained) FROM object o
		JOIN type t ON t.id = o.type GROUP BY o.idom, o.type ORDER BY 5 DESC, 3 DESC, 1, 2`, store.QueryOptions{Objects: []int64{res.ID}})
	if err != nil {
		t.Fatal(err)
	}
	var want []analysis.Holding
	for _, r := range q.Rows {
		want = append(want, analysis.Holding{Holder: r[0].(int64), Type: r[1].(string), Count: r[2].(int64), Bytes: r[3].(int64), Retained: r[4].(int64)})
	}
	for _, n := range []int{1, 2, 3, 5, 8, 13, 40, 200, 0} {
		got, err := analysis.Holdings(ctx, db, res.ID, n)
		if err != nil {
			t.Fatal(err)
		}
		w := want
		if n > 0 {
			w = want[:n]
		}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("Holdings(%d):\n%v\nwant\n%v", n, got, w)
		}
	}
}
