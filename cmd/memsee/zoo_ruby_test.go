package main

import (
	"path/filepath"
	"testing"
)

// TestZooRuby checks what leaks says of the Ruby zoo (testdata/zoo/ruby, written by
// testdata/gen/zoo/ruby): every pattern of the shop service, and nothing of its churn-only
// control.
func TestZooRuby(t *testing.T) {
	t.Parallel() // its own databases and processes: it runs beside the others
	expect := filepath.Join("..", "..", "testdata", "zoo", "ruby", "expect.tsv")
	checkZoo(t, expect, zooFiles(t, "ruby", "leak*.json.gz"), zooFiles(t, "ruby", "churn*.json.gz"))
}
