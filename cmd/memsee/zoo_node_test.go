package main

import (
	"path/filepath"
	"testing"
)

// TestZooNode loads the Node.js leak zoo (testdata/zoo/node: the shop service of
// testdata/gen/zoo/node/app.js, every pattern at once, V8 heap snapshots) and its churn-only
// control, and checks that leaks names each pattern as testdata/zoo/node/expect.tsv says, and
// nothing else. It needs only the committed snapshots.
func TestZooNode(t *testing.T) {
	t.Parallel() // its own databases and processes: it runs beside the others
	expect := filepath.Join("..", "..", "testdata", "zoo", "node", "expect.tsv")
	checkZoo(t, expect, zooFiles(t, "node", "leak*.heapsnapshot.gz"), zooFiles(t, "node", "churn*.heapsnapshot.gz"))
}
