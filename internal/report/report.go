// Package report renders memsee's results for people (tables with human units, Markdown) and
// for programs (JSON and CSV with raw numbers). It knows no dump format and no SQL; it is the
// only package that writes tables and JSON. Its views (Check, Leaks, Path, PathType,
// TopOfProfile) are handed the results of internal/analysis and internal/leak and own what a
// command's output is in every format: columns, the prose around a table, Markdown, JSON.
package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Format is an output format.
type Format string

// The output formats.
const (
	FormatTable    Format = "table"
	FormatJSON     Format = "json"
	FormatCSV      Format = "csv"
	FormatMarkdown Format = "markdown"
)

// ParseFormat checks a --format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case FormatTable, FormatJSON, FormatCSV, FormatMarkdown:
		return f, nil
	case "md":
		return FormatMarkdown, nil
	}
	return "", fmt.Errorf("unknown output format %q (want table, json, csv or markdown)", s)
}

// Shortens reports whether f shortens long cells (paths, stacks, values) to fit a line, and has
// the prose around a table beside it: tables and Markdown do, for people; JSON and CSV never
// do, for the scripts that read them whole from stdout.
func (f Format) Shortens() bool { return f == FormatTable || f == FormatMarkdown }

// Unit says how a column's values are shown to people. JSON and CSV always carry the raw value.
type Unit int

// The column units.
const (
	UnitText         Unit = iota // a string, cleaned of control characters in tables
	UnitBytes                    // int64 bytes: 12.4 MiB
	UnitDeltaBytes               // int64 change in bytes: +12.4 MiB
	UnitCount                    // int64: 1,234
	UnitDeltaCount               // int64 change: +1,234
	UnitPercent                  // float64 share: 12.3%
	UnitDeltaPercent             // *float64 change: +12.3%; nil (no base to compare with) shows "new"
	UnitTime                     // time.Time, shown in the local zone
	UnitInt                      // int64 shown plainly (ids)
	UnitRaw                      // any SQL value, shown as it is
)

// Column describes one column.
type Column struct {
	Title     string // table and Markdown header
	Key       string // JSON field and CSV header: stable, snake_case
	Unit      Unit
	JSONOnly  bool // carried in JSON and CSV but not shown in tables
	TableOnly bool // shown in tables and Markdown only: words for people whose numbers JSON has
	// Clauses marks a text of clauses joined by ", ", the most telling first (a growth: its
	// bytes, its rate, its objects): a table too narrow for it drops whole clauses from the
	// end, and says so with a last clause "…", before it cuts a word.
	Clauses bool
	// Drop, when above 0, lets a table too wide for the terminal even with its text cut leave
	// the column out, the highest Drop first: a column whose numbers others imply (SURVIVED is
	// AFTER less NEW). --wide, JSON and CSV keep it.
	Drop int
	// Style is the style of a cell from its value, in a table written to Color; nil: a change
	// (UnitDelta...) is coloured by its sign (growth red, shrinkage green), the rest is plain.
	Style func(v any) Style
}

// Table is a result: columns and rows of raw values.
type Table struct {
	Columns []Column
	Rows    [][]any
	// RowStyle, when set, is the style of a whole row (one over budget), in a table written to
	// Color; a row it styles Plain has its cells' own.
	RowStyle func(row []any) Style
}

// Render writes t in the given format.
func Render(w io.Writer, f Format, t *Table) error {
	switch f {
	case FormatJSON:
		return renderJSON(w, t)
	case FormatCSV:
		return renderCSV(w, t)
	case FormatMarkdown:
		return renderMarkdown(w, t)
	default:
		return renderTable(w, t)
	}
}

// human formats one cell for people.
func human(u Unit, v any) string {
	if p, ok := v.(*float64); ok && p == nil {
		v = nil
	}
	if v == nil {
		if u == UnitDeltaPercent {
			return "new"
		}
		return ""
	}
	switch u {
	case UnitBytes:
		return Bytes(toInt(v))
	case UnitDeltaBytes:
		return SignedBytes(toInt(v))
	case UnitCount:
		return Count(toInt(v))
	case UnitDeltaCount:
		return SignedCount(toInt(v))
	case UnitPercent:
		return Percent(toFloat(v))
	case UnitDeltaPercent:
		return SignedPercent(toFloat(v))
	case UnitTime:
		if t, ok := v.(time.Time); ok {
			if t.IsZero() {
				return "-"
			}
			return t.Local().Format("2006-01-02 15:04:05")
		}
	}
	switch x := v.(type) {
	case string:
		return Clean(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []string:
		return Clean(strings.Join(x, " "))
	}
	return Clean(fmt.Sprint(v))
}

func toInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int:
		return int64(x)
	case float64:
		return int64(x)
	}
	return 0
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case *float64:
		if x != nil {
			return *x
		}
	case int64:
		return float64(x)
	}
	return 0
}

// raw returns the value as JSON and CSV carry it.
func raw(v any) any {
	switch x := v.(type) {
	case *float64:
		if x == nil {
			return nil
		}
		return *x
	case time.Time:
		if x.IsZero() {
			return nil
		}
		return x.UTC().Format(time.RFC3339Nano)
	}
	return v
}

func isNumeric(u Unit) bool {
	switch u {
	case UnitBytes, UnitDeltaBytes, UnitCount, UnitDeltaCount, UnitPercent, UnitDeltaPercent, UnitInt:
		return true
	}
	return false
}

func renderTable(w io.Writer, t *Table) error {
	var cols []int
	for i, c := range t.Columns {
		if !c.JSONOnly {
			cols = append(cols, i)
		}
	}
	if width := widthOf(w); width > 0 {
		cols = dropColumns(t, cols, width)
	}
	align := make([]tw.Align, len(cols))
	header := make([]string, len(cols))
	for j, i := range cols {
		c := t.Columns[i]
		header[j] = c.Title
		align[j] = tw.AlignLeft
		if isNumeric(c.Unit) {
			align[j] = tw.AlignRight
		}
	}
	cell := tw.CellConfig{
		Formatting: tw.CellFormatting{AutoFormat: tw.Off, AutoWrap: tw.WrapNone},
		Alignment:  tw.CellAlignment{PerColumn: align},
		Padding:    tw.CellPadding{Global: tw.Padding{Left: "", Right: "  ", Overwrite: true}},
	}
	var buf bytes.Buffer
	tbl := tablewriter.NewTable(&buf,
		tablewriter.WithConfig(tablewriter.Config{Header: cell, Row: cell}),
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders:  tw.BorderNone,
			Symbols:  tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{Separators: tw.Separators{BetweenColumns: tw.Off, BetweenRows: tw.Off}, Lines: tw.Lines{ShowHeaderLine: tw.Off}},
		})),
	)
	rows := make([][]string, len(t.Rows))
	for r, row := range t.Rows {
		rows[r] = make([]string, len(cols))
		for j, i := range cols {
			rows[r][j] = human(t.Columns[i].Unit, row[i])
		}
	}
	if width := widthOf(w); width > 0 {
		cuttable := make([]bool, len(cols))
		clauses := make([]bool, len(cols))
		for j, i := range cols {
			cuttable[j] = t.Columns[i].Unit == UnitText
			clauses[j] = t.Columns[i].Clauses
		}
		fitRows(header, rows, cuttable, clauses, width)
	}
	// A long table is laid out here, as tablewriter would lay it out (layOut), in the widths
	// of its cells before any colour.
	var widths []int
	if len(rows) > bigTable && !multiLine(header, rows) {
		widths = make([]int, len(header))
		for j, h := range header {
			widths[j] = natural(h, rows, j)
		}
	}
	// Colour goes on last, around cells cleaned and cut: tablewriter measures a cell without
	// its SGR sequences, so the layout is that of the table without colour.
	color := colorOut(w)
	if color != nil {
		for j := range header {
			header[j] = Styled(Bold, header[j])
		}
		for r, row := range rows {
			st := Plain
			if t.RowStyle != nil {
				st = t.RowStyle(t.Rows[r])
			}
			for j, i := range cols {
				cst := st
				if cst == Plain {
					cst = cellStyle(t.Columns[i], t.Rows[r][i])
				}
				row[j] = Styled(cst, row[j])
			}
		}
	}
	if widths != nil {
		right := make([]bool, len(cols))
		for j := range cols {
			right[j] = align[j] == tw.AlignRight
		}
		layOut(&buf, header, rows, widths, right)
	} else {
		tbl.Header(header)
		for _, out := range rows {
			if err := tbl.Append(out); err != nil {
				return err
			}
		}
		if err := tbl.Render(); err != nil {
			return err
		}
	}
	// tablewriter pads the last column; trailing blanks only make diffs noisy. The lines go
	// out in large writes: one write per line was a system call per row.
	out := bufio.NewWriterSize(w, 64<<10)
	for _, line := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
		var err error
		if color != nil {
			err = color.writeStyled(tidyLine(line) + "\n")
		} else {
			_, err = out.WriteString(strings.TrimRight(line, " ") + "\n")
		}
		if err != nil {
			return err
		}
	}
	return out.Flush()
}

func renderJSON(w io.Writer, t *Table) error {
	rows := make([]json.RawMessage, 0, len(t.Rows))
	for _, row := range t.Rows {
		var b bytes.Buffer
		b.WriteByte('{')
		first := true
		for i, c := range t.Columns {
			if c.TableOnly {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			k, _ := marshal(c.Key)
			v, err := marshal(raw(row[i]))
			if err != nil {
				return err
			}
			b.Write(k)
			b.WriteByte(':')
			b.Write(v)
		}
		b.WriteByte('}')
		rows = append(rows, b.Bytes())
	}
	return WriteJSON(w, rows)
}

func renderCSV(w io.Writer, t *Table) error {
	cw := csv.NewWriter(w)
	var head []string
	for _, c := range t.Columns {
		if !c.TableOnly {
			head = append(head, c.Key)
		}
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, row := range t.Rows {
		var rec []string
		for i, v := range row {
			if t.Columns[i].TableOnly {
				continue
			}
			cell, err := csvCell(v)
			if err != nil {
				return err
			}
			rec = append(rec, cell)
		}
		if len(rec) == 1 && rec[0] == "" {
			// encoding/csv writes a lone empty field as an empty line, which readers skip
			// (a one-column query's NULL would vanish): quote it.
			cw.Flush()
			if _, err := io.WriteString(w, "\"\"\n"); err != nil {
				return err
			}
			continue
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvCell is one value as CSV carries it: raw, whole, and a list (a stack, a series of sizes)
// as a JSON array, ["a","b"] or [1,2,3], which a script can parse, unlike Go's [1 2 3]; a
// fraction as JSON spells it (7287640, not Go's 7.28764e+06).
func csvCell(v any) (string, error) {
	x := raw(v)
	if x == nil {
		return "", nil
	}
	if f, ok := x.(float64); ok {
		if b, err := marshal(f); err == nil { // NaN and ±Inf, which JSON has not, stay as Go spells them
			return string(b), nil
		}
	}
	switch reflect.ValueOf(x).Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.Struct:
		b, err := marshal(x)
		return string(b), err
	}
	return fmt.Sprint(x), nil
}

// marshal is json.Marshal without HTML escaping: a path's "->" stays "->", not "-\u003e",
// for the scripts that read memsee's JSON (nothing renders it as HTML).
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// EscapeMarkdown makes text from a dump safe in Markdown that a code host renders as HTML.
// Type names and paths are data from the program being debugged: none of their characters
// may open a tag, a link, an image, emphasis or code, end a table cell, or be turned into a
// link by the host's autolinker (https://..., www....).
func EscapeMarkdown(s string) string { return mdEscape.Replace(Clean(s)) }

var mdEscape = strings.NewReplacer(
	`\`, `\\`, "|", `\|`, "<", "&lt;", ">", "&gt;", "&", "&amp;", "`", "\\`", "*", `\*`, "_", `\_`,
	"[", `\[`, "]", `\]`, "!", `\!`, "~", `\~`, "://", `:\/\/`, "www.", `www\.`, "@", `\@`)

func renderMarkdown(w io.Writer, t *Table) error {
	var b strings.Builder
	var head, rule []string
	for _, c := range t.Columns {
		if c.JSONOnly {
			continue
		}
		head = append(head, EscapeMarkdown(c.Title))
		if isNumeric(c.Unit) {
			rule = append(rule, "---:")
		} else {
			rule = append(rule, "---")
		}
	}
	fmt.Fprintf(&b, "| %s |\n| %s |\n", strings.Join(head, " | "), strings.Join(rule, " | "))
	for _, row := range t.Rows {
		var cells []string
		for i, c := range t.Columns {
			if !c.JSONOnly {
				cells = append(cells, EscapeMarkdown(human(c.Unit, row[i])))
			}
		}
		fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes one value as indented JSON, for commands that describe one thing; strings
// are not HTML-escaped (see marshal).
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
