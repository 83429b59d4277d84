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

// The sample profiles grow from heap1 to heap4 by the price table (loaded once) and the audit
// log (per request): check must fail a build that grows like that, pass one within budget, and
// exit 2 on bad input, whatever the database holds.
func TestCheckExitCodes(t *testing.T) {
	db := filepath.Join(t.TempDir(), "none.db") // files need no database: check must not make one
	trunc := filepath.Join(t.TempDir(), "trunc.pb.gz")
	b, _ := os.ReadFile(heaps[3])
	if err := os.WriteFile(trunc, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"grew past the default 10%", []string{heaps[0], heaps[3]}, 1},
		{"within --max-growth 20%", []string{heaps[1], heaps[3], "--max-growth", "20%"}, 0},
		{"past --max-growth 15%", []string{heaps[1], heaps[3], "--max-growth", "15%"}, 1},
		{"within --max-bytes 1MiB", []string{heaps[1], heaps[3], "--max-bytes", "1MiB"}, 0},
		{"past --max-bytes 512KiB", []string{heaps[1], heaps[3], "--max-bytes", "512KiB"}, 1},
		{"a key past --max-key-growth 1MiB", []string{heaps[0], heaps[3], "--max-key-growth", "1MiB"}, 1},
		{"every key within --max-key-growth 4MiB", []string{heaps[0], heaps[3], "--max-key-growth", "4MiB"}, 0},
		{"a key past --max-key-growth 50%", []string{heaps[1], heaps[3], "--max-key-growth", "50%"}, 1},
		{"the same build", []string{heaps[2], heaps[2]}, 0},
		{"several per side", []string{heaps[0], heaps[1] + "," + heaps[2] + "," + heaps[3]}, 1},
		{"no such file", []string{heaps[0], samples + "heap9.pb.gz"}, 2},
		{"truncated", []string{heaps[0], trunc}, 2},
		{"a profile against a Python dump", []string{heaps[0], shops[0]}, 2},
		{"files and snapshots", []string{heaps[0], "3"}, 2},
		{"bad budget", []string{heaps[0], heaps[1], "--max-growth", "lots"}, 2},
		{"one side", []string{heaps[0]}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := memsee(t, db, false, append([]string{"check"}, tt.args...)...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", r.code, tt.code, r.out, r.err)
			}
			if tt.code == 2 && (strings.Count(r.err, "\n") > 2 || !strings.HasPrefix(r.err, "memsee: ")) {
				t.Errorf("want one error line and a hint, got %q", r.err)
			}
		})
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("check on files wrote the --db database")
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
	if c.OK || len(c.Failures) != 1 || c.Failures[0].Budget != "max-key-growth" || c.Growth != c.Head.Bytes-c.Base.Bytes {
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
