package capture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// jvmTool returns the path of jcmd, or of jmap where jcmd is missing: on the PATH, else in
// $JAVA_HOME/bin, else beside the java on the PATH.
func jvmTool() (string, error) {
	var dirs []string
	if h := os.Getenv("JAVA_HOME"); h != "" {
		dirs = append(dirs, filepath.Join(h, "bin"))
	}
	if java, err := exec.LookPath("java"); err == nil {
		if real, err := filepath.EvalSymlinks(java); err == nil {
			dirs = append(dirs, filepath.Dir(real))
		}
	}
	for _, name := range []string{"jcmd", "jmap"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
		for _, d := range dirs {
			p := filepath.Join(d, name)
			if fi, err := os.Stat(p); err == nil && fi.Mode()&0o111 != 0 {
				return p, nil
			}
		}
	}
	return "", errors.New("neither jcmd nor jmap is on the PATH, in $JAVA_HOME/bin or beside java: install a JDK (a JRE has neither), or set JAVA_HOME")
}

// takeJVM has the JVM write a heap dump (jcmd PID GC.heap_dump -gz=1 FILE, which collects
// garbage first and dumps live objects only; jmap -dump:live where jcmd is missing) into a
// new directory of memsee's, which the JVM's user must be able to write: memsee runs as it.
func takeJVM(ctx context.Context, t Target, o Options) (*Snapshot, error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout())
	defer cancel()
	if err := procReadable(t.Raw); err != nil {
		return nil, err
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", t.PID)); err != nil {
		return nil, fmt.Errorf("%s: no such process", t.Raw)
	}
	tool, err := jvmTool()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.Raw, err)
	}
	dir, tmp := o.Keep, ""
	if dir == "" {
		if tmp, err = os.MkdirTemp("", "memsee-capture-"); err != nil {
			return nil, err
		}
		dir = tmp
	}
	removeTmp := func() {
		if tmp != "" {
			os.Remove(tmp)
		}
	}
	start := o.now()
	label := stampedLabel("jvm-"+strconv.Itoa(t.PID), start)
	file, err := filepath.Abs(filepath.Join(dir, label+".hprof.gz"))
	if err != nil {
		return nil, err
	}
	args := []string{strconv.Itoa(t.PID), "GC.heap_dump", "-gz=1", file}
	if filepath.Base(tool) == "jmap" {
		file = strings.TrimSuffix(file, ".gz")
		args = []string{"-dump:live,format=b,file=" + file, strconv.Itoa(t.PID)}
	}
	cmd := exec.CommandContext(ctx, tool, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	said := strings.TrimSpace(out.String())
	// jcmd exits 0 when the JVM answered, even with an error: the file tells.
	if fi, serr := os.Stat(file); err != nil || serr != nil || fi.Size() == 0 {
		os.Remove(file)
		removeTmp()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: the dump was not complete within %s (pass a longer --timeout for a large heap)", t.Raw, o.timeout())
		}
		return nil, fmt.Errorf("%s: %s wrote no dump: %s\nrun memsee as the JVM's user; a JVM started with -XX:+DisableAttachMechanism takes no commands", t.Raw, filepath.Base(tool), firstLines(said, 3))
	} else if fi.Size() > o.maxBytes() {
		os.Remove(file)
		removeTmp()
		return nil, fmt.Errorf("%s: %w (%d bytes)", t.Raw, ErrTooLarge, o.maxBytes())
	}
	s := &Snapshot{Path: file, Source: t.Raw, Label: label, TakenAt: start, dir: tmp}
	if o.Keep != "" {
		s.Kept = file
	} else {
		s.temp = true
	}
	return s, nil
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	if len(lines) == 0 || lines[0] == "" {
		return "(it said nothing)"
	}
	return strings.Join(lines, "; ")
}
