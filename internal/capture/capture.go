// Package capture takes one snapshot of a running process: it fetches a heap profile or dump
// over HTTP, asks a Node process's inspector for a heap snapshot, a JVM for a heap dump (jcmd),
// or a Python process running memsee's dumper for one (by signal), and leaves it in a file for
// the loader. It never reads what it captures: which format a file holds is the loader's
// business, through the registry.
package capture

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/memsee/memsee/internal/heap"
)

// Runtime is the kind of process a Target is.
type Runtime string

// The runtimes memsee captures from.
const (
	RuntimeHTTP   Runtime = "http"   // any URL serving a profile or dump (Go's net/http/pprof, the Go dumper)
	RuntimeNode   Runtime = "node"   // a Node process's inspector
	RuntimeJVM    Runtime = "jvm"    // a JVM, through jcmd (or jmap)
	RuntimePython Runtime = "python" // a Python process running memsee's dumper
	RuntimeRuby   Runtime = "ruby"   // a Ruby process running memsee's dumper
)

// Target is a process to capture from, as the user wrote it.
type Target struct {
	Runtime Runtime
	URL     *url.URL // RuntimeHTTP; RuntimeNode when given by address
	PID     int      // RuntimeJVM, RuntimePython, RuntimeRuby; RuntimeNode when given by process id
	Raw     string
}

// String is the target as the user wrote it.
func (t Target) String() string { return t.Raw }

// TargetSyntax says, for help and errors, how a target is written.
const TargetSyntax = `http://HOST:PORT/debug/pprof/heap   a Go service's heap profile (net/http/pprof), or any URL serving a profile or dump
http://HOST:PORT/debug/heapdump     the Go dumper's endpoint (memsee dumper go): a heap dump, on this machine
node://HOST:PORT                    a Node process's inspector (node --inspect=HOST:PORT)
node:PID                            a Node process without one: --open-inspector sends it SIGUSR1 to open 127.0.0.1:9229
jvm:PID                             a JVM on this machine, through jcmd (or jmap)
python:PID                          a Python process that runs memsee's dumper (memsee dumper python), by its signal
ruby:PID                            a Ruby process that runs memsee's dumper (memsee dumper ruby), by its signal`

// IsURL reports whether s is an http or https URL, which load fetches rather than opens.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// ParseTarget reads a target: a URL (http, https, node, ws) or RUNTIME:PID.
func ParseTarget(s string) (Target, error) {
	t := Target{Raw: s}
	if IsURL(s) || strings.HasPrefix(s, "node://") || strings.HasPrefix(s, "ws://") {
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return t, fmt.Errorf("target %q: not a URL with a host", s)
		}
		t.URL = u
		switch u.Scheme {
		case "http", "https":
			t.Runtime = RuntimeHTTP
		default:
			t.Runtime = RuntimeNode
		}
		return t, nil
	}
	rt, pid, ok := strings.Cut(s, ":")
	if !ok {
		return t, fmt.Errorf("target %q: want a URL or RUNTIME:PID (jvm:4242)", s)
	}
	switch Runtime(rt) {
	case RuntimeNode, RuntimeJVM, RuntimePython, RuntimeRuby:
		t.Runtime = Runtime(rt)
	default:
		return t, fmt.Errorf("target %q: memsee captures from go (a URL), node, jvm, python and ruby, not %q", s, rt)
	}
	n, err := strconv.Atoi(pid)
	if err != nil || n <= 0 {
		return t, fmt.Errorf("target %q: %q is not a process id", s, pid)
	}
	t.PID = n
	return t, nil
}

// Options control a capture.
type Options struct {
	// Timeout bounds the whole capture, the dump and its transfer; 0: DefaultTimeout.
	Timeout time.Duration
	// MaxBytes bounds what a capture writes; 0: DefaultMaxBytes.
	MaxBytes int64
	// Keep is a directory to keep the captured file in; "": memsee's temporary file, removed
	// by Snapshot.Remove.
	Keep string
	// DumpDir is where the Python dumper writes its dumps; "": its MEMSEE_DUMP_DIR.
	DumpDir string
	// OpenInspector lets a capture from node:PID send the process SIGUSR1, which opens its
	// inspector on 127.0.0.1:9229 (and leaves it open).
	OpenInspector bool
	// Now is the clock; nil: time.Now.
	Now func() time.Time
}

// DefaultTimeout bounds a capture when Options.Timeout is not set: a dump of a few GB.
const DefaultTimeout = 5 * time.Minute

// DefaultMaxBytes bounds a captured file when Options.MaxBytes is not set.
const DefaultMaxBytes int64 = 64 << 30

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}

func (o Options) maxBytes() int64 {
	if o.MaxBytes > 0 {
		return o.MaxBytes
	}
	return DefaultMaxBytes
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// Snapshot is a captured file, ready for the loader.
type Snapshot struct {
	Path    string    // the file to load
	Source  string    // where it came from: the URL or target
	Label   string    // the label to load it as, unless the user gives one
	TakenAt time.Time // when it was captured: when the fetch or the dump began
	// Kept is where the file stays after the load (with --keep); "": nothing stays.
	Kept string
	temp bool   // Path is memsee's temporary file, removed by Remove
	dir  string // memsee's temporary directory Path is in, removed by Remove after it
}

// Remove deletes the snapshot's file if it is memsee's temporary file.
func (s *Snapshot) Remove() error {
	if s == nil || !s.temp {
		return nil
	}
	s.temp = false
	if err := os.Remove(s.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if s.dir != "" {
		return os.Remove(s.dir)
	}
	return nil
}

// ownDump is a dump the target's own dumper wrote into its directory at memsee's request (the
// Python dumper, the Go dumper): removed after the load as memsee's own files are, unless
// Options.Keep says to keep what is captured, and then it stays where the dumper wrote it.
func ownDump(path, source, label string, at time.Time, o Options) *Snapshot {
	s := &Snapshot{Path: path, Source: source, Label: label, TakenAt: at}
	if o.Keep != "" {
		s.Kept = path
	} else {
		s.temp = true
	}
	return s
}

// ErrTooLarge is returned when a capture passes Options.MaxBytes.
var ErrTooLarge = errors.New("larger than the capture's limit")

// stampedLabel is base followed by the time t, as memsee's dumpers write it (heap.StampLayout):
// snapshots captured one after another get labels of their own, in the order taken.
func stampedLabel(base string, t time.Time) string {
	return base + "-" + t.UTC().Format(heap.StampLayout)
}

// Cost says what capturing from t costs the target process, before it begins: how long it
// pauses, what memory and disk it takes. The figures were measured on processes of about a
// million objects (README: Watch a service, with the machine); a busy machine takes longer.
func (t Target) Cost() string {
	switch t.Runtime {
	case RuntimeHTTP:
		if isHeapDumpURL(t.URL) {
			return "the Go dumper stops the world while it writes the dump (0.1 to 0.25 s measured at 1M objects) and writes a file about the size of the live heap into its directory, removed after the load"
		}
		if isGoHeapEndpoint(t.URL) {
			return "a garbage collection first (gc=1) and a profile of a few KB: no pause past the collector's (none over 50 ms measured at 1M objects), a few MB of memory"
		}
		return "whatever the server does to answer " + t.URL.Path
	case RuntimeNode:
		return "V8 stops the process for the whole snapshot (4.5 to 8 s measured at 1M objects on a busy machine) and grows its memory by several times the heap while it writes it (+330 to +410 MB for a 45 MiB heap), which the process may keep"
	case RuntimeJVM:
		return "the JVM stops for a full GC and the dump (0.4 to 2 s measured at 1M objects) and writes a gzip'd dump (9 MB at 1M objects) to this machine's temporary directory, removed after the load"
	case RuntimePython:
		return "the dumper stops the process while it writes (7.5 to 11 s measured at 1M objects on a busy machine; about 2 s on an idle one, by the dumper's own figure), takes 11 to 28 MB more, and writes a gzip'd dump (12 MB at 1M objects) into its directory, removed after the load"
	case RuntimeRuby:
		return "the dumper runs a full GC, then dump_all holds the process for the whole dump (1.7 to 1.9 s measured at 1M objects with allocation tracing on, 1 s without), then gzips it while the program runs, and writes the dump into its directory, removed after the load"
	}
	return ""
}

// Take captures one snapshot of t. The caller loads it and then calls Snapshot.Remove.
func Take(ctx context.Context, t Target, o Options) (*Snapshot, error) {
	if o.Keep != "" {
		if fi, err := os.Stat(o.Keep); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("--keep %s: not a directory", o.Keep)
		}
	}
	switch t.Runtime {
	case RuntimeHTTP:
		return takeHTTP(ctx, t, o)
	case RuntimeNode:
		return takeNode(ctx, t, o)
	case RuntimeJVM:
		return takeJVM(ctx, t, o)
	case RuntimePython:
		return takePython(ctx, t, o)
	case RuntimeRuby:
		return takeRuby(ctx, t, o)
	}
	return nil, fmt.Errorf("target %q: no runtime", t.Raw)
}
