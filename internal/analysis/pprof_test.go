package analysis_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/memsee/memsee/internal/analysis"
	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/loader"
	"github.com/memsee/memsee/internal/store"
)

const samples = "../../testdata/go/"

// pprofFlat computes what `go tool pprof -top -diff_base base head` computes, with the pprof
// library's own arithmetic: the base is scaled by -1 and merged into head, then each sample's
// value goes to its key (the allocating function, or the whole stack).
func pprofFlat(t *testing.T, basePath, headPath string, v heap.Value, by store.By) map[string]int64 {
	t.Helper()
	read := func(path string) *profile.Profile {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		p, err := profile.Parse(f)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	head := read(headPath)
	var merged *profile.Profile
	if basePath == "" {
		merged = head
	} else {
		base := read(basePath)
		base.Scale(-1)
		var err error
		if merged, err = profile.Merge([]*profile.Profile{head, base}); err != nil {
			t.Fatal(err)
		}
	}
	idx := -1
	for i, st := range merged.SampleType {
		if st.Type == v.String() {
			idx = i
		}
	}
	if idx < 0 {
		t.Fatalf("%s has no sample type %s", headPath, v)
	}
	out := map[string]int64{}
	for _, s := range merged.Sample {
		var frames []string
		for _, loc := range s.Location {
			for _, ln := range loc.Line {
				frames = append(frames, ln.Function.Name)
			}
		}
		key := frames[0]
		if by == store.BySite {
			key = strings.Join(frames, "\n")
		}
		out[key] += s.Value[idx]
	}
	for k, x := range out {
		if x == 0 {
			delete(out, k)
		}
	}
	return out
}

// memseeFlat loads the profiles into a fresh database and returns memsee's per-key change in
// v (or, with no base, the per-key value), keyed as pprofFlat keys them.
func memseeFlat(t *testing.T, basePath, headPath string, v heap.Value, by store.By) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l, err := db.BeginLoad(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, p := range []string{basePath, headPath} {
		if p == "" {
			continue
		}
		r, err := loader.Load(ctx, l, p, loader.Options{Force: true, Now: time.Unix(0, 0)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	if err := l.Commit(); err != nil {
		t.Fatal(err)
	}
	groups := func(id int64) []store.Group {
		g, err := db.ProfileGroups(ctx, id, by)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	var before []store.Group
	if len(ids) == 2 {
		before = groups(ids[0])
	}
	rows := analysis.Diff(before, groups(ids[len(ids)-1]), v)
	var siteIDs []int64
	for _, r := range rows {
		siteIDs = append(siteIDs, r.Site)
	}
	sites := map[int64]store.Site{}
	if by == store.BySite {
		if sites, err = db.Sites(ctx, siteIDs); err != nil {
			t.Fatal(err)
		}
	}
	out := map[string]int64{}
	for _, r := range rows {
		key := r.Key
		if by == store.BySite {
			key = strings.Join(sites[r.Site].Stack, "\n")
		}
		if d := r.Delta(v); d != 0 {
			out[key] = d
		}
	}
	return out
}

// TestDiffMatchesPprof checks memsee's diff against the pprof library's arithmetic for
// -diff_base, on every pair of sample profiles that tells something, for every sample type
// and both groupings.
func TestDiffMatchesPprof(t *testing.T) {
	pairs := []struct{ base, head string }{
		{"heap1", "heap4"},
		{"heap2", "heap3"},
		{"heap4", "heap1"}, // shrinking
		{"churn1", "churn4"},
		{"heap1", "churn4"}, // two processes
		{"", "heap3"},       // no base: top's numbers
	}
	for _, p := range pairs {
		for _, by := range []store.By{store.ByFunction, store.BySite} {
			for v := heap.Value(0); v < heap.NumValues; v++ {
				name := p.base + "-" + p.head + "/" + map[store.By]string{store.ByFunction: "function", store.BySite: "site"}[by] + "/" + v.String()
				t.Run(name, func(t *testing.T) {
					base := ""
					if p.base != "" {
						base = samples + p.base + ".pb.gz"
					}
					head := samples + p.head + ".pb.gz"
					want := pprofFlat(t, base, head, v, by)
					got := memseeFlat(t, base, head, v, by)
					if len(want) == 0 {
						t.Fatalf("pprof sees no change at all: the pair tests nothing")
					}
					for k, w := range want {
						if got[k] != w {
							t.Errorf("Diff(%s) key %q: got %d, want %d (pprof)", name, k, got[k], w)
						}
					}
					for k, g := range got {
						if _, ok := want[k]; !ok {
							t.Errorf("Diff(%s) key %q: got %d, pprof has no change", name, k, g)
						}
					}
				})
			}
		}
	}
}
