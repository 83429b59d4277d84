package capture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// defaultInspector is where SIGUSR1 opens a Node process's inspector.
const defaultInspector = "127.0.0.1:9229"

// maxMessage bounds one message from the inspector: a chunk of the snapshot is far smaller.
const maxMessage = 64 << 20

// takeNode asks a Node process's inspector for a heap snapshot (the DevTools protocol's
// HeapProfiler.takeHeapSnapshot) and writes the chunks it streams to a file.
func takeNode(ctx context.Context, t Target, o Options) (*Snapshot, error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout())
	defer cancel()
	addr := ""
	switch {
	case t.URL != nil && t.URL.Scheme == "ws":
		addr = t.URL.Host
	case t.URL != nil:
		addr = t.URL.Host
	default:
		if err := openInspector(ctx, t.PID, o); err != nil {
			return nil, err
		}
		addr = defaultInspector
	}
	ws := ""
	if t.URL != nil && t.URL.Scheme == "ws" {
		ws = t.URL.String()
	} else {
		var err error
		if ws, err = debuggerURL(ctx, addr, o); err != nil {
			return nil, err
		}
	}
	start := o.now()
	s := &Snapshot{Source: t.Raw, Label: stampedLabel("node", start), TakenAt: start}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- s.save(pr, o, s.Label+".heapsnapshot") }()
	err := heapSnapshot(ctx, ws, pw)
	pw.CloseWithError(err)
	if serr := <-done; err == nil {
		err = serr
	}
	if err != nil {
		s.Remove()
		return nil, fmt.Errorf("capturing %s: %w", t.Raw, err)
	}
	return s, nil
}

// debuggerURL asks the inspector at addr (its HTTP side, /json/list) for the WebSocket URL of
// the process.
func debuggerURL(ctx context.Context, addr string, o Options) (string, error) {
	u := &url.URL{Scheme: "http", Host: addr, Path: "/json/list"}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", err
	}
	resp, err := do(req, o)
	if err != nil {
		return "", fmt.Errorf("%w\nno Node inspector answers at %s: start node with --inspect=%s, or capture node:PID --open-inspector to open it with SIGUSR1", err, addr, addr)
	}
	defer resp.Body.Close()
	var list []struct {
		Type string `json:"type"`
		URL  string `json:"webSocketDebuggerUrl"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&list); err != nil {
		return "", fmt.Errorf("%s is not a Node inspector: %w", addr, err)
	}
	for _, l := range list {
		if l.URL != "" && (l.Type == "node" || l.Type == "") {
			return l.URL, nil
		}
	}
	return "", fmt.Errorf("the inspector at %s lists no Node process to attach to (is a debugger attached already?)", addr)
}

// heapSnapshot runs HeapProfiler.takeHeapSnapshot over the WebSocket at ws and writes the
// snapshot's chunks to w as they come.
func heapSnapshot(ctx context.Context, ws string, w io.Writer) error {
	c, _, err := websocket.Dial(ctx, ws, nil)
	if err != nil {
		return fmt.Errorf("connecting to the inspector: %w", err)
	}
	defer c.CloseNow()
	c.SetReadLimit(maxMessage)
	const snapshotID = 1
	req, _ := json.Marshal(map[string]any{"id": snapshotID, "method": "HeapProfiler.takeHeapSnapshot",
		"params": map[string]any{"reportProgress": false}})
	if err := c.Write(ctx, websocket.MessageText, req); err != nil {
		return fmt.Errorf("asking the inspector for a snapshot: %w", err)
	}
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return errors.New("the snapshot was not complete within the timeout (pass a longer --timeout for a large heap)")
			}
			return fmt.Errorf("reading the snapshot: %w", err)
		}
		var m struct {
			ID     int    `json:"id"`
			Method string `json:"method"`
			Params struct {
				Chunk string `json:"chunk"`
			} `json:"params"`
			Error *struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("the inspector sent a message that is not JSON: %w", err)
		}
		switch {
		case m.Method == "HeapProfiler.addHeapSnapshotChunk":
			if _, err := io.WriteString(w, m.Params.Chunk); err != nil {
				return err
			}
		case m.ID == snapshotID && m.Error != nil:
			return fmt.Errorf("the inspector refused: %s", m.Error.Message)
		case m.ID == snapshotID:
			c.Close(websocket.StatusNormalClosure, "")
			return nil
		}
	}
}

// openInspector sends SIGUSR1 to a Node process, which opens its inspector on
// 127.0.0.1:9229, and waits for it to listen. Only asked for (--open-inspector), and only to
// a process whose executable is node: to anything else the signal could be fatal.
func openInspector(ctx context.Context, pid int, o Options) error {
	if !o.OpenInspector {
		return fmt.Errorf("node:%d: memsee sends a process no signal unless asked: pass --open-inspector to open its inspector with SIGUSR1 (on %s), or start node with --inspect and capture node://HOST:PORT", pid, defaultInspector)
	}
	if _, err := runs(fmt.Sprintf("node:%d", pid), pid, "node"); err != nil {
		return err
	}
	// The snapshot must be of this process: the port may be another's, whose inspector
	// memsee would otherwise ask.
	if mine, err := listens(pid, inspectorPort); err != nil {
		return fmt.Errorf("node:%d: %w", pid, err)
	} else if mine {
		return nil // opened before
	}
	if c, err := net.DialTimeout("tcp", defaultInspector, time.Second); err == nil {
		c.Close()
		return fmt.Errorf("node:%d: another process listens on %s, where SIGUSR1 would open its inspector: no signal sent; start node with --inspect=127.0.0.1:PORT and capture node://127.0.0.1:PORT", pid, defaultInspector)
	}
	if err := kill(pid, sigUSR1); err != nil {
		return fmt.Errorf("node:%d: sending SIGUSR1: %w", pid, err)
	}
	for {
		if mine, _ := listens(pid, inspectorPort); mine {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("node:%d: its inspector did not open on %s after SIGUSR1", pid, defaultInspector)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// inspectorPort is defaultInspector's port.
const inspectorPort = 9229

// listens reports whether process pid has a socket listening on 127.0.0.1:port: the
// socket's inode in /proc/net/tcp (state 0A, listening) among the process's descriptors.
func listens(pid, port int) (bool, error) {
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return false, err
	}
	want := fmt.Sprintf("0100007F:%04X", port)
	inodes := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 9 && f[1] == want && f[3] == "0A" {
			inodes["socket:["+f[9]+"]"] = true
		}
	}
	if len(inodes) == 0 {
		return false, nil
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return false, err
	}
	for _, fd := range fds {
		if l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); err == nil && inodes[l] {
			return true, nil
		}
	}
	return false, nil
}
