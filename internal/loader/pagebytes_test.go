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
// were numbered from the end of their refs, as CPython lists them).
func TestPageBytesUnchanged(t *testing.T) {
	samples := []struct{ path, digest string }{
		{"python/shop1.json.gz", "7febe0e1a9f6728a609e81e1b2aa60bc0bb8d461ad9dda62c3e0eed25440abe7"},
		{"python/shop2.json.gz", "90cf08d17577980ea82da5495b8273f3b6912275258890c82e17658392b2bee0"},
		{"node/heap1.heapsnapshot.gz", "8e1b9de967212ca20ea5248df25ca1b7dd5cce5e9858b70c2bb4b34f196d9eaa"},
		{"java/heap1.hprof.gz", "5fa52133dbbb9ade910b5cabc55f05ccb9d3aa1c0cdcc7e21e3156bda279d118"},
		{"godump/heap1.dump.gz", "f5f1144107dcae4f5e242eda85bb2d2184dc9e1e9062657b6ea24adfddd45e94"},
	}
	ctx := context.Background()
	db := openDB(t)
	for _, s := range samples {
		if _, err := loadOne(t, db, filepath.Join("..", "..", "testdata", filepath.FromSlash(s.path)), Options{}); err != nil {
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
