package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/memsee/memsee/internal/store/storetest"
)

// slowLoad is every committed dump of the given kinds (testdata globs), by default all but the
// Go profiles: a load of a few seconds. The files are linked under names of their own
// (java-heap1.hprof.gz), since the formats' samples share their names, and so their labels.
func slowLoad(t *testing.T, globs ...string) []string {
	t.Helper()
	dir := t.TempDir()
	var files []string
	if len(globs) == 0 {
		globs = []string{"java/*.hprof.gz", "node/*.heapsnapshot.gz", "godump/*.dump.gz", "python/*.json.gz"}
	}
	for _, g := range globs {
		m, err := filepath.Glob("../../testdata/" + g)
		if err != nil || len(m) == 0 {
			t.Fatalf("no samples %s: %v", g, err)
		}
		for _, f := range m {
			abs, err := filepath.Abs(f)
			if err != nil {
				t.Fatal(err)
			}
			link := filepath.Join(dir, filepath.Base(filepath.Dir(f))+"-"+filepath.Base(f))
			if err := os.Symlink(abs, link); err != nil {
				t.Fatal(err)
			}
			files = append(files, link)
		}
	}
	return files
}

// TestReliabilityKilledLoad kills `memsee load` with SIGKILL at several points of a load and checks
// every table's rows are as they were, and that memsee reads the database after. The points are
// shares of how long the load takes on this machine, timed first into a database of its own:
// at fixed times, the last kill came after the commit on a machine that loads the samples in
// under 1.5 s, and the rows were the loaded ones.
func TestReliabilityKilledLoad(t *testing.T) {
	db := loaded(t)
	want := storetest.RowCounts(t, db)
	files := slowLoad(t)
	start := time.Now()
	if r := runBinary(t, filepath.Join(t.TempDir(), "timed.db"), append([]string{"load"}, files...)...); r.code != 0 {
		t.Fatalf("timing the load: exit %d: %s", r.code, r.err)
	}
	whole := time.Since(start)
	killed := 0
	for _, share := range []float64{0.1, 0.35, 0.6} {
		after := time.Duration(share * float64(whole))
		cmd := exec.Command(binary, append([]string{"--db", db, "load"}, files...)...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(after)
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		if err == nil {
			t.Logf("the load finished within %v: not killed", after)
			continue
		}
		killed++
		if got := storetest.RowCounts(t, db); got != want {
			t.Fatalf("rows after killing a load at %v:\n%s\nwant\n%s", after, got, want)
		}
		if r := runBinary(t, db, "ls"); r.code != 0 {
			t.Fatalf("ls after a killed load: exit %d: %s", r.code, r.err)
		}
	}
	if killed == 0 {
		t.Error("no load was killed mid-way")
	}
}

// TestReliabilityFailedLoad: a load that fails on bad input keeps every row of an existing database,
// and leaves nothing when it was the first.
func TestReliabilityFailedLoad(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile("../../testdata/python/shop2.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "shop2-cut.json.gz")
	if err := os.WriteFile(bad, b[:len(b)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	db := loaded(t)
	want := storetest.RowCounts(t, db)
	if r := memsee(t, db, false, "load", samples+"heap1.pb.gz", bad); r.code != 2 {
		t.Fatalf("load of a truncated dump: exit %d, want 2", r.code)
	}
	if got := storetest.RowCounts(t, db); got != want {
		t.Errorf("rows after a failed load:\n%s\nwant\n%s", got, want)
	}
	first := filepath.Join(dir, "new.db")
	if r := memsee(t, first, false, "load", samples+"heap1.pb.gz", bad); r.code != 2 {
		t.Fatalf("first load of a truncated dump: exit %d, want 2", r.code)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "new.db") {
			t.Errorf("%s is left after a failed first load", e.Name())
		}
	}
}

// TestReliabilityOtherFiles: memsee refuses another program's SQLite file, a file that is not SQLite,
// and an empty file, with one error, and changes none of them.
func TestReliabilityOtherFiles(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "other-app.sqlite")
	if out, err := exec.Command(binary, "--db", filepath.Join(dir, "scratch.db"), "load", samples+"heap1.pb.gz").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	// Another program's database: a SQLite file in rollback mode with a table of its own.
	if err := os.WriteFile(other, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := runBinary(t, filepath.Join(dir, "scratch.db"), "query", "--write", "attach '"+other+"' as o; create table o.accounts(id integer primary key, name text); insert into o.accounts(name) values ('x')"); r.code != 0 {
		t.Fatalf("making another program's database: %s", r.err)
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(filepath.Join(dir, "scratch.db") + suffix)
	}
	if err := os.WriteFile(filepath.Join(dir, "empty.db"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(samples + "heap1.pb.gz")
	if err := os.WriteFile(filepath.Join(dir, "heap.pb.gz"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	before := dirFiles(t, dir)
	for _, name := range []string{"other-app.sqlite", "empty.db", "heap.pb.gz"} {
		for _, args := range [][]string{{"ls"}, {"top", "last"}, {"query", "select 1"}, {"load", samples + "heap2.pb.gz"}, {"rm", "1"}} {
			r := memsee(t, filepath.Join(dir, name), false, args...)
			if r.code != 2 || !strings.Contains(r.err, "not a memsee database") {
				t.Errorf("--db %s %s: exit %d, %q; want 2 and not a memsee database", name, args[0], r.code, r.err)
			}
		}
	}
	if after := dirFiles(t, dir); after != before {
		t.Errorf("memsee changed files that are not its own:\n%s\nwas\n%s", after, before)
	}
}

// dirFiles lists a directory's files with their sizes and a digest of their bytes.
func dirFiles(t *testing.T, dir string) string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for _, e := range ents {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		fi, _ := e.Info()
		fmt.Fprintf(&sb, "%s %v %d %x\n", e.Name(), fi.Mode(), len(b), bytesSum(b))
	}
	return sb.String()
}

func bytesSum(b []byte) uint64 {
	var h uint64 = 14695981039346656037
	for _, c := range b {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h
}

// TestReliabilityReadsDuringLoad runs reads and a second load while a load runs: no reader fails, the
// second load waits for the first, says so once, and both are kept.
func TestReliabilityReadsDuringLoad(t *testing.T) {
	db := loaded(t)
	files := slowLoad(t, "java/*.hprof.gz", "node/*.heapsnapshot.gz") // about three seconds
	first := exec.Command(binary, append([]string{"--db", db, "load"}, files...)...)
	var firstErr bytes.Buffer
	first.Stderr = &firstErr
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- first.Wait() }()
	time.Sleep(300 * time.Millisecond)

	var wg sync.WaitGroup
	var second result
	wg.Add(1)
	go func() {
		defer wg.Done()
		second = runBinary(t, db, "load", "--label", "second", samples+"churn1.pb.gz")
	}()
	reads, during := 0, 0
	running := true
	for running {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("first load: %v: %s", err, firstErr.String())
			}
			running = false
		default:
		}
		// A pause between rounds, so that the reads leave the load a core of its own.
		time.Sleep(50 * time.Millisecond)
		for _, args := range [][]string{{"ls"}, {"top", "1"}, {"query", "select count(*) from snapshot"}} {
			r := runBinary(t, db, args...)
			if r.code != 0 {
				t.Fatalf("%s during a load: exit %d: %s", args[0], r.code, r.err)
			}
			reads++
			if running {
				during++
			}
		}
	}
	wg.Wait()
	if second.code != 0 {
		t.Fatalf("second load: exit %d: %s", second.code, second.err)
	}
	if n := strings.Count(second.err, "waiting for another memsee"); n != 1 {
		t.Errorf("the second load said it waits %d times, want once: %q", n, second.err)
	}
	r := runBinary(t, db, "ls", "--json")
	if want := 4 + len(files) + 1; strings.Count(r.out, `"id"`) != want {
		t.Errorf("ls after both loads: %d snapshots, want %d", strings.Count(r.out, `"id"`), want)
	}
	if during == 0 {
		t.Error("no read ran during the load")
	}
	t.Logf("%d reads, %d of them during the load", reads, during)
}

// sharedDir makes a directory others can enter (0755), with a copy of the memsee binary, for the
// tests that run memsee as another user or in a mount namespace.
func sharedDir(t *testing.T) (dir, bin string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "memsee-shared")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	bin = filepath.Join(dir, "memsee")
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, bin
}

// TestReliabilityOtherUser reads, as user nobody, a database owned by root (0644 in a 0755 directory):
// reads work and change nothing; rm says why it cannot.
func TestReliabilityOtherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run memsee as user nobody")
	}
	dir, bin := sharedDir(t)
	db := filepath.Join(dir, "memsee.db")
	if r := memsee(t, db, false, append([]string{"load"}, heaps...)...); r.code != 0 {
		t.Fatalf("load: %s", r.err)
	}
	if err := os.Chmod(db, 0o644); err != nil {
		t.Fatal(err)
	}
	before := dirFiles(t, dir)
	asNobody := func(args ...string) result {
		cmd := exec.Command(bin, append([]string{"--db", db}, args...)...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return result{code, out.String(), errb.String()}
	}
	for _, args := range [][]string{{"ls"}, {"top", "last"}, {"diff", "1", "4"}, {"query", "select count(*) from sample"}} {
		if r := asNobody(args...); r.code != 0 {
			t.Errorf("%s as another user: exit %d: %s", args[0], r.code, r.err)
		}
	}
	if r := asNobody("rm", "1"); r.code != 2 || r.err == "" {
		t.Errorf("rm as another user: exit %d, %q; want 2 and why", r.code, r.err)
	} else {
		t.Logf("rm as another user: %s", strings.TrimSpace(r.err))
	}
	if after := dirFiles(t, dir); after != before {
		t.Errorf("reads as another user changed the directory:\n%s\nwas\n%s", after, before)
	}
}

// inNamespace runs script with sh in a new mount namespace, or skips the test when the sandbox
// does not allow one.
func inNamespace(t *testing.T, script string) string {
	t.Helper()
	if out, err := exec.Command("unshare", "-m", "sh", "-c", "mount -t tmpfs tmpfs /mnt").CombinedOutput(); err != nil {
		t.Skipf("no mount namespace here (unshare -m: %v: %s)", err, bytes.TrimSpace(out))
	}
	out, err := exec.Command("unshare", "-m", "sh", "-c", script).CombinedOutput()
	if err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	return string(out)
}

// TestReliabilityReadOnlyMount reads a database on a read-only mount.
func TestReliabilityReadOnlyMount(t *testing.T) {
	dir, bin := sharedDir(t)
	db := filepath.Join(dir, "memsee.db")
	if r := memsee(t, db, false, append([]string{"load"}, heaps...)...); r.code != 0 {
		t.Fatalf("load: %s", r.err)
	}
	out := inNamespace(t, fmt.Sprintf(`set -u
mount --bind %[1]s %[1]s && mount -o remount,bind,ro %[1]s || exit 1
for cmd in "ls" "top last" "diff 1 4" "query 'select count(*) from snapshot'"; do
	eval "%[2]s --db %[3]s $cmd" >/dev/null 2>/tmp/err-$$; echo "$cmd: exit $? $(head -c 300 /tmp/err-$$)"
done
%[2]s --db %[3]s load %[4]s >/dev/null 2>&1; echo "load: exit $?"
rm -f /tmp/err-$$
`, dir, bin, db, heaps[0]))
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(line, "load:") && !strings.Contains(line, "exit 0") {
			t.Errorf("on a read-only mount: %s", line)
		}
	}
	if !strings.Contains(out, "load: exit 2") {
		t.Errorf("load on a read-only mount: %s", out)
	}
}

// TestReliabilityDiskFull fills a small disk: reads work, a load says how much more disk it needs
// and keeps nothing, rm says why it cannot.
func TestReliabilityDiskFull(t *testing.T) {
	dir, bin := sharedDir(t)
	src := filepath.Join(dir, "src.db")
	if r := memsee(t, src, false, append([]string{"load"}, heaps...)...); r.code != 0 {
		t.Fatalf("load: %s", r.err)
	}
	mnt := filepath.Join(dir, "disk")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(mnt, "memsee.db")
	big := "--label big ../../testdata/java/heap1.hprof.gz"
	out := inNamespace(t, fmt.Sprintf(`set -u
mount -t tmpfs -o size=4m tmpfs %[1]s || exit 1
cp %[2]s %[3]s
dd if=/dev/zero of=%[1]s/fill bs=4k >/dev/null 2>&1
run() { echo "== $*"; %[4]s --db %[3]s "$@" 2>&1 >/dev/null; echo "exit $?"; }
run ls
run top last
run query "select count(*) from snapshot"
run load %[5]s
run rm 1
rm %[1]s/fill
dd if=/dev/zero of=%[1]s/fill bs=4k count=$(( ($(df -k --output=avail %[1]s | tail -1) - 256) / 4 )) >/dev/null 2>&1
run load %[5]s
run ls
run rm 2
rm %[1]s/fill
run load %[5]s
`, mnt, src, db, bin, big))
	t.Logf("on a full disk:\n%s", out)
	steps := strings.Split(out, "== ")[1:]
	want := []struct{ cmd, exit, msg string }{
		{"ls", "exit 0", ""}, {"top", "exit 0", ""}, {"query", "exit 0", ""},
		// The disk has no room at all: the load cannot begin.
		// A shortage of disk exits 3, not 2: the input is fine.
		{"load", "exit 3", "the disk is full at " + mnt}, {"rm", "exit 3", "the disk is full at " + mnt},
		// 256 KiB left: the load begins and fills it.
		{"load", "exit 3", "memsee needs at least"}, {"ls", "exit 0", ""},
		{"rm", "", ""}, // it fits in what is left, or it says the disk is full
		{"load", "exit 0", ""},
	}
	if len(steps) != len(want) {
		t.Fatalf("%d steps ran, want %d", len(steps), len(want))
	}
	for i, w := range want {
		s := steps[i]
		if !strings.HasPrefix(s, w.cmd) || !strings.Contains(s, w.exit) || !strings.Contains(s, w.msg) {
			t.Errorf("step %d: %q; want %s, %s, %q", i+1, s, w.cmd, w.exit, w.msg)
		}
	}
	if s := steps[7]; !strings.Contains(s, "exit 0") && !strings.Contains(s, "disk is full") {
		t.Errorf("rm on a full disk: %q; want it done or the disk named as full", s)
	}
}
