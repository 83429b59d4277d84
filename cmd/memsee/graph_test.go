package main

import (
	"github.com/memsee/memsee/internal/heap/heaptest"

	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The Python sample dumps, written by testdata/gen/python (see testdata/python/README.md).
var shops = []string{"../../testdata/python/shop1.json.gz", "../../testdata/python/shop2.json.gz",
	"../../testdata/python/shop3.json.gz", "../../testdata/python/shop4.json.gz"}

// pythonDir is where loadedPython puts the sample dumps; goldens show it as testdata/python.
var pythonDir string

// loadedPython returns a database holding the four Python dumps.
func loadedPython(t *testing.T) string {
	t.Helper()
	db, dir := loadCopies(t, shops)
	pythonDir = dir
	return db
}

// loadCopies loads dumps into a new database from copies with fixed times, a minute apart,
// and returns the database and the copies' directory. A meliae dump records no time, so memsee
// takes the file's modification time, which a fresh clone sets to the checkout time.
func loadCopies(t *testing.T, srcs []string, args ...string) (db, dir string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "python")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var files []string
	for i, src := range srcs {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, filepath.Base(src))
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
		when := time.Date(2026, 11, 1, 12, i, 0, 0, time.UTC)
		if err := os.Chtimes(dst, when, when); err != nil {
			t.Fatal(err)
		}
		files = append(files, dst)
	}
	db = filepath.Join(t.TempDir(), "py.db")
	if r := memsee(t, db, false, append(append([]string{"load"}, args...), files...)...); r.code != 0 {
		t.Fatalf("load: exit %d: %s", r.code, r.err)
	}
	return db, dir
}

// firstOf returns the address of the first object of a type in the last snapshot.
func firstOf(t *testing.T, db, typ string) string {
	t.Helper()
	r := memsee(t, db, false, "query", "--objects", "4", "--format", "csv", "select printf('0x%x', addr) from object where snapshot = 4 and type = (select id from type where name = '"+typ+"') order by oid limit 1")
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	if r.code != 0 || len(lines) != 2 {
		t.Fatalf("no %s in snapshot 4: %q %s", typ, r.out, r.err)
	}
	return lines[1]
}

func TestGraphOutput(t *testing.T) {
	db := loadedPython(t)
	entry := firstOf(t, db, "AuditEntry")
	tests := []struct {
		name string
		args []string
	}{
		{"py.ls", []string{"ls"}},
		{"py.top", []string{"top", "-n", "12"}},
		{"py.top.holder", []string{"top", "--by", "holder", "-n", "8"}},
		{"py.top.shop2.json", []string{"top", "shop2", "-n", "3", "--json"}},
		{"py.diff", []string{"diff", "shop1", "shop4", "-n", "10"}},
		{"py.diff.2-3.markdown", []string{"diff", "2", "3", "--format", "markdown"}},
		{"py.dominators", []string{"dominators", "-n", "8"}},
		{"py.path.type.AuditEntry", []string{"path", "--type", "AuditEntry"}},
		{"py.path.type.Product", []string{"path", "--type", "Product", "--snap", "shop2"}},
		{"py.path.entry", []string{"path", entry}},
		{"py.path.entry.all.json", []string{"path", entry, "--all", "--json"}},
		{"py.show.entry", []string{"show", entry}},
		{"py.show.entry.json", []string{"show", entry, "--json"}},
		{"py.kids.entry", []string{"kids", entry}},
		{"py.refs.entry", []string{"refs", entry}},
		{"py.gen", []string{"query", "--objects", "4", "select gen, count(*) as n from object where snapshot = 4 and type = (select id from type where name = 'AuditEntry') group by gen order by gen"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "py.gen" {
				memsee(t, db, false, "diff", "1", "4") // load recorded the generations; diff only reads them
			}
			r := memsee(t, db, false, tt.args...)
			if r.code != 0 {
				t.Fatalf("memsee %s: exit %d, stderr:\n%s", strings.Join(tt.args, " "), r.code, r.err)
			}
			golden(t, tt.name, strings.ReplaceAll(r.out, pythonDir, "testdata/python"))
		})
	}
}

// TestGraphHolders checks that every planted leak is held by its real holder: each AuditEntry
// through shop._audit_log, each Product through shop.PRICE_TABLE.
func TestGraphHolders(t *testing.T) {
	db := loadedPython(t)
	for _, tt := range []struct{ typ, holder string }{
		{"AuditEntry", "module shop -> ._audit_log (list) -> [*] (AuditEntry)"},
		{"Product", "module shop -> .PRICE_TABLE (dict) -> [*] (Product)"},
	} {
		r := memsee(t, db, false, "path", "--type", tt.typ, "--format", "csv", "-n", "0")
		if r.code != 0 {
			t.Fatalf("path --type %s: %s", tt.typ, r.err)
		}
		lines := strings.Split(strings.TrimSpace(r.out), "\n")
		if len(lines) != 2 {
			t.Fatalf("path --type %s: want every instance under one holder, got:\n%s", tt.typ, r.out)
		}
		got := lines[1][strings.LastIndexByte(lines[1], ',')+1:]
		got = strings.Join(strings.FieldsFunc(got, func(r rune) bool { return r == '"' }), "")
		if got != tt.holder {
			t.Errorf("path --type %s: held by %q, want %q", tt.typ, got, tt.holder)
		}
	}
}

// pythonBytes returns the decompressed first sample dump.
func pythonBytes(t *testing.T) []byte {
	t.Helper()
	return heaptest.Gunzip(t, shops[0])
}

// TestGraphBadInput damages copies of a real dump: each is refused with exit 2 and a message
// that says where, and the database is unchanged.
func TestGraphBadInput(t *testing.T) {
	good := pythonBytes(t)
	lines := bytes.SplitAfter(good, []byte("\n"))
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	dup := append(append([]byte(nil), good...), lines[10]...) // an address twice
	broken := bytes.Join([][]byte{bytes.Join(lines[:20], nil), []byte("{\"address\": 12, \"type\": \n"), bytes.Join(lines[20:], nil)}, nil)
	tests := []struct {
		name string
		file string
		want []string
	}{
		{"duplicate address", write("dup.json", dup), []string{"dup.json", "two objects have the address"}},
		{"broken line", write("broken.json", broken), []string{"broken.json: offset 0x", "line 21"}},
		{"truncated", write("cut.json", good[:len(good)/2]), []string{"cut.json", "truncated"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "x.db")
			if r := memsee(t, db, false, "load", heaps[0]); r.code != 0 {
				t.Fatal(r.err)
			}
			before := dbState(t, db)
			r := memsee(t, db, false, "load", tt.file)
			if r.code != 2 {
				t.Errorf("exit %d, want 2; stderr %s", r.code, r.err)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.err, w) {
					t.Errorf("stderr does not say %q:\n%s", w, r.err)
				}
			}
			if dbState(t, db) != before {
				t.Errorf("the database changed")
			}
		})
	}
}

// TestGraphWrongKind asks object questions of a profile and profile questions of a dump.
func TestGraphWrongKind(t *testing.T) {
	db := loadedPython(t)
	memsee(t, db, false, "load", heaps[0]) // snapshot 5, a profile
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"dominators"}, "is a pprof heap profile"},
		{[]string{"path", "--type", "AuditEntry"}, "is a pprof heap profile"},
		{[]string{"top", "4", "--by", "site"}, "has no allocation sites"},
		{[]string{"top", "4", "--sample", "alloc_space"}, "--sample is for heap profiles"},
		{[]string{"top", "5", "--by", "holder"}, "--by holder is for object dumps"},
		{[]string{"diff", "4", "5"}, "diff compares two of a kind"},
		{[]string{"path", "--type", "Audit", "--snap", "4"}, "did you mean AuditEntry"},
		{[]string{"show", "0x1", "--snap", "4"}, "no such object at 0x1"},
		{[]string{"show", "zz", "--snap", "4"}, "is not an object address"},
	} {
		r := memsee(t, db, false, tt.args...)
		if r.code != 2 || !strings.Contains(r.err, tt.want) {
			t.Errorf("memsee %s: exit %d, stderr %q; want 2 and %q", strings.Join(tt.args, " "), r.code, r.err, tt.want)
		}
	}
}

// refs reads the referrers a load stores in rank order. For the objects with the most
// referrers, that order must be the one SQL finds from the references and retained sizes
// themselves (query --objects): each referrer once, the largest retained first, ties by oid.
func TestRefsRankedAsStored(t *testing.T) {
	db := loadedPython(t)
	query := func(sql string) []string {
		t.Helper()
		r := memsee(t, db, false, "query", "--objects", "4", "--format", "csv", sql)
		if r.code != 0 {
			t.Fatalf("query: %s", r.err)
		}
		return strings.Split(strings.TrimSpace(r.out), "\n")[1:]
	}
	popular := query(`select o.oid from object o join (select dst, count(distinct src) as n from ref
		where snapshot = 4 group by dst) r on r.dst = o.oid where o.snapshot = 4 order by r.n desc, o.oid limit 5`)
	if len(popular) != 5 {
		t.Fatalf("want 5 objects, got %q", popular)
	}
	for _, oid := range popular {
		want := query(`select printf('0x%x', s.addr) from (select distinct src from ref where snapshot = 4 and dst = ` + oid + `) r
			join object s on s.snapshot = 4 and s.oid = r.src order by s.retained desc, s.oid`)
		addr := query("select printf('0x%x', addr) from object where snapshot = 4 and oid = " + oid)[0]
		var got []struct{ Address string }
		r := memsee(t, db, false, "refs", addr, "-n", "0", "--json")
		if err := json.Unmarshal([]byte(r.out), &got); err != nil {
			t.Fatalf("refs %s: %v: %s", addr, err, r.out)
		}
		var addrs []string
		for _, g := range got {
			addrs = append(addrs, g.Address)
		}
		if !slices.Equal(addrs, want) {
			t.Errorf("refs %s: stored order\n%v\nSQL order\n%v", addr, addrs, want)
		}
	}
}

// TestLoadRecordsGenerations checks that load records each object's generation, so that diff
// only reads: the generations are there before any diff, and a diff leaves the file as it was.
func TestLoadRecordsGenerations(t *testing.T) {
	db := loadedPython(t)
	query := []string{"query", "--objects", "4", "select gen, count(*) as n from object where snapshot = 4 and type = (select id from type where name = 'AuditEntry') group by gen order by gen"}
	r := memsee(t, db, false, query...)
	if r.code != 0 {
		t.Fatalf("query: exit %d: %s", r.code, r.err)
	}
	golden(t, "py.gen", r.out)
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if r := memsee(t, db, false, "diff", "1", "4"); r.code != 0 {
		t.Fatalf("diff: exit %d: %s", r.code, r.err)
	}
	after, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("diff changed the database")
	}
}
