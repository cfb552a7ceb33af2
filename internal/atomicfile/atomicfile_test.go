//go:build linux

package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/portspec/portspec/internal/needs"
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
}

// A new file's mode is 0666 less the umask, as the shell's > makes it
// (issue #19, item 15): a private umask gives a private report. A file
// that is there keeps its mode, whatever the umask. The umask is the
// process's, so the test sets it and puts it back.
func TestNewFilesHonourUmask(t *testing.T) {
	dir := t.TempDir()
	kept := filepath.Join(dir, "kept.xml")
	if err := os.WriteFile(kept, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(kept, 0o640); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		umask     int
		file, dir os.FileMode
	}{{0o077, 0o600, 0o700}, {0o022, 0o644, 0o755}, {0o002, 0o664, 0o775}} {
		name := fmt.Sprintf("%03o", tc.umask)
		created := filepath.Join(dir, "new-"+name, "r.json")
		appended := filepath.Join(dir, "summary-"+name+".md")
		old := unix.Umask(tc.umask)
		err := MkdirAll(filepath.Dir(created))
		if err == nil {
			err = Write(created, []byte("{}"))
		}
		if err == nil {
			err = Write(kept, []byte("new"))
		}
		var f *os.File
		if err == nil {
			f, err = Open(appended, os.O_APPEND)
		}
		if err == nil {
			err = f.Close()
		}
		unix.Umask(old)
		if err != nil {
			t.Fatal(err)
		}
		for path, want := range map[string]os.FileMode{created: tc.file, appended: tc.file, filepath.Dir(created): tc.dir, kept: 0o640} {
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if info.Mode().Perm() != want {
				t.Errorf("umask %s: %s has mode %v, want %v", name, filepath.Base(path), info.Mode().Perm(), want)
			}
		}
	}
}

func TestWriteKeepsOwner(t *testing.T) {
	needs.Root(t, "give a file to another user")
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

	// The owner is given before the mode: a chown clears the set-ID bits.
	if err := os.Chmod(path, 0o755|os.ModeSetuid|os.ModeSetgid); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("newer")); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(path); info.Mode() != 0o755|os.ModeSetuid|os.ModeSetgid {
		t.Errorf("mode %v, want the set-ID bits kept: %v", info.Mode(), 0o755|os.ModeSetuid|os.ModeSetgid)
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
	needs.Root(t, "mknod a device")
	null := filepath.Join(t.TempDir(), "null")
	if err := syscall.Mknod(null, syscall.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Fatalf("mknod: %v", err)
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

// stickyDir makes a directory like /tmp, sticky and world-writable, with a
// root-only file outside it: what another user would like root to
// overwrite. Links in it are made by root and given to nobody, as nobody
// could make them.
func stickyDir(t *testing.T) (shared, secret string) {
	t.Helper()
	needs.Root(t, "make a link owned by another user")
	dir := t.TempDir()
	shared = filepath.Join(dir, "tmp")
	secret = filepath.Join(dir, "shadow")
	if err := os.Mkdir(shared, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(secret, []byte("root only"), 0o600); err != nil {
		t.Fatal(err)
	}
	return shared, secret
}

func linkOwnedBy(t *testing.T, uid int, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(link, uid, uid); err != nil {
		t.Fatal(err)
	}
}

// A link another user put in a sticky world-writable directory is not
// followed (issue #19, item 10): nobody's /tmp/r.json -> /root/file would
// have root replace the file. Each way of writing refuses it, naming the
// link, its owner and the rule, and the file is unchanged.
func TestStickyDirectoryRefusesOthersLinks(t *testing.T) {
	shared, secret := stickyDir(t)
	link := filepath.Join(shared, "r.json")
	linkOwnedBy(t, 65534, secret, link)
	for name, write := range map[string]func() error{
		"Create": func() error {
			f, err := Create(link)
			if err == nil {
				f.WriteString("{}")
				f.Commit()
			}
			return err
		},
		"Write": func() error { return Write(link, []byte("{}")) },
		"Open": func() error {
			f, err := Open(link, os.O_APPEND)
			if err == nil {
				f.WriteString("appended")
				f.Close()
			}
			return err
		},
		"Check": func() error { return Check(link) },
	} {
		err := write()
		var refused *StickyError
		if !errors.As(err, &refused) {
			t.Errorf("%s followed nobody's link in a sticky directory: %v", name, err)
			continue
		}
		if refused.Path != link || refused.Kind != "link" || refused.Owner != 65534 || refused.DirOwner != 0 {
			t.Errorf("%s: %+v", name, refused)
		}
		for _, want := range []string{link + " is a link owned by", "(uid 65534) in " + shared + ", a sticky world-writable directory owned by root (uid 0)", "fs.protected_symlinks"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: no %q in %q", name, want, err)
			}
		}
	}
	if got, _ := os.ReadFile(secret); string(got) != "root only" {
		t.Errorf("the root-only file now holds %q", got)
	}
	assertOnly(t, shared, "r.json")
}

// A file another user put in a sticky world-writable directory is not
// written over: nobody's /tmp/r.json, filled with root's report, would
// still be nobody's to read (fs.protected_regular). A file of the
// writer's own there is.
func TestStickyDirectoryRefusesOthersFiles(t *testing.T) {
	shared, _ := stickyDir(t)
	planted := filepath.Join(shared, "r.json")
	if err := os.WriteFile(planted, []byte("nobody's"), 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(planted, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	for name, write := range map[string]func() error{
		"Write": func() error { return Write(planted, []byte("{}")) },
		"Check": func() error { return Check(planted) },
		"Open": func() error {
			f, err := Open(planted, os.O_APPEND)
			if err == nil {
				f.Close()
			}
			return err
		},
	} {
		var refused *StickyError
		if err := write(); !errors.As(err, &refused) || refused.Kind != "file" || !strings.Contains(err.Error(), "a file there is written over only when") {
			t.Errorf("%s over nobody's file in a sticky directory: %v", name, err)
		}
	}
	if got, _ := os.ReadFile(planted); string(got) != "nobody's" {
		t.Errorf("nobody's file now holds %q", got)
	}
	own := filepath.Join(shared, "own.json")
	if err := os.WriteFile(own, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(own, []byte("{}")); err != nil {
		t.Errorf("Write over root's own file in a sticky directory: %v", err)
	}
}

// A directory another user made in a sticky world-writable directory is
// theirs to fill: a link of theirs in it, in a directory that is not
// sticky, would be followed by the kernel's rule, and a FIFO would hang
// the write. Nothing is written into it, or made in it.
func TestStickyDirectoryRefusesOthersDirectories(t *testing.T) {
	shared, secret := stickyDir(t)
	theirs := filepath.Join(shared, "out")
	if err := os.Mkdir(theirs, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(theirs, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(theirs, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(theirs, "r.json")
	linkOwnedBy(t, 65534, secret, link)
	var refused *StickyError
	for name, err := range map[string]error{
		"Write through their link": Write(link, []byte("{}")),
		"Write a new file":         Write(filepath.Join(theirs, "new.json"), []byte("{}")),
		"MkdirAll":                 MkdirAll(filepath.Join(theirs, "sub", "dir")),
		"Check":                    Check(filepath.Join(theirs, "new.json")),
	} {
		if !errors.As(err, &refused) || refused.Kind != "directory" || refused.Path != theirs || !strings.Contains(err.Error(), "a directory there is written into only when") {
			t.Errorf("%s in nobody's directory in a sticky directory: %v", name, err)
		}
	}
	if got, _ := os.ReadFile(secret); string(got) != "root only" {
		t.Errorf("the root-only file now holds %q", got)
	}
	assertOnly(t, theirs, "r.json")
}

// The rule holds for a link anywhere on the path, not only the last: a
// directory link of nobody's in the sticky directory leads nowhere, and
// no directory is made through it.
func TestStickyDirectoryRefusesOthersLinksOnTheWay(t *testing.T) {
	shared, secret := stickyDir(t)
	rootOnly := filepath.Dir(secret)
	linkOwnedBy(t, 65534, rootOnly, filepath.Join(shared, "out"))
	var refused *StickyError
	if err := Write(filepath.Join(shared, "out", "shadow"), []byte("{}")); !errors.As(err, &refused) {
		t.Errorf("Write through nobody's directory link: %v", err)
	}
	if err := MkdirAll(filepath.Join(shared, "out", "new")); !errors.As(err, &refused) {
		t.Errorf("MkdirAll through nobody's directory link: %v", err)
	}
	if got, _ := os.ReadFile(secret); string(got) != "root only" {
		t.Errorf("the root-only file now holds %q", got)
	}
	assertOnly(t, rootOnly, "shadow", "tmp")
}

// A dangling link of nobody's would have root create a file where nobody
// chose, in a directory only root may write: refused, nothing created.
func TestStickyDirectoryRefusesOthersDanglingLinks(t *testing.T) {
	shared, secret := stickyDir(t)
	planted := filepath.Join(filepath.Dir(secret), "planted")
	link := filepath.Join(shared, "r.json")
	linkOwnedBy(t, 65534, planted, link)
	var refused *StickyError
	if err := Write(link, []byte("{}")); !errors.As(err, &refused) {
		t.Errorf("Write through nobody's dangling link: %v", err)
	}
	if f, err := Open(link, os.O_APPEND); !errors.As(err, &refused) {
		t.Errorf("Open through nobody's dangling link: %v", err)
		if err == nil {
			f.Close()
		}
	}
	if _, err := os.Lstat(planted); !os.IsNotExist(err) {
		t.Errorf("the link's target was created: %v", err)
	}
}

// The links the rule allows are still followed: root's own, the
// directory owner's, and any link outside a sticky world-writable
// directory, whoever owns it.
func TestStickyDirectoryFollowsAllowedLinks(t *testing.T) {
	shared, secret := stickyDir(t)
	owned := filepath.Join(filepath.Dir(secret), "owned")
	if err := os.Mkdir(owned, 0o755); err != nil {
		t.Fatal(err)
	}
	// Chmod, not Mkdir's mode, which the umask would narrow to one that
	// is not world-writable, where the rule does not apply.
	if err := os.Chmod(owned, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(owned, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(filepath.Dir(secret), "plain")
	if err := os.Mkdir(plain, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		link string
		uid  int
	}{
		{filepath.Join(shared, "root.json"), 0},     // the follower's own
		{filepath.Join(owned, "owner.json"), 65534}, // the directory owner's
		{filepath.Join(plain, "other.json"), 65534}, // not in a sticky directory
	} {
		target := tc.link + ".target"
		linkOwnedBy(t, tc.uid, target, tc.link)
		if err := Write(tc.link, []byte("followed")); err != nil {
			t.Errorf("%s: %v", tc.link, err)
			continue
		}
		if got, _ := os.ReadFile(target); string(got) != "followed" {
			t.Errorf("%s: the target holds %q", tc.link, got)
		}
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
