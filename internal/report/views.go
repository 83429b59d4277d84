package report

import (
	"fmt"
	"strings"

	"github.com/memsee/memsee/internal/analysis"
)

// How much of a long stack, path or dominator chain a table shows.
const (
	SiteFrames       = 4
	MaxPathHops      = 16
	MaxDominatorRows = 12
)

// SiteText shows a stack in one line: the allocating function and its callers, innermost
// first, shortened to max frames.
func SiteText(stack []string, max int) string {
	if len(stack) > max {
		return strings.Join(stack[:max], " ← ") + " ← …"
	}
	return strings.Join(stack, " ← ")
}

// PctChange is the change from a to b in percent of a; nil when a is 0 (new).
func PctChange(a, b int64) *float64 {
	if a == 0 {
		return nil
	}
	p := 100 * float64(b-a) / float64(a)
	return &p
}

// HexAddr spells an address.
func HexAddr(a int64) string { return fmt.Sprintf("%#x", a) }

// shortHolder shortens a holder for a table: a path to its first and last hops, a stack to
// its innermost frames.
func shortHolder(h string) string {
	if strings.Contains(h, " ← ") {
		return SiteText(strings.Split(h, " ← "), SiteFrames)
	}
	return analysis.ShortPath(h, MaxPathHops)
}

// prose makes a string from a dump (a label, a type, a path) safe in a line of prose around a
// table: escaped in Markdown, where it could otherwise open a tag or a link, cleaned of control
// characters elsewhere. Table cells are made safe by Render.
func prose(f Format, s string) string {
	if f == FormatMarkdown {
		return EscapeMarkdown(s)
	}
	return Clean(s)
}
