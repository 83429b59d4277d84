// Package loader runs one file through memsee's pipeline: detect its format, stream it through
// the format's reader, and add what it holds to a store load transaction.
package loader

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/memsee/memsee/internal/formats" // registers every format
	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/graph"
	"github.com/memsee/memsee/internal/store"
)

// readers returns the formats memsee reads (internal/formats registers them), in the order
// their Sniff is tried.
func readers() []heap.Handler { return heap.Handlers() }

// Formats lists the names --format accepts.
func Formats() []string {
	var out []string
	for _, r := range readers() {
		out = append(out, string(r.Format()))
	}
	return out
}

// Extensions returns the file name endings of every format memsee reads, and ".gz".
func Extensions() []string {
	out := []string{".gz"}
	for _, r := range readers() {
		out = append(out, r.Extensions()...)
	}
	return out
}

// ErrDuplicate is returned when a file has been loaded before and Options.Force is not set.
var ErrDuplicate = errors.New("already loaded")

// The collector's pace (debug.SetGCPercent) while an object dump loads. An object dump's memory
// is mostly a few large slices without pointers, cheap to scan, so collecting often keeps the
// peak near what is live. While a reader that held the whole dump hands it over
// (heap.Snapshot.Held), what it frees is most of what the sink allocates: at the usual pace a
// quarter of the live heap would be the reader's freed columns waiting for a collection, on top
// of the peak.
const (
	objectGC   = 25
	handOverGC = 10
)

// useArena lets a dump whose reader does not say how many objects it has keep its per-object
// arrays in an arena (graph.Arena); the tests turn it off to compare with the Go heap.
var useArena = true

// pacedFrom is the least file, in bytes on disk, whose load sets the collector's pace
// (objectGC, handOverGC), holds the heap (holdHeap) and collects between its phases. A smaller
// dump's peak is small at any pace, and at a pace of 25 a heap of a few megabytes is collected
// after every megabyte or so allocated. A file of unknown size is paced.
const pacedFrom = 4 << 20

// Options control a load.
type Options struct {
	Format heap.Format // empty: detect from the content
	Label  string      // empty: from the file name
	Series string
	Force  bool // load a file even if one with the same sha256 is loaded
	// Reader are the options of a format's reader, by flag name (the executable whose
	// symbols name a Go heap dump's globals, a JVM's object layout): the format's
	// heap.Configurable reads them, and every other format refuses them.
	Reader heap.Options
	Now    time.Time // recorded as loaded_at
	// Source, when set, is recorded as the snapshot's source instead of the path: the URL or
	// process a captured file came from.
	Source string
	// Fetched, when set, is when memsee took the file from the running process (load URL,
	// capture): the snapshot's time unless the dump records its own.
	Fetched time.Time
	// Earlier maps the sha256 of each file loaded before in the same command to its path, so
	// that a file given twice is named as such, not as a snapshot that was never saved. Load
	// adds the file it loads.
	Earlier map[string]string
	// Generations says that the caller records the objects' generations once the load is
	// committed (MarkGenerations), and loads no other file before: a graph snapshot alone in
	// its series then gets them as its pages are written (every object is new in it), and
	// MarkGenerations has nothing left to write.
	Generations bool
	// MemoryLimit is the memory a load may use, in bytes; 0: what the machine has available.
	// A load that would need more stops with a *MemoryError.
	MemoryLimit int64
	// Progress, when set, is called as each phase of the load begins and, while pages are
	// written, as each page is: a command can show what a long load is doing. It is called on
	// the goroutine that called Load, and must return quickly.
	Progress func(Progress)
}

// Phase is a part of a load, in the order a load takes them. A profile is read and written
// only.
type Phase int

// The phases of a load.
const (
	PhaseRead          Phase = iota // the file is read (Progress.Input counts the bytes)
	PhaseGraph                      // the objects become a graph: edges, names, referrers, roots
	PhaseDominators                 // the dominator tree
	PhaseRetained                   // what each object and each type retains
	PhaseShortestPaths              // shortest paths from the roots
	PhaseWrite                      // the rows are written (Progress.Done of Total pages)
)

var phaseNames = [...]string{"read", "graph", "dominators", "retained sizes", "shortest paths", "write"}

// String names the phase as a user reads it: "dominators".
func (p Phase) String() string {
	if p < 0 || int(p) >= len(phaseNames) {
		return fmt.Sprintf("phase %d", int(p))
	}
	return phaseNames[p]
}

// Progress is where a load is.
type Progress struct {
	Phase Phase
	Input *heap.Input // the file, open: Input.RawRead and Input.Size say how much is read
	// Done and Total count the pages of objects written, in PhaseWrite of an object dump;
	// Total is 0 where the count is not known.
	Done, Total int64
}

// report calls o.Progress, if set.
func (o Options) report(p Progress) {
	if o.Progress != nil {
		o.Progress(p)
	}
}

// Result says what one file became.
type Result struct {
	ID        int64
	Label     string
	Qualified bool // the label asked for was taken: Label is it qualified by the series
	Source    string
	Format    heap.Format
	Kind      heap.Kind
	Samples   int   // profile samples read
	Sites     int   // distinct allocation sites
	Objects   int64 // in use
	Bytes     int64 // in use
	// TakenAt is when the dump was taken, and TakenFrom where that came from
	// (store.TakenFromDump, ...).
	TakenAt   time.Time
	TakenFrom string

	Dangling    int // references to addresses no object has, dropped (graphs)
	Unreachable int // objects no root reaches (graphs)
	// Notes are what the format's reader found that the user should hear of (lines repaired,
	// globals without names).
	Notes heap.Notes
}

// Load reads the file at path into the load transaction l.
func Load(ctx context.Context, l *store.Load, path string, o Options) (Result, error) {
	source := path
	if o.Source != "" {
		source = o.Source
	}
	res := Result{Source: source}
	in, err := heap.Open(path)
	if err != nil {
		return res, err
	}
	defer in.Close()
	h, err := pick(in, o.Format)
	if err != nil {
		return res, err
	}
	res.Format, res.Kind = h.Format(), h.Kind()
	var r heap.Reader = h
	for _, other := range readers() {
		c, ok := other.(heap.Configurable)
		if !ok {
			continue
		}
		if other.Format() == h.Format() {
			cr, err := c.Configure(o.Reader)
			if err != nil {
				return res, err
			}
			r = cr
		} else if err := c.Misapplied(o.Reader, path, r.Format()); err != nil {
			return res, err
		}
	}
	o.report(Progress{Phase: PhaseRead, Input: in})
	defer beginCollector()() // the collector's settings below are the load's until it ends
	budget := newMemoryBudget(path, in, o.MemoryLimit)
	var (
		ps    *profileSink
		gs    *graphSink
		pipe  *pipeSink
		sink  heap.Sink
		notes heap.Notes
	)
	if res.Kind == heap.KindProfile {
		// A profile is parsed whole and little of it is kept: collecting less often saves
		// about a tenth of the time for a third more peak memory. Object dumps keep most of
		// what they allocate, and their memory budget is tight, so they stay at the default.
		setGCPercent(300)
		ps = &profileSink{ctx: ctx, load: l, sites: make(map[uint64]int32), budget: budget}
		sink = ps
	} else {
		// A far lower peak than at the default pace, and no slower (BENCHMARKS.md, "Measurements
		// behind the loader's choices").
		paced := in.Size <= 0 || in.Size >= pacedFrom
		if paced {
			setGCPercent(objectGC)
		}
		gs = newGraphSink()
		if useArena {
			// Huge pages: each array is written from end to end, and a fault per 4 KiB
			// made the arena slower than the Go heap for a Python dump (BENCHMARKS.md).
			gs.arena = graph.NewHugeArena()
			defer gs.arena.Free() // after storeGraph, which holds its arrays to the end
		}
		gs.paced = paced
		gs.budget = budget
		budget.room = gs.room
		pipe = newPipeSink(gs)
		sink = pipe
	}
	if nr, ok := r.(heap.NoteReader); ok {
		notes, err = nr.ReadNotes(ctx, path, in, sink)
		res.Notes = notes
	} else {
		err = r.Read(ctx, path, in, sink)
	}
	if pipe != nil {
		// The graph sink's error, if it had one, came first in the file: the reader went on
		// until it saw it.
		if perr := pipe.close(); perr != nil {
			err = perr
		}
		if gs.paced {
			setGCPercent(objectGC) // after a hand-over (handOverGC)
		}
	}
	if err == nil {
		err = in.ExpectEnd()
	}
	if err == nil {
		err = budget.check()
	}
	if err != nil {
		if gz := in.GzipErr(); gz != nil {
			return res, gz // the real cause: the reader only saw the stream end
		}
		var fe *heap.FormatError
		if errors.As(err, &fe) && fe.Where == "" && fe.Offset >= 0 {
			fe.Where = in.Where()
		}
		return res, err
	}
	begun, header := false, heap.Snapshot{}
	if ps != nil {
		begun, header = ps.begun, ps.snap
	} else {
		begun, header = gs.begun, gs.snap
	}
	if !begun {
		return res, &heap.FormatError{File: path, Offset: -1, Err: errors.New("no snapshot in the file")}
	}
	sum, err := in.Finish()
	if err != nil {
		return res, err
	}
	if first, ok := o.Earlier[sum]; ok && !o.Force {
		if first == path {
			return res, fmt.Errorf("%s: %w: it is given twice in this command", path, ErrDuplicate)
		}
		return res, fmt.Errorf("%s: %w: it is the same file as %s, given before it in this command", path, ErrDuplicate, first)
	}
	if o.Earlier != nil {
		o.Earlier[sum] = path
	}
	if !o.Force {
		id, label, dup, err := l.FindSHA256(ctx, sum)
		if err != nil {
			return res, err
		}
		if dup {
			return res, fmt.Errorf("%s: %w as snapshot %d (%s)", path, ErrDuplicate, id, label)
		}
	}
	label, err := chooseLabel(ctx, l, path, o.Label, o.Series)
	if err != nil {
		return res, err
	}
	snap := store.NewSnapshot{
		Label:    label,
		Source:   source,
		SHA256:   sum,
		Format:   string(r.Format()),
		Kind:     heap.KindProfile,
		LoadedAt: o.Now,
		Series:   o.Series,
		Meta:     header.Meta,
	}
	snap.TakenAt, snap.TakenFrom = takenAt(header, r.Format(), in, o.Fetched, time.Local)
	res.TakenAt, res.TakenFrom = snap.TakenAt, snap.TakenFrom
	res.Label = label
	res.Qualified = label != o.Label && label != DefaultLabel(path)
	if gs != nil {
		snap.Kind = heap.KindGraph
		snap.NewHere = o.Generations && heap.IdentityOf(r.Format()) != heap.IdentityNone
		for k, v := range notes.Meta {
			if snap.Meta == nil {
				snap.Meta = map[string]string{}
			}
			snap.Meta[k] = v
		}
		id, gr, err := storeGraph(ctx, l, path, gs, snap, func(p Progress) {
			p.Input = in
			o.report(p)
		})
		if err != nil {
			return res, err
		}
		res.ID, res.Objects, res.Bytes = id, int64(gr.objects), int64(gr.bytes)
		res.Dangling, res.Unreachable = gr.dangling, gr.unreachable
		return res, nil
	}
	o.report(Progress{Phase: PhaseWrite, Input: in})
	id, err := l.AddProfile(ctx, snap, ps.list)
	if err != nil {
		return res, fmt.Errorf("storing %s: %w", path, err)
	}
	res.ID, res.Samples, res.Sites = id, ps.samples, len(ps.list)
	for _, s := range ps.list {
		res.Objects += s.Values[heap.InuseObjects]
		res.Bytes += s.Values[heap.InuseBytes]
	}
	return res, nil
}

// pick returns the reader for the file: the one --format names, or the first whose Sniff
// claims the file's first bytes.
func pick(in *heap.Input, f heap.Format) (heap.Handler, error) {
	if f != "" {
		for _, r := range readers() {
			if r.Format() == f {
				return r, nil
			}
		}
		return nil, fmt.Errorf("unknown format %q (memsee reads %s)", f, strings.Join(Formats(), ", "))
	}
	head := in.Peek(4096)
	if h, ok := heap.Claim(head); ok {
		return h, nil
	}
	return nil, &heap.FormatError{File: in.Name, Offset: 0, Err: fmt.Errorf("%w (it reads %s; first bytes %q)",
		heap.ErrUnknownFormat, strings.Join(Formats(), ", "), preview(head))}
}

func preview(b []byte) string {
	if len(b) > 16 {
		b = b[:16]
	}
	return string(b)
}

// chooseLabel returns the label to record: the user's or one made from the file name, as it
// is when no snapshot answers to it, else qualified by the series (node/heap1). A label is
// never changed otherwise: one that no series can make free is refused, and nothing is loaded.
func chooseLabel(ctx context.Context, l *store.Load, path, want, series string) (string, error) {
	base := want
	if base == "" {
		base = DefaultLabel(path)
	} else if err := CheckLabel(want); err != nil {
		return "", err
	}
	all, err := l.Snapshots(ctx)
	if err != nil {
		return "", err
	}
	label, err := pickLabel(all, base, series)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return label, nil
}

// ErrLabelTaken is returned when a snapshot already answers to the label a load would give.
var ErrLabelTaken = errors.New("is taken")

// CheckLabel refuses a label that could not be referred to: one read as an id, first, last
// or -N, or one with the separator of series and label.
func CheckLabel(label string) error {
	switch {
	case store.ReadsAsRef(label):
		return fmt.Errorf("label %q would be read as a snapshot id; choose a label with a letter in it", label)
	case strings.Contains(label, store.SeriesSep):
		return fmt.Errorf("label %q has a %q, which separates a series from a label (node/heap1); choose another", label, store.SeriesSep)
	}
	return nil
}

// pickLabel returns base when no snapshot in all answers to it (nor, with a series, to
// series/base); else series/base when none answers to that; else ErrLabelTaken, with what to
// pass instead.
func pickLabel(all []store.Snapshot, base, series string) (string, error) {
	holder := func(ref string) *store.Snapshot {
		for i := range all {
			if all[i].AnswersTo(ref) {
				return &all[i]
			}
		}
		return nil
	}
	by := holder(base)
	if series == "" {
		if by == nil {
			return base, nil
		}
		return "", fmt.Errorf("label %q %w by snapshot %d (%s); nothing was loaded: pass --series NAME to label it NAME%s%s, or --label",
			base, ErrLabelTaken, by.ID, describe(*by), store.SeriesSep, base)
	}
	qualified := series + store.SeriesSep + base
	if by == nil && holder(qualified) == nil {
		return base, nil
	}
	if other := holder(qualified); other != nil {
		return "", fmt.Errorf("label %q %w in series %s by snapshot %d (%s); nothing was loaded: pass --label",
			base, ErrLabelTaken, series, other.ID, describe(*other))
	}
	return qualified, nil
}

// describe says where a snapshot came from, for an error message.
func describe(s store.Snapshot) string {
	if s.Series == "" {
		return fmt.Sprintf("%s, no series", s.Source)
	}
	return fmt.Sprintf("%s, series %s", s.Source, s.Series)
}

// DefaultLabel makes a label from a file name: heap1.pb.gz -> heap1.
func DefaultLabel(path string) string {
	name := filepath.Base(path)
	label := strings.TrimSuffix(name, ".gz")
	for _, ext := range Extensions() {
		label = strings.TrimSuffix(label, ext)
	}
	if label == "" || store.ReadsAsRef(label) {
		return name
	}
	return label
}

// profileSink merges a profile's samples by stack (a Go heap profile has one sample per stack
// and object size). Stacks are keyed by a hash of the reader's frame ids, checked frame by frame
// on a hit, and a function name is interned in the store the first time its frame id is seen.
type profileSink struct {
	ctx     context.Context
	load    *store.Load
	begun   bool
	snap    heap.Snapshot
	sites   map[uint64]int32 // hash of frame ids -> index in list (collisions chain through next)
	next    []int32          // index in list -> next index with the same hash, or -1
	frames  [][]uint64       // index in list -> its frame ids
	list    []store.ProfileSample
	samples int
	budget  *memoryBudget
	funcs   []int64          // scratch
	small   []int64          // frame id -> function id + 1, for small frame ids
	large   map[uint64]int64 // frame id -> function id, for the others
}

// frameHash is FNV-1a over the frame ids.
func frameHash(frames []uint64) uint64 {
	h := uint64(14695981039346656037)
	for _, f := range frames {
		for i := 0; i < 64; i += 8 {
			h ^= (f >> i) & 0xff
			h *= 1099511628211
		}
	}
	return h
}

func sameFrames(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// smallFrames bounds the frame ids kept in a slice rather than a map.
const smallFrames = 1 << 20

// function returns the store's id for frame i of x.
func (s *profileSink) function(x *heap.Sample, i int) (int64, error) {
	f := x.Frames[i]
	if f < smallFrames {
		if int(f) < len(s.small) && s.small[f] != 0 {
			return s.small[f] - 1, nil
		}
	} else if id, ok := s.large[f]; ok {
		return id, nil
	}
	id, err := s.load.Function(s.ctx, x.Stack[i])
	if err != nil {
		return 0, err
	}
	if f < smallFrames {
		for int(f) >= len(s.small) {
			s.small = append(s.small, make([]int64, len(s.small)+64)...)
		}
		s.small[f] = id + 1
	} else {
		if s.large == nil {
			s.large = make(map[uint64]int64)
		}
		s.large[f] = id
	}
	return id, nil
}

func (s *profileSink) Begin(snap heap.Snapshot) error {
	if s.begun {
		return errors.New("reader began twice")
	}
	s.begun, s.snap = true, snap
	if n := min(snap.Records, 1<<24); n > 0 {
		s.sites = make(map[uint64]int32, n)
		s.next = make([]int32, 0, n)
		s.frames = make([][]uint64, 0, n)
		s.list = make([]store.ProfileSample, 0, n)
		s.load.ExpectSites(n)
	}
	return nil
}

func (s *profileSink) Sample(x *heap.Sample) error {
	if len(x.Stack) == 0 {
		return nil // pprof allows a sample without a stack; there is no site to keep it at
	}
	if len(x.Frames) != len(x.Stack) {
		return errors.New("reader gave a stack without frame ids")
	}
	s.samples++
	if s.samples%checkEvery == 0 {
		if err := s.budget.check(); err != nil {
			return err
		}
	}
	h := frameHash(x.Frames)
	i, ok := s.sites[h]
	for ok && !sameFrames(s.frames[i], x.Frames) {
		i = s.next[i]
		ok = i >= 0
	}
	if !ok {
		s.funcs = s.funcs[:0]
		for j := range x.Stack {
			id, err := s.function(x, j)
			if err != nil {
				return err
			}
			s.funcs = append(s.funcs, id)
		}
		site, err := s.load.Site(s.ctx, s.funcs, x.Line)
		if err != nil {
			return err
		}
		i = int32(len(s.list))
		prev, chained := s.sites[h]
		if !chained {
			prev = -1
		}
		s.sites[h] = i
		s.next = append(s.next, prev)
		s.frames = append(s.frames, append([]uint64(nil), x.Frames...))
		s.list = append(s.list, store.ProfileSample{Site: site})
	}
	for v := range x.Values {
		s.list[i].Values[v] += x.Values[v]
	}
	return nil
}

func (s *profileSink) Object(*heap.Object) error {
	return errors.New("object records in a profile")
}

func (s *profileSink) Root(heap.Root) error {
	return errors.New("root records in a profile")
}

// takenAt returns when the dump in was taken, and where that came from: the time the dump
// records, else when memsee fetched it (fetched, if not zero), else the one in its name (as its
// format's dumpers write names), else its gzip header's, else the file's modification time
// (see store.TakenFromDump for the ranking). Names in local time (Node's) are read in loc,
// memsee's local zone (which TZ sets).
func takenAt(header heap.Snapshot, f heap.Format, in *heap.Input, fetched time.Time, loc *time.Location) (time.Time, string) {
	if !header.TakenAt.IsZero() {
		return header.TakenAt, store.TakenFromDump
	}
	if !fetched.IsZero() {
		return fetched.UTC(), store.TakenFromFetch
	}
	if t, ok := heap.NameTimeOf(f, filepath.Base(in.Name), loc); ok {
		return t, store.TakenFromName
	}
	if !in.GzipTime.IsZero() {
		return in.GzipTime.UTC(), store.TakenFromGzip
	}
	return in.ModTime, store.TakenFromMtime
}
