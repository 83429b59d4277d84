package report

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/leak"
)

// sgrSeq matches any SGR sequence, memsee's or not.
var sgrSeq = regexp.MustCompile("\x1b\\[[0-9;]*m")

func stripSGR(s string) string { return sgrSeq.ReplaceAllString(s, "") }

// TestColorViews renders every view in every format to a writer that colours and to one that
// does not, whole and fitted to 60 columns: a table is coloured and, its SGR sequences
// stripped, is the table without colour, column for column; Markdown, CSV and JSON are the
// same bytes either way; nothing but memsee's SGR sequences reaches the output.
func TestColorViews(t *testing.T) {
	time.Local = time.UTC
	writers := []struct {
		name string
		wrap func(io.Writer) io.Writer
	}{
		{"whole", func(w io.Writer) io.Writer { return Whole(w) }},
		{"fit 60", func(w io.Writer) io.Writer { return Fit(w, 60) }},
		{"plain", func(w io.Writer) io.Writer { return w }},
	}
	for _, tt := range viewCases() {
		for _, f := range []Format{FormatTable, FormatJSON, FormatCSV, FormatMarkdown} {
			for _, wr := range writers {
				t.Run(tt.name+"."+string(f)+"."+wr.name, func(t *testing.T) {
					var plain, colored, notes bytes.Buffer
					// On a terminal without colour: TerminalWriter, as memsee puts it there.
					if err := tt.render(wr.wrap(TerminalWriter(&plain)), &notes, f); err != nil {
						t.Fatal(err)
					}
					notes.Reset()
					if err := tt.render(wr.wrap(Color(&colored)), &notes, f); err != nil {
						t.Fatal(err)
					}
					if strings.Contains(notes.String(), "\x1b") {
						t.Errorf("%s(%s): notes coloured: %q", tt.name, f, notes.String())
					}
					got := colored.String()
					if f != FormatTable {
						if got != plain.String() {
							t.Errorf("%s(%s): coloured output differs:\n%q\nwant\n%q", tt.name, f, got, plain.String())
						}
						return
					}
					if !strings.Contains(got, sgr[Bold]) {
						t.Errorf("%s(%s): no bold header:\n%q", tt.name, f, got)
					}
					if stripped := stripSGR(got); stripped != plain.String() {
						t.Errorf("%s(%s): without its SGR sequences the coloured table is\n%s\nwant\n%s", tt.name, f, stripped, plain.String())
					}
					for _, m := range sgrSeq.FindAllString(got, -1) {
						if knownSGR(m) != m {
							t.Errorf("%s(%s): SGR sequence %q is not one of memsee's", tt.name, f, m)
						}
					}
					if i := strings.IndexFunc(stripSGR(got), func(c rune) bool {
						return (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f || (c >= 0x80 && c <= 0x9f)
					}); i >= 0 {
						t.Errorf("%s(%s): control character in coloured output: %q", tt.name, f, got)
					}
				})
			}
		}
	}
}

// TestColorCells checks what is coloured, in which style, on a terminal, and that it is only that.
func TestColorCells(t *testing.T) {
	time.Local = time.UTC
	cases := viewCases()
	view := func(name string) func(io.Writer, *bytes.Buffer, Format) error {
		for _, c := range cases {
			if c.name == name {
				return c.render
			}
		}
		t.Fatalf("no view case %q", name)
		return nil
	}
	newPct := (*float64)(nil)
	grew, shrank := 12.5, -3.0
	deltas := &Table{Columns: []Column{
		{Title: "TYPE", Key: "type"},
		{Title: "BYTES", Key: "bytes", Unit: UnitBytes},
		{Title: "DELTA", Key: "delta", Unit: UnitDeltaBytes},
		{Title: "%", Key: "pct", Unit: UnitDeltaPercent},
		{Title: "OBJECTS", Key: "objects", Unit: UnitDeltaCount},
	}, Rows: [][]any{
		{"grew", int64(2048), int64(1024), &grew, int64(3)},
		{"shrank", int64(1024), int64(-1024), &shrank, int64(-3)},
		{"new", int64(1024), int64(1024), newPct, int64(1)},
		{"same", int64(1024), int64(0), new(float64), int64(0)},
	}}
	tests := []struct {
		name   string
		render func(io.Writer) error
		want   []string // each a coloured piece of the output
		plain  []string // lines that carry no colour at all
	}{
		{
			name:   "leaks: KIND",
			render: func(w io.Writer) error { return view("leaks")(w, &bytes.Buffer{}, FormatTable) },
			want:   []string{sgr[BoldRed] + "incremental" + sgrReset, sgr[Bold] + "KIND" + sgrReset, sgr[Bold] + "GROWTH" + sgrReset},
			plain:  []string{"3 meliae object dumps"},
		},
		{
			name:   "check: verdict, the row over budget, KIND",
			render: func(w io.Writer) error { return view("check")(w, &bytes.Buffer{}, FormatTable) },
			want: []string{"memsee check: " + sgr[Red] + "FAIL: over budget" + sgrReset,
				sgr[Red] + "AuditEntry<script>" + sgrReset, sgr[Red] + "incremental" + sgrReset, sgr[Red] + "yes" + sgrReset},
			plain: []string{"base: ", "budgets: ", "  over: "},
		},
		{
			name: "check: ok",
			render: func(w io.Writer) error {
				snaps := viewSnaps(heap.KindGraph, 2)
				r := &leak.CheckResult{BaseSnapshots: snaps[:1], HeadSnapshots: snaps[1:],
					Budget: leak.Budget{MaxGrowth: 0.1, MaxBytes: -1, KeyMaxBytes: -1, KeyMaxGrowth: -1}}
				return Check(w, &bytes.Buffer{}, FormatTable, r, 10)
			},
			want:  []string{"memsee check: " + sgr[Green] + "ok: within budget" + sgrReset + "\n"},
			plain: []string{"base: ", "nothing grew"},
		},
		{
			name:   "changes by their sign",
			render: func(w io.Writer) error { return Render(w, FormatTable, deltas) },
			want: []string{sgr[Red] + "+1.0 KiB" + sgrReset, sgr[Red] + "+12.5%" + sgrReset, sgr[Red] + "+3" + sgrReset,
				sgr[Green] + "-1.0 KiB" + sgrReset, sgr[Green] + "-3.0%" + sgrReset, sgr[Green] + "-3" + sgrReset,
				sgr[Red] + "new" + sgrReset},
			plain: []string{"same"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.render(Color(&b)); err != nil {
				t.Fatal(err)
			}
			got := b.String()
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("%s: output has no %q:\n%q", tt.name, w, got)
				}
			}
			for _, line := range strings.Split(got, "\n") {
				for _, p := range tt.plain {
					if strings.HasPrefix(line, p) && strings.Contains(line, "\x1b") {
						t.Errorf("%s: line coloured: %q", tt.name, line)
					}
				}
			}
			// Nothing else: the plain cells of the plain rows carry no sequence.
			if strings.Contains(got, sgr[Bold]+sgrReset) || strings.Contains(got, sgr[Red]+sgrReset) {
				t.Errorf("%s: an empty cell coloured:\n%q", tt.name, got)
			}
		})
	}
}

// TestColorNet writes to Color what a dump could carry, through Write and as table cells:
// nothing written reaches the terminal as an escape sequence, memsee's own SGR sequences
// included; only the codes Render writes beside the filter do.
func TestColorNet(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "AuditEntry 1,200\n", "AuditEntry 1,200\n"},
		{"clear screen", "a\x1b[2Jb\n", "a[2Jb\n"},
		{"memsee's own red, written as text", "a\x1b[31mb\x1b[0m", "a[31mb[0m"},
		{"title", "\x1b]0;owned\x07x", "]0;ownedx"},
		{"C1 CSI as UTF-8", "a\u009b31mb", "a31mb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if _, err := Color(&b).Write([]byte(tt.in)); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("Color(%q) = %q, want %q", tt.in, b.String(), tt.want)
			}
			b.Reset()
			tbl := &Table{Columns: []Column{{Title: "TYPE", Key: "type"}}, Rows: [][]any{{tt.in}}}
			if err := Render(Color(TerminalWriter(&b)), FormatTable, tbl); err != nil {
				t.Fatal(err)
			}
			// The header's bold and its reset are the only sequences.
			want := sgr[Bold] + "TYPE" + sgrReset + "\n" + strings.TrimRight(Clean(tt.in), " ") + "\n"
			if got := b.String(); got != want {
				t.Errorf("table of %q = %q, want %q", tt.in, got, want)
			}
		})
	}
}

func TestWriteStyled(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"ours", sgr[BoldRed] + "x" + sgrReset, sgr[BoldRed] + "x" + sgrReset},
		{"every style", sgr[Bold] + sgr[Red] + sgr[Green] + sgr[Yellow] + sgr[Dim] + sgrReset, sgr[Bold] + sgr[Red] + sgr[Green] + sgr[Yellow] + sgr[Dim] + sgrReset},
		{"not ours", "\x1b[5mblink\x1b[8m", "[5mblink[8m"},
		{"cursor", "\x1b[2J\x1b[H", "[2J[H"},
		{"cut short", "a\x1b[", "a["},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Color(&b).(*terminalWriter).writeStyled(tt.in); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("writeStyled(%q) = %q, want %q", tt.in, b.String(), tt.want)
			}
		})
	}
}
