// Command zoo is a small shop service that leaks memory in the ways Go programs really do, all
// at once, each in its own file with its own variable, for memsee's leak zoo
// (testdata/zoo/go/README.md has the table):
//
//   - catalog.go: productCache, a global map of *Product loaded once (static);
//   - templates.go: receiptFooter, a sub-slice that keeps the whole template bundle (static);
//   - sessions.go: sessions, a global map that gains a *Session at every login (incremental);
//   - audit.go: auditLog, a global slice that only grows (incremental);
//   - receipts.go: a goroutine per checkout blocked forever sending on a channel nobody reads,
//     its receipt on its stack (incremental);
//   - heartbeat.go: a time.Ticker per connection never stopped, and the goroutine ranging
//     over it, which keeps the connection (incremental).
//
// It writes three heap dumps (runtime/debug.WriteHeapDump, gzip'd): after warm-up, before
// anything leaks; after the caches are loaded and -requests requests were served; after as
// many more. With -churn-only it does the same work with no leak: sessions end, the audit log
// is a bounded ring, the mailer reads the receipts, connections close their heartbeat, the
// footer is copied, and nothing is cached.
//
// runtime.MemProfileRate is 1, so every object has an allocation sample and memsee names it
// by its allocation site. testdata/zoo/go/gen.sh runs it (make testdata).
package main

import (
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
)

func init() {
	// Record every allocation, so that every object the program allocates has an allocation
	// sample in the dump. Set before anything else allocates.
	runtime.MemProfileRate = 1
}

// leaky says whether the service runs with its bugs (the default) or fixed (-churn-only).
var leaky = true

func main() {
	out := flag.String("out", ".", "directory to write the dumps to")
	prefix := flag.String("prefix", "leak", "file name prefix: <prefix>1.dump.gz, ...")
	requests := flag.Int("requests", 3000, "requests served between snapshots")
	churnOnly := flag.Bool("churn-only", false, "do the same work with no leak (the control series)")
	flag.Parse()
	leaky = !*churnOnly

	startService()
	for id := 1; id <= 50; id++ { // warm-up: health checks only
		healthCheck(id)
	}
	snapshot(*out, *prefix, 1)

	loadProductCache(4000)
	loadTemplates()
	id := 0
	for snap := 2; snap <= 3; snap++ {
		for range *requests {
			id++
			handleRequest(id)
		}
		settle()
		snapshot(*out, *prefix, snap)
	}
}

// startService makes what the service keeps for its whole life.
func startService() {
	sessions = make(map[uint64]*Session)
	auditLog = make([]*AuditEntry, 0, 64)
	receiptQueue = make(chan *Receipt)
	if !leaky {
		go runMailer()
	}
}

// handleRequest serves one request: a login, a cart, its audit entry; every 100th a checkout
// that mails a receipt, and a client that opens a connection with a heartbeat.
func handleRequest(id int) {
	s := login(uint64(id), id%977)
	cart := newCart(s)
	for i := range 3 {
		cart.add(productByID(id*7+i), 1+i)
	}
	audit(s, "cart.update", cart.total())
	if id%100 == 0 {
		checkout(id, cart)
	}
	if id%100 == 50 {
		openConnection(id)
	}
	if !leaky {
		logout(s)
	}
}

// healthCheck renders a status page that is garbage right after.
func healthCheck(id int) int {
	page := fmt.Appendf(nil, "ok %d products=%d sessions=%d\n", id, len(productCache), len(sessions))
	return len(page)
}

// settle waits for the goroutines a request started to get where they stay: blocked (the
// bugs) or done (the fixes).
func settle() {
	for range 100 {
		runtime.Gosched()
	}
	mailed.Wait()
	heartbeats.Wait()
}

// snapshot writes <prefix><n>.dump.gz in dir.
func snapshot(dir, prefix string, n int) {
	path := filepath.Join(dir, fmt.Sprintf("%s%d.dump.gz", prefix, n))
	tmp, err := os.CreateTemp(dir, ".dump-*")
	if err != nil {
		log.Fatal(err)
	}
	defer os.Remove(tmp.Name())
	runtime.GC() // what is garbage now is not in the dump
	runtime.GC()
	debug.WriteHeapDump(tmp.Fd()) // it writes to a file descriptor, not an io.Writer
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		log.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := io.Copy(zw, tmp); err != nil {
		log.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	if err := tmp.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Println("wrote", filepath.Base(path))
}
