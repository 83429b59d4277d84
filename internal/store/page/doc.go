// Package page is the binary layout of the object dumps memsee stores: the encoder (Builder),
// the packer (Packer) and the decoders (DecodeObjects, DecodeEdges) of the blobs in the
// object_page and edge_page tables. It knows bytes only; which rows hold them, and the cache of decoded pages, are
// internal/store's. docs/page-format.md tells the why; this comment is the reference.
//
// # Pages
//
// A snapshot's objects are numbered by oid, 0 to n-1, in address order. Page p holds oids
// p*Size to p*Size+Size-1 (Size is 1,024); only a snapshot's last page may hold fewer. A page is
// three blobs: object_page.objects (Objects), object_page.gen (a gen column, NULL until
// generations are marked, or written with the page for a snapshot alone in its series) and
// edge_page.refs (Edges). Object oid is page oid>>Bits, index
// oid&(Size-1).
//
// # Columns
//
// A blob is a sequence of columns, each one field of every object (or of every reference) of
// the page, in oid order. Once a blob is decoded (and, if packed, unpacked), value i is read
// in place: one or two loads, or a load per byte of its width in planes. DecodeObjectsOf
// decodes only the columns a caller asks for; Objects.Compact and CompactInto lay those out
// again one value after the other in memory of their own, for a caller that keeps a page to
// read it by index many times.
//
//   - Integer column (Ints): one byte, the width (0, 1, 2, 4 or 8); the smallest value, the
//     base, as a uvarint (encoding/binary); then each value minus the base in width bytes,
//     little-endian. The writer picks the smallest width that holds the largest value minus
//     the base; width 0 means every value is the base. An empty column is 00 00. The values
//     1000, 1003, 1001 are 01, e8 07, 00 03 01.
//   - Text column (Texts): an integer column of end offsets, one per value (value i runs from
//     the end of value i-1, or 0, to its own end), the byte count as a uvarint, then the bytes
//     of all the values one after the other. Absent is the empty string.
//   - None: a field that may be absent (len, distance, parent, idom, gen) is stored as
//     value+1 and absent as 0 (PlusOne); Ints.OrNone reads it back as -1 for none.
//
// # Plain and packed blobs
//
// An objects or refs blob begins with its version byte. A plain blob (VersionPlain, 1; what
// AppendObjects and AppendEdges write) holds the columns below as they are read. A packed
// blob (VersionPacked, 2; what Packer makes of a plain one, and what a load stores) is the
// byte 2, the length of its body as a uvarint, and the body as one zstd frame (with its
// content size and checksum). The body is the plain blob after its version byte with every
// integer column's values in planes: the column's width, its base, then the first byte of
// each value, the second byte of each value, and so on up to the width (the values 1000,
// 1300, 1001 are 02, e8 07, 00 2c 01, 00 01 00). Planes put the bytes that vary little
// (the high bytes of oids, addresses and offsets) next to each other, where zstd finds
// them: on the pages of 5-14M-object dumps of every format, packing leaves 0.11-0.24 of the
// plain bytes. Packer keeps a page plain where packing would not make it smaller.
//
// # object_page.objects
//
// The version byte (Version), the object count n as a uvarint (at most Size), then twelve
// columns of n values: addr, type (an id of the type table), size, len (+1), distance (+1),
// parent (+1, an oid), idom (+1, an oid; none is the super-root), retained, refs (how many
// references), referrers (how many distinct referrers), then the text columns value and via
// (how parent refers to it: .field, [17], ['key']). Nothing follows the last column.
//
// # object_page.gen
//
// A bare integer column of n values (AppendGen), no version byte and no count: the id of the
// snapshot each object was first seen in, plus one; 0 when none.
//
// # alloc_page.sites and alloc_page.born
//
// Written only for a snapshot whose dump has allocation sites or births: each a bare integer
// column of n values (AppendSites), as the gen column: the id of each object's allocation site
// in the snapshot's alloc_site rows, and the collector's count at its allocation plus one; 0
// when none.
//
// # edge_page.refs
//
// The version byte and n, then: ref ends (n values: the end of each object's references in
// the next three columns), target (R values: oids), kind (R: heap.EdgeKind numbers), name (R),
// the count K of names as a uvarint, names (a text column of K values, each name of the page
// once), referrer ends (n values), referrers (F values: oids, each distinct referrer once,
// the largest retained first, ties by oid). R is the last ref end, F the last referrer end.
// A reference's name is 0 for none, 2i+1 for element i (read as [i], for i below 2^31), 2k+2
// for name k of the page (an element index of 2^31 or more is stored as the text [i]).
//
// # Versioning
//
// The version byte, first in every objects and refs blob, is 1 (plain) or 2 (packed); the
// decoders read both, page by page, so a database written before pages were packed reads as
// it did, and a database may hold both. Any other byte, like any blob that does not decode (a
// bad width, a column longer than what is left, offsets that do not rise, bytes left over,
// more than Size objects, more than 2^31 references or referrers, more names than references,
// a gen column of the wrong length; a packed body that does not unpack to the length it
// claims, fails its checksum, or claims more than 2^30 bytes or more than a zstd frame of its
// length can hold), is ErrDamaged. The gen blob has no version of its own. A new version is
// a new first byte that the decoders learn to read; a layout the old decoders must no longer
// meet also needs a schema migration in internal/store whose hook rewrites every page of
// every snapshot, as version 3's did. Update FuzzDecodePage and the tests here with the codec.
// The numbering of heap.EdgeKind and the type ids are part of the format although they live
// elsewhere.
package page

import "errors"

// The page geometry and the layout's version.
const (
	Bits = 10        // oid>>Bits is an object's page
	Size = 1 << Bits // objects in a full page

	// The first byte of every objects and refs blob.
	VersionPlain  = 1 // the columns as they are read
	VersionPacked = 2 // the bytes of a plain blob after its version byte, zstd-compressed (Pack)
)

// ErrDamaged is returned for a blob that does not decode: the database was damaged or written
// by something else.
var ErrDamaged = errors.New("damaged object page")
