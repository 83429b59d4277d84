package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/leak"
)

// TestCheckView covers what the check view says beyond the golden case of TestViews: growth
// from an empty base, the budgets checked, KIND a series cannot tell, and sides it cannot
// name a kind for.
func TestCheckView(t *testing.T) {
	graph3 := viewSnaps(heap.KindGraph, 3)
	prof2 := viewSnaps(heap.KindProfile, 2)
	budget := leak.Budget{MaxGrowth: 0.1, MaxBytes: -1, KeyMaxBytes: -1, KeyMaxGrowth: -1, Floor: 64 << 10}
	grew := leak.CheckKey{Key: "Entry", What: "Entry", Head: pt(10, 1<<20), Delta: pt(10, 1<<20)}
	swung := grew
	swung.Key, swung.What = "Swing", "Swing"
	tests := []struct {
		name   string
		f      Format
		r      leak.CheckResult
		want   []string
		unwant []string
	}{
		{"from an empty base", FormatTable, leak.CheckResult{BaseSnapshots: prof2[:1], HeadSnapshots: prof2[1:], Budget: budget,
			Head: pt(10, 6<<20), Growth: pt(10, 6<<20), Keys: []leak.CheckKey{grew},
			Failures: []leak.Failure{{Budget: "max-growth", Got: 6 << 20, Limit: 0.1, EmptyBase: true}}},
			[]string{"memsee check: FAIL: over budget",
				"heap 0 B -> 6.0 MiB (+6.0 MiB, from an empty base); objects 0 -> 10 (+10)",
				"budgets: --max-growth 10.0% (percent budgets let growth of --floor 64.0 KiB or less pass)",
				"  over: the heap grew from an empty base by +6.0 MiB, more than --floor 64.0 KiB, over --max-growth 10.0%"},
			[]string{"+0.0%", "within budget"}},
		{"from an empty base, JSON", FormatJSON, leak.CheckResult{BaseSnapshots: prof2[:1], HeadSnapshots: prof2[1:], Budget: budget,
			Head: pt(10, 6<<20), Growth: pt(10, 6<<20),
			Failures: []leak.Failure{{Budget: "max-growth", Got: 6 << 20, Limit: 0.1, EmptyBase: true}}},
			[]string{`"empty_base": true,`, `"growth_share": null,`, `"got": 6291456,`, `"max_growth": 0.1,`, `"floor": 65536`, `"key_max_growth": null`},
			[]string{`"growth_share": 0`}},
		{"every budget, floor 0", FormatMarkdown, leak.CheckResult{BaseSnapshots: graph3[:1], HeadSnapshots: graph3[1:2],
			Budget: leak.Budget{MaxGrowth: 0.05, MaxBytes: 2 << 20, KeyMaxBytes: 1 << 20, KeyMaxGrowth: 0.5},
			Base:   pt(1, 1<<20), Head: pt(1, 1<<20)},
			[]string{"Budgets: --max-growth 5.0%, --max-bytes 2.0 MiB, --max-key-growth 1.0 MiB, --max-key-growth 50.0%.", "nothing grew"},
			[]string{"--floor", "from an empty base"}},
		{"KIND of a key that swung", FormatTable, leak.CheckResult{BaseSnapshots: graph3[:1], HeadSnapshots: graph3, Budget: budget,
			Base: pt(1, 1<<20), Head: pt(11, 2<<20), Growth: pt(10, 1<<20), GrowthShare: 1,
			Keys: []leak.CheckKey{func() leak.CheckKey { k := grew; k.Kind = leak.Undecided; return k }(), swung}},
			[]string{"undecided", "KIND -: the key went down as well as up across head's snapshots"},
			[]string{"static", "KIND needs three"}},
		{"KIND told of every key", FormatTable, leak.CheckResult{BaseSnapshots: graph3[:1], HeadSnapshots: graph3, Budget: budget,
			Base: pt(1, 1<<20), Head: pt(11, 2<<20), Growth: pt(10, 1<<20), GrowthShare: 1,
			Keys: []leak.CheckKey{func() leak.CheckKey { k := grew; k.Kind = leak.Static; return k }()}},
			[]string{"static"},
			[]string{"KIND -", "KIND needs three"}},
		// leak.Check refuses empty sides; the view still does not index into them.
		{"no snapshots", FormatTable, leak.CheckResult{Budget: budget, Keys: []leak.CheckKey{grew}},
			[]string{"base: \nhead: \n", "TYPE"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Check(&b, &b, tt.f, &tt.r, 0); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("Check(%s): no %q in\n%s", tt.name, w, b.String())
				}
			}
			for _, w := range tt.unwant {
				if strings.Contains(b.String(), w) {
					t.Errorf("Check(%s): %q in\n%s", tt.name, w, b.String())
				}
			}
		})
	}
}
