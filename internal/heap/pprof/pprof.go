// Package pprof reads heap profiles in pprof format (runtime/pprof, net/http/pprof, and anything
// else that writes profile.proto, including the legacy text heap profiles) through
// github.com/google/pprof/profile, and hands their allocation sites to a heap.Sink.
package pprof

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/google/pprof/profile"
	"github.com/klauspost/compress/gzip"
	"github.com/memsee/memsee/internal/heap"
)

// Reader reads pprof heap profiles.
type Reader struct{}

// Format returns Format.
func (Reader) Format() heap.Format { return Format }

// Extensions returns the file name endings of the format (what go tool pprof and net/http/pprof users name profiles), before any .gz.
func (Reader) Extensions() []string { return []string{".pb", ".pprof", ".prof", ".heap"} }

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

// ErrNotHeapProfile is the cause (wrapped in a *heap.FormatError) when a file is a pprof
// profile of another kind: CPU, goroutine, mutex, block... The message says which.
var ErrNotHeapProfile = heap.NotHeap("not a heap profile")

// Read reads the whole profile, then sends one heap.Sample per profile sample. Samples that
// share a stack are not merged here.
//
// A profile.proto goes through a pass over its wire format first (see scan), which checks its
// records and their lengths as they stream past, with their offsets, shortens long strings and
// bounds what the pprof library will need; only then does the library decode it. Legacy text
// profiles, recognised by their text, go to the library's text parsers with their line lengths
// checked. A profile gzip'd inside the (already decompressed) file is decompressed as a stream;
// its offsets are then in its own decompressed data.
func (Reader) Read(ctx context.Context, name string, r io.Reader, sink heap.Sink) error {
	br := bufio.NewReaderSize(r, 16<<10)
	inner := false
	if head, err := br.Peek(2); err == nil && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return passOn(err, &heap.FormatError{File: name, Offset: 0, Record: "gzip'd profile inside the file", Err: err})
		}
		br = bufio.NewReaderSize(zr, 16<<10)
		inner = true
	}
	head, err := br.Peek(512)
	if len(head) == 0 {
		if err != nil && err != io.EOF {
			return passOn(err, &heap.FormatError{File: name, Offset: 0, Err: err})
		}
		return &heap.FormatError{File: name, Offset: 0, Err: errors.New("empty profile (no data)")}
	}
	var (
		p  *profile.Profile
		sc *scanned
	)
	if looksText(head) {
		p, err = readText(ctx, name, br)
	} else {
		w := &wire{name: name, r: br, inner: inner}
		if sc, err = w.scan(ctx.Err); err != nil {
			return err
		}
		p, err = profile.ParseUncompressed(sc.data)
		if err == nil {
			err = p.CheckValid()
		}
		if err != nil {
			if err := sc.locate(name, inner); err != nil {
				return err
			}
			// The records are well formed, so what the library finds wrong is in what they
			// say: an index past the string table, a location no record defines... which
			// is what a profile cut at a record boundary looks like.
			return &heap.FormatError{File: name, Offset: sc.end, Record: "profile",
				Err: fmt.Errorf("%w (the data ends at this offset: if the file was cut short, take the profile again)", libErr(err))}
		}
		sc.data = nil
	}
	if err != nil {
		return err
	}
	return send(ctx, name, p, sc, sink)
}

// passOn returns err as it is when it is positioned already (the gzip layer's, in the
// compressed file), or else fe.
func passOn(err error, fe *heap.FormatError) error {
	var pos *heap.FormatError
	if errors.As(err, &pos) {
		return err
	}
	return fe
}

// libErr rewords the pprof library's errors about a profile whose records are well formed.
func libErr(err error) error {
	msg := strings.TrimPrefix(err.Error(), "parsing profile: ")
	switch {
	case msg == "malformed profile format":
		msg = "a record refers to a string past the end of the string table"
	case msg == "sample has nil location":
		msg = "a sample refers to a location the profile does not define"
	case strings.HasSuffix(msg, "has a line with nil function"):
		msg += " (it refers to a function the profile does not define)"
	}
	return errors.New(msg)
}

// looksText reports whether head, the start of a file, is text: a legacy text profile, whose
// first line has words ("heap profile: ...", "--- heapz 1 ---"). A profile.proto starts with
// a small tag and a length, bytes that are not printable.
func looksText(head []byte) bool {
	for _, c := range head {
		if (c < 0x20 || c > 0x7e) && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return bytes.ContainsAny(head[:min(len(head), 64)], " \n")
}

// maxTextLine is the longest line the library's text parsers read (bufio.Scanner's limit,
// the newline included).
const maxTextLine = bufio.MaxScanTokenSize - 1

// readText reads a legacy text profile, at most memoryLimit/8 bytes of it (the library
// holds about eight times the text), checking that no line is longer than its parsers read,
// and parses it.
func readText(ctx context.Context, name string, r io.Reader) (*profile.Profile, error) {
	limit := memoryLimit / 8
	var data []byte
	buf := make([]byte, 64<<10)
	line, lineStart, lineLen := 1, int64(0), 0
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, err := r.Read(buf)
		off := int64(len(data))
		for _, c := range buf[:n] {
			if c == '\n' {
				line++
				lineStart, lineLen = off+1, 0
			} else if lineLen++; lineLen > maxTextLine {
				return nil, &heap.FormatError{File: name, Offset: lineStart, Record: fmt.Sprintf("line %d", line),
					Err: fmt.Errorf("longer than %d bytes, the longest line of a legacy text profile memsee reads: not a heap profile, or a damaged one", maxTextLine)}
			}
			off++
		}
		if int64(len(data)+n) > limit {
			return nil, &heap.FormatError{File: name, Offset: limit, Record: "text profile",
				Err: fmt.Errorf("%w: a legacy text profile of more than %d MiB, memsee's limit for one", ErrTooLarge, limit>>20)}
		}
		data = append(data, buf[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, passOn(err, &heap.FormatError{File: name, Offset: int64(len(data)), Record: "text profile", Err: err})
		}
	}
	p, err := profile.ParseData(data)
	if err != nil {
		return nil, &heap.FormatError{File: name, Offset: -1, Record: "text profile", Err: cleanErr(err)}
	}
	return p, nil
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

// kindOf names the kind of a profile that is not a heap profile by its sample types.
func kindOf(types []string) string {
	for _, t := range types {
		switch strings.SplitN(t, "/", 2)[0] {
		case "cpu":
			return "a CPU profile"
		case "goroutine":
			return "a goroutine profile"
		case "contentions", "delay":
			return "a mutex or block profile"
		case "threadcreate":
			return "a threadcreate profile"
		}
	}
	return "a profile of another kind"
}

// send checks the values of the samples and hands them to sink. sc is what the pass over
// the wire format found, nil for a legacy text profile.
func send(ctx context.Context, name string, p *profile.Profile, sc *scanned, sink heap.Sink) error {
	idx := [heap.NumValues]int{-1, -1, -1, -1}
	var types []string
	for i, st := range p.SampleType {
		types = append(types, st.Type+"/"+st.Unit)
		if v, ok := sampleTypes[st.Type]; ok && idx[v] < 0 {
			idx[v] = i
		}
	}
	if idx[heap.InuseBytes] < 0 && idx[heap.AllocBytes] < 0 {
		off := int64(-1)
		if sc != nil {
			off = sc.typeOff
		}
		return &heap.FormatError{File: name, Offset: off, Record: "sample types",
			Err: fmt.Errorf("%w: %s (%s); memsee reads heap profiles: take /debug/pprof/heap", ErrNotHeapProfile, kindOf(types), strings.Join(types, ", "))}
	}
	// A count or a size below zero, or totals past what an int64 holds, are no heap's.
	var total [heap.NumValues]int64
	for n, ps := range p.Sample {
		for v, i := range idx {
			if i < 0 || i >= len(ps.Value) {
				continue
			}
			x := ps.Value[i]
			var err error
			switch {
			case x < 0:
				err = fmt.Errorf("%s is %d: a count or size below zero", p.SampleType[i].Type, x)
			case total[v] > math.MaxInt64-x:
				err = fmt.Errorf("%s is %d: with the samples before it, more than 2^63-1 in all", p.SampleType[i].Type, x)
			}
			if err != nil {
				off := int64(-1)
				if sc != nil && n < len(sc.sampleOff) {
					off = sc.sampleOff[n]
				}
				return &heap.FormatError{File: name, Offset: off, Record: fmt.Sprintf("sample %d", n+1), Err: err}
			}
			total[v] += x
		}
	}
	snap := heap.Snapshot{
		Format:  Format,
		Kind:    heap.KindProfile,
		Records: len(p.Sample),
		Meta: map[string]string{
			"sample_types": strings.Join(types, ","),
		},
	}
	if p.TimeNanos > 0 {
		snap.TakenAt = time.Unix(0, p.TimeNanos).UTC()
	}
	if sc != nil && sc.shortened > 0 {
		snap.Meta["strings_shortened"] = fmt.Sprintf("%d (to %d bytes)", sc.shortened, MaxString)
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
