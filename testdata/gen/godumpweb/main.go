// Command godumpweb is a small web service that takes its heap dumps with the dumper memsee
// ships, as a user's program would, for memsee's end-to-end test of `load --binary`
// (TestGoDumpWeb in cmd/memsee):
//
//   - it is built from this file and heapdump.go, the output of `memsee dumper go` taken
//     verbatim (the test writes both into a new module and builds them there), so the
//     executable links net/http, as every program that uses the dumper does;
//   - every POST /order keeps an *Order in the global recentOrders, which is never trimmed:
//     the leak, held by a Go global;
//   - POST /debug/heapdump (the dumper's) writes a dump and answers with its path.
//
// It listens on -addr and prints "listening on http://<address>" once it does, so that a
// test can ask for port 0. By hand:
//
//	mkdir /tmp/web && cp testdata/gen/godumpweb/main.go /tmp/web/ && cd /tmp/web
//	memsee dumper go > heapdump.go && go mod init godumpweb && go build -trimpath -o server .
//	MEMSEE_DUMP_DIR=$PWD ./server -addr localhost:6060 &
//	for i in $(seq 500); do curl -s -X POST localhost:6060/order >/dev/null; done
//	curl -s -X POST localhost:6060/debug/heapdump
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
)

// Order is what the service keeps for every order it takes.
type Order struct {
	ID       int
	Customer string
	Lines    []byte
}

var (
	ordersMu     sync.Mutex
	recentOrders []*Order // the leak: appended to by every order, never trimmed
	nextID       int
)

//go:noinline
func newOrder(id int) *Order {
	return &Order{ID: id, Customer: "customer-" + strconv.Itoa(id%50), Lines: make([]byte, 1024)}
}

func order(w http.ResponseWriter, r *http.Request) {
	ordersMu.Lock()
	nextID++
	o := newOrder(nextID)
	recentOrders = append(recentOrders, o)
	n := len(recentOrders)
	ordersMu.Unlock()
	fmt.Fprintf(w, "order %d (%d kept)\n", o.ID, n)
}

func main() {
	addr := flag.String("addr", "localhost:6060", "address to listen on (localhost only: a heap dump holds every byte of the heap)")
	flag.Parse()
	http.HandleFunc("POST /order", order)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on http://%s\n", ln.Addr())
	os.Stdout.Sync()
	log.Fatal(http.Serve(ln, nil))
}
