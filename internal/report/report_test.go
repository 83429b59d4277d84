package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestUnits(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"bytes 0", Bytes(0), "0 B"},
		{"bytes 1023", Bytes(1023), "1023 B"},
		{"bytes 1 KiB", Bytes(1024), "1.0 KiB"},
		{"bytes 12.4 MiB", Bytes(13002342), "12.4 MiB"},
		{"bytes 100 MiB", Bytes(100 << 20), "100 MiB"},
		{"bytes rounding to 100", Bytes(104826000), "100 MiB"},
		{"bytes negative", Bytes(-2048), "-2.0 KiB"},
		{"signed bytes +", SignedBytes(1 << 30), "+1.0 GiB"},
		{"signed bytes 0", SignedBytes(0), "0 B"},
		{"count", Count(1234567), "1,234,567"},
		{"count small", Count(999), "999"},
		{"count negative", Count(-1000), "-1,000"},
		{"signed count", SignedCount(12000), "+12,000"},
		{"percent", Percent(12.345), "12.3%"},
		{"signed percent", SignedPercent(300), "+300.0%"},
		{"signed percent negative", SignedPercent(-100), "-100.0%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
			}
		})
	}
}

func TestParseBytes(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"1024", 1024, false},
		{"5MiB", 5 << 20, false},
		{"5 MB", 5 << 20, false},
		{"1.5g", 3 << 29, false},
		{"2GiB", 2 << 30, false},
		{"10k", 10240, false},
		{"", 0, true},
		{"lots", 0, true},
		{"-5MiB", 0, true},
		{"1e30TiB", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseBytes(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseBytes(%q): got %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "main.loadTable", "main.loadTable"},
		{"escape sequence", "evil\x1b[2J\x1b]0;title\x07name", "evil[2J]0;titlename"},
		{"newlines", "a\nb\r\tc", "a b  c"},
		{"C1 control", "a\u009bb", "ab"},
		{"bidi override", "abc\u202edcba", "abcdcba"},
		{"invalid utf-8", "a\xffb", "a\uFFFDb"},
		{"unicode kept", "größe ← 名前", "größe ← 名前"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Clean(tt.in); got != tt.want {
				t.Errorf("Clean(%q): got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// hostile is a table with the kinds of values every renderer must handle, including strings
// a heap dump may hold.
func hostile() *Table {
	d := 12.5
	return &Table{
		Columns: []Column{
			{Title: "NAME", Key: "name"},
			{Title: "BYTES", Key: "bytes", Unit: UnitBytes},
			{Title: "DELTA", Key: "delta", Unit: UnitDeltaBytes},
			{Title: "COUNT", Key: "count", Unit: UnitCount},
			{Title: "%", Key: "pct", Unit: UnitDeltaPercent},
			{Title: "TAKEN", Key: "taken", Unit: UnitTime},
			{Key: "stack", JSONOnly: true},
		},
		Rows: [][]any{
			{"plain", int64(13002342), int64(-2048), int64(1234567), &d, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), []string{"a", "b"}},
			{"<script>alert(1)</script>|x\x1b[31m", int64(0), int64(5), int64(0), (*float64)(nil), time.Time{}, []string{}},
			{"comma, \"quote\"\nnewline", int64(1), int64(0), int64(-3), nil, time.Time{}, nil},
		},
	}
}

func TestRender(t *testing.T) {
	time.Local = time.UTC
	for _, f := range []Format{FormatTable, FormatJSON, FormatCSV, FormatMarkdown} {
		t.Run(string(f), func(t *testing.T) {
			var b bytes.Buffer
			if err := Render(&b, f, hostile()); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "hostile."+string(f)+".golden")
			if *update {
				os.MkdirAll("testdata", 0o755)
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if b.String() != string(want) {
				t.Errorf("Render(%s): got\n%s\nwant\n%s", f, b.String(), want)
			}
			if f == FormatTable || f == FormatMarkdown {
				if bytes.ContainsAny(b.Bytes(), "\x1b\x07") {
					t.Errorf("Render(%s) let a control character through", f)
				}
			}
			if f == FormatMarkdown && bytes.Contains(b.Bytes(), []byte("<script>")) {
				t.Errorf("Render(markdown) let HTML through")
			}
		})
	}
}

// TestMarkdownNeutralisesDumpStrings renders the Markdown of hostile cells with a GFM renderer,
// as a code host does, and checks that no dump string became a tag, a link or an image.
func TestMarkdownNeutralisesDumpStrings(t *testing.T) {
	hostile := []string{
		"![x](https://evil.example/pixel.png)",
		"[click](javascript:alert(1))",
		"<img src=x onerror=alert(1)>",
		"<script>alert(1)</script>",
		"https://evil.example/track",
		"www.evil.example",
		"someone@evil.example",
		"[ref]: https://evil.example",
		"`code` and **bold** and ~~gone~~",
		"a|b",
		"\\[escaped](https://evil.example)",
		"\x1b]0;owned\x07title",
	}
	tbl := &Table{Columns: []Column{{Title: "TYPE", Key: "type"}}}
	for _, h := range hostile {
		tbl.Rows = append(tbl.Rows, []any{h})
	}
	var md bytes.Buffer
	if err := Render(&md, FormatMarkdown, tbl); err != nil {
		t.Fatal(err)
	}
	var html bytes.Buffer
	gm := goldmark.New(goldmark.WithExtensions(extension.GFM))
	if err := gm.Convert(md.Bytes(), &html); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<img", "<a ", "<script", "<code", "<strong", "<del", "\x1b", "\x07"} {
		if strings.Contains(html.String(), bad) {
			t.Errorf("Markdown of hostile cells renders %q:\n%s\nfrom\n%s", bad, html.String(), md.String())
		}
	}
	if got := strings.Count(html.String(), "<tr>"); got != len(hostile)+1 {
		t.Errorf("rendered table has %d rows, want %d (a cell broke out):\n%s", got, len(hostile)+1, html.String())
	}
}

func TestTerminalWriter(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "AuditEntry 1,200\n", "AuditEntry 1,200\n"},
		{"clear screen", "a\x1b[2Jb\n", "a[2Jb\n"},
		{"title", "\x1b]0;owned\x07x", "]0;ownedx"},
		{"carriage return", "ok\rFAIL", "okFAIL"},
		{"C1 CSI as UTF-8", "a\u009b2Jb", "a2Jb"},
		{"tab kept, unicode kept", "é\tü", "é\tü"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			n, err := TerminalWriter(&b).Write([]byte(tt.in))
			if err != nil || n != len(tt.in) {
				t.Fatalf("Write: %d, %v", n, err)
			}
			if b.String() != tt.want {
				t.Errorf("TerminalWriter(%q) = %q, want %q", tt.in, b.String(), tt.want)
			}
		})
	}
}

// TestCSVAndJSONCells checks one cell of each kind as CSV and JSON carry it: whole, lists as
// JSON arrays in CSV, and no HTML escapes in either.
func TestCSVAndJSONCells(t *testing.T) {
	long := strings.Repeat("a.b -> ", 40) + "end"
	tests := []struct {
		name     string
		v        any
		csv      string // the cell as encoding/csv reads it back
		jsonText string // the value in the JSON row
	}{
		{"ints", []int64{1, 2, 3, 4}, "[1,2,3,4]", "[1,2,3,4]"},
		{"no ints", []int64{}, "[]", "[]"},
		{"stack", []string{"main.f", "main.main"}, `["main.f","main.main"]`, `["main.f","main.main"]`},
		{"path", "root -> a <b> & c", "root -> a <b> & c", `"root -> a <b> & c"`},
		{"long path", long, long, `"` + long + `"`},
		{"float", 1.5, "1.5", "1.5"},
		{"large float", 7287640.0, "7287640", "7287640"},
		{"null", nil, "", "null"},
		{"new", (*float64)(nil), "", "null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tbl := &Table{Columns: []Column{{Title: "V", Key: "v"}}, Rows: [][]any{{tt.v}}}
			var c, j bytes.Buffer
			if err := Render(&c, FormatCSV, tbl); err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(&c).ReadAll()
			if err != nil || len(recs) != 2 || recs[1][0] != tt.csv {
				t.Errorf("Render(csv, %s): got %q (%v), want the cell %q", tt.name, recs, err, tt.csv)
			}
			if err := Render(&j, FormatJSON, tbl); err != nil {
				t.Fatal(err)
			}
			var rows []map[string]json.RawMessage
			if err := json.Unmarshal(j.Bytes(), &rows); err != nil || len(rows) != 1 {
				t.Fatalf("Render(json, %s): %v\n%s", tt.name, err, j.String())
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, rows[0]["v"]); err != nil {
				t.Fatal(err)
			}
			if compact.String() != tt.jsonText {
				t.Errorf("Render(json, %s): got %s, want %s", tt.name, compact.String(), tt.jsonText)
			}
		})
	}
}
