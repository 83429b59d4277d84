// Package storetest holds what the tests of the store and of the commands share about a
// database.
package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/memsee/memsee/internal/store"
)

// RowCounts returns the number of rows of every table of the database at path, and the id,
// label, objects and bytes of each snapshot, read through memsee's own reader: two databases
// with the same RowCounts hold the same rows, as far as a load or a removal can change them.
func RowCounts(tb testing.TB, path string) string {
	tb.Helper()
	ctx := context.Background()
	db, err := store.OpenRead(ctx, path, store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	tables, err := db.Query(ctx, "select name from sqlite_master where type = 'table' order by name", store.QueryOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	var sb strings.Builder
	for _, r := range tables.Rows {
		res, err := db.Query(ctx, fmt.Sprintf("select count(*) from %q", r[0]), store.QueryOptions{})
		if err != nil {
			tb.Fatal(err)
		}
		fmt.Fprintf(&sb, "%s %v\n", r[0], res.Rows[0][0])
	}
	snaps, err := db.Snapshots(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	for _, s := range snaps {
		fmt.Fprintf(&sb, "snapshot %d %s %d %d\n", s.ID, s.Label, s.Objects, s.Bytes)
	}
	return sb.String()
}
