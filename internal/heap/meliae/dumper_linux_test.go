package meliae

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// TestReliabilityPythonDumperDiskFull runs the host with its dump directory on a tmpfs too small for a dump (in
// a mount namespace of its own, so that only the host sees it): the signal's dump fails with
// ENOSPC on stderr, the program goes on, and no file is left on the tmpfs.
func TestReliabilityPythonDumperDiskFull(t *testing.T) {
	dir := t.TempDir()
	mount := "mount -t tmpfs -o size=256k tmpfs " + dir
	if out, err := exec.Command("unshare", "-m", "sh", "-c", mount).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs in a mount namespace (unshare -m, needs root): %v %s", err, out)
	}
	h := startHost(t, dir, []string{"unshare", "-m"}, mount+" || exit 97")
	if err := h.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	h.waitErr("failed: ", 1)
	if !strings.Contains(h.errText(), "No space left on device") {
		t.Errorf("stderr does not say why:\n%s", h.errText())
	}
	h.send("beat")
	h.expect("beat")
	// The host's view of dir: the tmpfs.
	seen := fmt.Sprintf("/proc/%d/root%s", h.cmd.Process.Pid, dir)
	if ents, err := os.ReadDir(seen); err != nil || len(ents) != 0 {
		t.Errorf("files left on the full tmpfs: %v, %v", ents, err)
	}
	var fs syscall.Statfs_t
	if err := syscall.Statfs(seen, &fs); err != nil || fs.Type != 0x01021994 { // TMPFS_MAGIC
		t.Errorf("the host's %s is not the tmpfs: type %#x, %v", dir, fs.Type, err)
	}
	h.stop()
}
