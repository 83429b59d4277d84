package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memsee/memsee/internal/heap/heaptest"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// TestReliabilityHostileStrings loads Python dumps whose class name and file name carry
// terminal escape sequences and Markdown, as a crafted dump would, and runs every command
// that prints them: none may pass a control character to the output or an error, and the
// Markdown of check may not carry a link, an image or a tag.
func TestReliabilityHostileStrings(t *testing.T) {
	dir := t.TempDir()
	// ESC [2J clears the screen, ESC ]0;...BEL retitles the window, ESC [6n asks the terminal to
	// type an answer back, C1 CSI (U+009B) does the same as ESC [ on some terminals.
	const evil = `Audit\u001b[2J\u001b]0;owned\u0007\u009b6n![x](https://evil.example/p.png)<img src=x>Entry`
	var files []string
	for i, src := range shops {
		data := heaptest.Gunzip(t, src)
		data = bytes.ReplaceAll(data, []byte(`"type": "AuditEntry"`), []byte(`"type": "`+evil+`"`))
		data = bytes.ReplaceAll(data, []byte(`"name": "AuditEntry"`), []byte(`"name": "`+evil+`"`))
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(data)
		zw.Close()
		name := filepath.Join(dir, "shop\x1b[31m"+string(rune('1'+i))+".json.gz")
		if err := os.WriteFile(name, gz.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, name)
	}
	db := filepath.Join(dir, "memsee.db")
	if r := memsee(t, db, false, append([]string{"load", "--series", "shop"}, files...)...); r.code != 0 {
		t.Fatalf("load: exit %d: %s", r.code, r.err)
	}
	hostileType := "Audit\x1b[2J\x1b]0;owned\x07\u009b6n![x](https://evil.example/p.png)<img src=x>Entry"
	cases := []struct {
		name string
		args []string
	}{
		{"ls", []string{"ls"}},
		{"leaks", []string{"leaks", "--series", "shop"}},
		{"leaks markdown", []string{"leaks", "--series", "shop", "--format", "markdown"}},
		{"top", []string{"top", "last"}},
		{"top by holder", []string{"top", "last", "--by", "holder"}},
		{"diff", []string{"diff", "first", "last"}},
		{"diff markdown", []string{"diff", "first", "last", "--format", "markdown"}},
		{"path --type", []string{"path", "--type", hostileType}},
		{"path --type, no such type", []string{"path", "--type", "Audit\x1b[2J"}},
		{"dominators", []string{"dominators", "last"}},
		{"check", []string{"check", "first", "last", "--max-growth", "1%"}},
		{"check markdown", []string{"check", "first", "last", "--max-growth", "1%", "--format", "markdown"}},
		{"load a file again", []string{"load", files[0]}},
		{"load a missing file", []string{"load", filepath.Join(dir, "gone\x1b]0;x\x07.json.gz")}},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			r := memsee(t, db, true, tt.args...)
			if r.code == 2 && !strings.Contains(tt.name, "again") && !strings.Contains(tt.name, "missing") && !strings.Contains(tt.name, "no such") {
				t.Fatalf("exit 2: %s", r.err)
			}
			for _, s := range []struct{ stream, text string }{{"stdout", r.out}, {"stderr", r.err}} {
				if i := strings.IndexFunc(s.text, func(c rune) bool {
					return (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f || (c >= 0x80 && c <= 0x9f)
				}); i >= 0 {
					t.Errorf("%s carries control character %q: %q", s.stream, s.text[i], s.text[max(0, i-20):min(len(s.text), i+20)])
				}
			}
			if strings.Contains(tt.name, "markdown") {
				// Rendered as a code host renders a job summary or a comment.
				var html bytes.Buffer
				if err := goldmark.New(goldmark.WithExtensions(extension.GFM)).Convert([]byte(r.out), &html); err != nil {
					t.Fatal(err)
				}
				for _, bad := range []string{"<img", "<a ", "<script"} {
					if strings.Contains(html.String(), bad) {
						t.Errorf("Markdown renders %q:\n%s", bad, html.String())
					}
				}
			}
		})
	}
}
