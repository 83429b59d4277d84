package main

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A readmeCommand is a "$ memsee ..." line of a README example and the output it shows.
type readmeCommand struct {
	line   int    // of the command in README.md
	cmd    string // after the "$ "
	output string // the lines shown under it, up to the next command or the block's end
}

// readmeExamples reads README.md's code blocks that hold commands: a block per slice.
func readmeExamples(t *testing.T) [][]readmeCommand {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var blocks [][]readmeCommand
	var block []readmeCommand
	in := false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "```"):
			if in && len(block) > 0 {
				blocks = append(blocks, block)
			}
			in, block = !in && line == "```", nil
		case !in:
		case strings.HasPrefix(line, "$ memsee "):
			block = append(block, readmeCommand{line: n, cmd: strings.TrimPrefix(line, "$ ")})
		case len(block) > 0:
			block[len(block)-1].output += line + "\n"
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return blocks
}

// dirOf is the directory under testdata/ that holds a file the README names by its base name.
func dirOf(t *testing.T, name string) string {
	t.Helper()
	var dirs []string
	root := filepath.Join("..", "..", "testdata")
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == name && !strings.Contains(p, string(filepath.Separator)+"gen"+string(filepath.Separator)) {
			dirs = append(dirs, filepath.Dir(p))
		}
		return nil
	})
	if len(dirs) != 1 {
		t.Fatalf("README names %s: found in %v under testdata, want one directory", name, dirs)
	}
	abs, err := filepath.Abs(dirs[0])
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// TestReadmeExamples runs every example of the README, as a user would on a fresh clone, in
// the bundled samples' directory, at 100 columns, and checks each output it shows is what
// memsee prints. A block that starts with a load gets a new database, in the directory of the
// files it loads; the others run against the Quick start's. With -update it writes what memsee
// printed into README.md, in place of what the README showed: review the diff.
func TestReadmeExamples(t *testing.T) {
	t.Parallel() // its own databases and processes: it runs beside the others
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed: the README's examples are shell lines")
	}
	blocks := readmeExamples(t)
	if len(blocks) < 4 {
		t.Fatalf("README.md: %d blocks of examples found, want the Quick start's and more", len(blocks))
	}
	var firstDB, firstDir string
	printed := map[int]string{} // by the line of the command, what it printed, where it differs
	for i, block := range blocks {
		db, dir := firstDB, firstDir
		if fields := strings.Fields(block[0].cmd); len(fields) > 2 && fields[1] == "load" {
			db = filepath.Join(t.TempDir(), "readme.db")
			dir = dirOf(t, fields[len(fields)-1])
		}
		if i == 0 {
			if db == "" {
				t.Fatalf("README.md:%d: the first example does not load", block[0].line)
			}
			firstDB, firstDir = db, dir
		}
		for _, c := range block {
			sh := exec.Command("bash", "-c", c.cmd)
			sh.Dir = dir
			sh.Env = append(os.Environ(), "PATH="+filepath.Dir(binary)+string(os.PathListSeparator)+os.Getenv("PATH"),
				"MEMSEE_DB="+db, "COLUMNS=100", "TZ=UTC", "NO_COLOR=1")
			var out, errb bytes.Buffer
			sh.Stdout, sh.Stderr = &out, &errb
			if err := sh.Run(); err != nil {
				t.Errorf("README.md:%d: %s: %v\n%s", c.line, c.cmd, err, errb.String())
				continue
			}
			want := strings.TrimRight(c.output, "\n")
			if want == "" {
				continue // the README shows no output: only run it
			}
			if got := strings.TrimRight(out.String(), "\n"); got != want && *update {
				printed[c.line] = got
			} else if got != want {
				t.Errorf("README.md:%d: %s:\n%s\nthe README shows\n%s", c.line, c.cmd, got, want)
			}
		}
	}
	if len(printed) > 0 {
		rewriteReadme(t, printed)
	}
}

// rewriteReadme puts in README.md, under each command line given, what memsee printed, in place
// of the lines shown there (up to the next command or the block's end).
func rewriteReadme(t *testing.T, printed map[int]string) {
	t.Helper()
	name := filepath.Join("..", "..", "README.md")
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	var out []string
	for i := 0; i < len(lines); i++ {
		out = append(out, lines[i])
		got, ok := printed[i+1]
		if !ok {
			continue
		}
		for i+1 < len(lines) && !strings.HasPrefix(lines[i+1], "$ ") && !strings.HasPrefix(lines[i+1], "```") {
			i++
		}
		// A blank line before the next command stays.
		out = append(out, strings.Split(got, "\n")...)
		if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "$ ") {
			out = append(out, "")
		}
	}
	if err := os.WriteFile(name, []byte(strings.Join(out, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}
