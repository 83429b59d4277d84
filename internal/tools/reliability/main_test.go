package main

import (
	"strings"
	"testing"
)

func TestWords(t *testing.T) {
	tests := []struct{ in, want string }{
		{"HostileStrings", "hostile strings"},
		{"HostileSQL", "hostile SQL"},
		{"EarlyEOF", "early EOF"},
		{"PythonDumperDiskFull", "python dumper disk full"},
		{"HPROFBombs", "HPROF bombs"},
	}
	for _, tt := range tests {
		if got := words(tt.in); got != tt.want {
			t.Errorf("words(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRun(t *testing.T) {
	// go test -json of two areas: one with nested subtests whose names hold slashes, one
	// without subtests; a skip and a failure.
	in := `{"Action":"run","Package":"p","Test":"TestReliabilityTruncation"}
{"Action":"pass","Package":"p","Test":"TestReliabilityTruncation/a.gz/file@1"}
{"Action":"pass","Package":"p","Test":"TestReliabilityTruncation/a.gz/file@2"}
{"Action":"fail","Package":"p","Test":"TestReliabilityTruncation/b.gz/file@3"}
{"Action":"fail","Package":"p","Test":"TestReliabilityTruncation"}
{"Action":"output","Package":"q","Test":"TestReliabilityDiskFull","Output":"    x_test.go:12: unshare -m is not allowed here\n"}
{"Action":"skip","Package":"q","Test":"TestReliabilityDiskFull"}
{"Action":"pass","Package":"q","Test":"TestOther"}
`
	var out strings.Builder
	failed, err := run(strings.NewReader(in), &out)
	if err != nil || !failed {
		t.Fatalf("run: failed %v, err %v", failed, err)
	}
	for _, want := range []string{
		"| disk full | 1 | 0 | 1 |",
		"| truncation | 3 | 2 | 0 |",
		"| all | 4 | 2 | 1 |",
		"FAILED: TestReliabilityTruncation/b.gz/file@3",
		"skipped in disk full: unshare -m is not allowed here",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "FAILED: TestReliabilityTruncation\n") {
		t.Errorf("a parent test counted as a case:\n%s", out.String())
	}
}
