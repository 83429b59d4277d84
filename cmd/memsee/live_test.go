package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The end-to-end tests of load URL, capture and watch run the programs under
// testdata/gen/live as real processes on localhost, one per runtime, and take their snapshots
// with memsee as a user would. Each runtime's test skips, saying so, when its runtime is not
// installed. That a capture leaves no temporary file behind is tested in internal/capture.

// live runs memsee in-process as memsee does, with the real clock: snapshots taken one after
// another must have the times they were taken at.
func live(t *testing.T, db string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	ios := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errb}
	code := run(context.Background(), append([]string{"--db", db}, args...), ios, "", time.Now)
	return result{code, out.String(), errb.String()}
}

// startLive starts cmd and waits for a line on its stdout or stderr that matches ready
// (within a minute), returning the line's submatches. The process is killed when the test
// ends.
func startLive(t *testing.T, cmd *exec.Cmd, ready string) []string {
	t.Helper()
	re := regexp.MustCompile(ready)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", cmd.Path, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		pw.Close()
	})
	found := make(chan []string, 1)
	var said bytes.Buffer
	go func() {
		sc := bufio.NewScanner(pr)
		sent := false
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil && !sent {
				found <- m
				sent = true
			} else if !sent {
				said.WriteString(sc.Text() + "\n")
			}
		}
	}()
	select {
	case m := <-found:
		return m
	case <-time.After(time.Minute):
		t.Fatalf("%s did not say %q within a minute", strings.Join(cmd.Args, " "), ready)
	}
	return nil
}

type lsRow struct {
	Label     string `json:"label"`
	Format    string `json:"format"`
	TakenFrom string `json:"taken_from"`
	Source    string `json:"source"`
	Series    string `json:"series"`
	Objects   int64  `json:"objects"`
}

func lsRows(t *testing.T, db string) []lsRow {
	t.Helper()
	r := memsee(t, db, false, "ls", "--json")
	if r.code != 0 {
		t.Fatalf("ls: exit %d: %s", r.code, r.err)
	}
	var rows []lsRow
	if err := json.Unmarshal([]byte(r.out), &rows); err != nil {
		t.Fatalf("ls --json: %v\n%s", err, r.out)
	}
	return rows
}

// watchFinds runs watch on target and checks that it finds an incremental leak of what held
// by heldBy within --max snapshots, and exits 1.
func watchFinds(t *testing.T, target, what, heldBy string, extra ...string) {
	t.Helper()
	db := filepath.Join(t.TempDir(), "watch.db")
	r := live(t, db, append([]string{"watch", target, "--every", "200ms", "--max", "6"}, extra...)...)
	re := regexp.MustCompile(`(?m)^incremental +` + regexp.QuoteMeta(what) + ` +` + regexp.QuoteMeta(heldBy) + ` `)
	if r.code != 1 || !re.MatchString(r.out) {
		t.Errorf("watch %s: exit %d, want 1 and an incremental %s held by %s:\n%s%s", target, r.code, what, heldBy, r.out, r.err)
	}
	if !strings.Contains(r.err, "each capture: ") {
		t.Errorf("watch %s: it did not say what a capture costs first:\n%s", target, r.err)
	}
}

func TestLiveGo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs gen/live/go")
	}
	t.Parallel() // it mostly waits for the process
	dir := t.TempDir()
	bin := filepath.Join(dir, "live")
	if out, err := exec.Command("go", "build", "-o", bin, "../../testdata/gen/live/go").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	base := startLive(t, exec.Command(bin, "-mode", "leak"), `^listening on (http://\S+)$`)[1]
	heapURL := base + "/debug/pprof/heap"

	t.Run("load URL", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "memsee.db")
		if r := live(t, db, "load", "--series", "api", heapURL); r.code != 0 {
			t.Fatalf("load %s: exit %d: %s", heapURL, r.code, r.err)
		}
		rows := lsRows(t, db)
		if len(rows) != 1 || rows[0].Source != heapURL+"?gc=1" || rows[0].TakenFrom != "dump" || rows[0].Series != "api" ||
			!strings.HasPrefix(rows[0].Label, "heap-") {
			t.Errorf("load %s: got %+v, want one snapshot from %s?gc=1, timed by the profile, in series api", heapURL, rows, heapURL)
		}
	})
	t.Run("load URL refused", func(t *testing.T) {
		for _, tt := range []struct{ url, want string }{
			{base + "/debug/pprof/nothere", "answered 404 Not Found"},
			{"http://127.0.0.1:1/debug/pprof/heap", "connection refused"},
		} {
			db := filepath.Join(t.TempDir(), "memsee.db")
			r := live(t, db, "load", tt.url)
			if r.code != 2 || !strings.Contains(r.err, tt.want) {
				t.Errorf("load %s: exit %d, want 2 and %q: %s", tt.url, r.code, tt.want, r.err)
			}
			if _, err := os.Stat(db); err == nil {
				t.Errorf("load %s: the database was created", tt.url)
			}
		}
	})
	t.Run("capture --keep", func(t *testing.T) {
		db, keep := filepath.Join(t.TempDir(), "memsee.db"), t.TempDir()
		r := live(t, db, "capture", heapURL, "--keep", keep)
		kept, _ := filepath.Glob(filepath.Join(keep, "heap-*.gz"))
		if r.code != 0 || len(kept) != 1 || !strings.Contains(r.err, "a garbage collection first (gc=1)") {
			t.Errorf("capture --keep: exit %d, kept %v, want 0 and one file: %s", r.code, kept, r.err)
		}
	})
	t.Run("watch finds the leak", func(t *testing.T) {
		watchFinds(t, heapURL, "main.newSession", "main.main.func1")
	})
	t.Run("watch churn", func(t *testing.T) {
		churn := startLive(t, exec.Command(bin, "-mode", "churn"), `^listening on (http://\S+)$`)[1]
		db := filepath.Join(t.TempDir(), "watch.db")
		r := live(t, db, "watch", churn+"/debug/pprof/heap", "--every", "200ms", "--max", "4")
		if r.code != 0 || strings.Count(r.out, "snapshot ") != 4 || !strings.Contains(r.out, "no leaks") {
			t.Errorf("watch of the churn-only service: exit %d, want 0 after 4 snapshots and no leaks:\n%s%s", r.code, r.out, r.err)
		}
	})
	t.Run("the Go dumper's endpoint", func(t *testing.T) {
		src := webModule(t, filepath.Join(t.TempDir(), "src"))
		web := buildWeb(t, src, filepath.Join(t.TempDir(), "server"), "0", "-trimpath")
		dumps := t.TempDir()
		cmd := exec.Command(web, "-addr", "127.0.0.1:0")
		cmd.Env = append(os.Environ(), "MEMSEE_DUMP_DIR="+dumps)
		url := startLive(t, cmd, `^listening on (http://\S+)$`)[1]
		for range 100 {
			resp, err := http.Post(url+"/order", "", nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		db := filepath.Join(t.TempDir(), "memsee.db")
		r := live(t, db, "capture", url+"/debug/heapdump", "--binary", web)
		if r.code != 0 || !strings.Contains(r.err, "stops the world") {
			t.Fatalf("capture %s/debug/heapdump: exit %d: %s", url, r.code, r.err)
		}
		if rows := lsRows(t, db); len(rows) != 1 || rows[0].Objects == 0 || rows[0].Source != url+"/debug/heapdump" {
			t.Errorf("capture of a Go heap dump: got %+v", rows)
		}
		if left, _ := os.ReadDir(dumps); len(left) != 0 {
			t.Errorf("capture left the dump it asked for behind: %s", left[0].Name())
		}
	})
}

func TestLiveNode(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node on the PATH: the Node inspector capture is not tested")
	}
	t.Parallel() // it mostly waits for the process
	m := startLive(t, exec.Command(node, "--inspect=127.0.0.1:0", "../../testdata/gen/live/node/leak.js"),
		`^Debugger listening on ws://(127\.0\.0\.1:\d+)/`)
	target := "node://" + m[1]
	db := filepath.Join(t.TempDir(), "memsee.db")
	r := live(t, db, "capture", target, "--series", "web")
	if r.code != 0 || !strings.Contains(r.err, "V8 stops the process") {
		t.Fatalf("capture %s: exit %d: %s", target, r.code, r.err)
	}
	rows := lsRows(t, db)
	if len(rows) != 1 || rows[0].TakenFrom != "fetch" || rows[0].Source != target || rows[0].Objects < 1000 {
		t.Errorf("capture %s: got %+v, want one snapshot timed by the fetch", target, rows)
	}
	watchFinds(t, target, "Session", "leak.js: sessions (Array)")

	// node:PID --open-inspector opens the inspector with SIGUSR1, on 127.0.0.1:9229; a second
	// process gets no signal while the first holds the port.
	if c, err := net.DialTimeout("tcp", "127.0.0.1:9229", time.Second); err == nil {
		c.Close()
		t.Skip("127.0.0.1:9229 is taken: --open-inspector is not tested")
	}
	first := exec.Command(node, "../../testdata/gen/live/node/leak.js")
	startLive(t, first, `^ready `)
	ref := "node:" + strconv.Itoa(first.Process.Pid)
	if r := live(t, db, "capture", ref); r.code != 2 || !strings.Contains(r.err, "pass --open-inspector") {
		t.Errorf("capture %s without --open-inspector: exit %d, want 2 and no signal: %s", ref, r.code, r.err)
	}
	if r := live(t, db, "capture", ref, "--open-inspector"); r.code != 0 {
		t.Fatalf("capture %s --open-inspector: exit %d: %s", ref, r.code, r.err)
	}
	second := exec.Command(node, "../../testdata/gen/live/node/leak.js")
	startLive(t, second, `^ready `)
	other := "node:" + strconv.Itoa(second.Process.Pid)
	if r := live(t, db, "capture", other, "--open-inspector"); r.code != 2 || !strings.Contains(r.err, "another process listens on 127.0.0.1:9229") {
		t.Errorf("capture %s --open-inspector, the port taken: exit %d, want 2 and no signal: %s", other, r.code, r.err)
	}
}

func TestLiveJVM(t *testing.T) {
	java, err := exec.LookPath("java")
	if err != nil {
		t.Skip("no java on the PATH: the JVM capture is not tested")
	}
	if testing.Short() {
		t.Skip("runs a JVM")
	}
	t.Parallel() // it mostly waits for the process
	// The source launcher compiles Leak.java in memory (JDK 11+).
	m := startLive(t, exec.Command(java, "-Xmx256m", "../../testdata/gen/live/java/Leak.java"), `^ready (\d+)$`)
	target := "jvm:" + m[1]
	db := filepath.Join(t.TempDir(), "memsee.db")
	r := live(t, db, "capture", target)
	if r.code != 0 || !strings.Contains(r.err, "the JVM stops for a full GC") {
		if strings.Contains(r.err, "neither jcmd nor jmap") {
			t.Skip("a JRE without jcmd or jmap: ", r.err)
		}
		t.Fatalf("capture %s: exit %d: %s", target, r.code, r.err)
	}
	if rows := lsRows(t, db); len(rows) != 1 || rows[0].Source != target || rows[0].Objects < 1000 {
		t.Errorf("capture %s: got %+v", target, rows)
	}
	watchFinds(t, target, "Leak$Session", "Leak.SESSIONS (ArrayList)")
}

func TestLivePython(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 on the PATH: the capture by signal is not tested")
	}
	t.Parallel() // it mostly waits for the process
	dir := t.TempDir()
	r := memsee(t, filepath.Join(dir, "x.db"), false, "dumper", "python")
	if r.code != 0 {
		t.Fatalf("dumper python: %s", r.err)
	}
	if err := os.WriteFile(filepath.Join(dir, "memsee_dumper.py"), []byte(r.out), 0o644); err != nil {
		t.Fatal(err)
	}
	dumps := filepath.Join(dir, "dumps")
	if err := os.Mkdir(dumps, 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, "../../testdata/gen/live/python/leak.py")
	cmd.Env = append(os.Environ(), "PYTHONPATH="+dir, "MEMSEE_DUMP_DIR="+dumps)
	startLive(t, cmd, `^ready$`)
	target := "python:" + strconv.Itoa(cmd.Process.Pid)
	db := filepath.Join(t.TempDir(), "memsee.db")
	if r := live(t, db, "capture", target); r.code != 0 || !strings.Contains(r.err, "the dumper stops the process") {
		t.Fatalf("capture %s: exit %d: %s", target, r.code, r.err)
	}
	if rows := lsRows(t, db); len(rows) != 1 || rows[0].Source != target || rows[0].Objects < 1000 {
		t.Errorf("capture %s: got %+v", target, rows)
	}
	if left, _ := os.ReadDir(dumps); len(left) != 0 {
		t.Errorf("capture left the dump it asked for behind: %s", left[0].Name())
	}
	watchFinds(t, target, "Session", "module __main__: sessions (list)")

	// --keep-last 2 keeps the first dump and the last two; --until static is not met by an
	// incremental leak, so the watch ends after --max, with 0.
	thin := filepath.Join(t.TempDir(), "thin.db")
	if r := live(t, thin, "watch", target, "--every", "100ms", "--max", "5", "--keep-last", "2", "--until", "static"); r.code != 0 {
		t.Errorf("watch --keep-last 2 --until static: exit %d, want 0 after 5 snapshots:\n%s%s", r.code, r.out, r.err)
	}
	// The dumper numbers its dumps (heap-PID-TIME-N): the first of the five and the last two.
	n := func(label string) int { i, _ := strconv.Atoi(label[strings.LastIndexByte(label, '-')+1:]); return i }
	if rows := lsRows(t, thin); len(rows) != 3 || n(rows[1].Label) != n(rows[0].Label)+3 || n(rows[2].Label) != n(rows[0].Label)+4 {
		t.Errorf("watch --keep-last 2: got %+v, want the first dump and the last two", rows)
	}

	// A Python process without the dumper gets no signal: it would end it.
	plain := exec.Command(python, "-c", "import time; print('ready', flush=True); time.sleep(60)")
	startLive(t, plain, `^ready$`)
	bare := "python:" + strconv.Itoa(plain.Process.Pid)
	if r := live(t, db, "capture", bare); r.code != 2 || !strings.Contains(r.err, "does not catch SIGUSR1") {
		t.Errorf("capture %s: exit %d, want 2 and a refusal: %s", bare, r.code, r.err)
	}
	if plain.ProcessState != nil {
		t.Errorf("capture %s ended the process", bare)
	}
}

func TestLiveRuby(t *testing.T) {
	ruby, err := exec.LookPath("ruby")
	if err != nil {
		t.Skip("no ruby on the PATH: the capture by signal is not tested (apt-get install ruby)")
	}
	t.Parallel() // it mostly waits for the process
	dir := t.TempDir()
	r := memsee(t, filepath.Join(dir, "x.db"), false, "dumper", "ruby")
	if r.code != 0 {
		t.Fatalf("dumper ruby: %s", r.err)
	}
	if err := os.WriteFile(filepath.Join(dir, "memsee_dumper.rb"), []byte(r.out), 0o644); err != nil {
		t.Fatal(err)
	}
	dumps := filepath.Join(dir, "dumps")
	if err := os.Mkdir(dumps, 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(ruby, "--disable-gems", "-I", dir, "../../testdata/gen/live/ruby/leak.rb")
	cmd.Env = append(os.Environ(), "MEMSEE_DUMP_DIR="+dumps)
	startLive(t, cmd, `^ready$`)
	target := "ruby:" + strconv.Itoa(cmd.Process.Pid)
	db := filepath.Join(t.TempDir(), "memsee.db")
	if r := live(t, db, "capture", target); r.code != 0 || !strings.Contains(r.err, "dump_all holds the process") {
		t.Fatalf("capture %s: exit %d: %s", target, r.code, r.err)
	}
	if rows := lsRows(t, db); len(rows) != 1 || rows[0].Source != target || rows[0].Objects < 1000 {
		t.Errorf("capture %s: got %+v", target, rows)
	}
	if left, _ := filepath.Glob(filepath.Join(dumps, "heap-*")); len(left) != 0 {
		t.Errorf("capture left the dump it asked for behind: %s", left[0])
	}
	watchFinds(t, target, "Session", "Sessions.@all (Array)")

	// A Ruby process without the dumper gets no signal: Ruby would end on it.
	plain := exec.Command(ruby, "--disable-gems", "-e", "$stdout.puts 'ready'; $stdout.flush; sleep 60")
	startLive(t, plain, `^ready$`)
	bare := "ruby:" + strconv.Itoa(plain.Process.Pid)
	if r := live(t, db, "capture", bare); r.code != 2 || !strings.Contains(r.err, "does not run memsee's dumper") {
		t.Errorf("capture %s: exit %d, want 2 and a refusal: %s", bare, r.code, r.err)
	}
	if plain.ProcessState != nil {
		t.Errorf("capture %s ended the process", bare)
	}
}
