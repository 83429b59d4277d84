package meliae

import (
	"bytes"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/jsontext"
)

// A dump's lines are parsed on every core: past its first MiB (split.serial; a smaller dump is
// read as before, on the reader's goroutine alone), the dump is cut into blocks of whole lines, which workers parse each into a batch
// of objects, and the reader's goroutine hands the batches to the sink in file order, as one
// parser would have: the same objects, roots, counts and errors. A block knows where it starts
// (its offset and the lines before it, counted when it is cut), so that a worker's errors and
// repaired lines are positioned as the reader's own. A line longer than a block is parsed on
// the reader's goroutine, as it streams past, once the blocks before it are handed over.
//
// Memory: at most inFlight blocks per worker are cut and not yet handed over, each with its
// batch (with two workers, four blocks of 256 KiB and batches of about 0.5 MB each).
//
// A worker's strings never point into its block, which is reused: type names are interned
// (typeNames), element names are parts of one shared text (heap.IndexName), and a block's values
// are parts of a string of their own (parser.values).

// split says how a dump is read: its first serial bytes on the reader's goroutine, then, with
// more than one worker, in blocks of block bytes.
type split struct {
	serial  int
	block   int
	workers int
}

// blockSize is the size of a block: big enough that handing one to a worker costs nothing
// next to parsing it, small enough that the few in flight (inFlight) hold little memory.
const blockSize = 256 << 10

// maxWorkers bounds the workers: past a few, the sink, on one goroutine, is the bottleneck.
const maxWorkers = 4

func defaultSplit() split {
	return split{serial: 4 * blockSize, block: blockSize, workers: min(runtime.GOMAXPROCS(0), maxWorkers)}
}

// inFlight is how many blocks are read ahead of the one being handed over, per worker.
const inFlight = 2

// job is one block of lines and what a worker made of it.
type job struct {
	buf  []byte // whole lines, the last cut after its newline unless the stream ends in it
	base int64  // the offset of buf[0]
	line int64  // the lines before buf, blank ones included
	rerr error  // what the parse meets at the end of buf: io.EOF, or the stream's error at its end
	long bool   // buf is the start of a line longer than a block, for the reader's goroutine
	out  *batch
	done chan struct{}
}

// batch is what a worker made of a block.
type batch struct {
	objs  []parsed
	edges []heap.Edge // object i's are edges[objs[i-1].edgeEnd:objs[i].edgeEnd]
	roots []string    // the root names of the modules among objs, in order
	lines int64       // the number of the last line the worker parsed, blank ones included
	err   error       // what stopped the worker before the end of the block
}

// parsed is an object of a batch: what the sink is handed of it (a heap.Object without the
// fields meliae has no use for), and its line.
type parsed struct {
	addr        uint64
	size, len   int64
	typ, value  string
	more        func(yield func(heap.Edge) bool)
	edgeEnd     int
	line, start int64 // the line's number and offset
	repaired    bool
	module      bool // its root's name is the next of batch.roots
}

// maxBatchEdges bounds the edges a batch keeps room for once handed over (10 MB).
const maxBatchEdges = 1 << 18

func (b *batch) reset() {
	clear(b.objs) // strings and More for the collector
	clear(b.edges)
	clear(b.roots)
	b.objs, b.edges, b.roots = b.objs[:0], b.edges[:0], b.roots[:0]
	if cap(b.edges) > maxBatchEdges {
		b.edges = nil
	}
	b.lines, b.err = 0, nil
}

// parallel reads the rest of the dump, from where p is (the start of a line), in blocks.
func (rd *reading) parallel(p *parser) error {
	s := &splitter{r: p.R, size: rd.split.block, base: p.Offset(), line: p.Line}
	s.carry = append(s.carry, p.Buf[p.Pos:p.End]...)
	work := make(chan *job, inFlight*rd.split.workers)
	var (
		wg   sync.WaitGroup
		stop atomic.Bool
	)
	for range rd.split.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := rd.newParser(nil)
			for j := range work {
				if !stop.Load() {
					rd.parse(w, j)
				}
				close(j.done)
			}
		}()
	}
	defer func() {
		stop.Store(true)
		close(work)
		wg.Wait()
	}()

	var (
		queue []*job // cut and not handed over, in file order
		spare []*batch
	)
	for {
		for len(queue) < cap(work) && !s.ended && (len(queue) == 0 || !queue[len(queue)-1].long) {
			j := s.next()
			if !j.long {
				if n := len(spare); n > 0 {
					j.out, spare = spare[n-1], spare[:n-1]
				} else {
					j.out = &batch{}
				}
				j.done = make(chan struct{})
				work <- j
			}
			queue = append(queue, j)
		}
		if len(queue) == 0 {
			return rd.end()
		}
		j := queue[0]
		queue = queue[1:]
		if err := rd.ctx.Err(); err != nil {
			return err
		}
		if j.long {
			rd.long++
			if err := rd.longLine(p, s, j); err != nil {
				return err
			}
			continue
		}
		rd.blocks++
		<-j.done
		s.free(j.buf)
		err := rd.deliver(j.out)
		j.out.reset()
		spare = append(spare, j.out)
		if err != nil {
			return err
		}
	}
}

// parse is a worker's: it parses the block of j into j.out.
func (rd *reading) parse(p *parser, j *job) {
	b := j.out
	if b.objs == nil { // room for a block of the usual lines, about 120 bytes and 2 refs each
		n := len(j.buf)/100 + 1
		b.objs, b.edges = make([]parsed, 0, n), make([]heap.Edge, 0, 2*n)
	}
	p.Lines = jsontext.Lines{Name: rd.name, R: endReader{j.rerr}, Buf: j.buf, End: len(j.buf), Base: j.base, Line: j.line}
	var values strings.Builder
	values.Grow(len(j.buf) / 16)
	p.values, p.edges = &values, b.edges[:0]
	for {
		p.edgeBase = len(p.edges)
		ok, err := p.record()
		if err != nil || !ok {
			b.err = err
			break
		}
		o, root := &p.obj, p.rootName()
		b.objs = append(b.objs, parsed{
			addr: o.Addr, size: o.Size, len: o.Len, typ: o.Type, value: o.Value, more: o.More,
			edgeEnd: len(p.edges), line: p.Line, start: p.LineStart, repaired: p.Repaired, module: root != "",
		})
		if root != "" {
			b.roots = append(b.roots, root)
		}
		if len(p.moreRefs) > 0 {
			p.moreRefs = nil // the object's More holds them
		}
	}
	b.lines, b.edges = p.Line, p.edges
	p.edges, p.values, p.Buf = nil, nil, nil
}

// deliver hands a worker's batch to the sink, then its error, if it stopped early.
func (rd *reading) deliver(b *batch) error {
	start, root := 0, 0
	for i := range b.objs {
		x := &b.objs[i]
		rd.obj = heap.Object{Addr: x.addr, Type: x.typ, Size: x.size, Len: x.len, Value: x.value,
			Edges: b.edges[start:x.edgeEnd:x.edgeEnd], More: x.more}
		start = x.edgeEnd
		name := ""
		if x.module {
			name = b.roots[root]
			root++
		}
		rd.stats.Lines = x.line
		if err := rd.object(&rd.obj, x.line, x.start, x.repaired, name); err != nil {
			return err
		}
	}
	rd.stats.Lines = b.lines
	return b.err
}

// longLine parses, on this goroutine, the line longer than a block that starts j's buf, reading
// the rest of it from the stream, and hands it over; the splitter goes on after it.
func (rd *reading) longLine(p *parser, s *splitter, j *job) error {
	s.free(p.Buf)
	p.Buf, p.Pos, p.End, p.Base, p.Line, p.RErr = j.buf[:cap(j.buf)], 0, len(j.buf), j.base, j.line, nil
	ok, err := p.record()
	rd.stats.Lines = p.Line
	if err != nil {
		return err
	}
	if ok {
		if err := rd.handOver(p); err != nil {
			return err
		}
	}
	s.carry = append(s.carry[:0], p.Buf[p.Pos:p.End]...)
	s.base, s.line, s.rerr = p.Offset(), p.Line, p.RErr
	return nil
}

// splitter cuts the stream into blocks of whole lines.
type splitter struct {
	r     io.Reader
	size  int
	carry []byte   // what was read past the last block: the start of a line
	base  int64    // the offset of carry[0]
	line  int64    // the lines before it
	rerr  error    // the stream's error, once met (io.EOF at its end)
	ended bool     // the last block is cut
	bufs  [][]byte // blocks to reuse
}

// next cuts the next block: whole lines, or the rest of the stream when it ends, or the start
// of a line longer than a block (long).
func (s *splitter) next() *job {
	var buf []byte
	if n := len(s.bufs); n > 0 {
		buf, s.bufs = s.bufs[n-1], s.bufs[:n-1]
	} else {
		buf = make([]byte, 0, max(s.size, len(s.carry)))
	}
	buf = append(buf, s.carry...)
	for empty := 0; len(buf) < cap(buf) && s.rerr == nil; {
		n, err := s.r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			s.rerr = err
		} else if n == 0 {
			if empty++; empty >= 100 {
				s.rerr = io.ErrNoProgress
			}
		}
	}
	j := &job{buf: buf, base: s.base, line: s.line}
	s.carry = s.carry[:0]
	if s.rerr != nil {
		j.rerr, s.ended = s.rerr, true
		return j
	}
	i := bytes.LastIndexByte(buf, '\n')
	if i < 0 {
		j.long = true
		return j
	}
	j.buf, j.rerr = buf[:i+1], io.EOF
	s.carry = append(s.carry, buf[i+1:]...)
	s.base += int64(i + 1)
	s.line += int64(bytes.Count(j.buf, []byte{'\n'}))
	return j
}

// free takes back a block's buffer once nothing points into it.
func (s *splitter) free(buf []byte) {
	if cap(buf) == s.size {
		s.bufs = append(s.bufs, buf[:0])
	}
}

// endReader is the stream after a block: it ends where the block ends.
type endReader struct{ err error }

func (e endReader) Read([]byte) (int, error) { return 0, e.err }
