package analysis_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memsee/memsee/internal/analysis"
	"github.com/memsee/memsee/internal/loader/loadertest"
	"github.com/memsee/memsee/internal/store"
)

// Looking through a JVM dump's HashMap and ArrayList storage: the price table's HashMap holds
// the 1,000 Products itself, and every holder's groups add up to what it retains beyond its
// own size, as the dominator tree says (the groups partition what it holds).
func TestLiveHoldingsThrough(t *testing.T) {
	ctx := context.Background()
	db, res := loadertest.LoadInto(t, filepath.Join(t.TempDir(), "h.db"), "../../testdata/java/heap4.hprof.gz")
	defer db.Close()
	storage := func(typ, holder string) bool {
		return strings.HasPrefix(typ, "java.util.HashMap$Node") || typ == "java.lang.Object[]" && holder == "java.util.ArrayList"
	}
	hs, err := analysis.LiveHoldingsThrough(ctx, db, res.ID, 0, 1<<30, storage)
	if err != nil {
		t.Fatal(err)
	}
	held := map[int64]int64{} // holder -> the sum of its groups
	var products *analysis.Holding
	roots := map[int64]int64{} // a root held by its root reference alone -> its group's retained
	for i, h := range hs {
		if h.Root {
			roots[h.Holder] += h.Retained
			continue
		}
		held[h.Holder] += h.Retained
		if h.Type == "shop.Product" {
			products = &hs[i]
		}
		if storage(h.Type, "java.util.ArrayList") != h.Storage && h.Type != "java.lang.Object[]" {
			t.Errorf("%+v: storage %v", h, h.Storage)
		}
	}
	if products == nil {
		t.Fatal("no group of shop.Product")
	}
	holder, err := db.Object(ctx, res.ID, products.Holder)
	if err != nil {
		t.Fatal(err)
	}
	if holder.Type != "java.util.HashMap" || products.Count != 1000 {
		t.Errorf("the Products: %d held by a %s, want 1000 held by the java.util.HashMap", products.Count, holder.Type)
	}
	q, err := db.Query(ctx, `SELECT oid, retained - size, retained, distance = 0 AND idom IS NULL FROM object WHERE distance >= 0`, store.QueryOptions{Objects: []int64{res.ID}})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, r := range q.Rows {
		oid, want := r[0].(int64), r[1].(int64)
		if got, ok := roots[oid]; ok != (r[3].(int64) == 1) || ok && got != r[2].(int64) {
			t.Errorf("root %d: a group of its own %v retaining %d; it retains %d", oid, ok, got, r[2].(int64))
		}
		if got, ok := held[oid]; ok {
			checked++
			if got != want {
				t.Errorf("holder %d: its groups sum to %d, it retains %d beyond itself", oid, got, want)
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d holders checked", checked)
	}
}
