package loader

import (
	"context"
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/memsee/memsee/internal/store"
)

// The stored pages stay byte for byte what memsee wrote before the page codec moved to
// internal/store/page: five committed samples, loaded in this order into one database, and
// generations marked between the two meliae dumps, give these digests. Each is the sha256 of a
// snapshot's pages, one line per page in page order: "page|OBJECTS|GEN|REFS" with the blobs in
// upper-case hex (as SQLite's hex() spells them, empty for NULL). A change of the layout must
// change these on purpose, with a migration (docs/page-format.md, Versioning); so does a
// change of the names a format's reader or naming pass gives (the meliae digests changed when
// closures' edges were named .__closure__ and .cell_contents, and when list and tuple elements
// were numbered from the end of their refs, as CPython lists them); and so do new samples
// (regenerated Python dumps bring other types, and the type ids of the later samples move), as
// when the Python dumps were regenerated to record their times.
func TestPageBytesUnchanged(t *testing.T) {
	samples := []struct{ path, digest string }{
		{"python/shop1.json.gz", "f06fb9b77fd100f3f65685b0875ba9cf5acfc659877c8855d58fbe66fbb6d11d"},
		{"python/shop2.json.gz", "b5827b63a7b3f47eea3d80f1152bf2aa7d319eff9a4d24f9a21537bd22534c13"},
		{"node/heap1.heapsnapshot.gz", "72e84877953c8bc8608a065a03a823f77b24e3c50a48dc70f3523aface94f8b7"},
		{"java/heap1.hprof.gz", "29503b58f08485a9cc86fbb09af3e0cbe1669abc54c6482ad7033c75ca1b017f"},
		{"godump/heap1.dump.gz", "a7883b06058ec160be7d915d4d48a03c8449aea2b4901ba4d3b20f657f588a02"},
	}
	ctx := context.Background()
	db := openDB(t)
	for i, s := range samples { // labelled apart: node's and java's heap1 would clash
		if _, err := loadOne(t, db, filepath.Join("..", "..", "testdata", filepath.FromSlash(s.path)), Options{Label: fmt.Sprint("sample", i+1)}); err != nil {
			t.Fatalf("%s: %v", s.path, err)
		}
	}
	snaps, err := db.Snapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != len(samples) {
		t.Fatalf("%d snapshots, want %d", len(snaps), len(samples))
	}
	if _, err := db.MarkGenerations(ctx, snaps[:2]); err != nil {
		t.Fatal(err)
	}
	for i, s := range samples {
		res, err := db.Query(ctx, fmt.Sprintf(`SELECT o.page || '|' || hex(o.objects) || '|' || hex(o.gen) || '|' || hex(e.refs)
			FROM object_page o JOIN edge_page e USING (snapshot, page) WHERE snapshot = %d ORDER BY o.page`, snaps[i].ID), store.QueryOptions{})
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		for _, row := range res.Rows {
			fmt.Fprintf(h, "%s\n", row[0])
		}
		if got := fmt.Sprintf("%x", h.Sum(nil)); got != s.digest {
			t.Errorf("%s: pages digest %s, want %s", s.path, got, s.digest)
		}
	}
}
