package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/memsee/memsee/internal/heap/heaptest"
)

var (
	rubyHeaps = []string{"../../testdata/ruby/rubyshop1.json.gz", "../../testdata/ruby/rubyshop2.json.gz",
		"../../testdata/ruby/rubyshop3.json.gz", "../../testdata/ruby/rubyshop4.json.gz"}
	rubyChurn = []string{"../../testdata/ruby/rubychurn1.json.gz", "../../testdata/ruby/rubychurn2.json.gz",
		"../../testdata/ruby/rubychurn3.json.gz", "../../testdata/ruby/rubychurn4.json.gz"}
)

// TestRubyLoad loads the Ruby series (testdata/gen/ruby) and checks what memsee says of it:
// the format, objects named by their classes, and paths that start at the class or module
// that holds them.
func TestRubyLoad(t *testing.T) {
	db, _ := loadCopies(t, rubyHeaps)
	ls := memsee(t, db, false, "ls")
	if ls.code != 0 || strings.Count(ls.out, " ruby ") != 4 {
		t.Fatalf("ls: exit %d\n%s%s", ls.code, ls.out, ls.err)
	}
	top := memsee(t, db, false, "top", "rubyshop4", "-n", "40")
	for _, want := range []string{"Shop::Session ", "Shop::Currency ", "String ", "Array ", "Hash ", "(imemo) ", "Class "} {
		if !strings.Contains(top.out, want) {
			t.Errorf("top rubyshop4 does not list %s:\n%s", want, top.out)
		}
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"path", "--snap", "rubyshop4", "--type", "Shop::Session"}, "1,200  46.9 KiB   281 KiB  Shop::SessionStore -> @sessions (Array) -> [*] (Shop::Session)"},
		{[]string{"path", "--snap", "rubyshop2", "--type", "Shop::Currency"}, "2,000  78.1 KiB   234 KiB  Shop -> ::CURRENCIES (Hash) -> [*] (Shop::Currency)"},
		{[]string{"top", "rubyshop4", "--by", "holder", "-n", "12"}, "Shop::SessionStore -> @sessions (Array)  Shop::Session"},
	}
	for _, tt := range tests {
		r := memsee(t, db, false, tt.args...)
		if r.code != 0 || !strings.Contains(r.out, tt.want) {
			t.Errorf("%s: exit %d, want %q in\n%s%s", strings.Join(tt.args, " "), r.code, tt.want, r.out, r.err)
		}
	}
	// One object's path and dominators, by its address.
	q := memsee(t, db, false, "query", "--objects", "4", "--format", "csv",
		"select printf('0x%x', o.addr) from object o join type t on t.id = o.type where t.name = 'Shop::Currency' limit 1")
	lines := strings.Split(strings.TrimSpace(q.out), "\n")
	if q.code != 0 || len(lines) != 2 {
		t.Fatalf("query: exit %d\n%s%s", q.code, q.out, q.err)
	}
	// Its path names it by its key in the Hash, a String of the program's ("C0042").
	p := memsee(t, db, false, "path", lines[1], "--snap", "rubyshop4")
	keyed := regexp.MustCompile(`Shop -> ::CURRENCIES \(Hash\) -> \["C[0-9]{4}"\] \(Shop::Currency\)`)
	if p.code != 0 || !keyed.MatchString(p.out) || !strings.Contains(p.out, "dominators") {
		t.Errorf("path %s: exit %d, want %s in\n%s%s", lines[1], p.code, keyed, p.out, p.err)
	}
}

// TestRubyClassReferences: what a class refers to is named as its instance variables and its
// constants (Shop::SessionStore has @sessions and TTL = "30 minutes"), by the names memsee's
// dumper wrote; in a plain dump_all file, without them, told apart by the order Ruby marks
// them in. Its name, its file's name and its superclass are internal.
func TestRubyClassReferences(t *testing.T) {
	tests := []struct {
		name  string
		heaps []string
		want  map[string]string
	}{
		{"names", rubyHeaps, map[string]string{"@sessions": "Array", "::TTL": "String", "(superclass)": "Class"}},
		{"plain dump_all", plainDumps(t, rubyHeaps), map[string]string{"@<ivar>": "Array", "::<constant>": "String", "(superclass)": "Class"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			classReferences(t, tt.heaps, tt.want)
		})
	}
}

func classReferences(t *testing.T, heaps []string, want map[string]string) {
	db, _ := loadCopies(t, heaps)
	q := memsee(t, db, false, "query", "--objects", "4", "--format", "csv",
		"select printf('0x%x', o.addr) from object o join type t on t.id = o.type where t.name = 'Class' and o.value = 'Shop::SessionStore'")
	lines := strings.Split(strings.TrimSpace(q.out), "\n")
	if q.code != 0 || len(lines) != 2 {
		t.Fatalf("query: exit %d\n%s%s", q.code, q.out, q.err)
	}
	kids := memsee(t, db, false, "kids", lines[1], "--snap", "rubyshop4", "--format", "csv")
	got := map[string]string{}
	for _, l := range strings.Split(kids.out, "\n")[1:] {
		if f := strings.Split(l, ","); len(f) > 3 {
			got[f[0]] = f[3]
		}
	}
	for name, typ := range want {
		if got[name] != typ {
			t.Errorf("kids Shop::SessionStore: %s refers to a %q, want a %s\n%s", name, got[name], typ, kids.out)
		}
	}
}

// TestRubyLeaks: leaks names the static and the incremental leak of the shop series with
// their holders, and nothing in the churn-only series.
func TestRubyLeaks(t *testing.T) {
	db, _ := loadCopies(t, rubyHeaps)
	r := memsee(t, db, false, "leaks", "rubyshop1", "rubyshop2", "rubyshop3", "rubyshop4", "--json")
	if r.code != 0 {
		t.Fatalf("leaks: exit %d\n%s", r.code, r.err)
	}
	var found []struct {
		Kind, What string
		HeldBy     string `json:"held_by"`
		Objects    int64  `json:"growth_objects"`
	}
	if err := json.Unmarshal([]byte(r.out), &found); err != nil {
		t.Fatalf("leaks --json: %v\n%s", err, r.out)
	}
	want := []struct{ kind, what, heldBy string }{
		{"incremental", "Shop::Session", "Shop::SessionStore.@sessions (Array)"},
		{"static", "Shop::Currency, String", "Shop::CURRENCIES (Hash)"},
	}
	if len(found) != len(want) {
		t.Fatalf("leaks: %d findings, want %d\n%s", len(found), len(want), r.out)
	}
	for i, w := range want {
		f := found[i]
		if f.Kind != w.kind || f.What != w.what || f.HeldBy != w.heldBy {
			t.Errorf("leaks: finding %d is %s %q held by %q, want %s %q held by %q", i, f.Kind, f.What, f.HeldBy, w.kind, w.what, w.heldBy)
		}
	}
	churn, _ := loadCopies(t, rubyChurn)
	c := memsee(t, churn, false, "leaks", "rubychurn1", "rubychurn2", "rubychurn3", "rubychurn4")
	if c.code != 0 || !strings.Contains(c.out, "no leaks") {
		t.Errorf("leaks on the churn series: exit %d, want no leaks\n%s%s", c.code, c.out, c.err)
	}
}

// TestRubyLeaksPlainDumpAll: the same series as ObjectSpace.dump_all alone writes it, without
// the names memsee's dumper adds, names the holders by what the dump says: a constant of Shop,
// an instance variable of Shop::SessionStore.
func TestRubyLeaksPlainDumpAll(t *testing.T) {
	db, _ := loadCopies(t, plainDumps(t, rubyHeaps))
	r := memsee(t, db, false, "leaks", "rubyshop1", "rubyshop2", "rubyshop3", "rubyshop4")
	for _, want := range []string{"Shop::SessionStore.@<ivar> (Array)", "Shop::<constant> (Hash)"} {
		if r.code != 0 || !strings.Contains(r.out, want) {
			t.Errorf("leaks on plain dump_all files: exit %d, want %q in\n%s%s", r.code, want, r.out, r.err)
		}
	}
}

// plainDumps writes copies of the Ruby samples without the MEMSEE_NAME lines memsee's dumper
// writes after ObjectSpace.dump_all's: the files dump_all alone wrote, gzip'd with the same
// time in their headers. It returns their paths.
func plainDumps(t *testing.T, srcs []string) []string {
	t.Helper()
	dir := t.TempDir()
	var out []string
	for _, src := range srcs {
		f, err := os.Open(src)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(zr)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		var kept bytes.Buffer
		names := 0
		for _, l := range bytes.SplitAfter(data, []byte("\n")) {
			if bytes.HasPrefix(l, []byte(`{"type":"MEMSEE_NAME"`)) {
				names++
				continue
			}
			kept.Write(l)
		}
		if names == 0 {
			t.Fatalf("%s: no MEMSEE_NAME lines to leave out", src)
		}
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.ModTime = zr.ModTime
		zw.Write(kept.Bytes())
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, filepath.Base(src))
		if err := os.WriteFile(dst, gz.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, dst)
	}
	return out
}

// TestRubyDiffAndCheck: diff matches objects by address, type and size, and says so; --final
// finds what was allocated between the first two dumps and is alive in the last (the
// three-dump technique); check gates growth without a database.
func TestRubyDiffAndCheck(t *testing.T) {
	db, _ := loadCopies(t, rubyHeaps)
	d := memsee(t, db, false, "diff", "rubyshop1", "rubyshop4", "--json", "-n", "0")
	var rows []struct {
		Type        string
		CountBefore int64 `json:"count_before"`
		CountAfter  int64 `json:"count_after"`
		New, Freed  int64
	}
	if d.code != 0 {
		t.Fatalf("diff: exit %d\n%s", d.code, d.err)
	}
	if err := json.Unmarshal([]byte(d.out), &rows); err != nil {
		t.Fatalf("diff --json: %v\n%s", err, d.out)
	}
	byType := map[string]int{}
	for i, r := range rows {
		byType[r.Type] = i
	}
	for typ, n := range map[string]int64{"Shop::Session": 1200, "Shop::Currency": 2000} {
		i, ok := byType[typ]
		if !ok || rows[i].New != n || rows[i].CountAfter != n || rows[i].Freed != 0 {
			t.Errorf("diff rubyshop1 rubyshop4: %s %+v, want %d new", typ, rows[i], n)
		}
	}
	table := memsee(t, db, false, "diff", "rubyshop1", "rubyshop4")
	if !strings.Contains(table.out, "match objects by address, type and allocation generation") || !strings.Contains(table.out, "GC.compact") {
		t.Errorf("diff rubyshop1 rubyshop4 does not say how it matches objects:\n%s", table.out)
	}
	final := memsee(t, db, false, "diff", "rubyshop1", "rubyshop2", "--final", "rubyshop4", "--json", "-n", "0")
	if final.code != 0 || !strings.Contains(final.out, `"Shop::Currency"`) || strings.Contains(final.out, `"Shop::Session"`) == false {
		t.Errorf("diff rubyshop1 rubyshop2 --final rubyshop4: exit %d\n%s%s", final.code, final.out, final.err)
	}
	none := filepath.Join(t.TempDir(), "none.db")
	if r := memsee(t, none, false, "check", rubyHeaps[0], rubyHeaps[3]); r.code != 1 || !strings.Contains(r.out, "Shop::Session") {
		t.Errorf("check rubyshop1 rubyshop4: exit %d, want 1 with Shop::Session\n%s%s", r.code, r.out, r.err)
	}
	if r := memsee(t, none, false, "check", rubyChurn[0], rubyChurn[3]); r.code != 0 {
		t.Errorf("check rubychurn1 rubychurn4: exit %d, want 0\n%s%s", r.code, r.out, r.err)
	}
}

// TestRubySites: top --by site groups a Ruby dump's objects by allocation file:line, as heapy
// does, with the counts read from the dump's JSON here (encoding/json, apart from memsee's
// reader); query --objects reaches each object's site.
func TestRubySites(t *testing.T) {
	db, _ := loadCopies(t, rubyHeaps)
	f, err := os.Open(rubyHeaps[3])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{}
	dec := json.NewDecoder(zr)
	for {
		var l struct {
			Address, File string
			Line          *int64
		}
		if err := dec.Decode(&l); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if l.Address != "" && l.File != "" && l.Line != nil {
			want[l.File+":"+strconv.FormatInt(*l.Line, 10)]++
		}
	}
	r := memsee(t, db, false, "top", "rubyshop4", "--by", "site", "--json", "-n", "0")
	var rows []struct {
		Site                   string
		Count, Bytes, Retained int64
	}
	if err := json.Unmarshal([]byte(r.out), &rows); r.code != 0 || err != nil {
		t.Fatalf("top --by site: exit %d, %v\n%s%s", r.code, err, r.out, r.err)
	}
	got := map[string]int64{}
	for _, row := range rows {
		got[row.Site] = row.Count
		if row.Retained < row.Bytes {
			t.Errorf("site %s: retains %d, less than its own %d bytes", row.Site, row.Retained, row.Bytes)
		}
	}
	if len(want) < 10 || !maps.Equal(got, want) {
		t.Errorf("top --by site: %d sites %v\nwant (the JSON's) %d sites %v", len(got), got, len(want), want)
	}
	// The sessions' site (shop.rb: Session.new in handle_request), reached by a query.
	q := memsee(t, db, false, "query", "--objects", "4", "--format", "csv",
		"select s.site, count(*) from object o join type t on t.id = o.type join alloc_site s on s.snapshot = o.snapshot and s.id = o.site where t.name = 'Shop::Session' group by 1")
	lines := strings.Split(strings.TrimSpace(q.out), "\n")
	if q.code != 0 || len(lines) != 2 || !strings.HasSuffix(lines[1], ",1200") || !strings.HasPrefix(lines[1], "shop.rb:") {
		t.Errorf("query of the sessions' site: exit %d, want one site of 1200 sessions\n%s%s", q.code, q.out, q.err)
	}
	table := memsee(t, db, false, "top", "rubyshop4", "--by", "site", "-n", "3")
	if table.code != 0 || !strings.Contains(table.out, "top 3 of ") || !strings.Contains(table.out, "SITE") {
		t.Errorf("top --by site table:\n%s%s", table.out, table.err)
	}
}

// TestRubyIdentityByGeneration: diff matches a Ruby object by its address, type and the GC
// count it was allocated at ("generation") when the dump records it, not by its size: the
// Hash and the Array that the leaks grow (Shop::CURRENCIES, @sessions) are the same objects in
// rubyshop1 and rubyshop4. The counts are worked out here from the two dumps' JSON.
func TestRubyIdentityByGeneration(t *testing.T) {
	type key struct {
		addr, typ string
		gen, size int64 // gen -1 when absent
	}
	read := func(path string) []key {
		var out []key
		dec := json.NewDecoder(bytes.NewReader(heaptest.Gunzip(t, path)))
		for {
			var l struct {
				Address, Type string
				Generation    *int64
				Memsize       int64
			}
			if err := dec.Decode(&l); err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			if l.Type == "HASH" || l.Type == "ARRAY" {
				k := key{l.Address, l.Type, -1, l.Memsize}
				if l.Generation != nil {
					k.gen = *l.Generation
				}
				out = append(out, k)
			}
		}
		return out
	}
	before, after := read(rubyHeaps[0]), read(rubyHeaps[3])
	newOf := func(byGen bool) map[string]int64 {
		id := func(k key) key {
			if byGen && k.gen >= 0 {
				k.size = 0
			} else {
				k.gen = -1
			}
			return k
		}
		seen := map[key]bool{}
		for _, k := range before {
			seen[id(k)] = true
		}
		n := map[string]int64{}
		for _, k := range after {
			if !seen[id(k)] {
				n[k.typ]++
			}
		}
		return n
	}
	byGen, bySize := newOf(true), newOf(false)
	if byGen["HASH"] >= bySize["HASH"] || byGen["ARRAY"] >= bySize["ARRAY"] {
		t.Fatalf("new by generation %v, by size %v: the samples grow no Hash or Array that was in rubyshop1", byGen, bySize)
	}
	db, _ := loadCopies(t, rubyHeaps)
	d := memsee(t, db, false, "diff", "rubyshop1", "rubyshop4", "--json", "-n", "0")
	var rows []struct {
		Type string
		New  int64
	}
	if err := json.Unmarshal([]byte(d.out), &rows); d.code != 0 || err != nil {
		t.Fatalf("diff: exit %d, %v\n%s%s", d.code, err, d.out, d.err)
	}
	got := map[string]int64{}
	for _, r := range rows {
		got[r.Type] = r.New
	}
	for typ, rt := range map[string]string{"Hash": "HASH", "Array": "ARRAY"} {
		if got[typ] != byGen[rt] {
			t.Errorf("diff rubyshop1 rubyshop4: %d new %s, want %d (by generation; %d by size)", got[typ], typ, byGen[rt], bySize[rt])
		}
	}
}
