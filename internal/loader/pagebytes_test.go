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
// change these on purpose (docs/page-format.md, Versioning), as packed pages (version 2) and
// the ranked kids of large collections (columns 8 and 9 of the refs blob) did,
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
// as do the arrays parked around Build and the analysis (parking), and the per-object arrays
// of the dumps whose size is not known ahead stay in the Go heap rather than in an arena
// (graph.Arena) in a third: neither may change anything.
func TestPageBytesUnchanged(t *testing.T) {
	t.Run("edge names in memory", checkPageBytes)
	t.Run("edge names in a file", func(t *testing.T) {
		defer func(m int, room func() int64) { spillMin, buildRoom = m, room }(spillMin, buildRoom)
		spillMin, buildRoom = 1, func() int64 { return 0 }
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
		{"python/shop1.json.gz", "c1000b4bcd17421117852a2052c59562f7fb24cdf5bb1fed732bd025d076b7ad"},
		{"python/shop2.json.gz", "293c54ec0cb7593adb0b15dabfb380ac3542817b40c43ed297fdd03148fcec92"},
		{"node/heap1.heapsnapshot.gz", "8ecd6984445709acf38b495bbf917c55dc5717a85167bc40539a9405859a4647"},
		{"java/heap1.hprof.gz", "85f8982a750cb6355db1b154f7e6636834dfe4017a0539abd0c8f7b1de58bd0a"},
		{"godump/heap1.dump.gz", "d993d75a735a1514b1d4adf8ea3b8eb119c5a4d6c4e74159da62786dfb13b429"},
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
