package main

import (
	"encoding/json"
	"os"
	"testing"
)

// memsee's per-class counts and new / freed objects between two Node snapshots must be
// DevTools' Summary and Comparison numbers, as testdata/gen/node/classdiff.js computes them
// from the snapshot JSON directly (with JSON.parse, not with memsee's reader).
func TestV8DiffMatchesDevTools(t *testing.T) {
	db, _ := loadCopies(t, []string{nodeHeaps[0], nodeHeaps[3]})
	r := memsee(t, db, false, "diff", "1", "2", "--json", "-n", "0")
	if r.code != 0 {
		t.Fatalf("diff: exit %d: %s", r.code, r.err)
	}
	var rows []struct {
		Type        string
		CountBefore int64 `json:"count_before"`
		CountAfter  int64 `json:"count_after"`
		New, Freed  int64
	}
	if err := json.Unmarshal([]byte(r.out), &rows); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("../../testdata/node/classdiff-heap1-heap4.json")
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		Classes []struct {
			Class            string
			NodesBase, Nodes int64 `json:"-"`
			NB               int64 `json:"nodes_base"`
			N                int64 `json:"nodes"`
			CountBase        int64 `json:"count_base"`
			Count            int64
			New, Deleted     int64
		}
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	// DevTools splits a class by constructor location; memsee has one row per name.
	type sums struct{ nodesBase, nodes, countBase, count, new, deleted int64 }
	byClass := map[string]*sums{}
	for _, c := range want.Classes {
		s := byClass[c.Class]
		if s == nil {
			s = &sums{}
			byClass[c.Class] = s
		}
		s.nodesBase += c.NB
		s.nodes += c.N
		s.countBase += c.CountBase
		s.count += c.Count
		s.new += c.New
		s.deleted += c.Deleted
	}
	got := map[string]int{}
	for i, row := range rows {
		got[row.Type] = i
	}
	compared := 0
	for class, w := range byClass {
		i, ok := got[class]
		if !ok {
			if w.new != 0 || w.deleted != 0 {
				t.Errorf("%s: DevTools has %d new and %d deleted, memsee no change", class, w.new, w.deleted)
			}
			continue
		}
		g := rows[i]
		if g.CountBefore != w.nodesBase || g.CountAfter != w.nodes {
			t.Errorf("%s: %d -> %d objects, want %d -> %d", class, g.CountBefore, g.CountAfter, w.nodesBase, w.nodes)
		}
		// DevTools leaves out nodes of size 0; where a class has none, the comparisons agree.
		if w.nodesBase == w.countBase && w.nodes == w.count {
			compared++
			if g.New != w.new || g.Freed != w.deleted {
				t.Errorf("%s: %d new, %d freed; DevTools %d new, %d deleted", class, g.New, g.Freed, w.new, w.deleted)
			}
		}
	}
	if compared < 10 {
		t.Errorf("only %d classes compared", compared)
	}
}

// memsee diff --final must find memlab's leak candidates (objects of the final snapshot that are
// in the target and not in the baseline), class by class, as testdata/gen/node/candidates.js
// finds them in the snapshot JSON.
func TestV8CandidatesMatchScript(t *testing.T) {
	db, _ := loadCopies(t, []string{nodeHeaps[0], nodeHeaps[1], nodeHeaps[2], nodeHeaps[3]})
	r := memsee(t, db, false, "diff", "1", "2", "--final", "4", "--json", "-n", "0")
	if r.code != 0 {
		t.Fatalf("diff --final: exit %d: %s", r.code, r.err)
	}
	var got []struct {
		Type         string
		Count, Bytes int64
	}
	if err := json.Unmarshal([]byte(r.out), &got); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("../../testdata/node/candidates-heap1-heap2-heap4.json")
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		Classes []struct {
			Class    string
			Count    int64
			SelfSize int64 `json:"self_size"`
		}
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want.Classes) || len(got) == 0 {
		t.Fatalf("memsee has %d classes of candidates, candidates.js %d", len(got), len(want.Classes))
	}
	byClass := map[string]int{}
	for i, g := range got {
		byClass[g.Type] = i
	}
	for _, w := range want.Classes {
		i, ok := byClass[w.Class]
		if !ok {
			t.Errorf("%s: %d candidates in candidates.js, none in memsee", w.Class, w.Count)
			continue
		}
		if g := got[i]; g.Count != w.Count || g.Bytes != w.SelfSize {
			t.Errorf("%s: memsee %d objects, %d bytes; candidates.js %d, %d", w.Class, g.Count, g.Bytes, w.Count, w.SelfSize)
		}
	}
}
