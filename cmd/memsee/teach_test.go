package main

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
)

// TestErrorsTeach runs the real binary into the mistakes a new user makes and checks each
// error is one line, followed by one line that says what to do, with exit 2.
func TestErrorsTeach(t *testing.T) {
	db := loaded(t)
	tests := []struct {
		name string
		args []string
		want []string // in the error line, then in the hint line
		hint []string
	}{
		{"delete", []string{"query", "delete from snapshot"}, []string{"query:", "without --write"}, []string{"pass --write"}},
		{"insert", []string{"query", "insert into snapshot (id) values (99)"}, []string{"without --write"}, []string{"pass --write"}},
		{"drop", []string{"query", "drop table snapshot"}, []string{"without --write"}, []string{"pass --write"}},
		{"vacuum", []string{"query", "vacuum"}, []string{"without --write"}, []string{"pass --write"}},
		{"pragma", []string{"query", "pragma user_version = 3"}, []string{"without --write"}, []string{"pass --write"}},
		{"temp table", []string{"query", "create temp table x (a)"}, []string{"without --write"}, []string{"pass --write"}},
		{"second statement", []string{"query", "select 1; delete from snapshot"}, []string{"without --write"}, []string{"pass --write"}},
		{"in-memory database", []string{"--db", ":memory:", "query", "create table x (a)"}, []string{"without --write", "readonly database"}, []string{"pass --write"}},
		{"object", []string{"query", "select count(*) from object"}, []string{"query:", "--objects", "no such table: object"}, []string{"pass --objects SNAP", "table object"}},
		{"ref", []string{"query", "select * from ref limit 1"}, []string{"--objects", "no such table: ref"}, []string{"pass --objects SNAP"}},
		{"command", []string{"lod", "x.pb.gz"}, []string{`unknown command "lod"`, "did you mean load?"}, []string{"memsee --help"}},
		{"command transposed", []string{"domintaors"}, []string{"did you mean dominators?"}, []string{"memsee --help"}},
		{"command prefix", []string{"ver"}, []string{"did you mean version?"}, []string{"memsee --help"}},
		{"flag", []string{"top", "--sampel", "alloc_space"}, []string{"unknown flag: --sampel; did you mean --sample?"}, []string{"memsee top --help"}},
		{"flag prefix", []string{"leaks", "--min", "1%"}, []string{"did you mean --min-bytes or --min-growth?"}, []string{"memsee leaks --help"}},
		{"flag of another command", []string{"top", "--type", "x"}, []string{"unknown flag: --type for top; it is a flag of path"}, []string{"memsee top --help"}},
		{"runtime", []string{"dumper", "pyton"}, []string{`no dumper for "pyton"; did you mean python?`}, []string{"memsee dumper --help"}},
		{"flag inherited", []string{"ls", "--dbb", "x.db"}, []string{"did you mean --db?"}, []string{"memsee ls --help"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runBinary(t, db, tt.args...)
			lines := strings.Split(strings.TrimSuffix(r.err, "\n"), "\n")
			if r.code != exitError || len(lines) != 2 || r.out != "" {
				t.Fatalf("exit %d, stdout %q, stderr in %d lines, want exit 2, nothing on stdout, 2 lines:\n%s", r.code, r.out, len(lines), r.err)
			}
			for i, want := range [][]string{tt.want, tt.hint} {
				for _, w := range want {
					if !strings.Contains(lines[i], w) {
						t.Errorf("line %d %q does not say %q", i+1, lines[i], w)
					}
				}
			}
		})
	}
	// Nothing near: no suggestion.
	if r := runBinary(t, db, "zzzz"); r.code != exitError || strings.Contains(r.err, "did you mean") {
		t.Errorf("zzzz: exit %d: %s", r.code, r.err)
	}
}

// TestVersion builds memsee as make build does, with the commit given by -ldflags -X (a
// build the toolchain cannot stamp), takes TestMain's build with nothing, and checks what
// version and --version print.
func TestVersion(t *testing.T) {
	t.Parallel() // its own databases and processes: it runs beside the others
	dir := t.TempDir()
	const rev = "0123456789abcdef0123456789abcdef01234567"
	platform := runtime.GOOS + "/" + runtime.GOARCH
	tests := []struct {
		name    string
		ldflags string
		want    []string
	}{
		{"make build", "-X main.vcsRevision=" + rev + " -X main.vcsTime=2026-11-29T23:55:43Z -X main.vcsModified=true", []string{
			"memsee (devel)",
			"commit  " + rev + " (modified: the work tree had uncommitted changes)",
			"date    2026-11-29T23:55:43Z",
			"go      " + runtime.Version() + " " + platform,
		}},
		{"no commit", "", []string{
			"memsee (devel)",
			"commit  unknown: built without version control information (go run, go test, or a build",
			"        outside a git clone); make build or go build in a clone records it",
			"go      " + runtime.Version() + " " + platform,
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin := binary // TestMain's, built with no stamp at all
			if tt.ldflags != "" {
				bin = filepath.Join(dir, "memsee"+string(rune('a'+i)))
				if out, err := exec.Command("go", "build", "-buildvcs=false", "-ldflags", tt.ldflags, "-o", bin, ".").CombinedOutput(); err != nil {
					t.Fatalf("go build: %v\n%s", err, out)
				}
			}
			want := strings.Join(tt.want, "\n") + "\n"
			for _, args := range [][]string{{"version"}, {"--version"}} {
				out, err := exec.Command(bin, args...).Output()
				if err != nil {
					t.Fatalf("%s: %v", args[0], err)
				}
				if string(out) != want {
					t.Errorf("%s printed\n%s\nwant\n%s", args[0], out, want)
				}
			}
		})
	}
}

// TestBuildStamp reads the toolchain's stamp as debug.ReadBuildInfo gives it.
func TestBuildStamp(t *testing.T) {
	const rev = "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name     string
		bi       *debug.BuildInfo
		ok       bool
		version  string
		commit   string
		date     string
		modified bool
		short    string
	}{
		{"no build info", nil, false, "(devel)", "", "", false, "(devel)"},
		{"go run", &debug.BuildInfo{GoVersion: "go1.99", Main: debug.Module{Version: "(devel)"}}, true, "(devel)", "", "", false, "(devel)"},
		{"go build in a clone", &debug.BuildInfo{GoVersion: "go1.99", Main: debug.Module{Version: "v0.0.0-20261129235543-0123456789ab+dirty"},
			Settings: []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: "2026-11-29T23:55:43Z"}, {Key: "vcs.modified", Value: "true"}}},
			true, "v0.0.0-20261129235543-0123456789ab+dirty", rev, "2026-11-29T23:55:43Z", true, "v0.0.0-20261129235543-0123456789ab+dirty"},
		{"stamp without a version", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: "false"}}},
			true, "(devel)", rev, "", false, "(devel) 0123456789ab"},
		{"go install of a tag", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, true, "v1.2.3", "", "", false, "v1.2.3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := fromStamp(tt.bi, tt.ok)
			if b.Version != tt.version || b.Commit != tt.commit || b.Date != tt.date || b.Modified != tt.modified || b.short() != tt.short {
				t.Errorf("got %+v, short %q; want version %q commit %q date %q modified %v short %q",
					b, b.short(), tt.version, tt.commit, tt.date, tt.modified, tt.short)
			}
			if b.Go == "" || b.Platform == "" {
				t.Errorf("no Go version or platform: %+v", b)
			}
		})
	}
}

// TestCompletion asks cobra's __complete, as the shells' scripts do, for snapshots, flag
// values and runtimes, on a database of two heap profiles and a Python dump.
func TestCompletion(t *testing.T) {
	db := loaded(t)
	if r := memsee(t, db, false, "load", "--label", "shop1", shops[0]); r.code != 0 {
		t.Fatalf("load: %s", r.err)
	}
	// A second heap1, in a series: the label alone would name two snapshots, so the first is
	// offered by its id only, the second by its series and label.
	if r := memsee(t, db, false, "load", "--series", "py", "--label", "heap1", shops[1]); r.code != 0 {
		t.Fatalf("load: %s", r.err)
	}
	all := []string{"1", "heap2", "2", "heap3", "3", "heap4", "4", "shop1", "5", "py/heap1", "6", "first", "last"}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"top", []string{"top", ""}, all},
		{"top has its snapshot", []string{"top", "heap1", ""}, nil},
		{"diff head", []string{"diff", "1", ""}, slices.Delete(slices.Clone(all), 0, 1)},
		{"diff has both", []string{"diff", "1", "2", ""}, nil},
		{"rm", []string{"rm", "3", "heap4", ""}, []string{"1", "heap2", "2", "shop1", "5", "py/heap1", "6", "first", "last"}},
		{"--snap: dumps only", []string{"show", "--snap", ""}, []string{"shop1", "5", "py/heap1", "6", "first", "last"}},
		{"--objects list", []string{"query", "--objects", "5,py/heap1,"}, []string{"5,py/heap1,first", "5,py/heap1,last"}},
		{"--series", []string{"leaks", "--series", ""}, []string{"py"}},
		{"--by", []string{"top", "--by", ""}, []string{"function", "site", "type", "holder"}},
		{"--sample", []string{"diff", "--sample", ""}, []string{"inuse_space", "inuse_objects", "alloc_space", "alloc_objects"}},
		{"--format", []string{"leaks", "--format", ""}, []string{"table", "json", "csv", "markdown"}},
		{"load --input-format", []string{"load", "--input-format", ""}, []string{"pprof", "meliae", "v8", "hprof", "godump", "ruby"}},
		{"load --format", []string{"load", "--format", ""}, []string{"table", "json", "csv", "markdown"}},
		{"dumper", []string{"dumper", ""}, []string{"python", "py", "go", "golang", "ruby", "rb"}},
		{"query", []string{"query", ""}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := memsee(t, db, false, append([]string{"__complete"}, tt.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.err)
			}
			got, directive := completions(r.out)
			if !slices.Equal(got, tt.want) || directive != ":4" {
				t.Errorf("got %q %s, want %q :4 (no file names)", got, directive, tt.want)
			}
		})
	}
	// No database: nothing offered, nothing said, nothing created.
	none := filepath.Join(t.TempDir(), "none.db")
	r := memsee(t, none, false, "__complete", "top", "")
	if got, directive := completions(r.out); r.code != 0 || len(got) != 0 || directive != ":4" || strings.Contains(r.err, "memsee:") {
		t.Errorf("no database: exit %d, %q %s, stderr %q", r.code, got, directive, r.err)
	}
	if _, err := exec.Command("test", "-e", none).Output(); err == nil {
		t.Errorf("completion created %s", none)
	}
}

// completions splits __complete's output into the values (descriptions dropped) and the
// directive line.
func completions(out string) ([]string, string) {
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	var got []string
	for _, l := range lines[:len(lines)-1] {
		v, _, _ := strings.Cut(l, "\t")
		got = append(got, v)
	}
	return got, lines[len(lines)-1]
}

// TestNearest ranks suggestions as the errors above show them.
func TestNearest(t *testing.T) {
	names := []string{"min-bytes", "min-growth", "limit", "wide", "series", "db", "by"}
	tests := []struct {
		typed string
		want  []string
	}{
		{"wid", []string{"wide"}},
		{"limt", []string{"limit"}},
		{"min", []string{"min-bytes", "min-growth"}},
		{"Series", []string{"series"}},
		{"dbb", []string{"db"}},
		{"zzzzzz", nil},
		{"type", nil}, // three edits from db and by
		{"", nil},
	}
	for _, tt := range tests {
		if got := nearest(tt.typed, names); !slices.Equal(got, tt.want) {
			t.Errorf("nearest(%q) = %q, want %q", tt.typed, got, tt.want)
		}
	}
}

// TestEditDistance checks the distance nearest ranks by.
func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"", "db", 2}, {"db", "db", 0}, {"dbb", "db", 1}, {"limt", "limit", 1},
		{"sampel", "sample", 2}, {"type", "by", 3}, {"kitten", "sitting", 3},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
