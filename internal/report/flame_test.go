package report

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/memsee/memsee/internal/analysis"
	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/store"
)

func TestFoldedFrame(t *testing.T) {
	tests := []struct{ name, label, want string }{
		{"plain", "module shop: _audit_log (list)", "module shop: _audit_log (list)"},
		{"semicolon", "a;b", "a；b"},
		{"newline", "line1\nline2", "line1 line2"},
		{"newline at the end", "name\n", "name"},
		{"escape", "red\x1b[31m", "red[31m"},
		{"empty", "", "?"},
		{"only control", "\x00\x07", "?"},
		{"spaces and digits", "object (64 B) 12", "object (64 B) 12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := foldedFrame(tt.label); got != tt.want {
				t.Errorf("foldedFrame(%s): got %q, want %q", tt.name, got, tt.want)
			}
		})
	}
}

// smallFlame is a flame of two roots, one with a stack below it and one stack of no bytes:
// root;b (5 bytes) and root;a (3), root (2), other (0).
func smallFlame() *analysis.Flame {
	return &analysis.Flame{
		Snapshot: store.Snapshot{ID: 3, Label: "heap3", Format: "x", Kind: heap.KindGraph, TakenAt: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)},
		Graph:    true,
		Frames:   []string{"…", "root;\n", "b", "a", "other"},
		Parent:   []int32{-1, 0, 0, -1},
		Frame:    []int32{1, 2, 3, 4},
		Objects:  []int64{1, 2, 1, 1},
		Bytes:    []int64{2, 5, 3, 0},
		MaxDepth: 64,
	}
}

func TestFolded(t *testing.T) {
	var b bytes.Buffer
	if err := Folded(&b, smallFlame()); err != nil {
		t.Fatal(err)
	}
	want := "root； 2\nroot；;a 3\nroot；;b 5\n"
	if b.String() != want {
		t.Errorf("Folded: got\n%s\nwant\n%s", b.String(), want)
	}
}

// A profile reads back with one sample per stack of objects, its frames leaf first, cleaned.
func TestProfile(t *testing.T) {
	var b bytes.Buffer
	f := smallFlame()
	if err := Profile(&b, f); err != nil {
		t.Fatal(err)
	}
	p, err := profile.Parse(&b)
	if err != nil {
		t.Fatal(err)
	}
	if p.TimeNanos != f.Snapshot.TakenAt.UnixNano() || p.DefaultSampleType != "inuse_space" || len(p.Sample) != 4 {
		t.Fatalf("time %d, default %q, %d samples", p.TimeNanos, p.DefaultSampleType, len(p.Sample))
	}
	got := map[string][]int64{}
	for _, s := range p.Sample {
		var names []string
		for _, l := range s.Location {
			names = append(names, l.Line[0].Function.Name)
		}
		key := ""
		for i, n := range slices.Backward(names) {
			if i < len(names)-1 {
				key += "/"
			}
			key += n
		}
		got[key] = s.Value
	}
	want := map[string][]int64{"root; ": {1, 2}, "root; /b": {2, 5}, "root; /a": {1, 3}, "other": {1, 0}}
	for k, v := range want {
		if !slices.Equal(got[k], v) {
			t.Errorf("Profile: stack %q: got %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
}
