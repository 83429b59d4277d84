package main

import (
	"errors"
	"os"
)

// colorMode is --color: auto (the default: colour on a terminal), always or never.
type colorMode string

func (m *colorMode) String() string {
	if *m == "" {
		return "auto"
	}
	return string(*m)
}

func (m *colorMode) Set(s string) error {
	switch s {
	case "auto", "always", "never":
		*m = colorMode(s)
		return nil
	}
	return errors.New("want auto, always or never")
}

func (m *colorMode) Type() string { return "when" }

// on reports whether a stream is coloured: always, never, or (auto) when auto says so.
func (m colorMode) on(auto bool) bool {
	switch m {
	case "always":
		return true
	case "never":
		return false
	}
	return auto
}

// colorWords are --color's values, for completion.
var colorWords = []string{"auto\tcolour on a terminal (the default)", "always\tcolour even into a pipe (less -R)", "never\tno colour"}

// colorAuto reports whether --color=auto colours a stream, from the environment (getenv) and
// whether the stream is a terminal (tty): NO_COLOR set to anything (no-color.org) turns colour
// off; CLICOLOR_FORCE set to anything but 0 turns it on even into a pipe; else a terminal
// is coloured unless TERM says it is dumb. --color=always and --color=never override both
// variables, as no-color.org asks of a flag.
func colorAuto(getenv func(string) string, tty bool) bool {
	if getenv("NO_COLOR") != "" {
		return false
	}
	if f := getenv("CLICOLOR_FORCE"); f != "" && f != "0" {
		return true
	}
	return tty && getenv("TERM") != "dumb"
}

// setColorAuto records what --color=auto means for stdout and stderr of this process.
func (s *IOStreams) setColorAuto() {
	s.ColorOut = colorAuto(os.Getenv, s.OutTTY)
	s.ColorErr = colorAuto(os.Getenv, s.ErrTTY)
}

// colorFlagHelp is --color's line in --help.
const colorFlagHelp = "colour on a terminal: auto, always (even into a pipe, for less -R) or never; NO_COLOR turns auto off"
