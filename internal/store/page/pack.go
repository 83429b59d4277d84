package page

import (
	"encoding/binary"
	"errors"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// A packed blob (version 2) is a plain one (version 1) with its integer columns in planes,
// compressed: the byte 2, the length of the body as a uvarint, then the body as one zstd frame,
// with its content size and checksum. The body is the plain blob after its version byte, each
// integer column's values stored a byte plane at a time (Ints). Decoding a packed blob
// unpacks it and reads its columns in place in the unpacked bytes.

// maxUnpacked bounds the plain bytes of a packed blob: SQLite's own bound on a blob's length
// is 10^9 bytes unless a build sets another, and the decoder allocates what a blob claims.
const maxUnpacked = 1 << 30

// maxRatio bounds how much a zstd frame can unpack to per byte of it: each block holds at most
// 128 KiB and takes at least 4 bytes (a 3-byte header and the byte an RLE block repeats). A
// blob that claims more is damaged, whatever its frame says, and is refused before anything
// is allocated for it.
const maxRatio = 128 << 10 / 4

var (
	codecOnce sync.Once
	encoder   *zstd.Encoder
	decoder   *zstd.Decoder
)

// codec returns the encoder and decoder every page shares: both are safe for concurrent
// EncodeAll and DecodeAll, and cost memory to make.
func codec() (*zstd.Encoder, *zstd.Decoder) {
	codecOnce.Do(func() {
		var err error
		// SpeedFastest without entropy coding: packing is what a load adds, and the size is
		// far below what was asked (half the dump); entropy coding and SpeedDefault pack a
		// little smaller at a half to a third of the speed (BENCHMARKS.md, "Measurements
		// behind the loader's choices").
		// A window of 1 MiB rather than the level's 8: each of the two encoders keeps a
		// history of its window for as long as the load writes, and a page's columns are
		// rarely longer.
		encoder, err = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithNoEntropyCompression(true),
			zstd.WithEncoderConcurrency(2), zstd.WithWindowSize(1<<20))
		if err != nil {
			panic("page: zstd encoder: " + err.Error()) // only for options it refuses
		}
		decoder, err = zstd.NewReader(nil, zstd.WithDecoderMaxMemory(maxUnpacked), zstd.WithDecodeAllCapLimit(true),
			zstd.WithDecoderConcurrency(0))
		if err != nil {
			panic("page: zstd decoder: " + err.Error())
		}
	})
	return encoder, decoder
}

// Packer packs plain blobs (version 1, as AppendObjects and AppendEdges write them) into
// packed ones (version 2), reusing its memory from one page to the next. The zero Packer is
// ready; it may be used by one goroutine at a time.
type Packer struct {
	body []byte // a page's columns in planes, before compression
}

// Objects appends to dst the packed form of a plain objects blob, or the plain blob itself
// when packing would not make it smaller (a page of a few objects).
func (k *Packer) Objects(dst, plain []byte) ([]byte, error) {
	p, err := DecodeObjects(plain, nil)
	if err != nil {
		return dst, err
	}
	b := binary.AppendUvarint(k.body[:0], uint64(p.N))
	for _, c := range []Ints{p.Addr, p.Type, p.Size, p.Len, p.Distance, p.Parent, p.IDom, p.Retained, p.NRefs, p.NReferrers} {
		b = appendPlanes(b, c, p.N)
	}
	b = appendTextPlanes(b, p.Value, p.N)
	k.body = appendTextPlanes(b, p.Via, p.N)
	return k.compress(dst, plain)
}

// Edges appends to dst the packed form of a plain refs blob, or the plain blob itself when
// packing would not make it smaller.
func (k *Packer) Edges(dst, plain []byte) ([]byte, error) {
	p, err := DecodeEdges(plain)
	if err != nil {
		return dst, err
	}
	var nref, nreferrer, nranked int
	if p.N > 0 {
		nref, nreferrer = int(p.RefEnd.At(p.N-1)), int(p.ReferrerEnd.At(p.N-1))
		nranked = int(p.RankedEnd.At(p.N - 1))
	}
	b := binary.AppendUvarint(k.body[:0], uint64(p.N))
	b = appendPlanes(b, p.RefEnd, p.N)
	b = appendPlanes(b, p.Target, nref)
	b = appendPlanes(b, p.Kind, nref)
	b = appendPlanes(b, p.Name, nref)
	b = binary.AppendUvarint(b, uint64(p.NNames))
	b = appendTextPlanes(b, p.Names, p.NNames)
	b = appendPlanes(b, p.ReferrerEnd, p.N)
	b = appendPlanes(b, p.Referrer, nreferrer)
	if p.hasRanked { // as the plain blob: a page stored before has no ranked kids
		b = appendPlanes(b, p.RankedEnd, p.N)
		b = appendPlanes(b, p.Ranked, nranked)
	}
	k.body = b
	return k.compress(dst, plain)
}

// appendTextPlanes appends a text column of n values, its ends in planes.
func appendTextPlanes(dst []byte, c Texts, n int) []byte {
	dst = appendPlanes(dst, c.ends, n)
	dst = binary.AppendUvarint(dst, uint64(len(c.data)))
	return append(dst, c.data...)
}

// compress appends the packed blob of k.body to dst, or plain when that is no longer. A body
// too long to be unpacked again is not packed either.
func (k *Packer) compress(dst, plain []byte) ([]byte, error) {
	start := len(dst)
	dst, ok := k.packed(dst)
	if !ok {
		return dst, errTooLarge
	}
	if len(dst)-start >= len(plain) {
		return append(dst[:start], plain...), nil
	}
	return dst, nil
}

// packed appends the packed blob of k.body to dst; ok is false, and dst as it was, for a body
// too long to be unpacked again.
func (k *Packer) packed(dst []byte) (_ []byte, ok bool) {
	if len(k.body) > maxUnpacked {
		return dst, false
	}
	enc, _ := codec()
	dst = append(dst, VersionPacked)
	dst = binary.AppendUvarint(dst, uint64(len(k.body)))
	dst = enc.EncodeAll(k.body, dst)
	if cap(k.body) > 1<<22 {
		k.body = nil // a page of a popular object's referrers: not worth keeping
	}
	return dst, true
}

// errTooLarge is Packer's error for a page it cannot pack.
var errTooLarge = errors.New("page too large to pack")

// unpacked holds the arrays pages were unpacked into and given back (Objects.Release), to
// unpack others into: a query that reads every page of a large snapshot (path --type) made a
// new array for each, which the system had to map in afresh, a fault per 4 KiB.
var unpacked sync.Pool

// unpack returns the plain bytes of a packed blob, b after its version byte, and the array
// that holds them, for Objects.Release to give back.
func unpack(b []byte) ([]byte, *[]byte, error) {
	size, k := binary.Uvarint(b)
	if k <= 0 || size > maxUnpacked || size > maxRatio*uint64(len(b)-k) {
		return nil, nil, ErrDamaged
	}
	buf, _ := unpacked.Get().(*[]byte)
	if buf == nil || uint64(cap(*buf)) < size {
		buf = new(make([]byte, 0, size))
	}
	_, dec := codec()
	out, err := dec.DecodeAll(b[k:], (*buf)[:0])
	if err != nil || uint64(len(out)) != size {
		return nil, nil, ErrDamaged
	}
	*buf = out
	return out, buf, nil
}
