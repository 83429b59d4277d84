package main

import (
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// badCopies writes damaged copies of a real profile into dir.
func badCopies(t *testing.T, dir string) map[string]string {
	t.Helper()
	good, err := os.ReadFile(heaps[0])
	if err != nil {
		t.Fatal(err)
	}
	flipped := append([]byte(nil), good...)
	for i := len(flipped) / 2; i < len(flipped)/2+64; i++ {
		flipped[i] ^= 0x5a
	}
	files := map[string][]byte{
		"empty.pb.gz":     nil,
		"truncated.pb.gz": good[:len(good)/2],
		"corrupt.pb.gz":   flipped,
		"notes.txt":       []byte("these are not the heap profiles you are looking for\n"),
	}
	// The profile inside the gzip stream, cut short: a valid gzip of a broken profile.
	raw, err := exec.Command("sh", "-c", "gzip -dc < "+heaps[0]).Output()
	if err != nil {
		t.Fatal(err)
	}
	files["cutproto.pb"] = raw[:len(raw)*2/3]
	// A Go heap dump cut short, and one with a record tag no Go version writes.
	dump, err := exec.Command("sh", "-c", "gzip -dc < ../../testdata/godump/heap1.dump.gz").Output()
	if err != nil {
		t.Fatal(err)
	}
	files["cut.dump"] = dump[:len(dump)/2]
	files["tag.dump"] = append(append([]byte(nil), dump[:len(dump)-1]...), 42) // 0 is EOF
	out := map[string]string{}
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out[name] = p
	}
	return out
}

// dbState is everything in the database, to check that a failed command changed nothing.
func dbState(t *testing.T, db string) string {
	t.Helper()
	h, err := sql.Open("sqlite3", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	var b strings.Builder
	for _, q := range []string{
		"select id, label, sha256, object_count, total_bytes from snapshot order by id",
		"select id, hash, stack from site order by id",
		"select snapshot, site, inuse_objects, inuse_bytes, alloc_objects, alloc_bytes from sample order by 1, 2",
		"select snapshot, page, hex(objects), hex(gen) from object_page order by 1, 2",
		"select snapshot, page, hex(refs) from edge_page order by 1, 2",
		"select snapshot, oid, kind, name from root order by 1, 2, 3, 4",
		"select snapshot, type, count, bytes, retained from type_stat order by 1, 2",
		"select id, name from type order by id",
	} {
		rows, err := h.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprint(&b, v)
				b.WriteByte('|')
			}
			b.WriteByte('\n')
		}
		rows.Close()
	}
	return b.String()
}

// TestBadInput checks that bad input gets one clear line naming the file and what to do,
// exit code 2, and leaves the database exactly as it was.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := badCopies(t, dir)
	trailing := filepath.Join(dir, "trailing.pb.gz")
	raw, err := os.ReadFile(heaps[1])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(trailing, append(raw, "garbage"...), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want []string // substrings of stderr
	}{
		{"missing file", []string{"load", filepath.Join(dir, "nope.pb.gz")}, []string{"nope.pb.gz", "no such file"}},
		{"empty file", []string{"load", bad["empty.pb.gz"]}, []string{"empty.pb.gz", "empty file", "take the dump again"}},
		{"truncated gzip", []string{"load", bad["truncated.pb.gz"]}, []string{"truncated.pb.gz: offset 0x", "of the compressed file: gzip: compressed", "truncated"}},
		{"garbage after gzip", []string{"load", trailing}, []string{"trailing.pb.gz: offset 0x", "data after the end of the compressed stream"}},
		{"a CPU profile", []string{"load", samples + "cpu.pb.gz"}, []string{"cpu.pb.gz: offset 0x", "a CPU profile", "it holds no heap"}},
		{"same file twice", []string{"load", heaps[1], heaps[1]}, []string{"heap2.pb.gz: already loaded: it is given twice in this command"}},
		{"corrupt gzip", []string{"load", bad["corrupt.pb.gz"]}, []string{"corrupt.pb.gz: offset 0x", "gzip"}},
		{"cut profile", []string{"load", bad["cutproto.pb"]}, []string{"cutproto.pb", "profile", "take the dump again"}},
		{"cut Go dump", []string{"load", bad["cut.dump"]}, []string{"cut.dump: offset 0x", "record", "cut short"}},
		{"unknown tag", []string{"load", bad["tag.dump"]}, []string{"tag.dump: offset 0x", "tag 42", "unknown record tag 42"}},
		{"not a profile", []string{"load", bad["notes.txt"]}, []string{"notes.txt", "not a heap dump or heap profile", "--format"}},
		{"bad file among good", []string{"load", heaps[1], bad["truncated.pb.gz"]}, []string{"truncated.pb.gz", "nothing was loaded"}},
		{"unknown --input-format", []string{"load", "--input-format", "core", heaps[1]}, []string{`unknown format "core"`}},
		{"load --format names the output's", []string{"load", "--format", "core", heaps[1]}, []string{`unknown output format "core"`}},
		{"wrong --input-format", []string{"load", "--input-format", "hprof", heaps[1]}, []string{"heap2.pb.gz: offset 0x0", "not an HPROF dump"}},
		{"JVM flag on a profile", []string{"load", "--uncompressed-oops", heaps[1]}, []string{"heap2.pb.gz: --uncompressed-oops", "describe JVM dumps"}},
		{"profile read as hprof", []string{"load", "--input-format", "hprof", heaps[1]}, []string{"heap2.pb.gz: offset 0x0 of the uncompressed data: header: not an HPROF dump"}},
		{"already loaded", []string{"load", heaps[0]}, []string{"heap1.pb.gz: already loaded as snapshot 1 (heap1)", "--force"}},
		{"label with many files", []string{"load", "--label", "x", heaps[0], heaps[1]}, []string{"--label names one snapshot", "memsee load --help"}},
		{"numeric label", []string{"load", "--force", "--label", "7", heaps[0]}, []string{"would be read as a snapshot id"}},
		{"taken label", []string{"load", "--force", "--label", "heap1", heaps[0]}, []string{`label "heap1" is taken by snapshot 1`, "pass --series NAME to label it NAME/heap1, or --label"}},
		{"no such snapshot", []string{"top", "9"}, []string{`no such snapshot "9"`, "memsee ls"}},
		{"diff one arg", []string{"diff", "1"}, []string{"diff takes two snapshots", "memsee diff --help"}},
		{"bad --by", []string{"diff", "1", "2", "--by", "color"}, []string{"--by color"}},
		{"bad --sample", []string{"top", "--sample", "cpu"}, []string{`unknown sample type "cpu"`}},
		{"bad --format", []string{"ls", "--format", "xml"}, []string{`unknown output format "xml"`}},
		{"json and format", []string{"ls", "--json", "--format", "csv"}, []string{"--json and --format csv"}},
		{"snapshot -9 of 1", []string{"top", "-9"}, []string{`no such snapshot "-9"`}},
		{"negative -n", []string{"top", "-n", "-3"}, []string{"-n -3"}},
		{"unknown flag", []string{"ls", "--colour"}, []string{"unknown flag: --colour", "memsee ls --help"}},
		{"bad sql", []string{"query", "select nope from nowhere"}, []string{"query:", "no such table: nowhere"}},
		{"write without --write", []string{"query", "delete from snapshot"}, []string{"query:", "readonly"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "memsee.db")
			if r := memsee(t, db, false, "load", heaps[0]); r.code != 0 {
				t.Fatalf("load: %s", r.err)
			}
			refusedCleanly(t, db, tt.args, tt.want)
		})
	}
}

func TestNoDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "none.db")
	r := memsee(t, db, false, "ls")
	if r.code != 2 || !strings.Contains(r.err, "no memsee database at") || !strings.Contains(r.err, "memsee load") {
		t.Errorf("ls without a database: exit %d, stderr %q", r.code, r.err)
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("ls created a database")
	}
}

func TestSchemaTooNew(t *testing.T) {
	db := loaded(t)
	h, err := sql.Open("sqlite3", db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Exec("INSERT INTO schema_version(version, applied_at) VALUES (99, 'later')"); err != nil {
		t.Fatal(err)
	}
	h.Close()
	for _, args := range [][]string{{"ls"}, {"load", heaps[0]}} {
		r := memsee(t, db, false, args...)
		if r.code != 2 || !strings.Contains(r.err, "version 99") || !strings.Contains(r.err, "upgrade memsee") {
			t.Errorf("%v on a newer database: exit %d, stderr %q", args, r.code, r.err)
		}
	}
}

// TestBadSnapshot loads damaged copies of a real V8 snapshot: each is refused with one line that
// names the file, the byte offset and what is wrong, exit 2, and the database (which holds
// object dumps already) is left as it was.
func TestBadSnapshot(t *testing.T) {
	raw, err := exec.Command("sh", "-c", "gzip -dc < ../../testdata/node/heap1.heapsnapshot.gz").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	// The n-th number after the start of an array.
	numberAt := func(array string, n int) (start, end int) {
		t.Helper()
		i := strings.Index(text, `"`+array+`":[`)
		if i < 0 {
			t.Fatalf("no %s array", array)
		}
		i += len(array) + 4
		for k := 0; ; k++ {
			j := i
			for text[j] >= '0' && text[j] <= '9' {
				j++
			}
			if k == n {
				return i, j
			}
			i = j + 1 // past the comma
		}
	}
	replace := func(start, end int, with string) []byte {
		return []byte(text[:start] + with + text[end:])
	}
	count := regexp.MustCompile(`"node_count":(\d+)`).FindStringSubmatchIndex(text)
	nodes, _ := strconv.Atoi(text[count[2]:count[3]])
	toStart, toEnd := numberAt("edges", 2) // the first edge's to_node
	to, _ := strconv.Atoi(text[toStart:toEnd])
	nameStart, nameEnd := numberAt("nodes", 1) // the first node's name
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		body []byte
		want []string
	}{
		{"truncated", raw[:len(raw)/2], []string{"truncated.heapsnapshot: offset 0x", "after"}},
		{"node_count", replace(count[2], count[3], strconv.Itoa(nodes+1)), []string{"node_count.heapsnapshot: offset 0x", "node_count is"}},
		{"to_node", replace(toStart, toEnd, strconv.Itoa(to+1)), []string{"to_node.heapsnapshot: offset 0x", "not a multiple of the"}},
		{"string index", replace(nameStart, nameEnd, "999999999"), []string{"string_index.heapsnapshot: offset 0x", "strings"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".heapsnapshot")
			if err := os.WriteFile(file, tt.body, 0o644); err != nil {
				t.Fatal(err)
			}
			db := filepath.Join(t.TempDir(), "memsee.db")
			if r := memsee(t, db, false, "load", shops[0], "../../testdata/node/heap2.heapsnapshot.gz"); r.code != 0 {
				t.Fatalf("load: %s", r.err)
			}
			refusedCleanly(t, db, []string{"load", "../../testdata/node/heap3.heapsnapshot.gz", file}, tt.want)
		})
	}
}

// refusedCleanly runs memsee with args on db, which already holds something, and checks that
// it refuses: exit 2, one line (and at most one hint) on stderr that says each of want, and
// the database exactly as it was.
func refusedCleanly(t *testing.T, db string, args []string, want []string) {
	t.Helper()
	before := dbState(t, db)
	r := memsee(t, db, false, args...)
	if r.code != 2 {
		t.Errorf("exit %d, want 2; stderr:\n%s", r.code, r.err)
	}
	for _, w := range want {
		if !strings.Contains(r.err, w) {
			t.Errorf("stderr does not say %q:\n%s", w, r.err)
		}
	}
	if lines := strings.Count(r.err, "\n"); lines < 1 || lines > 2 {
		t.Errorf("stderr has %d lines, want the error and at most one hint:\n%s", lines, r.err)
	}
	if r.out != "" {
		t.Errorf("stdout should be empty on error, got:\n%s", r.out)
	}
	if after := dbState(t, db); after != before {
		t.Errorf("the database changed")
	}
}

// A database damaged after the load (here what leaks reads of a snapshot: its packed holdings,
// then its holders' sums) is an error naming what is damaged and saying what to do: exit 2,
// never a panic nor a wrong answer.
func TestDamagedDatabase(t *testing.T) {
	db := loadedPython(t)
	for _, tt := range []struct{ damage, want string }{
		{"UPDATE holding_set SET packed = x'0105' WHERE snapshot = 2", "damaged holdings (holding_set.packed)"},
		{"UPDATE holding_set SET packed = NULL; UPDATE holder_key SET sums = x'00' WHERE snapshot = 3",
			"damaged holder sums (holder_key)"},
	} {
		if r := memsee(t, db, false, "query", "--write", tt.damage); r.code != 0 {
			t.Fatalf("%s: exit %d: %s", tt.damage, r.code, r.err)
		}
		r := memsee(t, db, false, "leaks")
		if r.code != 2 || !strings.Contains(r.err, tt.want) || !strings.Contains(r.err, "memsee rm") || strings.Count(r.err, "\n") != 2 {
			t.Errorf("after %s: exit %d, want 2, %q and what to do:\n%s", tt.damage, r.code, tt.want, r.err)
		}
	}
}
