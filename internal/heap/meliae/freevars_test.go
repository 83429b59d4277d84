package meliae

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/heaptest"
)

// closureLine returns the line of the function record (testdata/gen/zoo/python/audit.py) in
// the Python zoo's leak1, as memsee's dumper wrote it: "freevars": ["events", "keep"].
func closureLine(t *testing.T) []byte {
	t.Helper()
	text := heaptest.Gunzip(t, "../../../testdata/zoo/python/leak1.json.gz")
	line := regexp.MustCompile(`(?m)^\{[^\n]*"type": "function"[^\n]*"name": "record", "freevars": [^\n]*$`).Find(text)
	if line == nil {
		t.Fatal("no line of the function record with freevars in leak1")
	}
	return line
}

// The reader hands a function's freevars on as the name of each of its refs, and drops
// values that do not name cells: not a list, too many names, a name that is no str, no
// identifier, or longer than a name can be, without refusing the line. A field that is not
// JSON refuses it, as anywhere in a line.
func TestFreevars(t *testing.T) {
	line := closureLine(t)
	const asWritten = `"freevars": ["events", "keep"]`
	if !bytes.Contains(line, []byte(asWritten)) {
		t.Fatalf("the line of record has no %s: %s", asWritten, line)
	}
	long := strings.Repeat("x", maxFreevar)
	many := func(n int) string {
		return `"freevars": [` + strings.TrimSuffix(strings.Repeat(`"v", `, n), ", ") + `]`
	}
	stash := func(names ...string) string { return freevarsName + "\x00" + strings.Join(names, "\x00") }
	tests := []struct {
		name  string
		field string // replaces asWritten in the line
		typ   string // replaces the type, when set
		want  string // the name of each ref, "" for none
		err   bool   // the line is refused
	}{
		{"as written", asWritten, "", stash("events", "keep"), false},
		{"absent, as meliae writes a function", `"freevars_": 1`, "", "", false},
		{"no names", `"freevars": []`, "", "", false},
		{"null", `"freevars": null`, "", "", false},
		{"a string", `"freevars": "events"`, "", "", false},
		{"an object", `"freevars": {"events": 1}`, "", "", false},
		{"a number among the names", `"freevars": ["events", 1]`, "", "", false},
		{"a list among the names", `"freevars": [["events"], "keep"]`, "", "", false},
		{"null among the names", `"freevars": ["events", null]`, "", "", false},
		{"an empty name", `"freevars": ["events", ""]`, "", "", false},
		{"a name that is no identifier", `"freevars": ["events", "a b"]`, "", "", false},
		{"a name that starts with a digit", `"freevars": ["1events"]`, "", "", false},
		{"a name in angle brackets", `"freevars": ["<events>"]`, "", "", false},
		{"a NUL in a name", `"freevars": ["ev\u0000ents"]`, "", "", false},
		{"a lone surrogate", `"freevars": ["ev\udc80"]`, "", "", false},
		{"a name of letters of any script", `"freevars": ["\u00e9v\u00e9nements", "_k1"]`, "", stash("\u00e9v\u00e9nements", "_k1"), false},
		{"the longest name", `"freevars": ["` + long + `"]`, "", stash(long), false},
		{"a name too long", `"freevars": ["` + long + `y"]`, "", "", false},
		{"a huge name", `"freevars": ["` + strings.Repeat("y", 1<<20) + `"]`, "", "", false},
		{"the most names", many(MaxFreevars), "", stash(strings.Split(strings.Repeat("v ", MaxFreevars-1)+"v", " ")...), false},
		{"too many names", many(MaxFreevars + 1), "", "", false},
		{"a million names", many(1 << 20), "", "", false},
		{"on a type that is not a function", asWritten, "dict", "", false},
		{"names not separated", `"freevars": ["events" "keep"]`, "", "", true},
		{"a list not closed", `"freevars": ["events", "keep"`, "", "", true},
		{"a name not closed", `"freevars": ["events, "keep"]`, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := bytes.Replace(line, []byte(asWritten), []byte(tt.field), 1)
			if tt.typ != "" {
				l = bytes.Replace(l, []byte(`"type": "function"`), []byte(`"type": "`+tt.typ+`"`), 1)
			}
			rec, _, err := read(t, bytes.NewReader(append(l, '\n')))
			if tt.err {
				var fe *heap.FormatError
				if !errors.As(err, &fe) {
					t.Fatalf("got %v, want a FormatError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(rec.objects) != 1 || rec.objects[0].Value != "record" || len(rec.objects[0].Edges) != 8 {
				t.Fatalf("got %+v, want the function record with its 8 refs", rec.objects)
			}
			for i, e := range rec.objects[0].Edges {
				if e.Name != tt.want || e.Kind != heap.EdgeField {
					t.Fatalf("ref %d: %v %q, want a field named %q", i, e.Kind, e.Name, tt.want)
				}
			}
		})
	}
}

// A function's freevars do not stay with the next line.
func TestFreevarsOneLine(t *testing.T) {
	line := closureLine(t)
	next := bytes.Replace(line, []byte(`"freevars": ["events", "keep"], `), nil, 1)
	rec, _, err := read(t, bytes.NewReader(bytes.Join([][]byte{line, next, {}}, []byte("\n"))))
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.objects) != 2 || rec.objects[0].Edges[0].Name == "" || rec.objects[1].Edges[0].Name != "" {
		t.Errorf("the refs of the two lines: %q, %q; want the first named, the second not",
			rec.objects[0].Edges[0].Name, rec.objects[1].Edges[0].Name)
	}
}
