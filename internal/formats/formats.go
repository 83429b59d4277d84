// Package formats is the one list of the formats memsee reads. Each line registers a format's
// package (its heap.Handler), in the order their Sniff is tried: the first that claims a file's
// first bytes reads it. A new format is one package and one line here.
//
// A program that loads or reads snapshots imports this package (internal/loader does), so that
// every format is registered before heap.Handlers or heap.Lookup is asked.
package formats

import (
	"github.com/memsee/memsee/internal/heap"
	"github.com/memsee/memsee/internal/heap/godump"
	"github.com/memsee/memsee/internal/heap/hprof"
	"github.com/memsee/memsee/internal/heap/meliae"
	"github.com/memsee/memsee/internal/heap/pprof"
	"github.com/memsee/memsee/internal/heap/ruby"
	"github.com/memsee/memsee/internal/heap/v8"
)

func init() {
	heap.Register(
		pprof.Reader{},
		meliae.Reader{},
		v8.Reader{},
		hprof.Reader{},
		godump.Reader{},
		ruby.Reader{},
	)
}
