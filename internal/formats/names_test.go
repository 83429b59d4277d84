package formats

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// formatNames are the formats' names, as the packages under internal/heap spell them.
var formatNames = []string{"meliae", "hprof", "v8", "godump", "pprof", "ruby"}

// formatWords are what a format knows that no other package should: its name as an identifier
// (meliae.Reader, nameHPROF, FormatV8), as a string ("v8"), or a rule spelled in one
// (`__dict__`, `java.lang.`, `WeakMap`).
var (
	identWord  = regexp.MustCompile(`(?i)meliae|hprof|godump|pprof|ruby|(^|[a-z_])v8`)
	stringWord = regexp.MustCompile(`^(meliae|hprof|v8|godump|pprof|ruby)$|__dict__|java\.lang\.|WeakMap|ObjectSpace`)
)

// allowed are the Go files outside a format's package that may still name formats, and why.
// The list only shrinks, but for a runtime whose name is also its format's: an entry whose
// file no longer names a format fails the test too.
var allowed = map[string]string{
	// The one registration list.
	"internal/formats/formats.go": "registers every format",
	// capture names the processes it signals by their runtime (ruby:PID, as python:PID and
	// jvm:PID); it never reads what it captures, and the loader picks the format by content.
	"internal/capture/capture.go": "the ruby runtime, a target",
	"internal/capture/ruby.go":    "signals a Ruby process's dumper",
}

// TestFormatNamesStayInTheirPackage fails when a Go file names a format outside that format's
// package (internal/heap/<format>): everything memsee knows about a format lives there, and
// the rest of memsee asks it through heap.Handler (docs/architecture.md).
func TestFormatNamesStayInTheirPackage(t *testing.T) {
	root := filepath.Join("..", "..")
	hits := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == "testdata" || strings.HasPrefix(d.Name(), ".") && rel != "." {
				return filepath.SkipDir // the generators under testdata/gen are the formats' own
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil // tests load each format's samples by name
		}
		own := ownFormat(rel)
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			var word string
			switch n := n.(type) {
			case *ast.Ident:
				if m := identWord.FindString(n.Name); m != "" {
					word = n.Name
				}
			case *ast.BasicLit:
				if n.Kind != token.STRING {
					break
				}
				s, err := strconv.Unquote(n.Value)
				if err != nil {
					break
				}
				if strings.Contains(s, "/internal/heap/") { // an import path
					s = s[strings.LastIndex(s, "/")+1:]
				}
				if stringWord.MatchString(s) {
					word = strconv.Quote(s)
				}
			}
			if word != "" && (own == "" || namedFormat(word) != own) {
				hits[rel] = append(hits[rel], fset.Position(n.Pos()).String()+": "+word)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for f := range hits {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		if _, ok := allowed[f]; ok {
			continue
		}
		for _, h := range hits[f] {
			t.Errorf("%s names a format outside its package", h)
		}
	}
	for f, why := range allowed {
		if len(hits[f]) == 0 {
			t.Errorf("%s (allowed: %s) names no format any more: drop it from the list", f, why)
		}
	}
}

// namedFormat returns the format a word found by the test names.
func namedFormat(word string) string {
	w := strings.ToLower(word)
	switch {
	case strings.Contains(w, "__dict__"):
		return "meliae"
	case strings.Contains(w, "java.lang."):
		return "hprof"
	case strings.Contains(w, "weakmap"):
		return "v8"
	case strings.Contains(w, "objectspace"):
		return "ruby"
	}
	for _, name := range formatNames {
		if strings.Contains(w, name) {
			return name
		}
	}
	return ""
}

// ownFormat returns the format whose package holds the file at rel, or "".
func ownFormat(rel string) string {
	for _, name := range formatNames {
		if strings.HasPrefix(rel, "internal/heap/"+name+"/") {
			return name
		}
	}
	return ""
}
