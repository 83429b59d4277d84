package main

import (
	"path/filepath"
	"testing"
)

// TestZooPython checks what leaks says of the Python zoo (testdata/zoo/python, written by
// testdata/gen/zoo/python): every pattern of the shop service, and nothing of its churn-only
// control.
func TestZooPython(t *testing.T) {
	t.Parallel() // its own databases and processes: it runs beside the others
	expect := filepath.Join("..", "..", "testdata", "zoo", "python", "expect.tsv")
	checkZoo(t, expect, zooFiles(t, "python", "leak*.json.gz"), zooFiles(t, "python", "churn*.json.gz"))
}
