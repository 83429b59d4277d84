package heap

import (
	"strings"
	"time"
)

// StampLayout is how memsee's dumpers write the time a dump was taken into the names they
// choose: UTC, ISO 8601 basic format, to the millisecond (20261129T184512.345Z). It says its
// zone, so a name read on another machine means the same instant; and two dumps taken in the
// same second (a test, a script asking for dumps in a row) still have times that order them.
const StampLayout = "20060102T150405.000Z"

// stampSeconds is StampLayout without the fraction, which ParseStamp also reads.
const stampSeconds = "20060102T150405Z"

// ParseStamp reads a time written in StampLayout, or in it without the fraction
// (20261129T184512Z); false for anything else.
func ParseStamp(s string) (time.Time, bool) {
	layout := StampLayout
	if len(s) == len(stampSeconds) {
		layout = stampSeconds
	} else if len(s) != len(StampLayout) {
		return time.Time{}, false
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// DumperNameTime reads the time from a name memsee's dumpers give a dump:
// heap-<pid>-<stamp>-<n><ext>, as heap-4242-20261129T184512.345Z-3.json (ext ".json"), or
// that name gzip'd (.gz after ext). The stamp is ParseStamp's.
func DumperNameTime(base, ext string) (time.Time, bool) {
	base = strings.TrimSuffix(base, ".gz")
	rest, ok := strings.CutSuffix(base, ext)
	if !ok {
		return time.Time{}, false
	}
	parts := strings.Split(rest, "-")
	if len(parts) != 4 || parts[0] != "heap" || !digits(parts[1]) || !digits(parts[3]) {
		return time.Time{}, false
	}
	return ParseStamp(parts[2])
}

func digits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}
