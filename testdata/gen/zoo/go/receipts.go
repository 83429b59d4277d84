package main

import (
	"fmt"
	"log"
	"sync"
	"sync/atomic"
)

// ReceiptLine is a line of a receipt.
type ReceiptLine struct {
	SKU        string
	Name       string
	Qty        int
	PriceCents int64
}

// Receipt is mailed after a checkout.
type Receipt struct {
	OrderID int
	Email   string
	Lines   []ReceiptLine
	Total   int64
}

// receiptQueue is read by the mailer, which the service forgot to start: every checkout's
// publishReceipt blocks on it forever, and keeps its receipt (the incremental leak of
// goroutines blocked on a channel).
var receiptQueue chan *Receipt

// queuedLines counts the lines of the receipts handed to the mailer, for the metrics page.
var queuedLines atomic.Int64

// mailed counts the receipts on their way, for the fixed service.
var mailed sync.WaitGroup

func checkout(id int, cart *Cart) {
	r := &Receipt{OrderID: id, Email: "customer@example.com", Total: cart.total(),
		Lines: make([]ReceiptLine, 0, 160)}
	for i := range cap(r.Lines) { // the order's lines, with the recommendations mailed with it
		it := cart.Items[i%len(cart.Items)]
		r.Lines = append(r.Lines, ReceiptLine{SKU: "SKU", Name: it.Product.Name, Qty: it.Qty, PriceCents: it.Product.PriceCents})
	}
	if !leaky {
		mailed.Add(1)
	}
	go publishReceipt(r)
}

// publishReceipt hands a receipt to the mailer, and counts its lines once it is taken.
func publishReceipt(r *Receipt) {
	receiptQueue <- r
	queuedLines.Add(int64(len(r.Lines)))
	if debugMail {
		log.Printf("receipt for order %d queued: %d lines", r.OrderID, len(r.Lines))
	}
}

// debugMail logs every receipt handed to the mailer.
var debugMail = false

// runMailer mails the receipts (the fixed service starts it).
func runMailer() {
	for r := range receiptQueue {
		_ = fmt.Sprintf("to %s: order %d, %d lines", r.Email, r.OrderID, len(r.Lines))
		mailed.Done()
	}
}
