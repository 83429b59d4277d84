package hprof

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memsee/memsee/internal/heap"
)

// hprofHeader is the header of a dump with 8-byte ids taken at a fixed time.
func hprofHeader() []byte {
	b := append([]byte("JAVA PROFILE 1.0.2\x00"), 0, 0, 0, 8)
	return binary.BigEndian.AppendUint64(b, 1700000000000)
}

// record appends a top-level record with the given body (and a length that may lie).
func record(b []byte, tag byte, length uint32, body []byte) []byte {
	b = append(b, tag, 0, 0, 0, 0)
	b = binary.BigEndian.AppendUint32(b, length)
	return append(b, body...)
}

func TestBadInput(t *testing.T) {
	head := hprofHeader()[:31:31] // appends copy it
	headLen := int64(len(head))
	real := gunzip(t, "heap1.hprof.gz")
	tests := []struct {
		name   string
		data   []byte
		offset int64
		record string
		msg    string
	}{
		{"wrong magic", []byte("JAVA PROFILE 2.0\x00\x00\x00\x00\x08"), 0, "header", "not an HPROF dump"},
		{"version", []byte("JAVA PROFILE 1.0.9\x00\x00\x00\x00\x08"), 0, "header", `version "1.0.9"`},
		{"id size", append([]byte("JAVA PROFILE 1.0.2\x00"), 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0), 19, "header", "identifier size 6"},
		{"header cut", []byte("JAVA PROFILE 1.0.2\x00\x00\x00"), 19, "header", "ends in the header"},
		{"record length past end", record(head, recUTF8, 4096, make([]byte, 20)), headLen, "UTF8", "length 4096 past end of file"},
		{"segment length past end", record(head, recHeapDumpSeg, 1<<31, []byte{subRootStickyClass, 0, 0, 0, 0, 0, 0, 0, 1}), headLen, "HEAP_DUMP_SEGMENT", "past end of file"},
		{"record header cut", append(head, recHeapDumpSeg, 0, 0), headLen, "HEAP_DUMP_SEGMENT", "record header cut short"},
		{"unknown sub-record", record(head, recHeapDumpSeg, 9, []byte{0x42, 0, 0, 0, 0, 0, 0, 0, 1}), headLen + 9, "HEAP_DUMP_SEGMENT sub-record", "unknown sub-record tag 0x42"},
		{"sub-record past segment", record(head, recHeapDumpSeg, 5, []byte{subRootStickyClass, 0, 0, 0, 0, 0, 0, 0, 1}), headLen + 9, "ROOT_STICKY_CLASS", "past the end of its HEAP_DUMP_SEGMENT"},
		{"array past segment", record(head, recHeapDumpSeg, 21, append([]byte{subObjArrayDump}, make([]byte, 20)...)), headLen + 9, "OBJ_ARRAY_DUMP", "past the end"},
		{"prim array type", record(head, recHeapDumpSeg, 18, append([]byte{subPrimArrayDump}, append(make([]byte, 16), 3)...)), headLen + 9, "PRIM_ARRAY_DUMP", "unknown type 3"},
		{"load class length", record(head, recLoadClass, 3, []byte{1, 2, 3}), headLen, "LOAD_CLASS", "length 3"},
		{"truncated real dump", real[:len(real)/2], -2, "", "past end of file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Reader{}.Read(context.Background(), "bad.hprof", bytes.NewReader(tt.data), newRecordSink())
			var fe *heap.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Read(%s): got %v, want a FormatError", tt.name, err)
			}
			if tt.offset != -2 && fe.Offset != tt.offset || fe.Offset < 0 {
				t.Errorf("Read(%s): offset %#x, want %#x (%v)", tt.name, fe.Offset, tt.offset, err)
			}
			if tt.record != "" && fe.Record != tt.record {
				t.Errorf("Read(%s): record %q, want %q (%v)", tt.name, fe.Record, tt.record, err)
			}
			if !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "bad.hprof: offset 0x") {
				t.Errorf("Read(%s): %q does not say %q", tt.name, err, tt.msg)
			}
		})
	}
}

// TestTruncatedGzip reads a gzip'd dump cut short through heap.Open, as the loader does: the
// reader fails, and the input's error says where the compressed stream broke.
func TestTruncatedGzip(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(dataDir, "heap1.hprof.gz"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cut.hprof.gz")
	if err := os.WriteFile(path, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := heap.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	err = Reader{}.Read(context.Background(), path, in, newRecordSink())
	var fe *heap.FormatError
	if !errors.As(err, &fe) || fe.Offset <= 0 {
		t.Fatalf("Read: got %v, want a positioned FormatError", err)
	}
	gz := in.GzipErr()
	if !errors.As(gz, &fe) || fe.Record != "gzip" || fe.Offset <= 0 || !strings.Contains(gz.Error(), "truncated") {
		t.Errorf("GzipErr: got %v", gz)
	}
}

func TestSniff(t *testing.T) {
	if !(Reader{}).Sniff(gunzip(t, "heap1.hprof.gz")[:64]) {
		t.Error("Sniff: a real dump not claimed")
	}
	for _, b := range []string{"", "JAVA", `{"snapshot":`, "\x1f\x8b"} {
		if (Reader{}).Sniff([]byte(b)) {
			t.Errorf("Sniff(%q): claimed", b)
		}
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
