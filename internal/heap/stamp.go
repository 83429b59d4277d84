package heap

import (
	"time"
)

// StampLayout is how memsee's dumpers write the time a dump was taken into the names they
// choose: UTC, ISO 8601 basic format, to the second (20261129T184512Z). It sorts as text in
// time order and says its zone, so a name read on another machine means the same instant.
const StampLayout = "20060102T150405Z"

// ParseStamp reads a time written in StampLayout; false for anything else.
func ParseStamp(s string) (time.Time, bool) {
	if len(s) != len(StampLayout) {
		return time.Time{}, false
	}
	t, err := time.Parse(StampLayout, s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}
