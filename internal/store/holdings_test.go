package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"reflect"
	"testing"

	"github.com/memsee/memsee/internal/store/page"
)

// holdingsDB is a database with two types, 1 and 2, for packed holdings to name.
func holdingsDB(t *testing.T) *DB {
	t.Helper()
	db := openTemp(t)
	if _, err := db.db.Exec("INSERT INTO type (id, name) VALUES (1, 'Session'), (2, 'list')"); err != nil {
		t.Fatal(err)
	}
	return db
}

// Packed holdings read back as they were written, the extremes of every column with them.
func TestPackedHoldingsRoundTrip(t *testing.T) {
	db := holdingsDB(t)
	for _, rows := range [][]HoldingRow{
		nil,
		{{Holder: -1, Type: 2, TypeName: "list", Root: true, Count: 1, Bytes: 56, Retained: 56, Reach: 56, Depth: -1}},
		{
			{Holder: 0, Type: 1, TypeName: "Session", Count: 3, Bytes: 96, Retained: 4096, Reach: 1 << 40, Depth: 0},
			{Holder: math.MaxInt64, Type: 2, TypeName: "list", Storage: true, Self: true, Open: true,
				Count: math.MaxInt64, Bytes: math.MaxInt64, Retained: math.MaxInt64, Reach: math.MaxInt64, Depth: math.MaxInt64},
		},
	} {
		got, err := db.unpackHoldings(context.Background(), packHoldings(rows))
		if err != nil {
			t.Fatalf("%+v: %v", rows, err)
		}
		if len(rows) == 0 && len(got) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, rows) {
			t.Errorf("read back\n%+v\nwant\n%+v", got, rows)
		}
	}
}

// Damaged packed holdings are page.ErrDamaged: never a panic, nor room made for what the
// bytes cannot hold.
func TestPackedHoldingsDamaged(t *testing.T) {
	db := holdingsDB(t)
	good := packHoldings([]HoldingRow{{Holder: 5, Type: 1, Count: 1, Bytes: 8, Retained: 8, Reach: 8, Depth: 2}})
	row := good[2:] // after the version and the count of 1
	huge := binary.AppendUvarint([]byte{holdingsVersion}, math.MaxUint64)
	for _, tt := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"another version", append([]byte{2}, good[1:]...)},
		{"no count", []byte{holdingsVersion}},
		{"a count past the bytes", append(huge, row...)},
		{"cut short", good[:len(good)-1]},
		{"bytes after the rows", append(append([]byte{}, good...), 0)},
		{"a value past 63 bits", append(binary.AppendUvarint(append([]byte{holdingsVersion, 1}, 10), math.MaxUint64), row[2:]...)},
		{"an unknown type", packHoldings([]HoldingRow{{Holder: 5, Type: 9}})},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.unpackHoldings(context.Background(), tt.b)
			if !errors.Is(err, page.ErrDamaged) {
				t.Errorf("got %v, want page.ErrDamaged", err)
			}
		})
	}
}

func FuzzUnpackHoldings(f *testing.F) {
	f.Add(packHoldings([]HoldingRow{{Holder: -1, Type: 2, Root: true, Count: 1, Bytes: 56, Retained: 56, Reach: 56, Depth: -1}}))
	f.Add(packHoldings([]HoldingRow{{Holder: 3, Type: 1, Count: 7, Bytes: 1 << 20, Retained: 1 << 30, Reach: 1 << 31, Depth: 4}, {Holder: 9, Type: 2}}))
	db := openTemp(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = db.unpackHoldings(context.Background(), b)
	})
}

// A holder's key is the first 16 bytes of the SHA-256 of its path, then of its name, as
// holder_key keeps them: the standard's test vector, and the empty string.
func TestHolderKey(t *testing.T) {
	k := HolderName{Path: "abc", Name: ""}.Key()
	if got := hex.EncodeToString(k.Path[:]); got != "ba7816bf8f01cfea414140de5dae2223" {
		t.Errorf("sum of %q: %s", "abc", got)
	}
	if got := hex.EncodeToString(k.Name[:]); got != "e3b0c44298fc1c149afbf4c8996fb924" {
		t.Errorf("sum of the empty name: %s", got)
	}
	if b := k.bytes(); len(b) != 32 || !bytes.Equal(b[:16], k.Path[:]) || !bytes.Equal(b[16:], k.Name[:]) {
		t.Errorf("as stored: %x", b)
	}
}
