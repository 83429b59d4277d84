package loader

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/meliae"
	"github.com/memsee/memsee/internal/heap/pprof"
	"github.com/memsee/memsee/internal/heap/v8"
	"github.com/memsee/memsee/internal/store"
)

// The orchestration of Load, on two small committed samples: a Go heap profile and a Python
// (meliae) dump, each loaded into a real database in a temporary directory.

var (
	goProfile = filepath.Join("..", "..", "testdata", "go", "heap1.pb.gz")
	pyDump    = filepath.Join("..", "..", "testdata", "python", "shop1.json.gz")
)

// The samples' contents, counted without memsee:
//   - heap1.pb.gz (`go tool pprof -raw`): 73 samples, all with a stack, on 49 distinct stacks
//     of locations, 33 of functions (the sites memsee keys by function ids); inuse_objects
//     sums to 5893 and inuse_space to 435456 bytes.
//   - shop1.json.gz (17775 JSON lines, each one object): the size fields sum to 2494240
//     bytes; one reference names an address no line has (dangling); one line holds a string
//     with lone surrogates, which the reader repairs (testdata/python/README.md).
const (
	goSamples  = 73
	goSites    = 33
	goObjects  = 5893
	goBytes    = 435456
	pyObjects  = 17775
	pyBytes    = 2494240
	pyDangling = 1
)

var epoch = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func openDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// loadOne loads one file in a transaction of its own, committed when Load succeeds and rolled
// back when it fails.
func loadOne(t *testing.T, db *store.DB, path string, o Options) (Result, error) {
	t.Helper()
	ctx := context.Background()
	l, err := db.BeginLoad(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if o.Now.IsZero() {
		o.Now = epoch
	}
	res, err := Load(ctx, l, path, o)
	if err != nil {
		if rerr := l.Rollback(); rerr != nil {
			t.Fatalf("Rollback: %v", rerr)
		}
		return res, err
	}
	if err := l.Commit(); err != nil {
		t.Fatal(err)
	}
	return res, nil
}

// labels lists the database's snapshots by label, in load order.
func labels(t *testing.T, db *store.DB) []string {
	t.Helper()
	snaps, err := db.Snapshots(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, s := range snaps {
		out = append(out, s.Label)
	}
	return out
}

func TestLoadResult(t *testing.T) {
	tests := []struct {
		name string
		path string
		o    Options
		want Result // ID and Source are checked apart
		kind heap.Kind
	}{
		{"go profile", goProfile, Options{},
			Result{Label: "heap1", Format: pprof.Format, Samples: goSamples, Sites: goSites, Objects: goObjects, Bytes: goBytes},
			heap.KindProfile},
		{"go profile, labelled, format named", goProfile, Options{Label: "base", Format: pprof.Format, Series: "api"},
			Result{Label: "base", Format: pprof.Format, Samples: goSamples, Sites: goSites, Objects: goObjects, Bytes: goBytes},
			heap.KindProfile},
		{"python dump", pyDump, Options{},
			Result{Label: "shop1", Format: meliae.Format, Objects: pyObjects, Bytes: pyBytes, Dangling: pyDangling},
			heap.KindGraph},
		{"python dump, labelled, format named", pyDump, Options{Label: "shop-a", Series: "shop", Format: meliae.Format},
			Result{Label: "shop-a", Format: meliae.Format, Objects: pyObjects, Bytes: pyBytes, Dangling: pyDangling},
			heap.KindGraph},
	}
	for _, tt := range tests {
		db := openDB(t)
		got, err := loadOne(t, db, tt.path, tt.o)
		if err != nil {
			t.Errorf("Load(%s): %v", tt.name, err)
			continue
		}
		if got.ID != 1 || got.Source != tt.path {
			t.Errorf("Load(%s): got ID %d, Source %q, want 1, %q", tt.name, got.ID, got.Source, tt.path)
		}
		tt.want.ID, tt.want.Source = got.ID, got.Source
		tt.want.TakenAt, tt.want.TakenFrom = got.TakenAt, got.TakenFrom // checked below, as stored
		// Unreachable depends on the meliae root rules: not counted by hand, not checked.
		tt.want.Unreachable = got.Unreachable
		tt.want.Kind = tt.kind
		// The python dump has one line with an invalid string, which the reader repaired.
		wantRepaired := int64(0)
		if tt.kind == heap.KindGraph {
			wantRepaired = 1
		}
		var repaired int64
		for _, n := range got.Notes.File {
			repaired += n.Count
		}
		if repaired != wantRepaired || len(got.Notes.Once) != 0 {
			t.Errorf("Load(%s): notes %+v, want %d repaired lines", tt.name, got.Notes, wantRepaired)
		}
		got.Notes = heap.Notes{}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Load(%s): got %+v, want %+v", tt.name, got, tt.want)
		}
		snaps, err := db.Snapshots(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(snaps) != 1 {
			t.Errorf("Load(%s): got %d snapshots in the store, want 1", tt.name, len(snaps))
			continue
		}
		s := snaps[0]
		gotSnap := []any{s.ID, s.Label, s.Source, s.Format, s.Kind, s.Series, s.LoadedAt.UTC(), s.Objects}
		wantSnap := []any{got.ID, tt.want.Label, tt.path, string(tt.want.Format), tt.kind, tt.o.Series, epoch, got.Objects}
		if !reflect.DeepEqual(gotSnap, wantSnap) {
			t.Errorf("Load(%s): stored snapshot %v, want %v", tt.name, gotSnap, wantSnap)
		}
		if s.Bytes != tt.want.Bytes {
			t.Errorf("Load(%s): stored bytes %d, want %d", tt.name, s.Bytes, tt.want.Bytes)
		}
		// A profile records when it was taken (stored to the millisecond); a meliae dump
		// does not, and memsee's dumper wrote the time into its gzip header.
		wantFrom, wantAt := store.TakenFromGzip, time.Date(2026, 11, 29, 22, 40, 22, 0, time.UTC)
		if tt.kind == heap.KindProfile {
			wantFrom, wantAt = store.TakenFromDump, time.Date(2026, 11, 25, 6, 11, 56, 775e6, time.UTC)
		}
		if s.TakenFrom != wantFrom || !s.TakenAt.Equal(wantAt) || got.TakenFrom != wantFrom {
			t.Errorf("Load(%s): taken at %v from %q (result: from %q), want %v from %q", tt.name, s.TakenAt, s.TakenFrom, got.TakenFrom, wantAt, wantFrom)
		}
		if tt.kind == heap.KindGraph && s.Meta["repaired_strings"] != "1" {
			t.Errorf("Load(%s): meta repaired_strings %q, want \"1\"", tt.name, s.Meta["repaired_strings"])
		}
	}
}

func TestLoadDuplicates(t *testing.T) {
	ctx := context.Background()
	copyPath := filepath.Join(t.TempDir(), "again.pb.gz")
	b, err := os.ReadFile(goProfile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(copyPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		second     string // the second file, loaded after goProfile
		sameLoad   bool   // in goProfile's load transaction (one command), with Earlier
		force      bool
		series     string // the second file's --series
		wantErr    string // "" when the second file loads
		wantIs     error  // what the error wraps
		wantLabels []string
	}{
		{"given twice in one command", goProfile, true, false, "",
			goProfile + ": already loaded: it is given twice in this command", ErrDuplicate, []string{"heap1"}},
		{"the same file under another name", copyPath, true, false, "",
			copyPath + ": already loaded: it is the same file as " + goProfile + ", given before it in this command", ErrDuplicate, []string{"heap1"}},
		{"loaded by an earlier command", goProfile, false, false, "",
			goProfile + ": already loaded as snapshot 1 (heap1)", ErrDuplicate, []string{"heap1"}},
		{"copy loaded by an earlier command", copyPath, false, false, "",
			copyPath + ": already loaded as snapshot 1 (heap1)", ErrDuplicate, []string{"heap1"}},
		// Force loads it again, but never under a label changed without a word: without a
		// series its label is taken, and with one it is qualified by the series.
		{"forced, given twice", goProfile, true, true, "", goProfile + `: label "heap1" is taken by snapshot 1 (` + goProfile +
			", no series); nothing was loaded: pass --series NAME to label it NAME/heap1, or --label", ErrLabelTaken, []string{"heap1"}},
		{"forced, loaded before", goProfile, false, true, "", goProfile + `: label "heap1" is taken by snapshot 1 (` + goProfile +
			", no series); nothing was loaded: pass --series NAME to label it NAME/heap1, or --label", ErrLabelTaken, []string{"heap1"}},
		{"forced, loaded before, in a series", goProfile, false, true, "go", "", nil, []string{"heap1", "go/heap1"}},
		{"forced copy", copyPath, false, true, "", "", nil, []string{"heap1", "again"}},
	}
	for _, tt := range tests {
		db := openDB(t)
		earlier := map[string]string{}
		l, err := db.BeginLoad(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Load(ctx, l, goProfile, Options{Now: epoch, Earlier: earlier}); err != nil {
			t.Fatal(err)
		}
		if len(earlier) != 1 {
			t.Errorf("Load(%s): Earlier holds %d files after one, want 1", tt.name, len(earlier))
		}
		for _, p := range earlier {
			if p != goProfile {
				t.Errorf("Load(%s): Earlier names %q, want %q", tt.name, p, goProfile)
			}
		}
		if !tt.sameLoad {
			if err := l.Commit(); err != nil {
				t.Fatal(err)
			}
			if l, err = db.BeginLoad(ctx); err != nil {
				t.Fatal(err)
			}
			earlier = map[string]string{} // a new command
		}
		res, err := Load(ctx, l, tt.second, Options{Now: epoch, Earlier: earlier, Force: tt.force, Series: tt.series})
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("Load(%s): got error %v, want none", tt.name, err)
		case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
			t.Errorf("Load(%s): got error %v, want %q", tt.name, err, tt.wantErr)
		case tt.wantErr != "" && !errors.Is(err, tt.wantIs):
			t.Errorf("Load(%s): error %v is not %v", tt.name, err, tt.wantIs)
		case tt.wantErr == "" && (res.ID != 2 || res.Samples != goSamples):
			t.Errorf("Load(%s): got ID %d, %d samples, want 2, %d", tt.name, res.ID, res.Samples, goSamples)
		}
		// A refused duplicate leaves the transaction usable: the first file commits.
		if err := l.Commit(); err != nil {
			t.Fatal(err)
		}
		if got := labels(t, db); !reflect.DeepEqual(got, tt.wantLabels) {
			t.Errorf("Load(%s): got snapshots %q, want %q", tt.name, got, tt.wantLabels)
		}
	}
}

// TestLoadRefused loads into a database that holds heap1.pb.gz as "base", and checks the
// error and that the refused load left the database as it was.
func TestLoadRefused(t *testing.T) {
	const (
		notRef  = `would be read as a snapshot id; choose a label with a letter in it`
		unknown = `unknown format "nope" (memsee reads pprof, meliae, v8, hprof, godump, ruby)`
	)
	readme := filepath.Join("..", "..", "testdata", "python", "README.md")
	tests := []struct {
		name    string
		path    string
		o       Options
		want    string // the error's text, or its start for FormatErrors (the reader's words follow)
		typ     string // "format": a *heap.FormatError; "memory": a *MemoryError; "": neither
		wrapped error  // errors.Is(err, wrapped), when set
	}{
		{"label a number", pyDump, Options{Label: "3"}, `label "3" ` + notRef, "", nil},
		{"label zero", pyDump, Options{Label: "0"}, `label "0" ` + notRef, "", nil},
		{"label last", pyDump, Options{Label: "last"}, `label "last" ` + notRef, "", nil},
		{"label first", pyDump, Options{Label: "first"}, `label "first" ` + notRef, "", nil},
		{"label -1", pyDump, Options{Label: "-1"}, `label "-1" ` + notRef, "", nil},
		{"label @2", pyDump, Options{Label: "@2"}, `label "@2" ` + notRef, "", nil},
		{"label taken", pyDump, Options{Label: "base"}, pyDump + `: label "base" is taken by snapshot 1 (` + goProfile +
			", no series); nothing was loaded: pass --series NAME to label it NAME/base, or --label", "", ErrLabelTaken},
		{"label with a slash", pyDump, Options{Label: "py/base"}, `label "py/base" has a "/", which separates a series from a label (node/heap1); choose another`, "", nil},
		{"unknown format", pyDump, Options{Format: "nope"}, unknown, "", nil},
		{"profile read as meliae", goProfile, Options{Format: meliae.Format}, goProfile + ": offset ", "format", nil},
		// The pprof library's parse error has no offset.
		{"dump read as pprof", pyDump, Options{Format: pprof.Format},
			pyDump + ": text profile: not a pprof profile (neither profile.proto nor a legacy text profile)", "format", nil},
		{"dump read as v8", pyDump, Options{Format: v8.Format}, pyDump + ": offset ", "format", nil},
		{"not a heap file", readme, Options{}, readme + ": offset 0x0: " + heap.ErrUnknownFormat.Error(), "format", heap.ErrUnknownFormat},
		{"binary on a python dump", pyDump, Options{Reader: heap.Options{"binary": "server"}},
			pyDump + ": --binary names the globals of Go heap dumps, and this is a meliae file", "", nil},
		{"binary on a profile", goProfile, Options{Reader: heap.Options{"binary": "server"}},
			goProfile + ": --binary names the globals of Go heap dumps, and this is a pprof file", "", nil},
		{"JVM layout on a python dump", pyDump, Options{Reader: heap.Options{"uncompressed-oops": "true"}},
			pyDump + ": --uncompressed-oops and --uncompressed-class-pointers describe JVM dumps, and this is a meliae file", "", nil},
		{"4 MiB for a profile", goProfile, Options{MemoryLimit: 4 << 20}, goProfile + ": out of memory: ", "memory", nil},
		{"4 MiB for a dump", pyDump, Options{MemoryLimit: 4 << 20}, pyDump + ": out of memory: ", "memory", nil},
		// The budget is checked before the duplicate is found: the same file as base.
		{"4 MiB for base again", goProfile, Options{MemoryLimit: 4 << 20}, goProfile + ": out of memory: ", "memory", nil},
	}
	for _, tt := range tests {
		db := openDB(t)
		if _, err := loadOne(t, db, goProfile, Options{Label: "base"}); err != nil {
			t.Fatal(err)
		}
		_, err := loadOne(t, db, tt.path, tt.o)
		var fe *heap.FormatError
		var me *MemoryError
		switch {
		case err == nil:
			t.Errorf("Load(%s): got no error, want %q", tt.name, tt.want)
		case tt.typ == "" && err.Error() != tt.want:
			t.Errorf("Load(%s): got error %q, want %q", tt.name, err, tt.want)
		case tt.typ != "" && !strings.HasPrefix(err.Error(), tt.want):
			t.Errorf("Load(%s): got error %q, want it to start %q", tt.name, err, tt.want)
		case tt.typ == "format" && !errors.As(err, &fe):
			t.Errorf("Load(%s): got %T, want a *heap.FormatError", tt.name, err)
		case tt.typ == "format" && fe.File != tt.path:
			t.Errorf("Load(%s): FormatError names %q, want %q", tt.name, fe.File, tt.path)
		case tt.typ == "memory" && !errors.As(err, &me):
			t.Errorf("Load(%s): got %T, want a *MemoryError", tt.name, err)
		case tt.typ == "memory" && (me.File != tt.path || me.Limit != 4<<20 || me.Used <= me.Limit/10*9):
			t.Errorf("Load(%s): got File %q, Limit %d, Used %d, want %q, %d, over 90%% of it", tt.name, me.File, me.Limit, me.Used, tt.path, 4<<20)
		case tt.typ != "memory" && errors.As(err, &me), tt.typ != "format" && errors.As(err, &fe):
			t.Errorf("Load(%s): got %T, want %q", tt.name, err, tt.typ)
		case tt.wrapped != nil && !errors.Is(err, tt.wrapped):
			t.Errorf("Load(%s): error %v does not wrap %v", tt.name, err, tt.wrapped)
		}
		if got := labels(t, db); !reflect.DeepEqual(got, []string{"base"}) {
			t.Errorf("Load(%s): after Rollback the store holds %q, want [base]", tt.name, got)
		}
	}
}

// TestLoadRollback loads two files in one transaction, the second refused: Rollback takes the
// first one back too, and the database holds what it held before.
func TestLoadRollback(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name          string
		first, second string
		o             Options // the second file's
	}{
		{"dump, then a bad label", pyDump, goProfile, Options{Label: "last"}},
		{"profile, then out of memory", goProfile, pyDump, Options{MemoryLimit: 4 << 20}},
		{"profile, then given twice", goProfile, goProfile, Options{}},
		{"dump, then a wrong format", pyDump, pyDump, Options{Format: pprof.Format, Force: true}},
	}
	for _, tt := range tests {
		db := openDB(t)
		if _, err := loadOne(t, db, goProfile, Options{Label: "before"}); err != nil {
			t.Fatal(err)
		}
		earlier := map[string]string{}
		l, err := db.BeginLoad(ctx)
		if err != nil {
			t.Fatal(err)
		}
		first, err := Load(ctx, l, tt.first, Options{Now: epoch, Earlier: earlier, Force: true})
		if err != nil || first.ID != 2 {
			t.Fatalf("Load(%s): first file: ID %d, %v; want 2", tt.name, first.ID, err)
		}
		o := tt.o
		o.Now, o.Earlier = epoch, earlier
		if _, err := Load(ctx, l, tt.second, o); err == nil {
			t.Errorf("Load(%s): second file loaded, want an error", tt.name)
		}
		if err := l.Rollback(); err != nil {
			t.Fatal(err)
		}
		if got := labels(t, db); !reflect.DeepEqual(got, []string{"before"}) {
			t.Errorf("Load(%s): after Rollback the store holds %q, want [before]", tt.name, got)
		}
		// The rolled-back file's label is free again.
		res, err := loadOne(t, db, tt.first, Options{Force: true})
		if err != nil {
			t.Errorf("Load(%s): loading again after Rollback: %v", tt.name, err)
		} else if res.Label != DefaultLabel(tt.first) {
			t.Errorf("Load(%s): label after Rollback %q, want %q", tt.name, res.Label, DefaultLabel(tt.first))
		}
	}
}

// References to addresses no object has are dropped, and counted for a note, but for a format
// whose dumps hold such references as their runtime writes them (GraphRules.OmittedTargets):
// a JVM dump of the defaults refers to 694 archived objects it does not hold
// (TestOmittedTargets in internal/heap/hprof counts them).
func TestLoadDangling(t *testing.T) {
	tests := []struct {
		name, path string
		want       int
	}{
		{"python dump", pyDump, pyDangling},
		{"JVM dump of the defaults", filepath.Join("..", "..", "testdata", "java", "cds.hprof.gz"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := loadOne(t, openDB(t), tt.path, Options{})
			if err != nil {
				t.Fatalf("Load(%s): %v", tt.name, err)
			}
			if got.Dangling != tt.want {
				t.Errorf("Load(%s): Dangling %d, want %d", tt.name, got.Dangling, tt.want)
			}
		})
	}
}

// pickLabel keeps a label no snapshot answers to, qualifies one that is taken by the series
// the snapshot is loaded into, and refuses the rest: it never numbers a label.
func TestPickLabel(t *testing.T) {
	taken := []store.Snapshot{
		{ID: 1, Label: "heap1", Series: "go", Source: "go/heap1.pb.gz"},
		{ID: 2, Label: "node/heap2", Series: "node", Source: "node/heap2.heapsnapshot.gz"},
		{ID: 3, Label: "base", Source: "base.pb.gz"},
		{ID: 4, Label: "heap1-2", Series: "old", Source: "node/heap1.heapsnapshot.gz"}, // by a memsee before this one
	}
	tests := []struct {
		base, series string
		want         string // the label, or the error
		refused      bool
	}{
		{"heap5", "", "heap5", false},
		{"heap5", "node", "heap5", false},
		{"heap1", "node", "node/heap1", false},
		{"heap2", "go", "go/heap2", false}, // node/heap2 answers to heap2
		{"heap2", "", `label "heap2" is taken by snapshot 2 (node/heap2.heapsnapshot.gz, series node); nothing was loaded: pass --series NAME to label it NAME/heap2, or --label`, true},
		{"heap2", "node", `label "heap2" is taken in series node by snapshot 2 (node/heap2.heapsnapshot.gz, series node); nothing was loaded: pass --label`, true},
		{"heap1", "go", `label "heap1" is taken in series go by snapshot 1 (go/heap1.pb.gz, series go); nothing was loaded: pass --label`, true},
		{"heap1", "", `label "heap1" is taken by snapshot 1 (go/heap1.pb.gz, series go); nothing was loaded: pass --series NAME to label it NAME/heap1, or --label`, true},
		{"base", "py", "py/base", false},
		{"heap1-2", "", `label "heap1-2" is taken by snapshot 4 (node/heap1.heapsnapshot.gz, series old); nothing was loaded: pass --series NAME to label it NAME/heap1-2, or --label`, true},
		{"heap3", "old", "heap3", false},
	}
	for _, tt := range tests {
		t.Run(tt.base+"@"+tt.series, func(t *testing.T) {
			got, err := pickLabel(taken, tt.base, tt.series)
			switch {
			case tt.refused && (err == nil || err.Error() != tt.want || !errors.Is(err, ErrLabelTaken)):
				t.Errorf("pickLabel(%q, %q) = %q, %v; want the error %q", tt.base, tt.series, got, err, tt.want)
			case !tt.refused && (err != nil || got != tt.want):
				t.Errorf("pickLabel(%q, %q) = %q, %v; want %q", tt.base, tt.series, got, err, tt.want)
			}
		})
	}
}
