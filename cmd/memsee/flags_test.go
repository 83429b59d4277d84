package main

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/leak"
	"github.com/memsee/memsee/internal/report"
	"github.com/spf13/cobra"
)

// The first layer of the command tests (gh's list_test.go shape): each command is built with a
// runF that captures the options its flags and arguments made, so that parsing is checked
// without a database. The second layer, the run functions against real samples with golden
// output, is in the other _test.go files.

// parse runs cmd with args and returns the error of parsing (nil when runF was reached).
func parse(t *testing.T, cmd *cobra.Command, args ...string) error {
	t.Helper()
	cmd.SetArgs(negativeRefs(args))
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err: err, cmd: c.CommandPath()} }) // as the root's
	return cmd.Execute()
}

func testFactory() *Factory {
	return &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}, Now: fixedNow}
}

func TestFlagsDiff(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    diffOptions // Base, Head, Sample, N, Final, Format
		wantErr string
	}{
		{"defaults", []string{"1", "2"}, diffOptions{Base: "1", Head: "2", Sample: heap.InuseBytes, N: 20, Format: report.FormatTable}, ""},
		{"from the end", []string{"-2", "-1", "-n", "3"}, diffOptions{Base: "@-2", Head: "@-1", Sample: heap.InuseBytes, N: 3, Format: report.FormatTable}, ""},
		{"sample and json", []string{"first", "last", "--sample", "alloc_space", "--json"}, diffOptions{Base: "first", Head: "last", Sample: heap.AllocBytes, N: 20, Format: report.FormatJSON}, ""},
		{"final", []string{"1", "2", "--final", "4", "--format", "csv"}, diffOptions{Base: "1", Head: "2", Final: "4", Sample: heap.InuseBytes, N: 20, Format: report.FormatCSV}, ""},
		{"one snapshot", []string{"1"}, diffOptions{}, "diff takes two snapshots"},
		{"bad sample", []string{"1", "2", "--sample", "cpu"}, diffOptions{}, `unknown sample type "cpu"`},
		{"json and csv", []string{"1", "2", "--json", "--format", "csv"}, diffOptions{}, "--json and --format csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *diffOptions
			err := parse(t, newCmdDiff(testFactory(), func(o *diffOptions) error { got = o; return nil }), tt.args...)
			if tt.wantErr != "" {
				var ue usageError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &ue) {
					t.Fatalf("diff %v: error %v, want a usage error with %q", tt.args, err, tt.wantErr)
				}
				return
			}
			if err != nil || got == nil {
				t.Fatalf("diff %v: %v", tt.args, err)
			}
			if got.Base != tt.want.Base || got.Head != tt.want.Head || got.Sample != tt.want.Sample ||
				got.N != tt.want.N || got.Final != tt.want.Final || got.Format != tt.want.Format {
				t.Errorf("diff %v: got base %q head %q sample %v n %d final %q format %s, want %+v",
					tt.args, got.Base, got.Head, got.Sample, got.N, got.Final, got.Format, tt.want)
			}
		})
	}
}

func TestFlagsLeaks(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		check   func(o *leaksOptions) bool
		wantErr string
	}{
		{"defaults", nil, func(o *leaksOptions) bool {
			return len(o.Snaps) == 0 && o.MinBytes == 0 && o.Limit == 0 && o.Format == report.FormatTable
		}, ""},
		{"snapshots and units", []string{"heap1", "heap2", "heap3", "--limit", "2GiB", "--min-bytes", "1MiB"}, func(o *leaksOptions) bool {
			return len(o.Snaps) == 3 && o.Limit == 2<<30 && o.MinBytes == 1<<20
		}, ""},
		{"series", []string{"--series", "shop"}, func(o *leaksOptions) bool { return o.Series == "shop" && o.SeriesSet }, ""},
		{"bad limit", []string{"--memory-limit", "lots"}, nil, "--memory-limit lots"},
		{"memory limit", []string{"--memory-limit", "1GiB"}, func(o *leaksOptions) bool { return o.Limit == 1<<30 }, ""},
		{"min growth in percent", []string{"--min-growth", "2.5%"}, func(o *leaksOptions) bool { return o.MinGrowth == 2.5 }, ""},
		{"min growth off", []string{"--min-growth", "off"}, func(o *leaksOptions) bool { return o.MinGrowth == 0 }, ""},
		{"min growth without %", []string{"--min-growth", "10"}, nil, "write 1000% for 10 times base, or 10% for a tenth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *leaksOptions
			err := parse(t, newCmdLeaks(testFactory(), func(o *leaksOptions) error { got = o; return nil }), tt.args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("leaks %v: error %v, want %q", tt.args, err, tt.wantErr)
				}
				return
			}
			if err != nil || got == nil || !tt.check(got) {
				t.Errorf("leaks %v: %v, options %+v", tt.args, err, got)
			}
		})
	}
}

func TestFlagsCheck(t *testing.T) {
	// budget is what the flags should make: growth and key growth as fractions, -1 for none.
	budget := func(growth float64, bytes, keyBytes int64, keyGrowth float64, floor int64) leak.Budget {
		return leak.Budget{MaxGrowth: growth, MaxBytes: bytes, KeyMaxBytes: keyBytes, KeyMaxGrowth: keyGrowth, Floor: floor}
	}
	const floor = 64 << 10
	def := budget(0.1, -1, -1, -1, floor)
	tests := []struct {
		name    string
		args    []string
		want    *leak.Budget // nil: not checked
		check   func(o *checkOptions) bool
		wantErr string
	}{
		{"default budget", []string{"base.pb.gz", "head.pb.gz"}, &def, func(o *checkOptions) bool {
			return len(o.Base) == 1 && len(o.Head) == 1
		}, ""},
		{"percent", []string{"1", "2", "--max-growth", "25%"}, ptr(budget(0.25, -1, -1, -1, floor)), nil, ""},
		{"percent with a space", []string{"1", "2", "--max-growth", " 12.5 %"}, ptr(budget(0.125, -1, -1, -1, floor)), nil, ""},
		{"zero percent", []string{"1", "2", "--max-growth", "0%"}, ptr(budget(0, -1, -1, -1, floor)), nil, ""},
		// Each budget flag adds one; the default 10% stays unless --max-growth is given.
		{"bytes beside the default", []string{"1", "2", "--max-bytes", "5MiB"}, ptr(budget(0.1, 5<<20, -1, -1, floor)), nil, ""},
		{"bytes without a unit", []string{"1", "2", "--max-bytes", "1000"}, ptr(budget(0.1, 1000, -1, -1, floor)), nil, ""},
		{"key bytes beside the default", []string{"1", "2", "--max-key-growth", "1MiB"}, ptr(budget(0.1, -1, 1<<20, -1, floor)), nil, ""},
		{"key percent beside the default", []string{"1", "2", "--max-key-growth", "50%"}, ptr(budget(0.1, -1, -1, 0.5, floor)), nil, ""},
		{"key bytes and percent", []string{"1", "2", "--max-key-growth", "1MiB", "--max-key-growth", "50%"}, ptr(budget(0.1, -1, 1<<20, 0.5, floor)), nil, ""},
		{"all of them", []string{"1", "2", "--max-growth", "5%", "--max-bytes", "2MiB", "--max-key-growth", "50%", "--max-key-growth", "512KiB", "--floor", "1MiB"},
			ptr(budget(0.05, 2<<20, 512<<10, 0.5, 1<<20)), nil, ""},
		{"growth off, bytes on", []string{"1", "2", "--max-growth", "off", "--max-bytes", "5MiB"}, ptr(budget(-1, 5<<20, -1, -1, floor)), nil, ""},
		{"growth OFF", []string{"1", "2", "--max-growth", "OFF", "--max-key-growth", "1MiB"}, ptr(budget(-1, -1, 1<<20, -1, floor)), nil, ""},
		{"bytes off", []string{"1", "2", "--max-bytes", "off"}, &def, nil, ""},
		{"floor", []string{"1", "2", "--floor", "256KiB"}, ptr(budget(0.1, -1, -1, -1, 256<<10)), nil, ""},
		{"floor 0", []string{"1", "2", "--floor", "0"}, ptr(budget(0.1, -1, -1, -1, 0)), nil, ""},
		{"several per side", []string{"a.pb.gz,b.pb.gz", "c.pb.gz,d.pb.gz,e.pb.gz"}, nil, func(o *checkOptions) bool {
			return len(o.Base) == 2 && len(o.Head) == 3
		}, ""},
		{"markdown", []string{"1", "2", "--format", "markdown"}, nil, func(o *checkOptions) bool { return o.Format == report.FormatMarkdown }, ""},
		// A percent flag without its % is refused with the readings it may have meant.
		{"a fraction", []string{"1", "2", "--max-growth", "0.1"}, nil, nil, "--max-growth 0.1: a growth budget is a percentage: write 10% for a tenth, or 0.1% for a thousandth"},
		{"a whole number", []string{"1", "2", "--max-growth", "5"}, nil, nil, "write 500% for 5 times base, or 5% for a twentieth"},
		{"one", []string{"1", "2", "--max-growth", "1"}, nil, nil, "write 100% for as much again as base, or 1% for a hundredth"},
		{"zero", []string{"1", "2", "--max-growth", "0"}, nil, nil, "--max-growth 0: a growth budget is a percentage: write 0%"},
		{"a quarter", []string{"1", "2", "--max-growth", "0.25"}, nil, nil, "write 25% for a quarter, or 0.25% for 1/400 of base"},
		{"no word for it", []string{"1", "2", "--max-growth", "0.3"}, nil, nil, "write 30% for 0.3 of base, or 0.3% for 0.003 of base"},
		{"a key fraction", []string{"1", "2", "--max-key-growth", "0.5"}, nil, nil, "write 50% for a half, or 0.5% for 1/200 of base, or a size with its unit (1MiB)"},
		{"a key number", []string{"1", "2", "--max-key-growth", "1024"}, nil, nil, "write 102400% for 1024 times base, or 1024% for 10.24 times base, or 1024B for bytes"},
		{"not a number", []string{"1", "2", "--max-growth", "lots"}, nil, nil, `--max-growth "lots": want a percentage (10%), or off`},
		{"negative", []string{"1", "2", "--max-growth", "-5%"}, nil, nil, `--max-growth "-5%": want a percentage`},
		{"infinite", []string{"1", "2", "--max-growth", "Inf%"}, nil, nil, `--max-growth "Inf%": want a percentage`},
		{"a key percent, not a number", []string{"1", "2", "--max-key-growth", "x%"}, nil, nil, `--max-key-growth "x%": want a percentage (10%), or a size with its unit (1MiB), or off`},
		{"a key size, not a size", []string{"1", "2", "--max-key-growth", "5QiB"}, nil, nil, "--max-key-growth: want a size (1MiB) or a percentage (50%)"},
		{"bytes, not a size", []string{"1", "2", "--max-bytes", "5%"}, nil, nil, `--max-bytes: "5%" is not a size`},
		// None replaces another: a budget given twice is refused.
		{"growth twice", []string{"1", "2", "--max-growth", "10%", "--max-growth", "5%"}, nil, nil, "--max-growth given 2 times (10%, 5%): give one"},
		{"bytes twice", []string{"1", "2", "--max-bytes", "1MiB", "--max-bytes", "2MiB"}, nil, nil, "--max-bytes given 2 times"},
		{"floor twice", []string{"1", "2", "--floor", "1MiB", "--floor", "0"}, nil, nil, "--floor given 2 times"},
		{"key sizes twice", []string{"1", "2", "--max-key-growth", "1MiB", "--max-key-growth", "2MiB"}, nil, nil, "--max-key-growth 1MiB, 2MiB: give at most one size and one percentage"},
		{"key percents twice", []string{"1", "2", "--max-key-growth", "5%", "--max-key-growth", "50%"}, nil, nil, "give at most one size and one percentage"},
		{"key off beside a key budget", []string{"1", "2", "--max-key-growth", "off", "--max-key-growth", "50%"}, nil, nil, "off beside another --max-key-growth"},
		{"every budget off", []string{"1", "2", "--max-growth", "off"}, nil, nil, "every budget is off, so nothing would be checked"},
		{"every budget off, twice over", []string{"1", "2", "--max-growth", "off", "--max-bytes", "off", "--max-key-growth", "off"}, nil, nil, "every budget is off"},
		{"bad floor", []string{"1", "2", "--floor", "lots"}, nil, nil, `--floor: "lots" is not a size`},
		{"negative -n", []string{"1", "2", "-n", "-1"}, nil, nil, "-n -1: want 0 (all) or more"},
		{"one side", []string{"1"}, nil, nil, "check takes"},
		{"an empty side", []string{",", "2"}, nil, nil, "base and head each need a file or a snapshot"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *checkOptions
			err := parse(t, newCmdCheck(testFactory(), func(o *checkOptions) error { got = o; return nil }), tt.args...)
			if tt.wantErr != "" {
				var ue usageError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &ue) {
					t.Fatalf("check %v: error %v, want a usage error with %q", tt.args, err, tt.wantErr)
				}
				return
			}
			if err != nil || got == nil {
				t.Fatalf("check %v: %v", tt.args, err)
			}
			if tt.want != nil && got.Budget != *tt.want {
				t.Errorf("check %v: budget %+v, want %+v", tt.args, got.Budget, *tt.want)
			}
			if tt.check != nil && !tt.check(got) {
				t.Errorf("check %v: options %+v", tt.args, got)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// The floor's default is leaks' least growth, as the help says.
func TestCheckFloorDefault(t *testing.T) {
	f := newCmdCheck(testFactory(), nil).Flags().Lookup("floor")
	if b, err := report.ParseBytes(f.DefValue); err != nil || b != leak.DefaultMinBytes {
		t.Errorf("--floor default %q (%d, %v), want %d bytes", f.DefValue, b, err, leak.DefaultMinBytes)
	}
}

func TestFlagsOthers(t *testing.T) {
	f := testFactory()
	var top *topOptions
	if err := parse(t, newCmdTop(f, func(o *topOptions) error { top = o; return nil }), "heap3", "--by", "site", "-n", "10"); err != nil ||
		top.Snap != "heap3" || top.N != 10 || top.Group.by != "site" {
		t.Errorf("top: %v, %+v", err, top)
	}
	top = nil
	if err := parse(t, newCmdTop(f, func(o *topOptions) error { top = o; return nil })); err != nil || top.Snap != "last" {
		t.Errorf("top without a snapshot: %v, %+v; want the last", err, top)
	}
	var load *loadOptions
	if err := parse(t, newCmdLoad(f, func(o *loadOptions) error { load = o; return nil }), "a.dump", "b.dump", "--series", "svc", "--binary", "./server"); err != nil ||
		len(load.Files) != 2 || load.Series != "svc" || load.Binary != "./server" {
		t.Errorf("load: %v, %+v", err, load)
	}
	if err := parse(t, newCmdLoad(f, func(o *loadOptions) error { return nil }), "--label", "x", "a.dump", "b.dump"); err == nil ||
		!strings.Contains(err.Error(), "--label names one snapshot") {
		t.Errorf("load --label with two files: %v", err)
	}
	var path *pathOptions
	if err := parse(t, newCmdPath(f, func(o *pathOptions) error { path = o; return nil }), "--type", "AuditEntry", "--snap", "-2"); err != nil ||
		path.Type != "AuditEntry" || path.Snap != "@-2" {
		t.Errorf("path --type: %v, %+v", err, path)
	}
	var query *queryOptions
	if err := parse(t, newCmdQuery(f, func(o *queryOptions) error { query = o; return nil }), "select 1", "--objects", "3,4"); err != nil ||
		query.SQL != "select 1" || query.Write || len(query.Objects) != 2 {
		t.Errorf("query: %v, %+v", err, query)
	}
	var rm *rmOptions
	if err := parse(t, newCmdRm(f, func(o *rmOptions) error { rm = o; return nil }), "1", "heap2"); err != nil || len(rm.Snaps) != 2 {
		t.Errorf("rm: %v, %+v", err, rm)
	}
}

// TestFlagsVocabulary: one word means one thing in every command. -n is rows, with one default;
// --snap chooses the one snapshot a command reads; --format is the output format.
func TestFlagsVocabulary(t *testing.T) {
	root := newRootCmd(testFactory(), "")
	oneSnapshot := map[string]bool{"top": true, "dominators": true, "path": true, "show": true, "refs": true, "kids": true}
	for _, c := range root.Commands() {
		if n := c.Flags().Lookup("n"); n != nil && n.DefValue != strconv.Itoa(defaultRows) {
			t.Errorf("%s -n defaults to %s, want %d as everywhere", c.Name(), n.DefValue, defaultRows)
		}
		if oneSnapshot[c.Name()] {
			if s := c.Flags().Lookup("snap"); s == nil || s.DefValue != "last" {
				t.Errorf("%s has no --snap defaulting to last", c.Name())
			}
		}
		// export writes no table but files for other tools: its output format is a profile by default.
		if f := c.Flags().Lookup("format"); f != nil && f.DefValue != string(report.FormatTable) && c.Name() != "export" {
			t.Errorf("%s --format defaults to %q, want the output format, table", c.Name(), f.DefValue)
		}
		if c.Flags().Lookup("limit") != nil && !c.Flags().Lookup("limit").Hidden {
			t.Errorf("%s shows --limit: a memory limit is --memory-limit", c.Name())
		}
	}

	f := testFactory()
	for _, args := range [][]string{{"heap3"}, {"--snap", "heap3"}, {"heap3", "--snap", "heap3"}} {
		var top *topOptions
		if err := parse(t, newCmdTop(f, func(o *topOptions) error { top = o; return nil }), args...); err != nil || top.Snap != "heap3" {
			t.Errorf("top %v: %v, %+v; want snapshot heap3", args, err, top)
		}
		var dom *dominatorsOptions
		if err := parse(t, newCmdDominators(f, func(o *dominatorsOptions) error { dom = o; return nil }), args...); err != nil || dom.Snap != "heap3" {
			t.Errorf("dominators %v: %v, %+v; want snapshot heap3", args, err, dom)
		}
	}
	if err := parse(t, newCmdTop(f, func(*topOptions) error { return nil }), "heap3", "--snap", "heap4"); err == nil ||
		!strings.Contains(err.Error(), "given twice, as heap3 and --snap heap4") {
		t.Errorf("top heap3 --snap heap4: %v, want an error", err)
	}

	tests := []struct {
		args       []string
		input      string
		format     report.Format
		note, fail string
	}{
		{[]string{"--input-format", "hprof"}, "hprof", report.FormatTable, "", ""},
		{[]string{"--format", "json"}, "", report.FormatJSON, "", ""},
		{[]string{"--json"}, "", report.FormatJSON, "", ""},
		// The old spelling of the input format, kept: said once, then done.
		{[]string{"--format", "pprof"}, "pprof", report.FormatTable, "--format pprof is now --input-format pprof", ""},
		{[]string{"--format", "pprof", "--input-format", "v8"}, "", "", "", "--format is the output format"},
		{[]string{"--format", "xml"}, "", "", "", `unknown output format "xml"`},
	}
	for _, tt := range tests {
		f := testFactory()
		var load *loadOptions
		err := parse(t, newCmdLoad(f, func(o *loadOptions) error { load = o; return nil }), append(tt.args, "a.pb.gz")...)
		if tt.fail != "" {
			if err == nil || !strings.Contains(err.Error(), tt.fail) {
				t.Errorf("load %v: %v, want an error with %q", tt.args, err, tt.fail)
			}
			continue
		}
		if err != nil || load.Input != tt.input || load.Format != tt.format {
			t.Errorf("load %v: %v, %+v; want input format %q, output %q", tt.args, err, load, tt.input, tt.format)
		}
		if note := f.IO.ErrOut.(*bytes.Buffer).String(); !strings.Contains(note, tt.note) || (tt.note == "") != (note == "") {
			t.Errorf("load %v: stderr %q, want %q", tt.args, note, tt.note)
		}
	}

	var leaks *leaksOptions
	if err := parse(t, newCmdLeaks(f, func(o *leaksOptions) error { leaks = o; return nil }), "--limit", "2GiB"); err != nil || leaks.Limit != 2<<30 {
		t.Errorf("leaks --limit 2GiB (the old name of --memory-limit): %v, %+v", err, leaks)
	}
}

// TestLooksLikePath: check takes files or snapshots; series/label is a snapshot, as in every
// command, and a path or a dump's name a file.
func TestLooksLikePath(t *testing.T) {
	for arg, want := range map[string]bool{
		"heap1": false, "go/heap1": false, "3": false, "last": false,
		"heap1.pb.gz": true, "dir/heap1.pb.gz": true, "./heap1": true, "../x/heap1": true,
		"/tmp/heap1": true, "a/b/c": true, "h1.hprof": true,
	} {
		if got := looksLikePath(arg); got != want {
			t.Errorf("looksLikePath(%q) = %v, want %v", arg, got, want)
		}
	}
}
