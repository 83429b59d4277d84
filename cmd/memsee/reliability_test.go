package main

import (
	"bytes"
	enc "encoding/binary"
	"fmt"
	"os/exec"
	"syscall"

	"github.com/klauspost/compress/gzip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/memsee/memsee/internal/heap/heaptest"
	"github.com/memsee/memsee/internal/report"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// TestReliabilityHostileStrings loads Python dumps whose class name and file name carry
// terminal escape sequences and Markdown, as a crafted dump would, and runs every command
// that prints them: none may pass a control character to the output or an error, and the
// Markdown of check may not carry a link, an image or a tag.
func TestReliabilityHostileStrings(t *testing.T) {
	dir := t.TempDir()
	// ESC [2J clears the screen, ESC ]0;...BEL retitles the window, ESC [6n asks the terminal to
	// type an answer back, C1 CSI (U+009B) does the same as ESC [ on some terminals.
	const evil = `Audit\u001b[2J\u001b]0;owned\u0007\u009b6n![x](https://evil.example/p.png)<img src=x>Entry`
	var files []string
	for i, src := range shops {
		data := heaptest.Gunzip(t, src)
		data = bytes.ReplaceAll(data, []byte(`"type": "AuditEntry"`), []byte(`"type": "`+evil+`"`))
		data = bytes.ReplaceAll(data, []byte(`"name": "AuditEntry"`), []byte(`"name": "`+evil+`"`))
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(data)
		zw.Close()
		name := filepath.Join(dir, "shop\x1b[31m"+string(rune('1'+i))+".json.gz")
		if err := os.WriteFile(name, gz.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, name)
	}
	db := filepath.Join(dir, "memsee.db")
	if r := memsee(t, db, false, append([]string{"load", "--series", "shop"}, files...)...); r.code != 0 {
		t.Fatalf("load: exit %d: %s", r.code, r.err)
	}
	hostileType := "Audit\x1b[2J\x1b]0;owned\x07\u009b6n![x](https://evil.example/p.png)<img src=x>Entry"
	cases := []struct {
		name string
		args []string
	}{
		{"ls", []string{"ls"}},
		{"leaks", []string{"leaks", "--series", "shop"}},
		{"leaks markdown", []string{"leaks", "--series", "shop", "--format", "markdown"}},
		{"top", []string{"top", "last"}},
		{"top by holder", []string{"top", "last", "--by", "holder"}},
		{"diff", []string{"diff", "first", "last"}},
		{"diff markdown", []string{"diff", "first", "last", "--format", "markdown"}},
		{"path --type", []string{"path", "--type", hostileType}},
		{"path --type, no such type", []string{"path", "--type", "Audit\x1b[2J"}},
		{"dominators", []string{"dominators", "last"}},
		{"export folded", []string{"export", "last", "--format", "folded"}},
		{"check", []string{"check", "first", "last", "--max-growth", "1%"}},
		{"check markdown", []string{"check", "first", "last", "--max-growth", "1%", "--format", "markdown"}},
		{"load a file again", []string{"load", files[0]}},
		{"load a missing file", []string{"load", filepath.Join(dir, "gone\x1b]0;x\x07.json.gz")}},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			r := memsee(t, db, true, tt.args...)
			// Again with --color=always: colour lets memsee's own SGR sequences through, and
			// nothing of the dump's. Without its colour, stdout is what it was; stderr may have
			// its error's prefix coloured (and a progress line that shows as long as it takes).
			c := memsee(t, db, true, append([]string{"--color=always"}, tt.args...)...)
			if got := memseeSGR.ReplaceAllString(c.out, ""); got != r.out {
				t.Errorf("--color=always: stdout without memsee's colour is\n%q\nwant\n%q", got, r.out)
			}
			if got := strings.ReplaceAll(c.err, report.Styled(report.BoldRed, "memsee:"), "memsee:"); strings.Contains(strings.ReplaceAll(got, statusDraw, ""), "\x1b") {
				t.Errorf("--color=always: stderr carries an escape sequence: %q", got)
			}
			if r.code == 2 && !strings.Contains(tt.name, "again") && !strings.Contains(tt.name, "missing") && !strings.Contains(tt.name, "no such") {
				t.Fatalf("exit 2: %s", r.err)
			}
			// The progress line's own redraws are memsee's; what it draws must be clean.
			stderr := strings.ReplaceAll(r.err, statusDraw, "")
			for _, s := range []struct{ stream, text string }{{"stdout", r.out}, {"stderr", stderr}} {
				if i := strings.IndexFunc(s.text, func(c rune) bool {
					return (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f || (c >= 0x80 && c <= 0x9f)
				}); i >= 0 {
					t.Errorf("%s carries control character %q: %q", s.stream, s.text[i], s.text[max(0, i-20):min(len(s.text), i+20)])
				}
			}
			if strings.Contains(tt.name, "markdown") {
				// Rendered as a code host renders a job summary or a comment.
				var html bytes.Buffer
				if err := goldmark.New(goldmark.WithExtensions(extension.GFM)).Convert([]byte(r.out), &html); err != nil {
					t.Fatal(err)
				}
				for _, bad := range []string{"<img", "<a ", "<script"} {
					if strings.Contains(html.String(), bad) {
						t.Errorf("Markdown renders %q:\n%s", bad, html.String())
					}
				}
			}
		})
	}
}

// memseeSGR matches the SGR sequences memsee colours with (report's styles and reset), and no other.
var memseeSGR = regexp.MustCompile(`\x1b\[(0|1|2|31|32|33|1;31)m`)

func uvarint(x uint64) []byte { return enc.AppendUvarint(nil, x) }

// TestReliabilityBombs loads, with the built binary, a gzip of a few MB per format that
// inflates to 512 MiB (2 GiB with MEMSEE_BOMB=full) because one record, string or object in
// it claims (and has) that much: the load must succeed or be refused with one line, in less
// than half of that memory, so that a reader that kept the giant would fail.
func TestReliabilityBombs(t *testing.T) {
	t.Parallel() // its own databases and processes: it runs beside the others
	if testing.Short() {
		t.Skip("-short: the bombs inflate 512 MiB each")
	}
	bombSize := heaptest.BombSize()
	dir := t.TempDir()
	if keep := os.Getenv("MEMSEE_BOMB_DIR"); keep != "" {
		dir = keep // the bombs are kept there, to be tried on another build of memsee
	}
	pprofData := heaptest.Gunzip(t, heaps[0])
	meliaeData := heaptest.Gunzip(t, shops[0])
	v8Data := heaptest.Gunzip(t, "../../testdata/node/heap1.heapsnapshot.gz")
	hprofData := heaptest.Gunzip(t, "../../testdata/java/heap1.hprof.gz")
	goData := heaptest.Gunzip(t, "../../testdata/godump/heap1.dump.gz")
	hprofHeader := bytes.IndexByte(hprofData, 0) + 1 + 4 + 8 // "JAVA PROFILE 1.0.2\0", id size, time
	v8End := bytes.LastIndex(v8Data, []byte("]"))
	goObjects := goParamsEnd(t, goData)
	u4 := func(x uint32) []byte { return enc.BigEndian.AppendUint32(nil, x) }
	bombs := []struct {
		name  string
		head  []byte
		giant int64
		tail  []byte
	}{
		// A profile's string table gets one more string after the real ones: referenced by
		// nothing, as long as a file.
		{"pprof string", append(append(bytes.Clone(pprofData), 6<<3|2), uvarint(uint64(bombSize))...), bombSize, nil},
		// A Python str as long as the bomb, its value in full on one line.
		{"meliae value", append(bytes.Clone(meliaeData), fmt.Sprintf(`{"address": 1, "type": "str", "size": 49, "len": %d, "value": "`, bombSize)...), bombSize, []byte("\"}\n")},
		// A V8 string table's last string, as long as the bomb.
		{"v8 string", append(bytes.Clone(v8Data[:v8End]), `,"`...), bombSize, append([]byte(`"`), v8Data[v8End:]...)},
		// An HPROF UTF8 record as long as the bomb, right after the header.
		{"hprof UTF8 record", append(append(append(bytes.Clone(hprofData[:hprofHeader]), 0x01), append(u4(0), u4(uint32(bombSize-1))...)...),
			make([]byte, 8)...), bombSize - 1 - 8, hprofData[hprofHeader:]},
		// A Go object as long as the bomb with no pointers, the first object of the dump.
		{"go dump object", append(append(append(bytes.Clone(goData[:goObjects]), 1), uvarint(1<<44)...), uvarint(uint64(bombSize))...),
			bombSize, append([]byte{0}, goData[goObjects:]...)},
	}
	for _, b := range bombs {
		t.Run(b.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(b.name, " ", "-")+".gz")
			heaptest.GzipBomb(t, path, b.head, []byte{'A'}, b.giant, b.tail)
			st, _ := os.Stat(path)
			cmd := exec.Command(binary, "--db", filepath.Join(dir, "bomb.db"), "load", "--force", path)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := cmd.ProcessState.ExitCode()
			rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10
			t.Logf("%s: %.1f MB gzip, exit %d, peak RSS %d MiB: %s", b.name, float64(st.Size())/1e6, code, rss>>20, firstLine(stderr.String()))
			if code != 0 && code != 2 {
				t.Errorf("exit %d (%v): %s", code, err, stderr.String())
			}
			if code == 2 && (strings.Count(stderr.String(), "\n") > 2 || strings.Contains(stderr.String(), "fatal error")) {
				t.Errorf("refused with more than one line and its hint:\n%s", stderr.String())
			}
			if rss > bombSize/2 {
				t.Errorf("peak RSS %d MiB, want under %d MiB", rss>>20, bombSize>>21)
			}
		})
	}
}

// goParamsEnd returns where the objects of a Go heap dump start: after the params record and
// the type and itab records.
func goParamsEnd(t *testing.T, b []byte) int {
	t.Helper()
	const magic = "go1.7 heap dump\n"
	if !bytes.HasPrefix(b, []byte(magic)) {
		t.Fatalf("not a Go heap dump")
	}
	off := len(magic)
	next := func() uint64 {
		x, n := enc.Uvarint(b[off:])
		if n <= 0 {
			t.Fatalf("bad uvarint at %d", off)
		}
		off += n
		return x
	}
	if tag := next(); tag != 6 {
		t.Fatalf("first record has tag %d, want params (6)", tag)
	}
	next()        // big endian
	next()        // pointer size
	next()        // arena start
	next()        // arena end
	for range 2 { // GOARCH, GOEXPERIMENT
		off += int(next())
	}
	next() // ncpu
	for {  // type records (tag 3) and itab records (tag 8) come before the objects
		start := off
		switch next() {
		case 3: // address, size, name, indirect
			next()
			next()
			off += int(next())
			next()
		case 8: // itab address, type address
			next()
			next()
		default:
			return start
		}
	}
}

// TestReliabilityOutOfMemory loads dumps under a memory budget too small for them: the load
// stops with exit 3 and says how much it needed, the database unchanged; under a budget that
// fits, the same files load.
func TestReliabilityOutOfMemory(t *testing.T) {
	files := []string{heaps[3], shops[3], "../../testdata/node/heap4.heapsnapshot.gz",
		"../../testdata/java/heap4.hprof.gz", "../../testdata/godump/heap4.dump.gz"}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			db := loaded(t)
			before := dbState(t, db)
			t.Setenv("MEMSEE_MEMORY_LIMIT", "4MiB")
			r := memsee(t, db, false, "load", "--force", f)
			if r.code != 3 || !strings.Contains(r.err, "out of memory: memsee had used") || !strings.Contains(r.err, "MEMSEE_MEMORY_LIMIT") {
				t.Errorf("exit %d, want 3 and the memory it needed; stderr:\n%s", r.code, r.err)
			}
			if r.out != "" {
				t.Errorf("stdout should be empty on error, got:\n%s", r.out)
			}
			if after := dbState(t, db); after != before {
				t.Errorf("the database changed")
			}
			t.Setenv("MEMSEE_MEMORY_LIMIT", "2GiB")
			if r := memsee(t, db, false, "load", "--force", "--series", "again", f); r.code != 0 {
				t.Errorf("with 2 GiB: exit %d: %s", r.code, r.err)
			}
		})
	}
	t.Run("not a size", func(t *testing.T) {
		db := loaded(t)
		t.Setenv("MEMSEE_MEMORY_LIMIT", "lots")
		refusedCleanly(t, db, []string{"load", shops[0]}, []string{`MEMSEE_MEMORY_LIMIT="lots"`})
	})
}
