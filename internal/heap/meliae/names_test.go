package meliae_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/memsee/memsee/internal/heap/heaptest"
	"github.com/memsee/memsee/internal/loader/loadertest"
	"github.com/memsee/memsee/internal/store"
)

// The line of the closure record (testdata/gen/zoo/python/audit.py) in the Python zoo's
// leak1, whose variables are events and keep.
var recordLine = regexp.MustCompile(`(?m)^\{"address": \d+, "type": "function", "size": \d+, "name": "record"(, "freevars": \[[^\]]*\])?, `)

// NameGraph names the cells of a closure by their variables, from the freevars memsee's
// dumper writes on the function's line, on the real dump of the Python zoo (leak1) and on
// that dump with the function's freevars changed: when they do not name every cell, the
// cells keep their indices; and a bundled dump of the older dumper (testdata/python), which
// names no variable, reads as before.
func TestNameClosureCells(t *testing.T) {
	zoo := "../../../testdata/zoo/python/leak1.json.gz"
	tests := []struct {
		name     string
		dump     string
		freevars string // replaces record's freevars field; "-" leaves the line as written
		function string
		// The names of the refs of the function's closure tuple, each with the type of its
		// cell's contents, in order of name: record's events is a list, keep None.
		want []string
	}{
		{"as the dumper wrote it", zoo, "-", "record", []string{"<events> list", "<keep> NoneType"}},
		{"a closure of the dumper's own module", zoo, "-", "fsencode", []string{"<encoding> str", "<errors> str"}},
		{"without freevars, as meliae writes it", zoo, "", "record", []string{"[0] list", "[1] NoneType"}},
		{"one name for two cells", zoo, `, "freevars": ["events"]`, "record", []string{"[0] list", "[1] NoneType"}},
		{"three names for two cells", zoo, `, "freevars": ["events", "keep", "more"]`, "record", []string{"[0] list", "[1] NoneType"}},
		{"a name that is not a str", zoo, `, "freevars": ["events", 7]`, "record", []string{"[0] list", "[1] NoneType"}},
		{"a name that is no identifier", zoo, `, "freevars": ["events", "a>b"]`, "record", []string{"[0] list", "[1] NoneType"}},
		{"other names, in the cells' order", zoo, `, "freevars": ["z", "\u00e9v\u00e9nements"]`, "record",
			[]string{"<z> list", "<\u00e9v\u00e9nements> NoneType"}},
		{"the older dumper", "../../../testdata/python/shop4.json.gz", "-", "fsencode", []string{"[0] str", "[1] str"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.dump
			if tt.freevars != "-" {
				text := heaptest.Gunzip(t, tt.dump)
				n := 0
				text = recordLine.ReplaceAllFunc(text, func(line []byte) []byte {
					n++
					m := recordLine.FindSubmatchIndex(line)
					return slices.Concat(line[:m[2]], []byte(tt.freevars), line[m[3]:])
				})
				if n != 1 {
					t.Fatalf("%d lines of the function record, want 1", n)
				}
				path = filepath.Join(t.TempDir(), "changed.json.gz")
				var b bytes.Buffer
				zw, _ := gzip.NewWriterLevel(&b, gzip.BestSpeed)
				zw.Write(text)
				zw.Close()
				if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			db, res := loadertest.LoadInto(t, filepath.Join(t.TempDir(), "n.db"), path)
			defer db.Close()
			q := func(sql string, args ...any) [][]any {
				t.Helper()
				r, err := db.Query(context.Background(), sql, store.QueryOptions{Objects: []int64{res.ID}})
				if err != nil {
					t.Fatal(err)
				}
				return r.Rows
			}
			rows := q(`SELECT c.name || ' ' || vt.name FROM object f JOIN type ft ON ft.id = f.type
				JOIN ref r ON r.src = f.oid AND r.name = '.__closure__'
				JOIN ref c ON c.src = r.dst
				JOIN ref v ON v.src = c.dst AND v.name = '.cell_contents'
				JOIN object vo ON vo.oid = v.dst JOIN type vt ON vt.id = vo.type
				WHERE ft.name = 'function' AND f.value = '` + tt.function + `' ORDER BY 1`)
			var got []string
			for _, r := range rows {
				s, _ := r[0].(string)
				got = append(got, s)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("the refs of %s's closure: %q, want %q", tt.function, got, tt.want)
			}
			// No name the reader handed on is left on a function's other refs.
			if rows := q(`SELECT count(*) FROM ref WHERE name LIKE char(0) || '%'`); rows[0][0] != int64(0) {
				t.Errorf("%v refs still carry the reader's names of variables", rows[0][0])
			}
		})
	}
}
