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
// change these on purpose (docs/page-format.md, Versioning), as packed pages (version 2) did,
// and so must another release of the zstd library if its compressed bytes differ; so does a
// change of the names a format's reader or naming pass gives (the meliae digests changed when
// closures' edges were named .__closure__ and .cell_contents, and when list and tuple elements
// were numbered from the end of their refs, as CPython lists them); and so do new samples
// (regenerated Python dumps bring other types, and the type ids of the later samples move), as
// when the Python dumps were regenerated to record their times; and a change of where paths
// begin (the JVM's and the Go dump's digests changed when their stack roots came after their
// other roots: GraphRules.LaterRoots).
//
// The edge names of every sample also go through a scratch file (spillEdges) in a second run,
// and the per-object arrays of the dumps whose size is not known ahead stay in the Go heap
// rather than in an arena (graph.Arena) in a third: neither may change anything.
func TestPageBytesUnchanged(t *testing.T) {
	t.Run("edge names in memory", checkPageBytes)
	t.Run("edge names in a file", func(t *testing.T) {
		defer func(m int) { spillMin = m }(spillMin)
		spillMin = 1
		checkPageBytes(t)
	})
	t.Run("arrays in the Go heap", func(t *testing.T) {
		defer func(u bool) { useArena = u }(useArena)
		useArena = false
		checkPageBytes(t)
	})
}

func checkPageBytes(t *testing.T) {
	samples := []struct{ path, digest string }{
		{"python/shop1.json.gz", "b8e44b37e2dd0cef490727bacfa7111e2ec03a41c45f6f129e55cfc460d75dee"},
		{"python/shop2.json.gz", "b6be53a9fede2c517a26302688514ce6416f307c09b288f7088375a720394979"},
		{"node/heap1.heapsnapshot.gz", "847253fdec30000332473a8b046fc2f6d73f26abdd9140deb1df9abeae25e75a"},
		{"java/heap1.hprof.gz", "25ecfcfee3571c277fae0b6f2724efeea88c11fc9d6fd7461bbadf0f3e5feac8"},
		{"godump/heap1.dump.gz", "fd90415c5ad5cd7343827c16da9032a5925ca07ff62071988897c93fcade9117"},
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
