package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type checkOut struct {
	OK       bool
	Failures []struct{ Budget string }
	Base     struct{ Bytes int64 }
	Head     struct{ Bytes int64 }
	Growth   int64 `json:"growth_bytes"`
	Keys     []struct {
		Key, What, Kind string
		Delta           int64 `json:"delta_bytes"`
		Over            bool  `json:"over_budget"`
	}
}

// off is a real heap profile with nothing in it: the shop program run with heap profiling off.
var off = samples + "off1.pb.gz"

// The sample profiles grow from heap1 to heap4 by the price table (loaded once) and the audit
// log (per request): check must fail a build that grows like that, pass one within budget, and
// exit 2 on bad input, whatever the database holds. Sizes (testdata/README.md, memsee ls):
// heap1 425 KiB, heap2 4.3 MiB, heap3 4.7 MiB, heap4 5.1 MiB (heap2 -> heap4: +844 KiB, +19.4%;
// heap1 -> heap4: +1124.7%); churn1 3.5 KiB, churn4 11.7 KiB (+234%); off1 0 B.
func TestCheckExitCodes(t *testing.T) {
	db := filepath.Join(t.TempDir(), "none.db") // files need no database: check must not make one
	trunc := filepath.Join(t.TempDir(), "trunc.pb.gz")
	b, _ := os.ReadFile(heaps[3])
	if err := os.WriteFile(trunc, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	churn1, churn4 := samples+"churn1.pb.gz", samples+"churn4.pb.gz"
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string // in the message of an exit 2
	}{
		{"grew past the default 10%", []string{heaps[0], heaps[3]}, 1, ""},
		{"within --max-growth 20%", []string{heaps[1], heaps[3], "--max-growth", "20%"}, 0, ""},
		{"past --max-growth 15%", []string{heaps[1], heaps[3], "--max-growth", "15%"}, 1, ""},
		// Each budget flag adds a budget: the default 10% stays beside --max-bytes and
		// --max-key-growth, and breaks where they hold.
		{"within --max-bytes 1MiB, past the default 10%", []string{heaps[1], heaps[3], "--max-bytes", "1MiB"}, 1, ""},
		{"within --max-bytes 1MiB and --max-growth 20%", []string{heaps[1], heaps[3], "--max-bytes", "1MiB", "--max-growth", "20%"}, 0, ""},
		{"within --max-bytes 1MiB, --max-growth off", []string{heaps[1], heaps[3], "--max-bytes", "1MiB", "--max-growth", "off"}, 0, ""},
		{"past --max-bytes 512KiB", []string{heaps[1], heaps[3], "--max-bytes", "512KiB", "--max-growth", "20%"}, 1, ""},
		{"a key past --max-key-growth 1MiB", []string{heaps[0], heaps[3], "--max-key-growth", "1MiB"}, 1, ""},
		{"every key within --max-key-growth 4MiB, past the default 10%", []string{heaps[0], heaps[3], "--max-key-growth", "4MiB"}, 1, ""},
		{"every key within --max-key-growth 4MiB, --max-growth 2000%", []string{heaps[0], heaps[3], "--max-key-growth", "4MiB", "--max-growth", "2000%"}, 0, ""},
		{"a key past --max-key-growth 50%", []string{heaps[1], heaps[3], "--max-key-growth", "50%", "--max-growth", "20%"}, 1, ""},
		{"a key past 50% of two key budgets", []string{heaps[1], heaps[3], "--max-key-growth", "4MiB", "--max-key-growth", "50%", "--max-growth", "20%"}, 1, ""},
		{"every key within 4MiB and 200%", []string{heaps[1], heaps[3], "--max-key-growth", "4MiB", "--max-key-growth", "200%", "--max-growth", "20%"}, 0, ""},
		{"the same build", []string{heaps[2], heaps[2]}, 0, ""},
		{"several per side", []string{heaps[0], heaps[1] + "," + heaps[2] + "," + heaps[3]}, 1, ""},
		// From an empty base: over every percent budget once head holds more than --floor.
		{"empty base, past the default 10%", []string{off, heaps[3]}, 1, ""},
		{"empty base, past any percent", []string{off, heaps[3], "--max-growth", "1000000%"}, 1, ""},
		{"empty base, a key past --max-key-growth 50%", []string{off, heaps[3], "--max-growth", "off", "--max-key-growth", "50%"}, 1, ""},
		{"empty base, head within --floor 6MiB", []string{off, heaps[3], "--floor", "6MiB"}, 0, ""},
		{"empty base, head within --floor", []string{off, churn4}, 0, ""},
		{"empty base, head past --floor 0", []string{off, churn4, "--floor", "0"}, 1, ""},
		{"empty base, within --max-bytes 6MiB, --max-growth off", []string{off, heaps[3], "--max-growth", "off", "--max-bytes", "6MiB"}, 0, ""},
		{"empty base and head", []string{off, off, "--floor", "0"}, 0, ""},
		// A small heap's growth within --floor is noise to a percent budget.
		{"+234% within --floor", []string{churn1, churn4}, 0, ""},
		{"+234% past --floor 0", []string{churn1, churn4, "--floor", "0"}, 1, ""},
		{"+234% within --max-bytes 8KiB (no floor)", []string{churn1, churn4, "--max-growth", "off", "--max-bytes", "8KiB"}, 1, ""},
		// A percent without its % is refused, with the readings it may have meant.
		{"--max-growth 0.1", []string{heaps[1], heaps[3], "--max-growth", "0.1"}, 2, "--max-growth 0.1: a growth budget is a percentage: write 10% for a tenth, or 0.1% for a thousandth"},
		{"--max-growth 10", []string{heaps[1], heaps[3], "--max-growth", "10"}, 2, "write 1000% for 10 times base, or 10% for a tenth"},
		{"--max-key-growth 0.5", []string{heaps[1], heaps[3], "--max-key-growth", "0.5"}, 2, "write 50% for a half, or 0.5% for 1/200 of base, or a size with its unit (1MiB)"},
		{"--max-key-growth 50", []string{heaps[1], heaps[3], "--max-key-growth", "50"}, 2, "write 5000% for 50 times base, or 50% for a half, or 50B for bytes"},
		{"every budget off", []string{heaps[1], heaps[3], "--max-growth", "off"}, 2, "every budget is off"},
		{"--max-growth twice", []string{heaps[1], heaps[3], "--max-growth", "10%", "--max-growth", "20%"}, 2, "--max-growth given 2 times (10%, 20%): give one"},
		{"bad budget", []string{heaps[0], heaps[1], "--max-growth", "lots"}, 2, `--max-growth "lots": want a percentage (10%), or off`},
		{"bad floor", []string{heaps[0], heaps[1], "--floor", "lots"}, 2, `--floor: "lots" is not a size`},
		{"no such file", []string{heaps[0], samples + "heap9.pb.gz"}, 2, "no such file"},
		{"truncated", []string{heaps[0], trunc}, 2, ""},
		{"a profile against a Python dump", []string{heaps[0], shops[0]}, 2, "check compares like with like"},
		{"files and snapshots", []string{heaps[0], "3"}, 2, "not some of each"},
		{"one side", []string{heaps[0]}, 2, "check takes two sides"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := memsee(t, db, false, append([]string{"check"}, tt.args...)...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", r.code, tt.code, r.out, r.err)
			}
			if tt.code == 2 && (strings.Count(r.err, "\n") > 2 || !strings.HasPrefix(r.err, "memsee: ") || !strings.Contains(r.err, tt.stderr)) {
				t.Errorf("want one error line with %q and a hint, got %q", tt.stderr, r.err)
			}
		})
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("check on files wrote the --db database")
	}
}

// From an empty base, what check prints says so, and JSON has no share of nothing.
func TestCheckEmptyBase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "none.db")
	r := memsee(t, db, false, "check", off, heaps[3])
	if r.code != 1 || !strings.Contains(r.out, "heap 0 B -> 5.1 MiB (+5.1 MiB, from an empty base)") ||
		!strings.Contains(r.out, "over: the heap grew from an empty base by +5.1 MiB, more than --floor 64.0 KiB, over --max-growth 10.0%") {
		t.Errorf("check off1 heap4: exit %d\n%s%s", r.code, r.out, r.err)
	}
	r = memsee(t, db, false, "check", off, heaps[3], "--json")
	var c struct {
		OK       bool     `json:"ok"`
		Empty    bool     `json:"empty_base"`
		Share    *float64 `json:"growth_share"`
		Growth   int64    `json:"growth_bytes"`
		Failures []struct {
			Budget string  `json:"budget"`
			Got    float64 `json:"got"`
			Limit  float64 `json:"limit"`
			Empty  bool    `json:"empty_base"`
		} `json:"failures"`
		Budget struct {
			MaxGrowth *float64 `json:"max_growth"`
			MaxBytes  *int64   `json:"max_bytes"`
			Floor     int64    `json:"floor"`
		} `json:"budget"`
	}
	if err := json.Unmarshal([]byte(r.out), &c); err != nil {
		t.Fatalf("%v: %s", err, r.out)
	}
	if r.code != 1 || c.OK || !c.Empty || c.Share != nil || len(c.Failures) != 1 || c.Failures[0].Budget != "max-growth" ||
		!c.Failures[0].Empty || c.Failures[0].Got != float64(c.Growth) || c.Failures[0].Limit != 0.1 ||
		c.Budget.MaxGrowth == nil || *c.Budget.MaxGrowth != 0.1 || c.Budget.MaxBytes != nil || c.Budget.Floor != 64<<10 {
		t.Errorf("check off1 heap4 --json: exit %d, %+v", r.code, c)
	}
}

func TestCheckKeys(t *testing.T) {
	db := filepath.Join(t.TempDir(), "none.db")
	r := memsee(t, db, false, "check", "--json", heaps[0], heaps[1]+","+heaps[2]+","+heaps[3], "--max-key-growth", "1MiB")
	if r.code != 1 {
		t.Fatalf("exit %d: %s", r.code, r.err)
	}
	var c checkOut
	if err := json.Unmarshal([]byte(r.out), &c); err != nil {
		t.Fatal(err)
	}
	// heap1 -> heap4 breaks the default 10% too: the key budget does not replace it.
	if c.OK || len(c.Failures) != 2 || c.Failures[0].Budget != "max-growth" || c.Failures[1].Budget != "max-key-growth" || c.Growth != c.Head.Bytes-c.Base.Bytes {
		t.Errorf("verdict: %+v", c)
	}
	kinds := map[string]string{}
	var over []string
	for _, k := range c.Keys {
		kinds[k.What] = kinds[k.What] + k.Kind
		if k.Over {
			over = append(over, k.What)
		}
		if k.Delta <= 0 {
			t.Errorf("%s: a key that did not grow: %d", k.Key, k.Delta)
		}
	}
	if kinds["main.loadPriceTable"] != "static" || kinds["main.newAuditEntry"] != "incremental" {
		t.Errorf("kinds by head's three snapshots: %v", kinds)
	}
	if strings.Join(over, " ") != "main.loadPriceTable main.newAuditEntry" {
		t.Errorf("over 1MiB: %v, want the price table and the audit log", over)
	}
}

func TestCheckGolden(t *testing.T) {
	pyDB, dir := loadCopies(t, shops)
	for _, c := range []struct {
		name string
		db   string
		args []string
	}{
		{"check", filepath.Join(t.TempDir(), "none.db"), []string{heaps[0], heaps[3]}},
		{"check.empty", filepath.Join(t.TempDir(), "none.db"), []string{off, heaps[3], "-n", "3"}},
		{"check.markdown", filepath.Join(t.TempDir(), "none.db"), []string{heaps[0], heaps[1] + "," + heaps[2] + "," + heaps[3], "--format", "markdown", "--max-key-growth", "1MiB"}},
		{"py.check.snapshots", pyDB, []string{"shop1", "shop2,shop3,shop4", "--max-growth", "60%"}},
		{"py.check.files.json", filepath.Join(t.TempDir(), "none.db"), []string{filepath.Join(dir, "shop1.json.gz"), filepath.Join(dir, "shop4.json.gz"), "--json", "-n", "3"}},
	} {
		r := memsee(t, c.db, false, append([]string{"check"}, c.args...)...)
		if r.code == 2 {
			t.Fatalf("%s: exit %d: %s", c.name, r.code, r.err)
		}
		golden(t, c.name, r.out)
	}
}
