package v8

import (
	"bytes"
	"fmt"
	"math"
	"runtime"

	"github.com/memsee/memsee/internal/heap/jsontext"
)

// The nodes and edges arrays are most of a snapshot, and reading their numbers most of the
// parse. Past its first window, a large array is cut into blocks of whole values, each ending
// just after a comma, and a worker per core turns each block into numbers and their offsets
// (parse), while this goroutine takes the blocks' numbers in file order through the same row
// functions as the serial loop of ints. The last window of an array, the one with its closing
// bracket, is read by that serial loop. A block's errors are those the serial loop finds at
// the same place, with the same offset; they are returned once the numbers before them have
// gone through their rows, so that the first error of the file is the one reported.

// blockMin is the least text worth a block; a window with less is left to the serial loop.
// An array whose header announces fewer than blockValues*blockMin values is read by the serial
// loop alone: handing a few blocks to the workers costs more than it gains for a small
// snapshot, and less for a large one (BENCHMARKS.md, "Measurements behind the loader's
// choices").
const (
	blockMin    = 64 << 10
	blockValues = 32
)

// blockHere is the most text a block parsed by ints' goroutine takes (blocks): its numbers and
// offsets, 12 bytes a number, are kept for the next block.
const blockHere = 64 << 10

// intBlock is one block of an array's text and what a worker made of it.
type intBlock struct {
	record string // "nodes" or "edges", for the error's message
	text   []byte // whole values, each followed by a comma
	base   int64  // the stream offset of text[0]
	vals   []uint64
	offs   []uint32     // the offset in text of each value
	err    *syntaxError // the error after vals, positioned in the stream
	done   chan struct{}
}

// parse reads b.text as the serial loop of ints reads it: whitespace, an unsigned integer,
// whitespace, a comma, again. It stops at the first error.
func (b *intBlock) parse() {
	t := b.text
	vals, offs := b.vals[:0], b.offs[:0]
	fail := func(at int, format string, args ...any) {
		b.err = &syntaxError{off: b.base + int64(at), msg: fmt.Sprintf(format, args...)}
	}
	// First the text as V8 writes it: digits and a comma, a newline before the comma that
	// ends a row. The loop below takes over, from the start of the value, at anything else:
	// other whitespace, a number too long, an error.
	i := 0
fast:
	for i < len(t) {
		start := i
		c := t[i] - '0'
		if c > 9 {
			break
		}
		v := uint64(c)
		for i++; ; i++ { // never past the end of t: it ends with a comma
			c = t[i] - '0'
			if c > 9 {
				break
			}
			v = v*10 + uint64(c)
		}
		switch {
		case i-start > maxDigits:
			i = start
			break fast
		case t[i] == ',':
			i++
		case t[i] == '\n' && t[i+1] == ',': // a newline is never last: the text ends with a comma
			i += 2
		default:
			i = start
			break fast
		}
		vals = append(vals, v)
		offs = append(offs, uint32(start))
	}
	for i < len(t) {
		for i < len(t) && isSpace[t[i]] {
			i++
		}
		if i == len(t) {
			break // whitespace after the last comma: the next block's value
		}
		start := i
		var v uint64
		for d := 0; i < len(t); d++ {
			c := t[i] - '0'
			if c > 9 {
				break
			}
			if d == maxDigits {
				fail(start, "integer too large")
				b.vals, b.offs = vals, offs
				return
			}
			v = v*10 + uint64(c)
			i++
		}
		switch {
		case i == start:
			fail(i, "want an unsigned integer, found %s", jsontext.QuoteByte(t[i]))
		case isNumberTail[t[i]]: // never the end of t: the text ends with a comma
			fail(i, "want an integer, found a fraction or an exponent")
		}
		if b.err != nil {
			break
		}
		vals = append(vals, v)
		offs = append(offs, uint32(start))
		for i < len(t) && isSpace[t[i]] {
			i++
		}
		if t[i] != ',' { // never the end of t: the text ends with a comma
			fail(i, "want ',' or ']' in %s, found %s", b.record, jsontext.QuoteByte(t[i]))
			break
		}
		i++
	}
	b.vals, b.offs = vals, offs
}

// blocks reads the middle of an array that ints has begun, a block at a time (see above),
// and leaves the scanner where the serial loop goes on: at a value, after a comma. want is the
// number of values the header announces (-1: it does not say), k the number of values in the
// current row, n the values read, as in ints.
//
// An array the header says is small is read in blocks too, each parsed here rather than by
// the workers, whose hand-over costs more than it gains there: a window at a time, up to the
// last comma before the array's end.
func (p *parser) blocks(record string, want int64, width int, row func() error, n *int64, k *int) error {
	if p.blockMin <= 0 {
		return nil
	}
	here := want >= 0 && want < int64(blockValues*p.blockMin)
	s := &p.s
	// The rows of the columns have a loop of their own, which spares going through p.row
	// value by value; the raw values of an array before meta go through row.
	var fast func(b *intBlock, j int) int
	switch {
	case record == "nodes" && width == p.nf && p.haveMeta && p.rawNodes == nil:
		fast = p.nodeRows
	case record == "edges" && width == p.ef && p.haveMeta && p.rawEdges == nil:
		fast = p.edgeRows
	}
	var (
		queue []*intBlock // handed to the workers, in file order
		free  []*intBlock
		jobs  chan *intBlock
	)
	workers := runtime.GOMAXPROCS(0)
	defer func() {
		if jobs != nil {
			close(jobs) // the workers finish the blocks they hold and return
		}
	}()
	take := func(b *intBlock) error {
		rows := 0 // where the rows the fast loop takes end
		for j := 0; j < len(b.vals); j++ {
			if *k == 0 && j >= rows && fast != nil {
				// Whole rows that pass every check go straight to the columns; the loop
				// stops before a row that fails one, for row to say why.
				rows = fast(b, j)
				*n += int64(rows - j)
				if j = rows; j == len(b.vals) {
					break
				}
			}
			p.row[*k], p.rowOff[*k] = b.vals[j], b.base+int64(b.offs[j])
			*n++
			if *k++; *k == width {
				if err := row(); err != nil {
					return err
				}
				*k = 0
			}
		}
		if b.err != nil {
			return p.wrap(b.err, record, nil)
		}
		free = append(free, b)
		return p.ctx.Err()
	}
	block := func() *intBlock { // one the rows are taken from, or a new one
		if len(free) == 0 {
			return &intBlock{record: record}
		}
		b := free[len(free)-1]
		free = free[:len(free)-1]
		return b
	}
	next := func() error {
		b := queue[0]
		queue = queue[1:]
		<-b.done
		return take(b)
	}
	for {
		s.fill(s.br.Size())
		text := s.buf[s.pos:]
		if end := bytes.IndexByte(text, ']'); here && end >= 0 {
			text = text[:end] // the array's end, or a bracket where no number may be
		} else if len(text) < p.blockMin || end >= 0 {
			break
		}
		if here {
			text = text[:min(len(text), blockHere)]
		}
		cut := bytes.LastIndexByte(text, ',') + 1
		if cut == 0 {
			break
		}
		if here {
			b := block()
			b.text, b.base, b.err = text[:cut], s.offset(), nil // parsed before the buffer moves
			b.parse()
			b.text = nil
			s.pos += cut
			if err := take(b); err != nil {
				return err
			}
			continue
		}
		if jobs == nil {
			jobs = make(chan *intBlock, workers+1)
			for range workers {
				go func() {
					for b := range jobs {
						b.parse()
						close(b.done)
					}
				}()
			}
		}
		b := block()
		b.text = append(b.text[:0], text[:cut]...)
		b.base, b.err, b.done = s.offset(), nil, make(chan struct{})
		s.pos += cut
		jobs <- b
		queue = append(queue, b)
		if len(queue) > workers {
			if err := next(); err != nil {
				return err
			}
		}
	}
	for len(queue) > 0 {
		if err := next(); err != nil {
			return err
		}
	}
	return nil
}

// nodeRows keeps the whole nodes of b from value j on, as nodeRow does, up to the first that
// nodeRow would refuse or keep otherwise (a size of 4 GiB or more); it returns where it
// stopped. It appends to the columns' chunks as they are (column.room) rather than value by
// value.
func (p *parser) nodeRows(b *intBlock, j int) int {
	nf, types := p.nf, uint64(len(p.nodeTypes))
	nType, nName, nID, nSize, nEC := p.nType, p.nName, p.nID, p.nSize, p.nEC
	for j+nf <= len(b.vals) {
		ty, na, id, sz, ec := p.ntype.room(), p.nname.room(), p.nid.room(), p.nsize.room(), p.nedges.room()
		rows := min(cap(ty)-len(ty), cap(na)-len(na), cap(id)-len(id), cap(sz)-len(sz), cap(ec)-len(ec), (len(b.vals)-j)/nf)
		stopped := false
		for ; rows > 0; rows-- {
			r := b.vals[j : j+nf]
			t, name, i, size, c := r[nType], r[nName], r[nID], r[nSize], r[nEC]
			if t >= types || name > math.MaxUint32 || i > math.MaxUint32 || size >= math.MaxUint32 || c > math.MaxUint32 {
				stopped = true
				break
			}
			if int64(name) > p.maxNodeName {
				p.maxNodeName, p.maxNodeNameO = int64(name), b.base+int64(b.offs[j+nName])
			}
			p.edgeSum += c
			ty, na, id = append(ty, uint8(t)), append(na, uint32(name)), append(id, uint32(i))
			sz, ec = append(sz, uint32(size)), append(ec, uint32(c))
			j += nf
		}
		p.ntype.fill(ty)
		p.nname.fill(na)
		p.nid.fill(id)
		p.nsize.fill(sz)
		p.nedges.fill(ec)
		if stopped {
			break
		}
	}
	return j
}

// edgeRows keeps the whole edges of b from value j on, as edgeRow does, up to the first that
// edgeRow would refuse; it returns where it stopped. It appends as nodeRows does.
func (p *parser) edgeRows(b *intBlock, j int) int {
	ef, nf, types := p.ef, uint64(p.nf), uint64(len(p.edgeTypes))
	eType, eTo, eName := p.eType, p.eTo, p.eName
	for j+ef <= len(b.vals) {
		ty, na, to := p.etype.room(), p.ename.room(), p.eto.room()
		rows := min(cap(ty)-len(ty), cap(na)-len(na), cap(to)-len(to), (len(b.vals)-j)/ef)
		stopped := false
		for ; rows > 0; rows-- {
			r := b.vals[j : j+ef]
			t, dst, name := r[eType], r[eTo], r[eName]
			ord := nodeOrdinal(dst, nf)
			if t >= types || ord*nf != dst || ord > math.MaxUint32 || name > math.MaxUint32 {
				stopped = true
				break
			}
			if int64(ord) > p.maxTo {
				p.maxTo, p.maxToO = int64(ord), b.base+int64(b.offs[j+eTo])
			}
			if !p.edgeNumeric[t] && int64(name) > p.maxEdgeName {
				p.maxEdgeName, p.maxEdgeNameO = int64(name), b.base+int64(b.offs[j+eName])
			}
			ty, na, to = append(ty, uint8(t)), append(na, uint32(name)), append(to, uint32(ord))
			j += ef
		}
		p.etype.fill(ty)
		p.ename.fill(na)
		p.eto.fill(to)
		if stopped {
			break
		}
	}
	return j
}

// nodeOrdinal is to_node / nf: a division by a constant, which the compiler turns into a
// multiplication, for the field counts V8 writes (7; 6 before the detachedness field).
func nodeOrdinal(to, nf uint64) uint64 {
	switch nf {
	case 7:
		return to / 7
	case 6:
		return to / 6
	}
	return to / nf
}
