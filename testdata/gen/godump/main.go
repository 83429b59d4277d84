// Command godump writes a series of real Go heap dumps (runtime/debug.WriteHeapDump) from the
// same small "shop" service as gen/go, with the same planted leaks, for memsee's tests:
//
//   - a static leak: loadPriceTable fills the global priceTable once, before dump 2, and it is
//     never released;
//   - an incremental leak: every request appends an *AuditEntry to the global auditLog, which
//     is never trimmed;
//   - churn: every request builds a response buffer that is garbage right after.
//
// runtime.MemProfileRate is 1, so nearly every object has an allocation sample and memsee can
// name it by its allocation site. Each dump is gzip'd (<prefix>N.dump.gz), and <prefix>.planted.json
// says how many of the planted objects each one holds.
//
// With -churn-only it writes a control series that only churns. With -big N it writes one
// uncompressed dump of a process holding about N small objects (for benchmarks) and no series.
// Run it through `make testdata`.
package main

import (
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
)

func init() {
	// Record every allocation, so that every object the program allocates has an allocation
	// sample in the dump. Set before anything else allocates.
	runtime.MemProfileRate = 1
}

// Product is a row of the price table (the static leak).
type Product struct {
	SKU   string
	Name  string
	Price int64
	Tags  []string
}

// AuditEntry is kept for every request (the incremental leak).
type AuditEntry struct {
	RequestID int
	Path      string
	User      string
	Payload   []byte
}

var (
	priceTable map[string]*Product
	auditLog   []*AuditEntry
	sink       int // keeps churn from being optimised away
)

//go:noinline
func loadPriceTable(n int) {
	priceTable = make(map[string]*Product, n)
	for i := 0; i < n; i++ {
		sku := fmt.Sprintf("SKU-%06d", i)
		priceTable[sku] = &Product{SKU: sku, Name: "product " + sku, Price: int64(i) * 100, Tags: []string{"a", "b"}}
	}
}

//go:noinline
func newAuditEntry(id int, path string) *AuditEntry {
	return &AuditEntry{RequestID: id, Path: path, User: fmt.Sprintf("user-%d", id%97), Payload: make([]byte, 128)}
}

//go:noinline
func renderResponse(id int) []byte {
	var b strings.Builder
	for i := 0; i < 16; i++ {
		fmt.Fprintf(&b, "line %d of response %d\n", i, id)
	}
	return []byte(b.String())
}

//go:noinline
func handleRequest(id int, leak bool) {
	if leak {
		auditLog = append(auditLog, newAuditEntry(id, "/checkout"))
	}
	sink += len(renderResponse(id))
}

// planted is what <prefix>.planted.json records, for the tests to check the reader against.
type planted struct {
	Go         string     `json:"go"`
	GOARCH     string     `json:"goarch"`
	Command    string     `json:"command"`
	Requests   int        `json:"requests_per_dump"`
	Products   int        `json:"products"`
	Leak       bool       `json:"leak"`
	Dumps      []dumpInfo `json:"dumps"`
	ChurnBytes int        `json:"-"`
}

type dumpInfo struct {
	File         string `json:"file"`
	Requests     int    `json:"requests"`
	AuditEntries int    `json:"audit_entries"` // *AuditEntry in auditLog
	Products     int    `json:"products"`      // *Product in priceTable
	HeapObjects  uint64 `json:"heap_objects"`  // runtime.MemStats.HeapObjects just before the dump
	Bytes        int64  `json:"bytes"`         // size of the uncompressed dump
}

func main() {
	out := flag.String("out", "testdata/godump", "directory to write the dumps to")
	prefix := flag.String("prefix", "heap", "file name prefix: <prefix>1.dump.gz, ...")
	n := flag.Int("n", 4, "number of dumps")
	requests := flag.Int("requests", 1000, "requests served between dumps")
	products := flag.Int("products", 5000, "rows in the price table (static leak)")
	churnOnly := flag.Bool("churn-only", false, "write a control series with churn and no leak")
	big := flag.Int("big", 0, "write one uncompressed dump <prefix>.dump of a process holding about this many objects")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	if *big > 0 {
		writeBig(filepath.Join(*out, *prefix+".dump"), *big)
		return
	}
	p := planted{Go: runtime.Version(), GOARCH: runtime.GOARCH, Requests: *requests, Products: *products, Leak: !*churnOnly,
		Command: "go run -trimpath ./testdata/gen/godump " + strings.Join(os.Args[1:], " ")}
	id := 0
	for snap := 1; snap <= *n; snap++ {
		if snap == 2 && !*churnOnly {
			loadPriceTable(*products)
		}
		for i := 0; i < *requests; i++ {
			id++
			handleRequest(id, !*churnOnly)
		}
		path := filepath.Join(*out, fmt.Sprintf("%s%d.dump.gz", *prefix, snap))
		d := dumpInfo{File: filepath.Base(path), Requests: id, AuditEntries: len(auditLog), Products: len(priceTable)}
		d.HeapObjects, d.Bytes = writeDump(path)
		p.Dumps = append(p.Dumps, d)
		fmt.Println("wrote", path)
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*out, *prefix+".planted.json"), append(b, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
	runtime.KeepAlive(priceTable)
	runtime.KeepAlive(auditLog)
	runtime.KeepAlive(sink)
}

// writeDump writes a heap dump, gzip'd, to path, and returns the heap's object count just
// before and the uncompressed size. The dump goes to a temporary file first: WriteHeapDump
// writes to a file descriptor, not an io.Writer.
func writeDump(path string) (objects uint64, size int64) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".dump-*")
	if err != nil {
		log.Fatal(err)
	}
	defer os.Remove(tmp.Name())
	runtime.GC() // what is garbage now is not in the dump
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	debug.WriteHeapDump(tmp.Fd())
	if size, err = tmp.Seek(0, io.SeekEnd); err != nil {
		log.Fatal(err)
	}
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
	return ms.HeapObjects, size
}

// node is the big dump's object: a tree of them, each holding a short string.
type node struct {
	left, right *node
	name        string
	n           int
}

var forest []*node

//go:noinline
func newNode(i int) *node {
	return &node{name: "n", n: i}
}

// writeBig builds a binary tree of n nodes (each node is one object), drops the slice that
// built it, and dumps it.
func writeBig(path string, n int) {
	nodes := make([]*node, n)
	for i := range nodes {
		nodes[i] = newNode(i)
		if i > 0 {
			p := nodes[(i-1)/2]
			if i%2 == 1 {
				p.left = nodes[i]
			} else {
				p.right = nodes[i]
			}
		}
	}
	forest = []*node{nodes[0]}
	nodes = nil
	runtime.GC()
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	start := time.Now()
	debug.WriteHeapDump(f.Fd()) // the world is stopped for all of it
	stopped := time.Since(start)
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("wrote %s: %d heap objects, %.1f s with the world stopped\n", path, ms.HeapObjects, stopped.Seconds())
	runtime.KeepAlive(forest)
}
