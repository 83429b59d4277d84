package main

import (
	be "encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestHPROFLoad loads the JVM series and checks what memsee says of it: the format, the
// objects, Strings with their text, and a path that reads as Java code.
func TestHPROFLoad(t *testing.T) {
	db, _ := loadCopies(t, javaHeaps)
	ls := memsee(t, db, false, "ls")
	if ls.code != 0 || strings.Count(ls.out, " hprof ") != 4 {
		t.Fatalf("ls: exit %d\n%s%s", ls.code, ls.out, ls.err)
	}
	top := memsee(t, db, false, "top", "heap4", "-n", "40")
	for _, want := range []string{"shop.AuditEntry", "java.lang.String", "byte[]", "java.lang.Object[]", "java.lang.Class"} {
		if !strings.Contains(top.out, want) {
			t.Errorf("top heap4 does not list %s:\n%s", want, top.out)
		}
	}
	q := memsee(t, db, false, "query", "--objects", "4", "--format", "csv",
		"select count(*) from object o join type t on t.id = o.type where o.snapshot = 4 and t.name = 'java.lang.String' and o.value like '/cart/_%'")
	if q.code != 0 || !strings.Contains(q.out, "2000") {
		t.Errorf("Strings with their text: exit %d\n%s%s", q.code, q.out, q.err)
	}
	// Thread roots are named after their threads, once the graph is read.
	roots := memsee(t, db, false, "query", "--format", "csv", "select name from root where snapshot = 4 and kind in ('thread', 'java frame') order by name")
	for _, want := range []string{"\nthread main\n", "shop.Shop.main(Shop.java:", ") in thread main\n"} {
		if !strings.Contains(roots.out, want) {
			t.Errorf("roots do not say %q:\n%s", want, roots.out)
		}
	}
	path := memsee(t, db, false, "path", "--snap", "heap4", "--type", "shop.AuditEntry")
	if path.code != 0 || !strings.Contains(path.out, "2,000  62.5 KiB   421 KiB  class shop.Shop -> .AUDIT_LOG (java.util.ArrayList) -> .elementData (java.lang.Object[*]) -> [*] (shop.AuditEntry)") {
		t.Errorf("path --type shop.AuditEntry: exit %d\n%s%s", path.code, path.out, path.err)
	}
}

// TestHPROFCheckAndDiff compares two HPROF files by class: check without a database, diff in
// one, which says why it counts no new or freed objects.
func TestHPROFCheckAndDiff(t *testing.T) {
	none := filepath.Join(t.TempDir(), "none.db")
	r := memsee(t, none, false, "check", javaHeaps[1], javaHeaps[3])
	if r.code != 1 || !strings.Contains(r.out, "shop.AuditEntry") || !strings.Contains(r.out, "+1,000") {
		t.Errorf("check heap2 heap4: exit %d, want 1 with shop.AuditEntry +1,000\n%s%s", r.code, r.out, r.err)
	}
	if r := memsee(t, none, false, "check", javaHeaps[1], javaHeaps[3], "--max-growth", "25%"); r.code != 0 {
		t.Errorf("check heap2 heap4 --max-growth 25%%: exit %d\n%s%s", r.code, r.out, r.err)
	}
	db, _ := loadCopies(t, javaHeaps)
	d := memsee(t, db, false, "diff", "heap2", "heap4")
	if d.code != 0 || !strings.Contains(d.out, "object generations are not tracked across HPROF dumps") ||
		!strings.Contains(d.out, "shop.AuditEntry") {
		t.Errorf("diff heap2 heap4: exit %d\n%s%s", d.code, d.out, d.err)
	}
}

// TestBadHPROF loads damaged copies of a real JVM dump: each is refused with one line that
// names the file, the byte offset and what is wrong, exit 2, and the database (which holds
// dumps already) is left as it was.
func TestBadHPROF(t *testing.T) {
	raw, err := exec.Command("sh", "-c", "gzip -dc < "+javaHeaps[0]).Output()
	if err != nil {
		t.Fatal(err)
	}
	gz, err := os.ReadFile(javaHeaps[0])
	if err != nil {
		t.Fatal(err)
	}
	// The first heap dump segment: a record header after the UTF8 and LOAD_CLASS records.
	seg := -1
	for at := 31; at+9 <= len(raw); {
		if raw[at] == 0x1C {
			seg = at
			break
		}
		at += 9 + int(be.BigEndian.Uint32(raw[at+5:]))
	}
	if seg < 0 {
		t.Fatal("no HEAP_DUMP_SEGMENT in heap1")
	}
	with := func(at int, b ...byte) []byte {
		c := append([]byte(nil), raw...)
		copy(c[at:], b)
		return c
	}
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		body []byte
		want []string
	}{
		{"truncated", raw[:len(raw)/2], []string{"truncated.hprof: offset 0x", "past end of file"}},
		{"unknown sub-record", with(seg+9, 0x42), []string{"unknown_sub-record.hprof: offset 0x", "unknown sub-record tag 0x42"}},
		{"length past end", with(seg+5, 0x7f, 0xff, 0xff, 0xff), []string{"length_past_end.hprof: offset 0x", "HEAP_DUMP_SEGMENT"}},
		{"wrong magic", with(0, 'X'), []string{"wrong_magic.hprof: offset 0x0", "not a heap dump"}},
		{"truncated gzip", gz[:len(gz)/2], []string{"truncated_gzip.hprof: offset 0x", "gzip", "truncated"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".hprof")
			if err := os.WriteFile(file, tt.body, 0o644); err != nil {
				t.Fatal(err)
			}
			db := filepath.Join(t.TempDir(), "memsee.db")
			if r := memsee(t, db, false, "load", shops[0], javaHeaps[1]); r.code != 0 {
				t.Fatalf("load: %s", r.err)
			}
			refusedCleanly(t, db, []string{"load", javaHeaps[2], file}, tt.want)
		})
	}
}

// The layout flags of load change the sizes memsee estimates for a JVM dump: without
// compressed oops every reference takes 8 bytes, and without compressed class pointers every
// header 16, so the same dump weighs more, and a String (two references' worth of fields and
// a header) is as big as HotSpot makes it.
func TestHPROFLayoutFlags(t *testing.T) {
	db := filepath.Join(t.TempDir(), "memsee.db")
	for _, args := range [][]string{
		{"--label", "compressed"},
		{"--label", "oops", "--force", "--uncompressed-oops"},
		{"--label", "both", "--force", "--uncompressed-oops", "--uncompressed-class-pointers"},
	} {
		if r := memsee(t, db, false, append(append([]string{"load"}, args...), javaHeaps[3])...); r.code != 0 {
			t.Fatalf("load %v: exit %d: %s", args, r.code, r.err)
		}
	}
	r := memsee(t, db, false, "query", "--format", "csv", `select s.label, x.bytes / x.count from type_stat x
		join type t on t.id = x.type join snapshot s on s.id = x.snapshot where t.name = 'java.lang.String' order by s.id`)
	// java.lang.String (JDK 17) has a byte[] reference, an int hash, a byte coder and a
	// boolean hashIsZero. Compressed: header 12 + 4 + 4 + 1 + 1 = 22, aligned to 24. Without
	// compressed oops: 12 + 8 + 6 = 26 -> 32. With full class pointers too: 16 + 8 + 6 = 30 -> 32.
	want := "label,x.bytes / x.count\ncompressed,24\noops,32\nboth,32\n"
	if r.code != 0 || r.out != want {
		t.Errorf("String sizes by layout: exit %d\n%s%s\nwant\n%s", r.code, r.out, r.err, want)
	}
}

// kids names each reference's kind, as stored: a WeakHashMap entry's referent is weak (it
// keeps nothing alive), its reference to its class is class, its value a field.
func TestKidsShowKinds(t *testing.T) {
	db, _ := loadCopies(t, javaHeaps[3:])
	q := memsee(t, db, false, "query", "--objects", "1", "--format", "csv", `select printf('0x%x', addr) from object o
		join type t on t.id = o.type where t.name = 'java.util.WeakHashMap$Entry' limit 1`)
	lines := strings.Split(strings.TrimSpace(q.out), "\n")
	if q.code != 0 || len(lines) != 2 {
		t.Fatalf("no WeakHashMap entry: %s%s", q.out, q.err)
	}
	r := memsee(t, db, false, "kids", lines[1], "--format", "csv")
	for _, want := range []string{"\n.referent,weak,", "\n<class>,class,", "\n.value,field,"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("kids %s does not say %q:\n%s%s", lines[1], want, r.out, r.err)
		}
	}
}
