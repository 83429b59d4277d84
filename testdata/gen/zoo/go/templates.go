package main

import (
	"bytes"
	"fmt"
)

// receiptFooter is the footer of every mailed receipt: a sub-slice of the template bundle it
// was cut from, so it keeps the whole bundle (the static leak of a sub-slice).
var receiptFooter []byte

// loadTemplates builds the bundle of mail templates and keeps the footer.
func loadTemplates() {
	bundle := make([]byte, 0, 512<<10)
	for i := 0; len(bundle) < cap(bundle)-128; i++ {
		bundle = fmt.Appendf(bundle, "<p class=\"t%d\">Thank you for shopping with us.</p>\n", i)
	}
	footer := bundle[len(bundle)-64:]
	if leaky {
		receiptFooter = footer
	} else {
		receiptFooter = bytes.Clone(footer)
	}
}
