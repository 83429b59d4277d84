package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/pprof/profile"
)

func TestFlagsExport(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    exportOptions // Snap, Base, Output, Folded, Depth
		wantErr string
	}{
		{"defaults", nil, exportOptions{Snap: "last", Depth: 64}, ""},
		{"snapshot argument", []string{"shop4", "-o", "h.pb.gz"}, exportOptions{Snap: "shop4", Output: "h.pb.gz", Depth: 64}, ""},
		{"snapshot flag", []string{"--snap", "-2"}, exportOptions{Snap: "@-2", Depth: 64}, ""},
		{"as the issue spells it", []string{"--pprof", "shop4"}, exportOptions{Snap: "shop4", Depth: 64}, ""},
		{"format profile", []string{"--format", "pprof"}, exportOptions{Snap: "last", Depth: 64}, ""},
		{"folded", []string{"--format", "folded", "--depth", "8"}, exportOptions{Snap: "last", Folded: true, Depth: 8}, ""},
		{"base", []string{"shop4", "--base", "shop1", "-o", "h.pb.gz"}, exportOptions{Snap: "shop4", Base: "shop1", Output: "h.pb.gz", Depth: 64}, ""},
		{"base to stdout", []string{"shop4", "--base", "shop1"}, exportOptions{}, "--base writes two files: give -o FILE"},
		{"folded and profile", []string{"--pprof", "--format", "folded"}, exportOptions{}, "--pprof and --format folded"},
		{"unknown format", []string{"--format", "svg"}, exportOptions{}, `unknown --format "svg": want pprof or folded`},
		{"two snapshots", []string{"shop1", "shop4"}, exportOptions{}, "at most one snapshot"},
		{"snapshot twice", []string{"shop1", "--snap", "shop4"}, exportOptions{}, "the snapshot is given twice"},
		{"depth one", []string{"--depth", "1"}, exportOptions{}, "a stack needs 2 frames"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *exportOptions
			err := parse(t, newCmdExport(testFactory(), func(o *exportOptions) error { got = o; return nil }), tt.args...)
			if tt.wantErr != "" {
				var ue usageError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &ue) {
					t.Fatalf("export %v: error %v, want a usage error with %q", tt.args, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("export %v: %v", tt.args, err)
			}
			g := *got
			g.IO, g.f = nil, nil
			if g != tt.want {
				t.Errorf("export %v: got %+v, want %+v", tt.args, g, tt.want)
			}
		})
	}
}

// exported runs memsee export and parses the profile it wrote to file.
func exported(t *testing.T, db, file string, args ...string) *profile.Profile {
	t.Helper()
	if r := memsee(t, db, false, append([]string{"export", "-o", file}, args...)...); r.code != 0 {
		t.Fatalf("export %v: exit %d: %s", args, r.code, r.err)
	}
	return parseProfile(t, file)
}

func parseProfile(t *testing.T, file string) *profile.Profile {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return p
}

// profileTotals sums a profile's values, and a function's cumulative values: those of the
// samples whose stacks hold it (once each, as pprof counts).
func profileTotals(p *profile.Profile, fn string) (total, cum []int64) {
	total, cum = make([]int64, len(p.SampleType)), make([]int64, len(p.SampleType))
	for _, s := range p.Sample {
		in := false
		for _, l := range s.Location {
			for _, ln := range l.Line {
				in = in || ln.Function.Name == fn
			}
		}
		for i, v := range s.Value {
			total[i] += v
			if in {
				cum[i] += v
			}
		}
	}
	return total, cum
}

// snapshotJSON is a row of memsee ls --json.
type snapshotJSON struct {
	Label          string
	Objects, Bytes int64
}

func lsJSON(t *testing.T, db string) map[string]snapshotJSON {
	t.Helper()
	r := memsee(t, db, false, "ls", "--json")
	var rows []snapshotJSON
	if err := json.Unmarshal([]byte(r.out), &rows); err != nil {
		t.Fatalf("ls --json: %v\n%s", err, r.out)
	}
	out := map[string]snapshotJSON{}
	for _, s := range rows {
		out[s.Label] = s
	}
	return out
}

// pprofTool returns the pprof of the Go toolchain (what go tool pprof runs, found once
// through go tool -n pprof), or skips the test.
func pprofTool(t *testing.T) string {
	t.Helper()
	pprofOnce.Do(func() {
		if g, err := exec.LookPath("go"); err == nil {
			if out, err := exec.Command(g, "tool", "-n", "pprof").Output(); err == nil {
				pprofPath = strings.TrimSpace(string(out))
			}
		}
	})
	if pprofPath == "" {
		t.Skip("no go command on PATH: go tool pprof is not run")
	}
	return pprofPath
}

var (
	pprofOnce sync.Once
	pprofPath string
)

// Every runtime's sample as a profile: its totals are the snapshot's, the leak's holder is a
// frame whose cumulative bytes are what the database says it retains, and go tool pprof -top
// names it.
func TestExportDumps(t *testing.T) {
	tests := []struct {
		name, file string
		path       string // the holder's path in memsee dominators
		frame      string // its frame
	}{
		{"python", "../../testdata/python/shop4.json.gz", "module shop -> ._audit_log (list)", "module shop: _audit_log (list)"},
		{"java", "../../testdata/java/heap4.hprof.gz", "class shop.Shop -> .AUDIT_LOG (java.util.ArrayList)", "shop.Shop.AUDIT_LOG (ArrayList)"},
		{"node", "../../testdata/node/heap4.heapsnapshot.gz", "global -> .priceTable (Map)", "globalThis.priceTable (Map)"},
		{"go", "../../testdata/godump/heap4.dump.gz", "bss+0x400", "bss+0x400"},
		{"ruby", "../../testdata/ruby/rubyshop4.json.gz", "Shop::SessionStore -> @sessions (Array)", "Shop::SessionStore.@sessions (Array)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "memsee.db")
			if r := memsee(t, db, false, "load", tt.file); r.code != 0 {
				t.Fatalf("load: exit %d: %s", r.code, r.err)
			}
			snaps := lsJSON(t, db)
			if len(snaps) != 1 {
				t.Fatalf("ls: %v", snaps)
			}
			var snap snapshotJSON
			for _, s := range snaps {
				snap = s
			}
			file := filepath.Join(t.TempDir(), "h.pb.gz")
			p := exported(t, db, file)
			if len(p.SampleType) != 2 || p.SampleType[0].Type != "inuse_objects" || p.SampleType[1].Type != "inuse_space" ||
				p.SampleType[1].Unit != "bytes" || p.DefaultSampleType != "inuse_space" {
				t.Errorf("sample types %v, default %q", p.SampleType, p.DefaultSampleType)
			}
			total, cum := profileTotals(p, tt.frame)
			if total[0] != snap.Objects || total[1] != snap.Bytes {
				t.Errorf("profile totals %d objects, %d bytes; the snapshot %d, %d", total[0], total[1], snap.Objects, snap.Bytes)
			}
			var doms []struct {
				Retained int64
				Path     string
			}
			r := memsee(t, db, false, "dominators", "--json", "-n", "20")
			if err := json.Unmarshal([]byte(r.out), &doms); err != nil {
				t.Fatal(err)
			}
			retained := int64(-1)
			for _, d := range doms {
				if d.Path == tt.path {
					retained = d.Retained
				}
			}
			if retained <= 0 || cum[1] != retained {
				t.Errorf("frame %q: cumulative %d bytes; %s retains %d", tt.frame, cum[1], tt.path, retained)
			}

			out, err := exec.Command(pprofTool(t), "-top", "-cum", file).CombinedOutput()
			if err != nil {
				t.Fatalf("go tool pprof -top: %v\n%s", err, out)
			}
			if !strings.Contains(string(out), "  "+tt.frame+"\n") {
				t.Errorf("go tool pprof -top names no %q:\n%s", tt.frame, out)
			}
		})
	}
}

// --base writes the base beside -o, with the same sample types, and go tool pprof -diff_base
// subtracts it: the audit log grew by what its frame's bytes grew.
func TestExportDiffBase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "memsee.db")
	if r := memsee(t, db, false, "load", shops[0], shops[3]); r.code != 0 {
		t.Fatalf("load: exit %d: %s", r.code, r.err)
	}
	dir := t.TempDir()
	head := filepath.Join(dir, "shop4.pb.gz")
	r := memsee(t, db, true, "export", "shop4", "--base", "shop1", "-o", head)
	if r.code != 0 {
		t.Fatalf("export --base: exit %d: %s", r.code, r.err)
	}
	base := filepath.Join(dir, "shop4.base.pb.gz")
	if !strings.Contains(r.err, "go tool pprof -http=: -diff_base "+base+" "+head) {
		t.Errorf("stderr says no diff command:\n%s", r.err)
	}
	hp, bp := parseProfile(t, head), parseProfile(t, base)
	if _, err := profile.Merge([]*profile.Profile{bp, hp}); err != nil {
		t.Errorf("base and head do not merge, as -diff_base merges them: %v", err)
	}
	snaps := lsJSON(t, db)
	frame := "module shop: _audit_log (list)"
	ht, hc := profileTotals(hp, frame)
	bt, bc := profileTotals(bp, frame)
	if ht[1] != snaps["shop4"].Bytes || bt[1] != snaps["shop1"].Bytes {
		t.Errorf("totals: head %d, base %d bytes; the snapshots %d, %d", ht[1], bt[1], snaps["shop4"].Bytes, snaps["shop1"].Bytes)
	}
	if bc[1] == 0 || hc[1] <= bc[1] {
		t.Errorf("%s: %d bytes in the base, %d in the head", frame, bc[1], hc[1])
	}
	out, err := exec.Command(pprofTool(t), "-top", "-cum", "-diff_base", base, head).CombinedOutput()
	if err != nil {
		t.Fatalf("go tool pprof -diff_base: %v\n%s", err, out)
	}
	grew := strconv.FormatFloat(float64(hc[1]-bc[1])/1024, 'f', 2, 64) + "kB"
	if !strings.Contains(string(out), grew) || !strings.Contains(string(out), frame) {
		t.Errorf("go tool pprof -diff_base shows no %s for %q:\n%s", grew, frame, out)
	}
}

// Folded stacks of a small Go dump: the whole output, and its bytes add up to the snapshot's.
func TestExportFolded(t *testing.T) {
	db := filepath.Join(t.TempDir(), "memsee.db")
	if r := memsee(t, db, false, "load", "../../testdata/godump/heap1.dump.gz"); r.code != 0 {
		t.Fatalf("load: exit %d: %s", r.code, r.err)
	}
	r := memsee(t, db, false, "export", "--format", "folded")
	if r.code != 0 {
		t.Fatalf("export: exit %d: %s", r.code, r.err)
	}
	golden(t, "godump.export.folded", r.out)
	var sum int64
	for _, line := range strings.Split(strings.TrimSuffix(r.out, "\n"), "\n") {
		i := strings.LastIndexByte(line, ' ')
		n, err := strconv.ParseInt(line[i+1:], 10, 64)
		if err != nil || i <= 0 {
			t.Fatalf("line %q: %v", line, err)
		}
		sum += n
	}
	if want := lsJSON(t, db)["heap1"].Bytes; sum != want {
		t.Errorf("folded lines add up to %d bytes, the snapshot has %d", sum, want)
	}
}

// A heap profile exports as its allocation stacks; a profile is not written to a terminal;
// and memsee loads what it exported as the profile it is.
func TestExportProfile(t *testing.T) {
	db := filepath.Join(t.TempDir(), "memsee.db")
	if r := memsee(t, db, false, "load", heaps[3]); r.code != 0 {
		t.Fatalf("load: exit %d: %s", r.code, r.err)
	}
	p := exported(t, db, filepath.Join(t.TempDir(), "heap4.pb.gz"), "heap4")
	total, _ := profileTotals(p, "")
	snaps := lsJSON(t, db)
	if total[1] != snaps["heap4"].Bytes || total[0] != snaps["heap4"].Objects {
		t.Errorf("profile totals %v; the snapshot %+v", total, snaps["heap4"])
	}
	if r := memsee(t, db, true, "export", "heap4"); r.code != 2 || !strings.Contains(r.err, "pass -o heap.pb.gz") {
		t.Errorf("export to a terminal: exit %d, %q", r.code, r.err)
	}

	// The export of a Python dump, loaded back: its totals are the dump's.
	pdb := filepath.Join(t.TempDir(), "memsee.db")
	if r := memsee(t, pdb, false, "load", shops[3]); r.code != 0 {
		t.Fatalf("load: exit %d: %s", r.code, r.err)
	}
	file := filepath.Join(t.TempDir(), "shop4.pb.gz")
	if r := memsee(t, pdb, false, "export", "shop4", "-o", file); r.code != 0 {
		t.Fatalf("export: exit %d: %s", r.code, r.err)
	}
	if r := memsee(t, pdb, false, "load", "--label", "exported", file); r.code != 0 {
		t.Fatalf("load the export: exit %d: %s", r.code, r.err)
	}
	snaps = lsJSON(t, pdb)
	if got, want := snaps["exported"], snaps["shop4"]; got.Bytes != want.Bytes || got.Objects != want.Objects {
		t.Errorf("the export loaded: %+v; the dump %+v", got, want)
	}
}
