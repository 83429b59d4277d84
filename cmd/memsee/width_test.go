package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestOutputWidth(t *testing.T) {
	size := func(n int, err error) func() (int, error) { return func() (int, error) { return n, err } }
	tests := []struct {
		name    string
		columns string
		tty     bool
		size    func() (int, error)
		want    int
	}{
		{"COLUMNS on a pipe", "80", false, size(0, errors.New("not a terminal")), 80},
		{"COLUMNS over the terminal's", "100", true, size(132, nil), 100},
		{"the terminal's", "", true, size(132, nil), 132},
		{"COLUMNS not a number", "wide", true, size(90, nil), 90},
		{"COLUMNS zero", "0", false, size(90, nil), 0},
		{"COLUMNS negative", "-5", true, size(70, nil), 70},
		{"a pipe: never cut", "", false, size(132, nil), 0},
		{"a terminal of no size", "", true, size(0, errors.New("no size")), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := outputWidth(tt.columns, tt.tty, tt.size); got != tt.want {
				t.Errorf("outputWidth(%q, %v) = %d, want %d", tt.columns, tt.tty, got, tt.want)
			}
		})
	}
}

// memseeWidth runs the command in-process, its tables fitting width columns (0: whole).
func memseeWidth(t *testing.T, db string, width int, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	ios := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errb, Width: width}
	code := run(context.Background(), append([]string{"--db", db}, args...), ios, "", fixedNow)
	return result{code, out.String(), errb.String()}
}

// widthSamples are the bundled samples of every format, four snapshots each, and the commands
// whose tables must fit the terminal. Graph commands run on object dumps only.
var widthSamples = []struct {
	format string
	files  []string
	typ    string // a type that leaks, for path --type; "" for profiles
}{
	{"go", heaps, ""},
	{"godump", samplesOf("godump", "heap%d.dump.gz"), "main.newAuditEntry (new 64 B)"},
	{"java", samplesOf("java", "heap%d.hprof.gz"), "shop.AuditEntry"},
	{"node", samplesOf("node", "heap%d.heapsnapshot.gz"), "AuditEntry"},
	{"python", shops, "AuditEntry"},
}

func samplesOf(dir, pattern string) []string {
	var files []string
	for i := 1; i <= 4; i++ {
		files = append(files, filepath.Join("../../testdata", dir, fmt.Sprintf(pattern, i)))
	}
	return files
}

// TestWidthGolden runs leaks, top, diff, path, dominators and check on the samples of every
// format with tables fitting 80 and 120 columns, and whole (0), against golden files; with
// --wide, a width changes nothing.
func TestWidthGolden(t *testing.T) {
	t.Parallel() // its own databases and processes: it runs beside the others
	for _, s := range widthSamples {
		t.Run(s.format, func(t *testing.T) {
			db, _ := loadCopies(t, s.files)
			cmds := [][]string{
				{"leaks", "1", "2", "3", "4"},
				{"top", "4", "-n", "10"},
				{"diff", "1", "4", "-n", "10"},
				{"check", "1", "4", "-n", "5"},
			}
			if s.typ != "" {
				cmds = append(cmds,
					[]string{"path", "--type", s.typ, "--snap", "4", "-n", "3"},
					[]string{"dominators", "4", "-n", "8"})
			} else {
				cmds = append(cmds, []string{"top", "4", "--by", "site", "-n", "10"})
			}
			whole := make([]string, len(cmds)) // each command's output with --wide and no width
			for i, args := range cmds {
				whole[i] = memseeWidth(t, db, 0, append(args[:len(args):len(args)], "--wide")...).out
			}
			for _, width := range []int{80, 120, 0} {
				var b strings.Builder
				for i, args := range cmds {
					r := memseeWidth(t, db, width, args...)
					if r.code != 0 && !(args[0] == "check" && r.code == 1) {
						t.Fatalf("%s: exit %d: %s", strings.Join(args, " "), r.code, r.err)
					}
					fmt.Fprintf(&b, "$ memsee %s\n%s\n", strings.Join(args, " "), r.out)
					if width == 0 {
						continue
					}
					if got := memseeWidth(t, db, width, append(args[:len(args):len(args)], "--wide")...).out; got != whole[i] {
						t.Errorf("%s --wide at %d columns is not the whole table:\n%s\nwant\n%s", strings.Join(args, " "), width, got, whole[i])
					}
				}
				golden(t, fmt.Sprintf("width.%s.%d", s.format, width), b.String())
			}
		})
	}
}

// TestWidthFromColumns runs the real binary with COLUMNS set, stdout a pipe: the table fits
// COLUMNS; without COLUMNS, the pipe gets it whole.
func TestWidthFromColumns(t *testing.T) {
	db := loadBinary(t, heaps...)
	args := []string{"top", "4", "--by", "site", "-n", "10"}
	for _, tt := range []struct {
		columns string
		width   int
	}{{"80", 80}, {"", 0}} {
		cmd := exec.Command(binary, args...)
		cmd.Env = append(os.Environ(), "MEMSEE_DB="+db, "TZ=UTC", "COLUMNS="+tt.columns)
		got, err := cmd.Output()
		if err != nil {
			t.Fatalf("COLUMNS=%q: %v", tt.columns, err)
		}
		if want := memseeWidth(t, db, tt.width, args...).out; string(got) != want {
			t.Errorf("COLUMNS=%q: the binary printed\n%s\nwant\n%s", tt.columns, got, want)
		}
	}
}

// TestWideShowsEverything checks that --wide shows a site's whole stack, which a table
// otherwise shortens to its innermost frames even with no width to fit.
func TestWideShowsEverything(t *testing.T) {
	db, _ := loadCopies(t, heaps)
	args := []string{"top", "4", "--by", "site", "-n", "0"}
	most := func(out string) (frames int, cut bool) {
		for _, line := range strings.Split(out, "\n") {
			frames = max(frames, strings.Count(line, " ← ")+1)
			cut = cut || strings.Contains(line, "…")
		}
		return frames, cut
	}
	short, shortCut := most(memseeWidth(t, db, 0, args...).out)
	whole, wholeCut := most(memseeWidth(t, db, 80, append(args, "--wide")...).out)
	if !shortCut || wholeCut || whole <= short {
		t.Errorf("top --by site: at most %d frames (cut: %v); with --wide at 80 columns %d (cut: %v)", short, shortCut, whole, wholeCut)
	}
}
