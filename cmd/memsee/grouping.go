package main

import (
	"fmt"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/store"
	"github.com/spf13/cobra"
)

// groupingFlags are --by and --sample, shared by top and diff. What --by may be depends on the
// snapshot: function or site for heap profiles, type or holder for object graphs.
type groupingFlags struct {
	by        string
	sample    string
	sampleSet bool
}

func (g *groupingFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&g.by, "by", "", "group by function or site (heap profiles; default function), type, holder or site (object dumps; default type; site for dumps with allocation sites)")
	cmd.Flags().StringVar(&g.sample, "sample", "inuse_space", "heap profiles: rank by inuse_space, inuse_objects, alloc_space or alloc_objects")
}

func (g *groupingFlags) resolve(cmd *cobra.Command) (heap.Value, error) {
	switch g.by {
	case "", "function", "func", "site", "stack", "type", "holder":
	default:
		return 0, flagErrorf(cmd, "--by %s: want function or site (heap profiles), type or holder (object dumps)", g.by)
	}
	v, err := heap.ParseValue(g.sample)
	if err != nil {
		return 0, flagErrorf(cmd, "--sample: %v", err)
	}
	g.sampleSet = cmd.Flags().Changed("sample")
	return v, nil
}

// profileBy is the grouping for a heap-profile snapshot.
func (g *groupingFlags) profileBy(s store.Snapshot) (store.By, error) {
	switch g.by {
	case "", "function", "func":
		return store.ByFunction, nil
	case "site", "stack":
		return store.BySite, nil
	}
	return 0, fmt.Errorf("--by %s is for object dumps; snapshot %d (%s) is a heap profile: group it by function or site", g.by, s.ID, s.Label)
}

// graphBy is the grouping for an object-graph snapshot: "type" or "holder".
func (g *groupingFlags) graphBy(s store.Snapshot) (string, error) {
	if g.sampleSet {
		return "", fmt.Errorf("--sample is for heap profiles; snapshot %d (%s) is an object dump", s.ID, s.Label)
	}
	switch g.by {
	case "", "type":
		return "type", nil
	case "holder":
		return "holder", nil
	case "site":
		return "site", nil // for a dump with allocation sites: analysis.TopGraph says when it has none
	}
	return "", fmt.Errorf("--by %s is for heap profiles; snapshot %d (%s) is an object dump: group it by type, holder or site", g.by, s.ID, s.Label)
}
