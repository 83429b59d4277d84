package main

import (
	"strconv"
	"strings"
)

// outputWidth is the width tables on stdout must fit: $COLUMNS when it is set to a number
// (columns is its value), else the terminal's (size is golang.org/x/term's GetSize on stdout,
// asked only when stdout is a terminal), else 0: output that goes to a file or a pipe is
// never cut.
func outputWidth(columns string, tty bool, size func() (int, error)) int {
	if n, err := strconv.Atoi(strings.TrimSpace(columns)); err == nil && n > 0 {
		return n
	}
	if !tty {
		return 0
	}
	if n, err := size(); err == nil && n > 0 {
		return n
	}
	return 0
}
