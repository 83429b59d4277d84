package v8_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memsee/memsee/internal/loader/loadertest"
	"github.com/memsee/memsee/internal/store"
)

// NameGraph on a real snapshot of the Node.js zoo (testdata/zoo/node/leak2, taken by node
// app.js from a temporary directory): every scope that holds a variable of app.js is named
// after the base name of its script and, for a function call's, the function; and the string
// tables' references are weak.
func TestNameGraphZoo(t *testing.T) {
	ctx := context.Background()
	db, res := loadertest.LoadInto(t, filepath.Join(t.TempDir(), "z.db"), "../../../testdata/zoo/node/leak2.heapsnapshot.gz")
	defer db.Close()
	query := func(sql string) [][]any {
		t.Helper()
		r, err := db.Query(ctx, sql, store.QueryOptions{Objects: []int64{res.ID}})
		if err != nil {
			t.Fatal(err)
		}
		return r.Rows
	}
	// A scope of Node's own may have a variable of the same name: the test looks for the one.
	tests := []struct{ variable, scope string }{
		{"subscriptions", "app.js"},
		{"nodeById", "app.js"},
		{"bus", "app.js"},
		{"entries", "app.js: makeAuditLog"},
		{"order", "app.js: placeOrder"},
		{"session", "app.js: openSession"},
		{"timerListMap", "node:internal/timers"},
	}
	for _, tt := range tests {
		rows := query(`SELECT DISTINCT o.value FROM ref r JOIN object o ON o.oid = r.src
			JOIN type t ON t.id = o.type WHERE r.name = '.` + tt.variable + `' AND t.name = 'system / Context'`)
		found := false
		for _, r := range rows {
			found = found || r[0] == tt.scope
		}
		if !found {
			t.Errorf("the scopes with a variable %s: %v, none %q", tt.variable, rows, tt.scope)
		}
	}
	for _, r := range query(`SELECT DISTINCT o.value FROM object o JOIN type t ON t.id = o.type
		WHERE t.name = 'system / Context' AND o.value LIKE '%/%' AND o.value NOT LIKE 'node:%'`) {
		if v, _ := r[0].(string); strings.Contains(v, "/") {
			t.Errorf("a scope named by a path: %q", v)
		}
	}
	rows := query(`SELECT s.value, r.kind, count(*) FROM ref r JOIN object s ON s.oid = r.src
		WHERE s.value IN ('(Internalized strings)', '(External strings)') GROUP BY 1, 2`)
	if len(rows) != 2 {
		t.Errorf("the string tables' references: %v, want the two tables, all weak", rows)
	}
	for _, r := range rows {
		if r[1] != "weak" {
			t.Errorf("%v references of %v are %v, want weak", r[2], r[0], r[1])
		}
	}
}
