// Package pprof reads heap profiles in pprof format (runtime/pprof, net/http/pprof, and anything
// else that writes profile.proto, including the legacy text heap profiles) through
// github.com/google/pprof/profile, and hands their allocation sites to a heap.Sink.
package pprof

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/pprof/profile"
	"github.com/memsee/memsee/internal/heap"
)

// Reader reads pprof heap profiles.
type Reader struct{}

// Format returns heap.FormatPprof.
func (Reader) Format() heap.Format { return heap.FormatPprof }

// Sniff recognises the legacy text heap profiles, and profile.proto by walking the first
// fields of the message: each must be a field of Profile with its wire type. Writers order
// fields as they like (Go's runtime starts with period_type, field 11).
func (Reader) Sniff(head []byte) bool {
	for _, p := range []string{"heap profile:", "heap_v2/", "--- heapz", "--- heap"} {
		if bytes.HasPrefix(head, []byte(p)) {
			return true
		}
	}
	fields := 0
	for len(head) > 0 && fields < 4 {
		tag, n := binary.Uvarint(head)
		if n <= 0 {
			break
		}
		head = head[n:]
		field, wire := tag>>3, tag&7
		if field < 1 || field > 15 || (wire != 0 && wire != 2) {
			return false
		}
		if lenDelimited := field <= 6 || field == 11 || field == 13; lenDelimited != (wire == 2) && field != 13 {
			return false
		}
		v, n := binary.Uvarint(head)
		if n <= 0 {
			break
		}
		head = head[n:]
		if wire == 2 {
			if v > uint64(len(head)) {
				return true // the field runs past what we were shown
			}
			head = head[v:]
		}
		fields++
	}
	return fields > 0
}

// sampleTypes maps the sample-type names of heap profiles to memsee's values. Go writes the
// four inuse/alloc types; tcmalloc-style heap profiles write objects and space, which are in use.
var sampleTypes = map[string]heap.Value{
	"inuse_objects": heap.InuseObjects,
	"inuse_space":   heap.InuseBytes,
	"alloc_objects": heap.AllocObjects,
	"alloc_space":   heap.AllocBytes,
	"objects":       heap.InuseObjects,
	"space":         heap.InuseBytes,
}

// Read parses the whole profile (pprof profiles are small next to object dumps) and sends one
// heap.Sample per profile sample. Samples that share a stack are not merged here.
func (Reader) Read(ctx context.Context, name string, r io.Reader, sink heap.Sink) error {
	data, err := io.ReadAll(r)
	if err != nil {
		var fe *heap.FormatError
		if errors.As(err, &fe) {
			return err
		}
		return &heap.FormatError{File: name, Offset: -1, Err: err}
	}
	p, err := profile.ParseData(data)
	if err != nil {
		return &heap.FormatError{File: name, Offset: -1, Record: "profile", Err: cleanErr(err)}
	}
	return send(ctx, name, p, sink)
}

// cleanErr drops the pprof library's "parsing profile: " prefix, which repeats what the
// caller's message already says.
func cleanErr(err error) error {
	msg := strings.TrimPrefix(err.Error(), "parsing profile: ")
	if msg == "unrecognized profile format" {
		msg = "not a pprof profile (neither profile.proto nor a legacy text profile)"
	}
	return errors.New(msg)
}

func send(ctx context.Context, name string, p *profile.Profile, sink heap.Sink) error {
	idx := [heap.NumValues]int{-1, -1, -1, -1}
	var types []string
	for i, st := range p.SampleType {
		types = append(types, st.Type+"/"+st.Unit)
		if v, ok := sampleTypes[st.Type]; ok && idx[v] < 0 {
			idx[v] = i
		}
	}
	if idx[heap.InuseBytes] < 0 && idx[heap.AllocBytes] < 0 {
		return &heap.FormatError{File: name, Offset: -1, Record: "sample types",
			Err: fmt.Errorf("not a heap profile: its samples are %s (memsee wants inuse_space or alloc_space)", strings.Join(types, ", "))}
	}
	snap := heap.Snapshot{
		Format:  heap.FormatPprof,
		Kind:    heap.KindProfile,
		Records: len(p.Sample),
		Meta: map[string]string{
			"sample_types": strings.Join(types, ","),
		},
	}
	if p.TimeNanos > 0 {
		snap.TakenAt = time.Unix(0, p.TimeNanos).UTC()
	}
	if p.PeriodType != nil && p.Period != 0 {
		snap.Meta["period"] = fmt.Sprintf("%d %s", p.Period, p.PeriodType.Unit)
	}
	if err := sink.Begin(snap); err != nil {
		return err
	}
	var s heap.Sample
	for n, ps := range p.Sample {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		s.Stack, s.Frames = s.Stack[:0], s.Frames[:0]
		s.Line = ""
		for _, loc := range ps.Location {
			if len(loc.Line) == 0 {
				// Not symbolized: the address is all there is. Its frame id is the address
				// with the top bit set, apart from function ids.
				s.Stack = append(s.Stack, fmt.Sprintf("%#x", loc.Address))
				s.Frames = append(s.Frames, 1<<63|loc.Address)
				continue
			}
			for _, ln := range loc.Line { // Line[0] is the innermost inlined frame
				fn, id := "?", uint64(0)
				if ln.Function != nil {
					fn, id = ln.Function.Name, ln.Function.ID
					if s.Line == "" && len(s.Stack) == 0 && ln.Function.Filename != "" {
						s.Line = fmt.Sprintf("%s:%d", ln.Function.Filename, ln.Line)
					}
				}
				s.Stack = append(s.Stack, fn)
				s.Frames = append(s.Frames, id)
			}
		}
		for v, i := range idx {
			s.Values[v] = 0
			if i >= 0 && i < len(ps.Value) {
				s.Values[v] = ps.Value[i]
			}
		}
		if err := sink.Sample(&s); err != nil {
			return err
		}
	}
	return nil
}
