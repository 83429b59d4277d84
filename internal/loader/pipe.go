package loader

import (
	"errors"
	"slices"

	"github.com/memsee/memsee/internal/heap"
)

// pipeSink hands a reader's objects and roots to another sink on a goroutine of its own, in
// batches, so that parsing the file and building the graph use a core each. The records reach
// the sink in the order the reader sent them (the roots of a batch after its objects, which
// the graph sink does not mind: roots are addresses, resolved once the file is read).
//
// A record is copied into the batch, since the reader may reuse it once its call returns;
// its strings are kept as they are (a reader's strings never change). An object whose
// references do not fit a batch (one with heap.Object.More, or a long Edges) is not copied:
// the pipe waits until the sink has taken every batch, then hands it over directly, from the
// reader's goroutine, so that no list of millions of references is held twice.
//
// Begin is handed over directly too, before any batch. An error of the sink reaches the
// reader at its next record that needs a batch, and close returns it.
type pipeSink struct {
	to    heap.Sink
	cur   *batch
	full  chan *batch // batches for the sink's goroutine
	free  chan *batch // batches it is done with, each with the sink's first error, if any
	spare []*batch    // batches back from the sink, to reuse
	out   int         // batches sent and not back yet
	made  int         // batches allocated
	err   error       // the sink's first error, once it came back
	done  chan struct{}
}

type batch struct {
	objs    []heap.Object // Edges nil: the object's edges are edges[edgeEnd[i-1]:edgeEnd[i]]
	edgeEnd []int
	edges   []heap.Edge
	roots   []heap.Root
	err     error
}

// Batch limits: a few thousand objects is enough to make the hand-over cheap, and small
// enough for the batches to stay in the processor's cache.
const (
	pipeObjects = 2048
	pipeEdges   = 1 << 14
	pipeBatches = 4
)

func newPipeSink(to heap.Sink) *pipeSink {
	p := &pipeSink{to: to, full: make(chan *batch, pipeBatches), free: make(chan *batch, pipeBatches), done: make(chan struct{})}
	go p.run()
	return p
}

// run is the sink's goroutine. After an error it hands the batches back untouched.
func (p *pipeSink) run() {
	defer close(p.done)
	var err error
	for b := range p.full {
		if err == nil {
			err = b.deliver(p.to)
		}
		b.err = err
		p.free <- b
	}
}

func (b *batch) deliver(to heap.Sink) error {
	start := 0
	for i := range b.objs {
		o := &b.objs[i]
		o.Edges = b.edges[start:b.edgeEnd[i]:b.edgeEnd[i]]
		start = b.edgeEnd[i]
		if err := to.Object(o); err != nil {
			return err
		}
	}
	for _, r := range b.roots {
		if err := to.Root(r); err != nil {
			return err
		}
	}
	return nil
}

func (b *batch) reset() {
	// The objects and references are not cleared: Object and Slot write them whole (Slot
	// clears the references it hands out), and clearing whole batches was a good part of a
	// V8 load's CPU while reading. What they still point to is a few batches' strings.
	clear(b.roots)
	b.objs, b.edgeEnd, b.edges, b.roots, b.err = b.objs[:0], b.edgeEnd[:0], b.edges[:0], b.roots[:0], nil
}

func (p *pipeSink) Begin(snap heap.Snapshot) error { return p.to.Begin(snap) }

func (p *pipeSink) Sample(*heap.Sample) error {
	return errors.New("profile samples in an object graph")
}

func (p *pipeSink) Object(o *heap.Object) error {
	if o.More != nil || len(o.Edges) > pipeEdges {
		if err := p.drain(); err != nil {
			return err
		}
		return p.to.Object(o)
	}
	b, err := p.batch(len(o.Edges))
	if err != nil {
		return err
	}
	c := *o
	c.Edges = nil
	b.objs = append(b.objs, c)
	b.edges = append(b.edges, o.Edges...)
	b.edgeEnd = append(b.edgeEnd, len(b.edges))
	return nil
}

// Slot makes room in the current batch for an object with edges references, for the reader
// to write there (heap.SlotSink); nil for one whose references do not fit a batch. What the
// reader writes is complete before its next call, and the batch is sent only by a later one.
func (p *pipeSink) Slot(edges int) (*heap.Object, error) {
	if edges > pipeEdges {
		return nil, nil
	}
	b, err := p.batch(edges)
	if err != nil {
		return nil, err
	}
	start := len(b.edges)
	b.edges = slices.Grow(b.edges, edges)[:start+edges]
	clear(b.edges[start:])
	b.edgeEnd = append(b.edgeEnd, len(b.edges))
	b.objs = append(b.objs, heap.Object{Edges: b.edges[start:len(b.edges):len(b.edges)]})
	return &b.objs[len(b.objs)-1], nil
}

func (p *pipeSink) Root(r heap.Root) error {
	b, err := p.batch(0)
	if err != nil {
		return err
	}
	b.roots = append(b.roots, r)
	return nil
}

// batch returns the batch to add a record with edges references to, sending the current one
// first if it is full.
func (p *pipeSink) batch(edges int) (*batch, error) {
	if b := p.cur; b != nil && len(b.objs)+len(b.roots) < pipeObjects && len(b.edges)+edges <= pipeEdges {
		return b, nil
	}
	if err := p.send(); err != nil {
		return nil, err
	}
	switch {
	case p.cur != nil: // empty, and still too small: cannot happen, as Object sends long lists directly
		return p.cur, nil
	case len(p.spare) > 0:
		p.cur = p.spare[len(p.spare)-1]
		p.spare = p.spare[:len(p.spare)-1]
	case p.made < pipeBatches:
		p.made++
		p.cur = &batch{}
	default:
		p.cur = <-p.free
		p.out--
		if err := p.back(p.cur); err != nil {
			return nil, err
		}
	}
	return p.cur, nil
}

// send hands the current batch to the sink's goroutine, if it holds anything.
func (p *pipeSink) send() error {
	if p.err != nil {
		return p.err
	}
	if b := p.cur; b != nil && len(b.objs)+len(b.roots) > 0 {
		p.full <- b
		p.out++
		p.cur = nil
	}
	return nil
}

// back takes in a batch the sink is done with: its error, and the batch cleared for reuse.
func (p *pipeSink) back(b *batch) error {
	if b.err != nil && p.err == nil {
		p.err = b.err
	}
	b.reset()
	return p.err
}

// drain sends the current batch and waits until the sink has taken every batch.
func (p *pipeSink) drain() error {
	err := p.send()
	for ; p.out > 0; p.out-- {
		b := <-p.free
		if e := p.back(b); err == nil {
			err = e
		}
		p.spare = append(p.spare, b)
	}
	return err
}

// close hands over what is left, waits for the sink, and stops its goroutine. It returns the
// sink's first error, if any. The pipe cannot be used again.
func (p *pipeSink) close() error {
	err := p.drain()
	close(p.full)
	<-p.done
	return err
}
