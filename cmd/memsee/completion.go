package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/loader"
	"github.com/memsee/memsee/internal/report"
	"github.com/memsee/memsee/internal/store"
	"github.com/spf13/cobra"
)

// Shell completion (cobra's completion command and its __complete): snapshot references from
// the database, the values of the flags that take one of a few words, and the runtimes of
// dumper. The database is opened read-only, as every reading command opens it; when there is
// none, or it cannot be read, nothing is offered and nothing is said.

// snapshotArgs says how many positional arguments of each command are snapshot references
// (-1: all of them).
var snapshotArgs = map[string]int{"top": 1, "dominators": 1, "diff": 2, "leaks": -1, "rm": -1}

// flagWords are the values of the flags that take one of a few words, with what each means.
var flagWords = map[string][]string{
	"by": {"function\theap profiles: the allocating function", "site\theap profiles: the allocation stack",
		"type\tobject dumps: the type", "holder\tobject dumps: what holds the objects"},
	"sample": {"inuse_space\tbytes in use", "inuse_objects\tobjects in use",
		"alloc_space\tbytes allocated since the start", "alloc_objects\tobjects allocated since the start"},
	"format": {string(report.FormatTable), string(report.FormatJSON), string(report.FormatCSV), string(report.FormatMarkdown)},
}

func addCompletions(root *cobra.Command, f *Factory, envDB string) {
	root.RegisterFlagCompletionFunc("color", cobra.FixedCompletions(colorWords, cobra.ShellCompDirectiveNoFileComp))
	snaps := snapshotCompletion(f, envDB, false)
	dumps := snapshotCompletion(f, envDB, true) // the flags that want a snapshot's objects
	for _, c := range root.Commands() {
		if n, ok := snapshotArgs[c.Name()]; ok {
			c.ValidArgsFunction = func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
				if n >= 0 && len(args) >= n {
					return nil, cobra.ShellCompDirectiveNoFileComp
				}
				return snaps(cmd, args, toComplete)
			}
		}
		for _, name := range []string{"snap", "final", "objects"} {
			if c.Flags().Lookup(name) != nil {
				if c.Name() == "top" && name == "snap" {
					c.RegisterFlagCompletionFunc(name, snaps) // top reads profiles too
				} else {
					c.RegisterFlagCompletionFunc(name, dumps)
				}
			}
		}
		if c.Flags().Lookup("series") != nil {
			c.RegisterFlagCompletionFunc("series", seriesCompletion(f, envDB))
		}
		for name, words := range flagWords {
			if c.Flags().Lookup(name) != nil {
				c.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(words, cobra.ShellCompDirectiveNoFileComp))
			}
		}
		if c.Flags().Lookup("input-format") != nil {
			c.RegisterFlagCompletionFunc("input-format", cobra.FixedCompletions(loader.Formats(), cobra.ShellCompDirectiveNoFileComp))
		}
		switch c.Name() {
		case "dumper":
			c.ValidArgsFunction = func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
				if len(args) > 0 {
					return nil, cobra.ShellCompDirectiveNoFileComp
				}
				return dumperRuntimes(), cobra.ShellCompDirectiveNoFileComp
			}
		case "query", "show", "refs", "kids", "path", "ls", "version":
			// SQL, addresses, or nothing: no file names.
			c.ValidArgsFunction = cobra.NoFileCompletions
		}
	}
}

// dumperRuntimes are the runtimes memsee has a dumper for.
func dumperRuntimes() []string {
	var out []string
	for _, h := range heap.Handlers() {
		if d, ok := h.(heap.Dumper); ok {
			out = append(out, d.DumperRuntimes()...)
		}
	}
	return out
}

// completionDB is the database a completion reads: --db as typed on the line being completed,
// else $MEMSEE_DB, else ./memsee.db.
func completionDB(f *Factory, envDB string) string {
	switch {
	case f.DBPath != "":
		return f.DBPath
	case envDB != "":
		return envDB
	}
	return "memsee.db"
}

// completionSnapshots reads the snapshots of the database a completion is for, read-only;
// none when there is no database or it cannot be read (a completion says nothing).
func completionSnapshots(cmd *cobra.Command, f *Factory, envDB string) []store.Snapshot {
	f.DBPath = completionDB(f, envDB)
	db, err := f.Store(cmd.Context())
	if err != nil {
		return nil
	}
	defer db.Close()
	snaps, err := db.Snapshots(cmd.Context())
	if err != nil {
		return nil
	}
	return snaps
}

// snapshotCompletion offers every snapshot's label and id, described by the other, and first
// and last; those already on the line are left out. With objectsOnly, only heap dumps (not
// heap profiles) are offered.
func snapshotCompletion(f *Factory, envDB string, objectsOnly bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		snaps := completionSnapshots(cmd, f, envDB)
		if len(snaps) == 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		// --objects takes a comma-separated list: complete its last element.
		prefix, taken := "", args
		if i := strings.LastIndexByte(toComplete, ','); i >= 0 {
			prefix = toComplete[:i+1]
			taken = append(slices.Clone(args), strings.Split(toComplete[:i], ",")...)
		}
		var out []string
		for _, s := range snaps {
			id := strconv.FormatInt(s.ID, 10)
			label := uniqueName(s, snaps)
			if slices.Contains(taken, id) || (label != "" && slices.Contains(taken, label)) || (objectsOnly && s.Kind != heap.KindGraph) {
				continue
			}
			kind := report.Clean(s.Format)
			if label != "" {
				out = append(out, prefix+report.Clean(label)+"\t"+fmt.Sprintf("snapshot %d (%s)", s.ID, kind))
			}
			out = append(out, prefix+id+"\t"+fmt.Sprintf("%s (%s)", report.Clean(s.Label), kind))
		}
		out = append(out, prefix+"first\tthe oldest snapshot", prefix+"last\tthe newest snapshot")
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// uniqueName is a label reference that names s alone: its label, else its series and label
// (node/heap1), else "" (only its id does).
func uniqueName(s store.Snapshot, all []store.Snapshot) string {
	names := []string{s.Label}
	if s.Series != "" {
		names = append(names, s.Series+store.SeriesSep+s.Plain())
	}
	for _, n := range names {
		if !slices.ContainsFunc(all, func(o store.Snapshot) bool { return o.ID != s.ID && o.AnswersTo(n) }) {
			return n
		}
	}
	return ""
}

// seriesCompletion offers the series the snapshots were loaded with.
func seriesCompletion(f *Factory, envDB string) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		snaps := completionSnapshots(cmd, f, envDB)
		var out []string
		for _, s := range snaps {
			if s.Series != "" && !slices.Contains(out, s.Series) {
				out = append(out, report.Clean(s.Series))
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
