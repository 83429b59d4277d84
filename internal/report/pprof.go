package report

import (
	"fmt"
	"io"

	"github.com/google/pprof/profile"
	"github.com/memsee/memsee/internal/analysis"
)

// The sample types of an exported profile, those of a Go heap profile's objects and bytes in
// use, so that `go tool pprof` offers -inuse_space and -inuse_objects as it does for one.
var flameSampleTypes = []*profile.ValueType{{Type: "inuse_objects", Unit: "count"}, {Type: "inuse_space", Unit: "bytes"}}

// Profile writes a flame as a gzipped profile.proto, the format `go tool pprof` reads: a
// sample per stack with the objects and bytes at it, inuse_space the default. Each frame is a
// function of its own, with its label for a name (cleaned of control characters). Two flames
// written by Profile have the same sample types and period, which is all `go tool pprof
// -diff_base` asks of a base and the profile it is subtracted from.
func Profile(w io.Writer, f *analysis.Flame) error {
	p := &profile.Profile{
		SampleType:        flameSampleTypes,
		DefaultSampleType: "inuse_space",
		PeriodType:        &profile.ValueType{Type: "space", Unit: "bytes"},
		Period:            1,
		Comments:          flameComments(f),
	}
	if !f.Snapshot.TakenAt.IsZero() {
		p.TimeNanos = f.Snapshot.TakenAt.UnixNano()
	}
	// The frames are functions already: a mapping that says so keeps pprof from looking for
	// a binary to symbolize them with.
	m := &profile.Mapping{ID: 1, HasFunctions: true}
	p.Mapping = []*profile.Mapping{m}
	// One function and one location per frame that a stack uses.
	locs := make([]*profile.Location, len(f.Frames))
	location := func(frame int32) *profile.Location {
		if l := locs[frame]; l != nil {
			return l
		}
		id := uint64(len(p.Location) + 1)
		name := Clean(f.Frames[frame])
		// No SystemName: pprof takes a function whose Name differs from it as demangled
		// already, and leaves its name whole; else it cuts what looks like C++ parameters
		// or templates out of `Shop::<constant> (Hash)` and `[eval]: … entries (Array)`.
		fn := &profile.Function{ID: id, Name: name}
		l := &profile.Location{ID: id, Mapping: m, Line: []profile.Line{{Function: fn}}}
		p.Function = append(p.Function, fn)
		p.Location = append(p.Location, l)
		locs[frame] = l
		return l
	}
	var frames []int32
	for s := range f.Parent {
		if f.Objects[s] == 0 && f.Bytes[s] == 0 {
			continue
		}
		frames = f.Stack(int32(s), frames[:0])
		sample := &profile.Sample{Value: []int64{f.Objects[s], f.Bytes[s]}, Location: make([]*profile.Location, len(frames))}
		for i, fr := range frames {
			sample.Location[i] = location(fr)
		}
		p.Sample = append(p.Sample, sample)
	}
	if err := p.CheckValid(); err != nil {
		return fmt.Errorf("writing the profile: %w", err)
	}
	return p.Write(w)
}

// flameComments say what a profile's stacks are: `go tool pprof -comments` prints them.
func flameComments(f *analysis.Flame) []string {
	s := f.Snapshot
	out := []string{fmt.Sprintf("memsee export of snapshot %d (%s), a %s %s", s.ID, Clean(s.Label), s.Format, kindWord(f))}
	if f.Graph {
		out = append(out,
			"stacks: each object's dominators from a root down to it; a frame's cumulative inuse_space is what its object retains",
			fmt.Sprintf("frames: roots by name, holders retaining %d bytes or more by their name in memsee leaks (%d named), other objects by type", f.NameFloor, f.Named))
	} else {
		out = append(out, "stacks: the allocation stacks of the objects and bytes in use")
	}
	if f.Capped > 0 {
		out = append(out, fmt.Sprintf("%d objects deeper than %d frames are in %s frames", f.Capped, f.MaxDepth-1, analysis.Ellipsis))
	}
	return out
}

func kindWord(f *analysis.Flame) string {
	if f.Graph {
		return "object dump"
	}
	return "heap profile"
}
