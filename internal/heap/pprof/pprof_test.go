package pprof

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/pprof/profile"
	"github.com/memsee/memsee/internal/heap"
)

// collect is a Sink that keeps what it is given.
type collect struct {
	snap    heap.Snapshot
	begun   int
	samples []heap.Sample
}

func (c *collect) Begin(s heap.Snapshot) error { c.snap = s; c.begun++; return nil }
func (c *collect) Sample(s *heap.Sample) error {
	cp := *s
	cp.Stack = append([]string(nil), s.Stack...)
	c.samples = append(c.samples, cp)
	return nil
}
func (c *collect) Object(*heap.Object) error { return errors.New("object in a profile") }
func (c *collect) Root(heap.Root) error      { return errors.New("root in a profile") }

func samplesOf(t testing.TB) []string {
	paths, err := filepath.Glob("../../../testdata/go/[hc][eh][au]*[0-9].pb.gz") // heapN, churnN
	if err != nil || len(paths) == 0 {
		t.Fatalf("no sample profiles: %v", err)
	}
	return paths
}

// readDecompressed reads a sample the way the loader does: through heap.Open.
func readDecompressed(t testing.TB, path string) []byte {
	in, err := heap.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(in); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestRead checks, for every sample profile, that the reader hands on every sample with the
// values and stacks the pprof library sees.
func TestRead(t *testing.T) {
	for _, path := range samplesOf(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data := readDecompressed(t, path)
			if !(Reader{}).Sniff(data[:64]) {
				t.Errorf("Sniff does not claim %s", path)
			}
			var c collect
			if err := (Reader{}).Read(context.Background(), path, bytes.NewReader(data), &c); err != nil {
				t.Fatal(err)
			}
			p, err := profile.ParseData(data)
			if err != nil {
				t.Fatal(err)
			}
			if c.begun != 1 || c.snap.TakenAt.UnixNano() != p.TimeNanos || c.snap.Kind != heap.KindProfile {
				t.Errorf("Begin: called %d times with %+v", c.begun, c.snap)
			}
			if len(c.samples) != len(p.Sample) {
				t.Fatalf("Read(%s): %d samples, pprof sees %d", path, len(c.samples), len(p.Sample))
			}
			var want, got [heap.NumValues]int64
			for i, s := range p.Sample {
				for j, st := range p.SampleType {
					v, _ := heap.ParseValue(st.Type)
					want[v] += s.Value[j]
				}
				for v := range got {
					got[v] += c.samples[i].Values[v]
				}
				if leaf := s.Location[0].Line[0].Function.Name; c.samples[i].Stack[0] != leaf {
					t.Errorf("sample %d: leaf %q, want %q", i, c.samples[i].Stack[0], leaf)
				}
			}
			if got != want {
				t.Errorf("Read(%s): totals %v, want %v", path, got, want)
			}
		})
	}
}

func TestSniff(t *testing.T) {
	real := readDecompressed(t, samplesOf(t)[0])
	tests := []struct {
		name string
		head []byte
		want bool
	}{
		{"real profile", real[:512], true},
		{"real profile, 3 bytes", real[:3], true},
		{"legacy text", []byte("heap profile: 1: 2 [3: 4] @ heap/1048576\n"), true},
		{"json", []byte(`{"address": 1, "type": "dict"}`), false},
		{"v8", []byte(`{"snapshot":{"meta":`), false},
		{"hprof", []byte("JAVA PROFILE 1.0.2\x00"), false},
		{"go heap dump", []byte("go1.7 heap dump\n"), false},
		{"text", []byte("hello world"), false},
		{"empty", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Reader{}).Sniff(tt.head); got != tt.want {
				t.Errorf("Sniff(%s): got %v, want %v", tt.name, got, tt.want)
			}
		})
	}
}

func TestReadBad(t *testing.T) {
	real := readDecompressed(t, samplesOf(t)[0])
	tests := []struct {
		name string
		data []byte
	}{
		{"cut in half", real[:len(real)/2]},
		{"cut near the end", real[:len(real)-3]},
		{"text", []byte("this is not a profile\n")},
		{"empty", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := (Reader{}).Read(context.Background(), "x.pb", bytes.NewReader(tt.data), &collect{})
			var fe *heap.FormatError
			if !errors.As(err, &fe) || fe.File != "x.pb" {
				t.Errorf("Read(%s): got %v, want a FormatError naming x.pb", tt.name, err)
			}
		})
	}
}

func FuzzRead(f *testing.F) {
	for _, path := range samplesOf(f) {
		data := readDecompressed(f, path)
		f.Add(data)
		f.Add(data[:len(data)/3])
		f.Add(data[:64])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = (Reader{}).Read(context.Background(), "fuzz", bytes.NewReader(b), &collect{})
		_ = (Reader{}).Sniff(b)
	})
}

func BenchmarkRead(b *testing.B) {
	data := readDecompressed(b, "../../../testdata/go/heap4.pb.gz")
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		if err := (Reader{}).Read(context.Background(), "x", bytes.NewReader(data), &collect{}); err != nil {
			b.Fatal(err)
		}
	}
}
