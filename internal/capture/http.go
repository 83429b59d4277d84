package capture

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// maxRedirects bounds the redirects a fetch follows.
const maxRedirects = 5

// HTTPError is a server's answer that is not a 2xx: the fetch wrote nothing.
type HTTPError struct {
	URL    string
	Status string
	Body   string // the start of the server's message, for the user
}

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("%s: the server answered %s", e.URL, e.Status)
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// isGoHeapEndpoint reports whether u is net/http/pprof's heap or allocs profile.
func isGoHeapEndpoint(u *url.URL) bool {
	return strings.HasSuffix(u.Path, "/debug/pprof/heap") || strings.HasSuffix(u.Path, "/debug/pprof/allocs")
}

// isHeapDumpURL reports whether u is the endpoint of memsee's Go dumper (memsee dumper go),
// which answers a POST with the path of the dump it wrote.
func isHeapDumpURL(u *url.URL) bool {
	return strings.HasSuffix(u.Path, "/debug/heapdump")
}

// profileURL is u as fetched: a Go heap profile is asked to collect garbage first (gc=1), so
// that it counts what is live now, unless the URL says otherwise.
func profileURL(u *url.URL) *url.URL {
	if !isGoHeapEndpoint(u) {
		return u
	}
	q := u.Query()
	if q.Has("gc") {
		return u
	}
	q.Set("gc", "1")
	c := *u
	c.RawQuery = q.Encode()
	return &c
}

func httpClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			DisableCompression:    true, // a file is kept as the server sends it; the reader gunzips
			ResponseHeaderTimeout: 0,    // a dump may take minutes to begin: the context bounds it
		},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > maxRedirects {
				return fmt.Errorf("more than %d redirects (the last to %s)", maxRedirects, req.URL.Redacted())
			}
			return nil
		},
	}
}

// takeHTTP fetches t's URL into a file: a profile or dump served over HTTP, or, from the Go
// dumper's endpoint, the dump it wrote on this machine.
func takeHTTP(ctx context.Context, t Target, o Options) (*Snapshot, error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout())
	defer cancel()
	start := o.now()
	if isHeapDumpURL(t.URL) {
		return heapDump(ctx, t, o, start)
	}
	u := profileURL(t.URL)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", t.URL.Redacted(), err)
	}
	resp, err := do(req, o)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	base := path.Base(t.URL.Path)
	if base == "." || base == "/" || base == "" {
		base = t.URL.Hostname()
	}
	s := &Snapshot{Source: u.Redacted(), Label: stampedLabel(base, start), TakenAt: start}
	if err := s.save(resp.Body, o, s.Label+".gz"); err != nil {
		return nil, fmt.Errorf("fetching %s: %w", u.Redacted(), err)
	}
	return s, nil
}

// do sends req and returns a 2xx response; anything else is an error that says what went wrong:
// a timeout, a refused connection, a redirect loop, the server's status.
func do(req *http.Request, o Options) (*http.Response, error) {
	resp, err := httpClient().Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("fetching %s: no complete answer within %s (pass a longer --timeout for a large heap)", req.URL.Redacted(), o.timeout())
		}
		return nil, fmt.Errorf("fetching %s: %w", req.URL.Redacted(), err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		body := strings.TrimSpace(strings.ToValidUTF8(string(b), "?"))
		body, _, _ = strings.Cut(body, "\n")
		return nil, &HTTPError{URL: req.URL.Redacted(), Status: resp.Status, Body: body}
	}
	return resp, nil
}

// save streams r into the snapshot's file: a new temporary file (0600) or, with --keep, a new
// file named name in that directory. Past o.MaxBytes, or on any error, nothing is left.
func (s *Snapshot) save(r io.Reader, o Options, name string) (err error) {
	var f *os.File
	if o.Keep != "" {
		f, err = os.OpenFile(filepath.Join(o.Keep, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	} else {
		f, err = os.CreateTemp("", "memsee-capture-*-"+name) // 0600
	}
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	n, err := io.Copy(f, io.LimitReader(r, o.maxBytes()+1))
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("not complete within %s (pass a longer --timeout for a large heap)", o.timeout())
		}
		return err
	}
	if n > o.maxBytes() {
		return fmt.Errorf("%w (%d bytes)", ErrTooLarge, o.maxBytes())
	}
	if n == 0 {
		return errors.New("the server sent nothing")
	}
	s.Path = f.Name()
	if o.Keep != "" {
		s.Kept = f.Name()
	} else {
		s.temp = true
	}
	return nil
}

// heapDump asks the Go dumper's endpoint for a dump, which it writes on the machine it runs
// on and names in its answer. Only a dumper on this machine can be loaded from: its file is
// here.
func heapDump(ctx context.Context, t Target, o Options, start time.Time) (*Snapshot, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("asking %s for a heap dump: %w", t.URL.Redacted(), err)
	}
	resp, err := do(req, o)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	line, err := bufio.NewReader(io.LimitReader(resp.Body, 4096)).ReadString('\n')
	file := strings.TrimSpace(line)
	if file == "" || !filepath.IsAbs(file) {
		return nil, fmt.Errorf("asking %s for a heap dump: the answer %q is not the path of a dump (is it memsee's Go dumper?)", t.URL.Redacted(), file)
	}
	_ = err // a path without its newline is still a path
	if !isLoopback(t.URL.Hostname()) {
		return nil, fmt.Errorf("the Go dumper at %s wrote %s on its own machine: copy it here and memsee load it", t.URL.Redacted(), file)
	}
	fi, err := os.Stat(file)
	if err != nil {
		return nil, fmt.Errorf("the Go dumper at %s wrote %s, which memsee cannot read here: %w", t.URL.Redacted(), file, err)
	}
	if fi.Size() > o.maxBytes() {
		return nil, fmt.Errorf("%s: %w (%d bytes)", file, ErrTooLarge, o.maxBytes())
	}
	name := filepath.Base(file)
	label := strings.TrimSuffix(strings.TrimSuffix(name, ".gz"), ".dump")
	return ownDump(file, t.URL.Redacted(), label, start, o), nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
