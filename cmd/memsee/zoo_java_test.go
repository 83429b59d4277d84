package main

import (
	"path/filepath"
	"testing"
)

// TestZooJava loads the JVM leak zoo (testdata/zoo/java: a shop service written by
// testdata/gen/zoo/java, every pattern at once) and its churn-only control, and checks that
// leaks names each pattern as testdata/zoo/java/expect.tsv says, and nothing else.
func TestZooJava(t *testing.T) {
	t.Parallel() // its own databases and processes: it runs beside the others
	expect := filepath.Join("..", "..", "testdata", "zoo", "java", "expect.tsv")
	checkZoo(t, expect, zooFiles(t, "java", "leak*.hprof.gz"), zooFiles(t, "java", "churn*.hprof.gz"))
}
