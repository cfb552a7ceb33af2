package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestWriteReplacesWhole(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.xml")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("new content")); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != "new content" {
		t.Fatalf("read %q, %v", got, err)
	}
	// A private spec stays private.
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want the file's own 0600", info.Mode().Perm())
	}
	assertOnly(t, dir, "report.xml")

	fresh := filepath.Join(dir, "new.json")
	if err := Write(fresh, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(fresh); info.Mode().Perm() != 0o644 {
		t.Errorf("new file mode %v, want 0644 for the CI user to read", info.Mode().Perm())
	}
}

func TestWriteKeepsOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("giving a file to another user needs root")
	}
	path := filepath.Join(t.TempDir(), "spec.hcl")
	if err := os.WriteFile(path, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("new")); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(path)
	st := info.Sys().(*syscall.Stat_t)
	if st.Uid != 65534 || st.Gid != 65534 || info.Mode().Perm() != 0o640 {
		t.Errorf("owner %d:%d mode %v, want 65534:65534 0640", st.Uid, st.Gid, info.Mode().Perm())
	}
}

func TestWriteThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.hcl")
	link := filepath.Join(dir, "link.hcl")
	if err := os.WriteFile(target, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.hcl", link); err != nil {
		t.Fatal(err)
	}
	if err := Write(link, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(target); string(got) != "new" {
		t.Errorf("the link's target holds %q, want the new content", got)
	}
	if l, err := os.Lstat(link); err != nil || l.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link is no longer a link: %v %v", l.Mode(), err)
	}

	// A link to nothing yet creates its target, as the shell's > does.
	latest := filepath.Join(dir, "latest.xml")
	os.Symlink("run1.xml", latest)
	if err := Write(latest, []byte("first")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "run1.xml")); string(got) != "first" {
		t.Errorf("the new target holds %q", got)
	}
	if l, _ := os.Lstat(latest); l.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the dangling link was replaced by %v", l.Mode())
	}
}

// A device is written, never replaced: as root, --junit /dev/null once
// turned the system's /dev/null into a file. The test makes a null device
// of its own rather than risk the real one.
func TestWriteDeviceInPlace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mknod needs root")
	}
	null := filepath.Join(t.TempDir(), "null")
	if err := syscall.Mknod(null, syscall.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Skipf("mknod: %v", err)
	}
	if err := Write(null, []byte("discarded")); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Lstat(null); info.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("the device became %v", info.Mode())
	}
	assertOnly(t, filepath.Dir(null), "null")
}

// A FIFO, and a link into /proc/self/fd such as /dev/stdout, are written
// in place: the reader gets the data.
func TestWritePipesInPlace(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan string)
	go func() {
		b, _ := os.ReadFile(fifo)
		got <- string(b)
	}()
	if err := Write(fifo, []byte("through the fifo")); err != nil {
		t.Fatal(err)
	}
	// Replaced, the FIFO would leave its reader waiting for ever.
	if info, _ := os.Lstat(fifo); info.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the FIFO became %v", info.Mode())
	}
	select {
	case s := <-got:
		if s != "through the fifo" {
			t.Errorf("the reader got %q", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the reader got nothing")
	}

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	stdout := filepath.Join(dir, "stdout")
	os.Symlink(fmt.Sprintf("/proc/self/fd/%d", w.Fd()), stdout)
	if err := Write(stdout, []byte("through the pipe")); err != nil {
		t.Fatal(err)
	}
	w.Close()
	b, _ := io.ReadAll(r)
	if string(b) != "through the pipe" {
		t.Errorf("the pipe got %q", b)
	}
}

// A run killed before it cleaned up left a temporary file; the next run
// writing the same report removes it, but never a live writer's.
func TestCreateRemovesStaleTemporaries(t *testing.T) {
	dir := t.TempDir()
	// Above Linux's largest pid_max (2^22): no such process can run.
	stale := filepath.Join(dir, ".j.xml.tmp-4194305-123")
	live := filepath.Join(dir, fmt.Sprintf(".j.xml.tmp-%d-456", os.Getpid()))
	other := filepath.Join(dir, ".other.xml.tmp-4194305-789")
	for _, p := range []string{stale, live, other} {
		if err := os.WriteFile(p, []byte("half"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := Write(filepath.Join(dir, "j.xml"), []byte("whole")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the dead run's temporary file is still there: %v", err)
	}
	for _, p := range []string{live, other} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(p), err)
		}
	}
}

func TestCreateRefusesDirectory(t *testing.T) {
	if _, err := Create(t.TempDir()); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("Create of a directory: %v", err)
	}
}

func TestAbortLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.json")
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("half a rep")
	f.Abort()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("target exists after Abort: %v", err)
	}
	assertOnly(t, dir)
}

func TestCreateFailsEarly(t *testing.T) {
	if _, err := Create(filepath.Join(t.TempDir(), "missing", "x.xml")); err == nil {
		t.Error("Create in a missing directory succeeded")
	}
}

func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(names) {
		var got []string
		for _, e := range entries {
			got = append(got, e.Name())
		}
		t.Errorf("directory holds %v, want %v", got, names)
	}
}
