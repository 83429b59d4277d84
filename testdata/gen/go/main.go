// Command gen writes a series of real Go heap profiles from a small "shop" service with planted
// leaks, for memsee's tests and demo:
//
//   - a static leak: loadPriceTable fills the global priceTable once, before snapshot 2, and it
//     is never released;
//   - an incremental leak: every request appends an *AuditEntry to the global auditLog, which
//     is never trimmed;
//   - churn: every request builds a response buffer that is garbage right after.
//
// With -churn-only it writes a control series that only churns; -cpu writes only a CPU
// profile, which memsee must refuse as not a heap profile; run with GODEBUG=memprofilerate=0,
// it writes heap profiles with nothing in them. Run it through `make testdata`.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
)

func init() {
	// Record every allocation, so that the profile's in-use numbers are exact counts of the
	// planted objects rather than samples. Set before anything else allocates. Unless heap
	// profiling is off (GODEBUG=memprofilerate=0, which the runtime applies before any init):
	// then the profiles are empty, as a build that never profiles writes them.
	if runtime.MemProfileRate != 0 {
		runtime.MemProfileRate = 1
	}
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

func main() {
	out := flag.String("out", "testdata/go", "directory to write the profiles to")
	prefix := flag.String("prefix", "heap", "file name prefix: <prefix>1.pb.gz, ...")
	n := flag.Int("n", 4, "number of snapshots")
	requests := flag.Int("requests", 2000, "requests served between snapshots")
	products := flag.Int("products", 20000, "rows in the price table (static leak)")
	churnOnly := flag.Bool("churn-only", false, "write a control series with churn and no leak")
	cpu := flag.String("cpu", "", "write only a CPU profile (not a heap profile) to this file in -out")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	if *cpu != "" {
		f, err := os.Create(filepath.Join(*out, *cpu))
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		for i := 0; i < 3000000; i++ { // work for the CPU profiler to see
			sink += len(renderResponse(i % 100))
		}
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			log.Fatal(err)
		}
		fmt.Println("wrote", f.Name())
		return
	}
	id := 0
	for snap := 1; snap <= *n; snap++ {
		if snap == 2 && !*churnOnly {
			loadPriceTable(*products)
		}
		for i := 0; i < *requests; i++ {
			id++
			handleRequest(id, !*churnOnly)
		}
		runtime.GC() // the in-use numbers are as of the last GC
		runtime.GC()
		path := filepath.Join(*out, fmt.Sprintf("%s%d.pb.gz", *prefix, snap))
		f, err := os.Create(path)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
			log.Fatal(err)
		}
		if err := f.Close(); err != nil {
			log.Fatal(err)
		}
		fmt.Println("wrote", path)
	}
	runtime.KeepAlive(priceTable)
	runtime.KeepAlive(auditLog)
}
