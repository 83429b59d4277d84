// Command memsee finds memory leaks in heap dumps and heap profiles. See README.md.
package main

import "os"

func main() {
	preemptByCalls()
	os.Exit(Main())
}
