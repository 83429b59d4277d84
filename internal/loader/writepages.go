package loader

import (
	"context"
	"runtime"
	"sync"

	"github.com/memsee/memsee/internal/store"
)

// pageWorkers returns how many goroutines build and pack the pages of a load (writePages): one
// per core, up to four; 0 builds them on the load's goroutine. A variable for the tests, which
// compare the two.
var pageWorkers = func() int { return min(runtime.GOMAXPROCS(0), 4) }

// pageFill puts the objects of page p, whose referrers refs holds, into pw, and sends on
// refs.built.
type pageFill func(pw *store.PageWriter, p int64, refs *pageReferrers)

// pageJob is one page on its way from the gathering of its referrers to its rows.
type pageJob struct {
	num  int64
	refs *pageReferrers
	page store.Page
	done chan struct{} // closed once page is packed
}

// writePages writes the pages of w's snapshot, from 0 to pages-1. referrersOf gives each
// page's referrers in page order (referrers.pages). Each
// worker builds and packs whole pages (fill, from a newFill of its own, into a PageWriter of
// its own), a few pages ahead of the calling goroutine, which queues their rows in page order
// and calls done after each page. A page's bytes depend on its objects alone, so pages built
// side by side are those the load's goroutine would build one after the other. At most
// 2*workers+2 pages are on their way at a time, each one page's packed blobs.
// It returns once no worker runs.
func writePages(ctx context.Context, w *store.GraphWriter, pages int64, referrersOf <-chan *pageReferrers,
	newFill func() pageFill, done func(p int64)) error {
	workers := pageWorkers()
	if workers == 0 {
		pw, fill := w.NewPageWriter(), newFill()
		var pg store.Page
		for p := range pages {
			if err := ctx.Err(); err != nil {
				return err
			}
			buildPage(pw, fill, p, <-referrersOf, &pg)
			w.AddPage(&pg)
			done(p)
		}
		return nil
	}

	inFlight := 2*workers + 2
	free := make(chan *pageJob, inFlight) // jobs whose pages are written, to reuse
	for range inFlight {
		free <- &pageJob{}
	}
	work := make(chan *pageJob, inFlight)  // to the workers, in page order
	order := make(chan *pageJob, inFlight) // to this goroutine, in page order
	quit := make(chan struct{})
	var running sync.WaitGroup
	running.Add(1 + workers)
	go func() { // hands out the pages in order, as their referrers are gathered
		defer running.Done()
		defer close(work)
		defer close(order)
		for p := range pages {
			var j *pageJob
			select {
			case j = <-free:
			case <-quit:
				return
			}
			select {
			case j.refs = <-referrersOf:
			case <-quit:
				return
			}
			j.num, j.done = p, make(chan struct{})
			work <- j // never blocks: no more jobs than room
			order <- j
		}
	}()
	for range workers {
		go func() {
			defer running.Done()
			pw, fill := w.NewPageWriter(), newFill()
			for j := range work {
				select {
				case <-quit:
				default:
					buildPage(pw, fill, j.num, j.refs, &j.page)
				}
				close(j.done)
			}
		}()
	}
	defer running.Wait()
	defer close(quit)
	for j := range order {
		if err := ctx.Err(); err != nil {
			return err
		}
		<-j.done
		w.AddPage(&j.page)
		j.refs = nil
		done(j.num)
		free <- j // never blocks: as many jobs as room
	}
	return nil
}

// buildPage builds page num with pw and fill, and packs it into pg.
func buildPage(pw *store.PageWriter, fill pageFill, num int64, refs *pageReferrers, pg *store.Page) {
	pw.Begin(num)
	fill(pw, num, refs)
	pw.Finish(pg)
}
