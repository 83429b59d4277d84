package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/memsee/memsee/internal/heap"
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
		{"bad limit", []string{"--limit", "lots"}, nil, "--limit"},
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
	tests := []struct {
		name    string
		args    []string
		check   func(o *checkOptions) bool
		wantErr string
	}{
		{"default budget", []string{"base.pb.gz", "head.pb.gz"}, func(o *checkOptions) bool {
			return o.Budget.MaxGrowth == 0.1 && len(o.Base) == 1 && len(o.Head) == 1
		}, ""},
		{"bytes budget", []string{"1", "2", "--max-bytes", "5MiB"}, func(o *checkOptions) bool { return o.Budget.MaxBytes == 5<<20 }, ""},
		{"percent", []string{"1", "2", "--max-growth", "25%"}, func(o *checkOptions) bool { return o.Budget.MaxGrowth == 0.25 }, ""},
		{"several per side", []string{"a.pb.gz,b.pb.gz", "c.pb.gz,d.pb.gz,e.pb.gz"}, func(o *checkOptions) bool {
			return len(o.Base) == 2 && len(o.Head) == 3
		}, ""},
		{"markdown", []string{"1", "2", "--format", "markdown"}, func(o *checkOptions) bool { return o.Format == report.FormatMarkdown }, ""},
		{"one side", []string{"1"}, nil, "check takes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *checkOptions
			err := parse(t, newCmdCheck(testFactory(), func(o *checkOptions) error { got = o; return nil }), tt.args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("check %v: error %v, want %q", tt.args, err, tt.wantErr)
				}
				return
			}
			if err != nil || got == nil || !tt.check(got) {
				t.Errorf("check %v: %v, options %+v", tt.args, err, got)
			}
		})
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
