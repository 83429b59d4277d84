package main

import (
	"errors"
	"log"
	"sync"
	"time"
)

// Conn is a client's connection, with its buffers.
type Conn struct {
	ID       int
	rbuf     []byte
	wbuf     []byte
	pings    int
	lastPing time.Time
	closed   chan struct{}
}

var errClosed = errors.New("connection closed")

// ping writes a heartbeat frame to the client.
func (c *Conn) ping(now time.Time) error {
	select {
	case <-c.closed:
		return errClosed
	default:
	}
	c.wbuf = append(c.wbuf[:0], "PING "...)
	c.wbuf = now.AppendFormat(c.wbuf, time.RFC3339)
	c.pings++
	c.lastPing = now
	return nil
}

// heartbeats counts the fixed service's heartbeats still running.
var heartbeats sync.WaitGroup

func openConnection(id int) {
	c := &Conn{ID: id, rbuf: make([]byte, 4096), wbuf: make([]byte, 4096), closed: make(chan struct{})}
	if leaky {
		go heartbeat(c, time.Hour)
		return
	}
	heartbeats.Add(1)
	go heartbeatUntilClosed(c, time.Hour)
	close(c.closed) // the client leaves
}

// heartbeat pings the client at every tick. Nothing stops the ticker, so the loop never ends,
// and the goroutine keeps the ticker and the connection (Go collects a ticker nobody refers
// to, but this one has a goroutine waiting on it).
func heartbeat(c *Conn, every time.Duration) {
	t := time.NewTicker(every)
	for now := range t.C {
		if err := c.ping(now); err != nil {
			log.Printf("conn %d: heartbeat: %v", c.ID, err)
		}
	}
}

// heartbeatUntilClosed is heartbeat fixed: it stops its ticker and returns when the
// connection closes.
func heartbeatUntilClosed(c *Conn, every time.Duration) {
	defer heartbeats.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case now := <-t.C:
			if err := c.ping(now); err != nil {
				return
			}
		case <-c.closed:
			return
		}
	}
}
