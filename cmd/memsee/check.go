package main

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/memsee/memsee/internal/leak"
	"github.com/memsee/memsee/internal/report"
	"github.com/spf13/cobra"
)

type checkOptions struct {
	IO         *IOStreams
	f          *Factory
	out        outputFlags
	Format     report.Format
	Wide       bool     // tables whole, not cut to the terminal
	Base, Head []string // files, or snapshot references
	Budget     leak.Budget
	N          int
	Report     string // --report: an HTML page of the verdict too (htmlreport.go)
}

// defaultMaxGrowth is the whole-heap budget that stands unless --max-growth says otherwise.
const defaultMaxGrowth = "10%"

func newCmdCheck(f *Factory, runF func(*checkOptions) error) *cobra.Command {
	o := &checkOptions{IO: f.IO, f: f}
	maxGrowth := &budgetFlag{typ: "percent", def: defaultMaxGrowth}
	maxBytes := &budgetFlag{typ: "size"}
	maxKey := &budgetFlag{typ: "size|percent"}
	floor := &budgetFlag{typ: "size", def: fmt.Sprintf("%dKiB", leak.DefaultMinBytes>>10)}
	cmd := &cobra.Command{
		Use:   "check <base> <head>",
		Short: "Fail a build whose heap grew past a budget (for CI)",
		Long: `Check compares the heap of two builds under the same workload and exits 1 when head grew
past a budget, after printing what grew. BASE and HEAD are files (heap profiles or dumps,
loaded into a temporary database) or snapshots of --db; several of either, in time order,
are separated by commas. The last of each side is compared; when head has three or more,
KIND says how each key grew there: static (it grew before head's first snapshot, or at one
step, and stayed), incremental (at several steps), undecided (at head's last snapshot only),
or - (it went down and up).

Keys are types (object dumps) or allocation stacks by function (heap profiles; line
numbers move between builds), never object ids.

Budgets; each flag adds one and removes none, and every one is checked:
  --max-growth P%      the whole heap, in percent of base: 10% unless given (off: none)
  --max-bytes SIZE     the whole heap, in bytes (5MiB)
  --max-key-growth X   any one key, in bytes (1MiB) or percent (50%); give it twice for both

A percent is written with its %: --max-growth 0.1 is refused, since it may mean 10% (a
tenth) or 0.1% (a thousandth). Percent budgets let growth of --floor (` + floor.def + `) or
less pass, whatever its share: a share of a few kilobytes is noise. Growth from an empty base
(the whole heap, or a key new in head) has no share, and is over every percent budget once it
is more than --floor.

Exit codes: 0 within budget, 1 over budget, 2 bad input or bad flags.`,
		Example: `  $ memsee check base/heap.pb.gz head/heap.pb.gz
  $ memsee check base.pb.gz head.pb.gz --max-growth 5% --max-key-growth 1MiB --format markdown
  $ memsee check base.pb.gz head.pb.gz --max-key-growth 1MiB --max-key-growth 50% --floor 256KiB
  $ memsee check base.pb.gz head.pb.gz --max-growth off --max-bytes 5MiB
  $ memsee check base-1.pb.gz,base-2.pb.gz,base-3.pb.gz head-1.pb.gz,head-2.pb.gz,head-3.pb.gz
  $ memsee check shop1 shop4 --max-bytes 5MiB`,
		Args: exactArgs(2, "two sides: base and head (files or snapshots; several joined by commas)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Base, o.Head = splitList(args[0]), splitList(args[1])
			if len(o.Base) == 0 || len(o.Head) == 0 {
				return flagErrorf(cmd, "base and head each need a file or a snapshot")
			}
			var err error
			if o.Format, err = o.out.resolve(cmd); err != nil {
				return err
			}
			o.Wide = o.out.wide
			if o.Budget, err = parseBudget(maxGrowth.values(), maxBytes.values(), maxKey.values(), floor.values()); err != nil {
				return flagErrorf(cmd, "%v", err)
			}
			if runF != nil {
				return runF(o)
			}
			return checkRun(cmd.Context(), o)
		},
	}
	o.out.add(cmd)
	cmd.Flags().Var(maxGrowth, "max-growth", "budget for the whole heap's growth, in percent of base (off: none)")
	cmd.Flags().Var(maxBytes, "max-bytes", "budget for the whole heap's growth, in bytes (5MiB)")
	cmd.Flags().Var(maxKey, "max-key-growth", "budget for any one type or stack: bytes (1MiB) or percent (50%); twice for both")
	cmd.Flags().Var(floor, "floor", "growth that percent budgets let pass whatever its share; from an empty base, more is over them")
	rowsFlag(cmd, &o.N, "keys that grew most")
	cmd.Flags().StringVar(&o.Report, "report", "", "also write the verdict and what grew as an HTML page to this file, for CI to keep")
	return cmd
}

// budgetFlag keeps every value a budget flag is given, so that a budget given twice is
// refused (or, for --max-key-growth, a size and a percent both kept) instead of the last
// silently replacing the first.
type budgetFlag struct {
	given    []string
	typ, def string
}

func (b *budgetFlag) String() string {
	if len(b.given) == 0 {
		return b.def
	}
	return strings.Join(b.given, ", ")
}

func (b *budgetFlag) Set(s string) error {
	b.given = append(b.given, s)
	return nil
}

func (b *budgetFlag) Type() string { return b.typ }

// values is what the flag was given, else its default.
func (b *budgetFlag) values() []string {
	if len(b.given) == 0 && b.def != "" {
		return []string{b.def}
	}
	return b.given
}

// parseBudget reads the budget flags: the whole heap's growth in percent (maxGrowth, which
// holds its default unless given), in bytes (maxBytes), and any one key's, in bytes or
// percent (maxKey, up to one of each), and the floor of percent budgets (floor). "off" sets
// no budget. Each flag's values are as given, or its default.
func parseBudget(maxGrowth, maxBytes, maxKey, floor []string) (leak.Budget, error) {
	b := leak.Budget{MaxGrowth: -1, MaxBytes: -1, KeyMaxBytes: -1, KeyMaxGrowth: -1}
	for i, vals := range [][]string{maxGrowth, maxBytes, floor} {
		if len(vals) > 1 {
			name := []string{"--max-growth", "--max-bytes", "--floor"}[i]
			return b, fmt.Errorf("%s given %d times (%s): give one", name, len(vals), strings.Join(vals, ", "))
		}
	}
	var err error
	for _, s := range floor {
		if b.Floor, err = report.ParseBytes(s); err != nil {
			return b, fmt.Errorf("--floor: %w", err)
		}
	}
	for _, s := range maxGrowth {
		if b.MaxGrowth, err = parsePercentBudget("--max-growth", s, false); err != nil {
			return b, err
		}
	}
	for _, s := range maxBytes {
		if isOff(s) {
			continue
		}
		if b.MaxBytes, err = report.ParseBytes(s); err != nil {
			return b, fmt.Errorf("--max-bytes: %w", err)
		}
	}
	var sizes, percents []string
	for _, s := range maxKey {
		switch {
		case isOff(s):
			if len(maxKey) > 1 {
				return b, fmt.Errorf("--max-key-growth %s: off beside another --max-key-growth", strings.Join(maxKey, ", "))
			}
		case strings.HasSuffix(strings.TrimSpace(s), "%"):
			percents = append(percents, s)
			if b.KeyMaxGrowth, err = parsePercentBudget("--max-key-growth", s, true); err != nil {
				return b, err
			}
		default:
			if _, nerr := strconv.ParseFloat(strings.TrimSpace(s), 64); nerr == nil {
				_, err = parsePercentBudget("--max-key-growth", s, true) // a bare number: say why not
				return b, err
			}
			sizes = append(sizes, s)
			if b.KeyMaxBytes, err = report.ParseBytes(s); err != nil {
				return b, fmt.Errorf("--max-key-growth: want a size (1MiB) or a percentage (50%%): %w", err)
			}
		}
	}
	if len(sizes) > 1 || len(percents) > 1 {
		return b, fmt.Errorf("--max-key-growth %s: give at most one size and one percentage", strings.Join(maxKey, ", "))
	}
	if b.MaxGrowth < 0 && b.MaxBytes < 0 && b.KeyMaxBytes < 0 && b.KeyMaxGrowth < 0 {
		return b, fmt.Errorf("every budget is off, so nothing would be checked: give --max-growth, --max-bytes or --max-key-growth")
	}
	return b, nil
}

func isOff(s string) bool { return strings.EqualFold(strings.TrimSpace(s), "off") }

// parsePercentBudget reads a percent budget flag's value as a fraction of base: 10% is 0.1,
// "off" is -1 (no budget). A number without its % is refused with the two readings it may
// have meant; orSize says the flag also takes a size.
func parsePercentBudget(flag, s string, orSize bool) (float64, error) {
	if isOff(s) {
		return -1, nil
	}
	t := strings.TrimSpace(s)
	num, pct := strings.CutSuffix(t, "%")
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	bad := err != nil || v < 0 || math.IsNaN(v) || math.IsInf(v, 0)
	size := ""
	switch {
	case orSize && !bad && v == math.Trunc(v) && v < 1<<53:
		size = fmt.Sprintf(", or %sB for bytes", strconv.FormatFloat(v, 'f', -1, 64))
	case orSize:
		size = ", or a size with its unit (1MiB)"
	}
	switch {
	case bad:
		return 0, fmt.Errorf("%s %q: want a percentage (10%%)%s, or off", flag, s, size)
	case !pct && v == 0:
		return 0, fmt.Errorf("%s %s: a growth budget is a percentage: write 0%%%s", flag, t, size)
	case !pct:
		return 0, fmt.Errorf("%s %s: a growth budget is a percentage: write %s for %s, or %s for %s%s",
			flag, t, percentText(v*100), shareText(v), percentText(v), shareText(v/100), size)
	}
	return v / 100, nil
}

// percentText writes p (in percent) as a flag would take it: 10%, 0.1%, 5000%.
func percentText(p float64) string {
	return strconv.FormatFloat(p, 'g', 12, 64) + "%"
}

// shareText says a share of base in words: a tenth, a thousandth, 3 times base.
func shareText(f float64) string {
	words := map[float64]string{2: "a half", 3: "a third", 4: "a quarter", 5: "a fifth", 10: "a tenth",
		20: "a twentieth", 50: "a fiftieth", 100: "a hundredth", 1000: "a thousandth", 10000: "a ten-thousandth"}
	switch {
	case f == 1:
		return "as much again as base"
	case f > 1:
		return strconv.FormatFloat(f, 'g', 12, 64) + " times base"
	}
	n := math.Round(1 / f)
	if math.Abs(n*f-1) < 1e-9 {
		if w, ok := words[n]; ok {
			return w
		}
		return "1/" + strconv.FormatFloat(n, 'f', -1, 64) + " of base"
	}
	return strconv.FormatFloat(f, 'g', 12, 64) + " of base"
}

func checkRun(ctx context.Context, o *checkOptions) error {
	db, base, head, done, err := openSides(ctx, o.f, o.Base, o.Head)
	if err != nil {
		return err
	}
	defer done()
	r, err := leak.Check(ctx, db, base, head, o.Budget)
	if err != nil {
		return err
	}
	// A closed stdout (check | head) does not hide the verdict: the exit code still says it.
	if err := report.Check(o.IO.Tables(o.Wide), o.IO.ErrOut, o.Format, r, o.N); err != nil && !isClosedPipe(err) {
		return err
	}
	if o.Report != "" {
		if err := writeCheckReport(o, r); err != nil {
			return err
		}
	}
	if r.Failed() {
		return ErrCheckFailed
	}
	return nil
}
