package spill

import (
	"errors"
	"os"
	"runtime"
	"slices"
	"syscall"
	"testing"
)

func TestWriteRead(t *testing.T) {
	tests := []struct {
		name   string
		n, buf int
	}{
		{"empty", 0, 16},
		{"one", 1, 1},
		{"buffer of one", 1000, 1},
		{"shorter than the buffer", 10, 64},
		{"several buffers", 100_000, 4096},
		{"a buffer's multiple", 8192, 4096},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Create(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			in32 := make([]uint32, tt.n)
			in8 := make([]uint8, tt.n)
			for i := range in32 {
				in32[i], in8[i] = uint32(i*2654435761), uint8(i*7)
			}
			s8a, err := Write(f, in8) // a section before, so that offsets matter
			if err != nil {
				t.Fatal(err)
			}
			s32, err := Write(f, in32)
			if err != nil {
				t.Fatal(err)
			}
			s8b, err := Write(f, in8)
			if err != nil {
				t.Fatal(err)
			}
			w := NewWriter[uint32](f, tt.buf) // in32 again, in runs of 1, 2, 3, ...
			for i, k := 0, 1; i < tt.n; i, k = i+k, k+1 {
				if err := w.Write(in32[i:min(i+k, tt.n)]); err != nil {
					t.Fatal(err)
				}
			}
			w32, err := w.Close()
			if err != nil {
				t.Fatal(err)
			}
			if got, err := w32.Load(); err != nil || !slices.Equal(got, in32) {
				t.Errorf("Writer(%s): got %d elements back (%v), want %d", tt.name, len(got), err, tt.n)
			}
			if got, want := f.Size(), int64(10*tt.n); got != want {
				t.Errorf("Size(%s): got %d, want %d", tt.name, got, want)
			}
			r := NewReader(s32, tt.buf)
			for i, want := range in32 {
				if got := r.Next(); got != want {
					t.Fatalf("Next(%s) at %d: got %d, want %d", tt.name, i, got, want)
				}
			}
			if r.Err() != nil {
				t.Errorf("Err(%s): %v", tt.name, r.Err())
			}
			if got := r.Next(); got != 0 || r.Err() == nil {
				t.Errorf("Next(%s) past the end: got %d and no error", tt.name, got)
			}
			for _, s := range []Section[uint8]{s8a, s8b} {
				got, err := s.Load()
				if err != nil || !slices.Equal(got, in8) {
					t.Errorf("Load(%s): got %d bytes (%v), want %d", tt.name, len(got), err, len(in8))
				}
			}
			if tt.n > 3 {
				win := make([]uint32, 3)
				if k, err := s32.ReadAt(win, tt.n-2); err != nil || k != 2 || win[0] != in32[tt.n-2] || win[1] != in32[tt.n-1] {
					t.Errorf("ReadAt(%s) at the end: got %d %v %v", tt.name, k, win, err)
				}
			}
			if _, err := s32.ReadAt(make([]uint32, 1), tt.n+1); err == nil {
				t.Errorf("ReadAt(%s) past the end: no error", tt.name)
			}
		})
	}
}

// TestNothingLeftBehind checks that the file's name is gone while it is open (where the
// system allows) and after Close, and that a closed File fails without a panic.
func TestNothingLeftBehind(t *testing.T) {
	dir := t.TempDir()
	f, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Write(f, []uint32{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		if names := entries(t, dir); len(names) != 0 {
			t.Errorf("open file: %v in the directory, want nothing", names)
		}
	}
	fi, err := f.f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode: got %v, want 0600", fi.Mode().Perm())
	}
	sec, _ := Write(f, []uint32{4})
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if names := entries(t, dir); len(names) != 0 {
		t.Errorf("closed file: %v in the directory, want nothing", names)
	}
	if _, err := Write(f, []uint32{5}); err == nil {
		t.Error("Write after Close: no error")
	}
	if _, err := sec.Load(); err == nil {
		t.Error("Load after Close: no error")
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestCreateFails(t *testing.T) {
	dir := t.TempDir() + "/missing"
	_, err := Create(dir)
	var se *Error
	if !errors.As(err, &se) || se.Dir != dir {
		t.Fatalf("Create in a missing directory: got %v, want a *spill.Error", err)
	}
}

// TestDiskFull writes to /dev/full, whose every write fails as on a full disk.
func TestDiskFull(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full here")
	}
	f := &File{f: full, dir: "/dev"}
	defer f.Close()
	_, err = Write(f, make([]uint32, 1<<16))
	var se *Error
	if !errors.As(err, &se) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Write to a full disk: got %v, want a *spill.Error of ENOSPC", err)
	}
	if f.Size() != 0 {
		t.Errorf("Size after a failed write: got %d, want 0", f.Size())
	}
	w := NewWriter[uint8](f, 16)
	if err := w.Write(make([]uint8, 100)); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("Writer.Write to a full disk: got %v, want ENOSPC", err)
	}
	if _, err := w.Close(); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("Writer.Close after a failed write: got %v, want ENOSPC", err)
	}
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}
