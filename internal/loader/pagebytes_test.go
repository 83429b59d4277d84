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
// when the Python dumps were regenerated to record their times.
func TestPageBytesUnchanged(t *testing.T) {
	samples := []struct{ path, digest string }{
		{"python/shop1.json.gz", "53449e0778892a4717eb741a56ed4f5035dc946af306d6b04894ccef48b0d008"},
		{"python/shop2.json.gz", "98f76aa9c955f4bb0609092738a775492f1d178392657f5dc718c44e00984a5c"},
		{"node/heap1.heapsnapshot.gz", "92a8fe8656429212b4dd587b0a65023b254333638ddb21109754f601f4418c33"},
		{"java/heap1.hprof.gz", "bb81f2da4b698e9f2bb964d89f7211f794d7793d49e7120da565bb5f2df6e16f"},
		{"godump/heap1.dump.gz", "b64347ee918fd6d27329814db86a7a2e725371c8020d0cea407fbcfaaf95022c"},
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
