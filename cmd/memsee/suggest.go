package main

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// suggestFlag adds to pflag's "unknown flag: --x" the flags of cmd nearest to the one typed
// ("did you mean --limit?"), or, when cmd has none near, the commands that have that flag.
// Other errors come back as they are.
func suggestFlag(cmd *cobra.Command, err error) error {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		return err
	}
	name, _, _ = strings.Cut(name, "=")
	var names []string
	add := func(fl *pflag.Flag) {
		if !fl.Hidden && !slices.Contains(names, fl.Name) {
			names = append(names, fl.Name)
		}
	}
	cmd.Flags().VisitAll(add)
	cmd.InheritedFlags().VisitAll(add)
	var others []string
	for _, c := range cmd.Root().Commands() {
		if c != cmd && c.Flags().Lookup(name) != nil {
			others = append(others, c.Name())
		}
	}
	switch near := nearest(name, names); {
	case len(others) > 0:
		return fmt.Errorf("%w for %s; it is a flag of %s", err, cmd.Name(), strings.Join(others, ", "))
	case len(near) > 0:
		return fmt.Errorf("%w; did you mean --%s?", err, strings.Join(near, " or --"))
	}
	return err
}

// suggestCommand rewrites cobra's "unknown command" error, whose suggestions take lines of
// their own, as one line that names the nearest commands: `unknown command "lod" for
// "memsee"; did you mean load?`. Other errors come back as they are.
func suggestCommand(root *cobra.Command, err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	rest, ok := strings.CutPrefix(msg, "unknown command ")
	if !ok {
		return err
	}
	typed, err2 := strconv.QuotedPrefix(rest)
	if err2 != nil {
		return err
	}
	typed, _ = strconv.Unquote(typed)
	head, _, _ := strings.Cut(msg, "\n")
	if near := nearest(typed, root.SuggestionsFor(typed)); len(near) > 0 {
		return fmt.Errorf("%s; did you mean %s?", head, strings.Join(near, " or "))
	}
	return errors.New(head)
}

// nearest returns, of names, those nearest to typed: the names typed begins (two letters at
// least), else those fewest edits away, at most two and fewer than typed has letters; in the
// order of names.
func nearest(typed string, names []string) []string {
	typed = strings.ToLower(typed)
	best, out := min(2, len(typed)-1), []string(nil)
	for _, n := range names {
		d := editDistance(typed, strings.ToLower(n))
		if len(typed) >= 2 && strings.HasPrefix(strings.ToLower(n), typed) {
			d = 0
		}
		switch {
		case d > best:
		case d < best:
			best, out = d, []string{n}
		case d == best:
			out = append(out, n)
		}
	}
	return out
}

// editDistance is the Levenshtein distance between a and b, in bytes (flag names are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
