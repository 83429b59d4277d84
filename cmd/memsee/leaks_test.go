package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

var (
	goChurn   = []string{samples + "churn1.pb.gz", samples + "churn2.pb.gz", samples + "churn3.pb.gz", samples + "churn4.pb.gz"}
	nodeHeaps = []string{"../../testdata/node/heap1.heapsnapshot.gz", "../../testdata/node/heap2.heapsnapshot.gz",
		"../../testdata/node/heap3.heapsnapshot.gz", "../../testdata/node/heap4.heapsnapshot.gz"}
	nodeChurn = []string{"../../testdata/node/churn1.heapsnapshot.gz", "../../testdata/node/churn2.heapsnapshot.gz",
		"../../testdata/node/churn3.heapsnapshot.gz", "../../testdata/node/churn4.heapsnapshot.gz"}
	javaHeaps = []string{"../../testdata/java/heap1.hprof.gz", "../../testdata/java/heap2.hprof.gz",
		"../../testdata/java/heap3.hprof.gz", "../../testdata/java/heap4.hprof.gz"}
	javaChurn = []string{"../../testdata/java/churn1.hprof.gz", "../../testdata/java/churn2.hprof.gz",
		"../../testdata/java/churn3.hprof.gz", "../../testdata/java/churn4.hprof.gz"}
	pyChurn = []string{"../../testdata/python/churn1.json.gz", "../../testdata/python/churn2.json.gz",
		"../../testdata/python/churn3.json.gz", "../../testdata/python/churn4.json.gz"}
	goDumps = []string{"../../testdata/godump/heap1.dump.gz", "../../testdata/godump/heap2.dump.gz",
		"../../testdata/godump/heap3.dump.gz", "../../testdata/godump/heap4.dump.gz"}
	goDumpChurn = []string{"../../testdata/godump/churn1.dump.gz", "../../testdata/godump/churn2.dump.gz",
		"../../testdata/godump/churn3.dump.gz", "../../testdata/godump/churn4.dump.gz"}
)

type leakRow struct {
	Kind, What, HeldBy string
	GrowthBytes        int64 `json:"growth_bytes"`
	StepSnapshot       int64 `json:"step_snapshot"`
	Note               string
	Bytes              []int64
}

func (r *leakRow) UnmarshalJSON(b []byte) error {
	type plain leakRow
	var v struct {
		plain
		HeldBy string `json:"held_by"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*r = leakRow(v.plain)
	r.HeldBy = v.HeldBy
	return nil
}

func leaksJSON(t *testing.T, db string, args ...string) []leakRow {
	t.Helper()
	r := memsee(t, db, false, append([]string{"leaks", "--json"}, args...)...)
	if r.code != 0 {
		t.Fatalf("leaks: exit %d: %s", r.code, r.err)
	}
	var rows []leakRow
	if err := json.Unmarshal([]byte(r.out), &rows); err != nil {
		t.Fatalf("leaks --json: %v\n%s", err, r.out)
	}
	return rows
}

// find returns the leak whose WHAT names what, or nil.
func find(rows []leakRow, what string) *leakRow {
	for i := range rows {
		for _, w := range strings.Split(rows[i].What, ", ") {
			if w == what {
				return &rows[i]
			}
		}
	}
	return nil
}

// The generators plant a static leak (a table loaded once, before the second snapshot) and an
// incremental one (an entry kept per request) in every series, and the churn series plant
// none: leaks must name each planted leak with its kind and its real holder, and nothing else
// as incremental.
func TestLeaksPlanted(t *testing.T) {
	t.Parallel() // its own databases and processes: it runs beside the others
	pyDB, _ := loadCopies(t, shops)
	nodeDB, _ := loadCopies(t, nodeHeaps) // V8 snapshots record no time either
	goDumpDB, _ := loadCopies(t, goDumps) // nor do Go heap dumps
	javaDB, _ := loadCopies(t, javaHeaps)
	tests := []struct {
		name                  string
		db                    string
		incremental, static   string // what grows
		incHolder, staticHold string // a part of its holder
	}{
		{"pprof", loaded(t), "main.newAuditEntry", "main.loadPriceTable", "main.newAuditEntry ← main.handleRequest", "main.loadPriceTable ← main.main"},
		{"meliae", pyDB, "AuditEntry", "Product", "module shop: _audit_log (list)", "module shop: PRICE_TABLE (dict)"},
		// The audit log is a variable of the request listener's closure, declared by
		// makeAuditListener; the price table a Map on the global object.
		{"v8", nodeDB, "AuditEntry", "Product", ": makeAuditListener: entries (Array)", "globalThis.priceTable (Map)"},
		// Objects are named by allocation site. Without --binary the globals auditLog and
		// priceTable are bss offsets; the audit entries are the elements of auditLog's array,
		// and the products those of the map, whose tables are looked through (TestGoDumpBinary
		// names them).
		{"godump", goDumpDB, "main.newAuditEntry (new 64 B)", "main.loadPriceTable (new 64 B)", "bss+0x", "bss+0x"},
		// leaks looks through the HashMap's nodes and the ArrayList's array (the format's
		// HolderRules): the Products are held by the map, named as Java code names it.
		{"hprof", javaDB, "shop.AuditEntry", "shop.Product", "shop.Shop.AUDIT_LOG (ArrayList)", "shop.Shop.PRICE_TABLE (HashMap)"},
	}
	for _, tt := range tests {
		for _, thresholds := range [][]string{nil, {"--min-bytes", "1", "--min-growth", "0%"}} {
			name := tt.name
			if thresholds != nil {
				name += "/no thresholds"
			}
			t.Run(name, func(t *testing.T) {
				checkPlanted(t, leaksJSON(t, tt.db, thresholds...), tt.incremental, tt.static, tt.incHolder, tt.staticHold, thresholds == nil)
			})
		}
	}
}

// checkPlanted checks that rows name the planted leaks; with only, that they name nothing else
// as incremental.
func checkPlanted(t *testing.T, rows []leakRow, incremental, static, incHolder, staticHold string, only bool) {
	t.Helper()
	{
		{
			inc := find(rows, incremental)
			if inc == nil || inc.Kind != "incremental" || !strings.Contains(inc.HeldBy, incHolder) {
				t.Errorf("incremental leak %s held by %q: got %+v", incremental, incHolder, inc)
			}
			st := find(rows, static)
			if st == nil || st.Kind != "static" || !strings.Contains(st.HeldBy, staticHold) || st.StepSnapshot != 2 {
				t.Errorf("static leak %s held by %q at snapshot 2: got %+v", static, staticHold, st)
			}
			for _, r := range rows {
				if only && r.Kind == "incremental" && r.What != incremental {
					t.Errorf("reported as incremental but not planted: %+v", r)
				}
				// Nothing planted is reported twice, through the insides of its elements.
				if r.GrowthBytes > 4096 && r.What != incremental && strings.Contains(r.HeldBy, incHolder+" -> ") {
					t.Errorf("part of the incremental leak reported apart: %+v", r)
				}
			}
		}
	}
}

func TestLeaksChurnOnly(t *testing.T) {
	t.Parallel() // its own databases and processes: it runs beside the others
	pyDB, _ := loadCopies(t, pyChurn)
	nodeDB, _ := loadCopies(t, nodeChurn)
	goDumpDB, _ := loadCopies(t, goDumpChurn)
	javaDB, _ := loadCopies(t, javaChurn)
	goDB := filepath.Join(t.TempDir(), "churn.db")
	if r := memsee(t, goDB, false, append([]string{"load"}, goChurn...)...); r.code != 0 {
		t.Fatalf("load: %s", r.err)
	}
	for name, db := range map[string]string{"pprof": goDB, "meliae": pyDB, "v8": nodeDB, "godump": goDumpDB, "hprof": javaDB} {
		if rows := leaksJSON(t, db); len(rows) != 0 {
			t.Errorf("%s: churn reported as leaks: %+v", name, rows)
		}
		// Even with no thresholds, what churns comes back and is no incremental leak.
		for _, r := range leaksJSON(t, db, "--min-bytes", "1", "--min-growth", "0%") {
			if r.Kind == "incremental" && r.GrowthBytes > 4096 {
				t.Errorf("%s: churn reported as an incremental leak with no thresholds: %+v", name, r)
			}
		}
	}
}

func TestLeaksTwoSnapshots(t *testing.T) {
	rows := leaksJSON(t, loaded(t), "heap1", "heap3")
	if len(rows) == 0 {
		t.Fatal("no growth found between heap1 and heap3")
	}
	for _, r := range rows {
		if r.Kind != "undecided" || !strings.Contains(r.Note, "third") {
			t.Errorf("two snapshots cannot tell the kind: %+v", r)
		}
	}
}

func TestLeaksSeries(t *testing.T) {
	db := filepath.Join(t.TempDir(), "two.db")
	for _, load := range [][]string{append([]string{"load", "--series", "api"}, heaps...), append([]string{"load", "--series", "batch"}, goChurn...)} {
		if r := memsee(t, db, false, load...); r.code != 0 {
			t.Fatalf("load: %s", r.err)
		}
	}
	r := memsee(t, db, false, "leaks")
	if r.code != 2 || !strings.Contains(r.err, `series "api"`) || !strings.Contains(r.err, "--series") {
		t.Errorf("leaks over two processes: want exit 2 naming the series, got %d %q", r.code, r.err)
	}
	if rows := leaksJSON(t, db, "--series", "api"); find(rows, "main.newAuditEntry") == nil {
		t.Errorf("--series api: the planted leak is missing: %+v", rows)
	}
	if rows := leaksJSON(t, db, "--series", "batch"); len(rows) != 0 {
		t.Errorf("--series batch (churn only): %+v", rows)
	}
	if r := memsee(t, db, false, "leaks", "--series", "api", "1", "2"); r.code != 2 {
		t.Errorf("snapshots and --series together: exit %d", r.code)
	}
}

func TestLeaksGolden(t *testing.T) {
	pyDB, _ := loadCopies(t, shops)
	goDB := loaded(t)
	for _, c := range []struct {
		name string
		db   string
		args []string
	}{
		{"leaks", goDB, nil},
		{"leaks.limit", goDB, []string{"--limit", "2GiB"}},
		{"leaks.json", goDB, []string{"--json"}},
		{"py.leaks", pyDB, nil},
		{"py.leaks.markdown", pyDB, []string{"--format", "markdown", "--limit", "64MiB"}},
		{"py.leaks.two", pyDB, []string{"shop1", "shop2"}},
	} {
		r := memsee(t, c.db, false, append([]string{"leaks"}, c.args...)...)
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", c.name, r.code, r.err)
		}
		golden(t, c.name, r.out)
	}
}
