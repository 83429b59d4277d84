// Command live is a small Go service with net/http/pprof, for the end-to-end tests of memsee
// load URL, capture and watch (cmd/memsee/live_test.go):
//
//   - -mode leak: every tick keeps a new *Session in the global sessions, never trimmed (an
//     incremental leak, held by a Go global);
//   - -mode churn: every tick makes a *Session and drops the one before: nothing grows;
//   - -objects N: N small objects kept from the start (a heap of N objects, to measure
//     captures against).
//
// A tick that comes more than 50 ms late says so on stderr ("paused 120 ms"): how long a
// capture stopped the program.
//
// It listens on -addr (port 0 for any) and prints "listening on http://<address>" once it does.
// By hand:
//
//	go run ./testdata/gen/live/go -addr localhost:6060 -mode leak &
//	memsee watch http://localhost:6060/debug/pprof/heap --every 5s
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"time"
)

// Session is what the service keeps for each tick.
type Session struct {
	ID   int
	Data []byte
}

// Item is one of the -objects kept from the start.
type Item struct {
	Next *Item
	N    int
}

var (
	sessions []*Session // -mode leak: appended to at every tick, never trimmed
	current  *Session   // -mode churn: the last one only
	items    *Item      // -objects: a list of N items
)

//go:noinline
func newSession(id, size int) *Session {
	return &Session{ID: id, Data: make([]byte, size)}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	mode := flag.String("mode", "leak", "leak or churn")
	tick := flag.Duration("tick", 10*time.Millisecond, "time between two sessions")
	size := flag.Int("size", 16<<10, "bytes per session")
	objects := flag.Int("objects", 0, "small objects to keep from the start")
	flag.Parse()
	runtime.MemProfileRate = 4096 // a profile that sees small growth
	for i := 0; i < *objects; i++ {
		items = &Item{Next: items, N: i}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		last := time.Now()
		for id := 0; ; id++ {
			s := newSession(id, *size)
			if *mode == "leak" {
				sessions = append(sessions, s)
			} else {
				current = s
			}
			time.Sleep(*tick)
			if late := time.Since(last) - *tick; late > 50*time.Millisecond {
				fmt.Fprintf(os.Stderr, "paused %d ms\n", late.Milliseconds())
			}
			last = time.Now()
		}
	}()
	fmt.Printf("listening on http://%s\n", ln.Addr())
	os.Stdout.Sync()
	log.Fatal(http.Serve(ln, nil))
}
