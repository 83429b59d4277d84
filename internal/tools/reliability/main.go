// Command reliability reads `go test -json` of the reliability suite (the tests named
// TestReliability<Area>, in any package) and prints its table: area, cases, held. A case is
// a subtest that has no subtests of its own (or the test itself when it has none); it held
// when it passed. Skipped cases are counted apart, with the reason the test gave. It exits 1
// when a case failed, so `make reliability` fails with it.
//
//	go test -json -run Reliability ./... | go run ./internal/tools/reliability
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"unicode"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

type area struct {
	name                 string
	cases, held, skipped int
	failed               []string
	skipReasons          map[string]bool
}

func main() {
	failed, err := run(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "reliability:", err)
		os.Exit(2)
	}
	if failed {
		os.Exit(1)
	}
}

func run(r io.Reader, w io.Writer) (failed bool, err error) {
	result := map[string]string{}   // package/test -> pass, fail, skip
	parent := map[string]bool{}     // package/test that has subtests
	output := map[string][]string{} // package/test -> its output lines (skip reasons)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.Test == "" || !strings.HasPrefix(e.Test, "TestReliability") {
			continue
		}
		key := e.Package + "/" + e.Test
		switch e.Action {
		case "pass", "fail", "skip":
			result[key] = e.Action
		case "output":
			output[key] = append(output[key], strings.TrimSpace(e.Output))
		}
		// Subtest names may hold slashes themselves, so every prefix counts as a parent.
		for i := range len(e.Test) {
			if e.Test[i] == '/' {
				parent[e.Package+"/"+e.Test[:i]] = true
			}
		}
	}
	if err := sc.Err(); err != nil {
		return false, err
	}
	areas := map[string]*area{}
	for key, res := range result {
		if parent[key] {
			continue
		}
		test := key[strings.Index(key, "TestReliability"):]
		top, _, _ := strings.Cut(test, "/")
		name := words(strings.TrimPrefix(top, "TestReliability"))
		a := areas[name]
		if a == nil {
			a = &area{name: name, skipReasons: map[string]bool{}}
			areas[name] = a
		}
		a.cases++
		switch res {
		case "pass":
			a.held++
		case "skip":
			a.skipped++
			for _, line := range output[key] {
				if _, reason, ok := strings.Cut(line, ".go:"); ok && !strings.HasPrefix(line, "---") {
					if _, msg, ok := strings.Cut(reason, ": "); ok {
						a.skipReasons[msg] = true
					}
				}
			}
		default:
			a.failed = append(a.failed, test)
			failed = true
		}
	}
	if len(areas) == 0 {
		return true, fmt.Errorf("no TestReliability tests in the input")
	}
	names := make([]string, 0, len(areas))
	for n := range areas {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(w, "| area | cases | held | skipped |\n| --- | ---: | ---: | ---: |\n")
	total := area{}
	for _, n := range names {
		a := areas[n]
		fmt.Fprintf(w, "| %s | %d | %d | %d |\n", a.name, a.cases, a.held, a.skipped)
		total.cases += a.cases
		total.held += a.held
		total.skipped += a.skipped
	}
	fmt.Fprintf(w, "| all | %d | %d | %d |\n", total.cases, total.held, total.skipped)
	for _, n := range names {
		a := areas[n]
		for _, f := range a.failed {
			fmt.Fprintf(w, "FAILED: %s\n", f)
		}
		reasons := make([]string, 0, len(a.skipReasons))
		for r := range a.skipReasons {
			reasons = append(reasons, r)
		}
		sort.Strings(reasons)
		for _, r := range reasons {
			fmt.Fprintf(w, "skipped in %s: %s\n", a.name, r)
		}
	}
	return failed, nil
}

// words turns HostileStrings into "hostile strings" and HostileSQL into "hostile SQL": a
// run of capitals is an acronym, kept as it is.
func words(s string) string {
	var b strings.Builder
	r := []rune(s)
	for i, c := range r {
		upper := unicode.IsUpper(c)
		prevUpper := i > 0 && unicode.IsUpper(r[i-1])
		nextLower := i+1 < len(r) && unicode.IsLower(r[i+1])
		if i > 0 && upper && (!prevUpper || nextLower) {
			b.WriteByte(' ')
		}
		acronym := upper && (prevUpper || (i+1 < len(r) && unicode.IsUpper(r[i+1]))) && !nextLower
		if acronym {
			b.WriteRune(c)
		} else {
			b.WriteRune(unicode.ToLower(c))
		}
	}
	return b.String()
}
