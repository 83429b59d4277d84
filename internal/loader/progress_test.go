package loader

import (
	"fmt"
	"reflect"
	"testing"
)

// TestLoadProgress: a load tells its phases in order, each once, with the pages written one by
// one up to their total (pyObjects objects, 1,024 a page: 18 pages), and every call sees the
// file it reads.
func TestLoadProgress(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		phases []Phase
		pages  int64 // the total of PhaseWrite; 0: not known
	}{
		{"profile", goProfile, []Phase{PhaseRead, PhaseWrite}, 0},
		{"object dump", pyDump, []Phase{PhaseRead, PhaseGraph, PhaseDominators, PhaseRetained, PhaseShortestPaths, PhaseWrite},
			(pyObjects + 1023) / 1024},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				phases  []Phase
				written []int64
			)
			o := Options{Progress: func(p Progress) {
				if p.Input == nil {
					t.Errorf("phase %s: no Input", p.Phase)
				}
				if len(phases) == 0 || phases[len(phases)-1] != p.Phase {
					phases = append(phases, p.Phase)
				}
				if p.Phase == PhaseWrite && p.Total > 0 {
					if p.Total != tt.pages {
						t.Errorf("write: total %d pages, want %d", p.Total, tt.pages)
					}
					written = append(written, p.Done)
				}
			}}
			if _, err := loadOne(t, openDB(t), tt.file, o); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(phases, tt.phases) {
				t.Errorf("phases %v, want %v", phases, tt.phases)
			}
			var want []int64
			if tt.pages > 0 {
				for i := int64(0); i <= tt.pages; i++ {
					want = append(want, i)
				}
			}
			if !reflect.DeepEqual(written, want) {
				t.Errorf("pages written %v, want %v", written, want)
			}
		})
	}
}

func TestPhaseString(t *testing.T) {
	tests := []struct {
		p    Phase
		want string
	}{
		{PhaseRead, "read"},
		{PhaseGraph, "graph"},
		{PhaseDominators, "dominators"},
		{PhaseRetained, "retained sizes"},
		{PhaseShortestPaths, "shortest paths"},
		{PhaseWrite, "write"},
		{Phase(-1), "phase -1"},
		{PhaseWrite + 1, fmt.Sprintf("phase %d", int(PhaseWrite)+1)},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("Phase(%d).String() = %q, want %q", int(tt.p), got, tt.want)
		}
	}
}
