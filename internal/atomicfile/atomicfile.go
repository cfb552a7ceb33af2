// Package atomicfile writes files so that a reader sees the old content or
// the whole new content, never a half-written file: the data goes to a
// temporary file in the same directory, which is then renamed over the
// target.
//
// What the path names is respected. A symlink is followed, so its target is
// replaced and the link stays a link. A file that is there keeps its mode
// and, where the process may set it, its owner. Something that is not a
// regular file (a device such as /dev/null, a FIFO, /dev/stdout) is opened
// and written directly: renaming over it would replace a device node with
// a file. google/renameio does the temporary-file part, but neither follows
// links, keeps owners nor leaves devices alone, so it would be wrapped in
// all of this anyway.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// newMode is a new file's mode: CreateTemp's 0600 would hide a report from
// the CI user reading it.
const newMode = 0o644

// File is a file being written. Commit makes it visible under its name;
// Abort throws it away. Abort after Commit does nothing, so a deferred Abort
// cleans up every early return.
type File struct {
	*os.File
	path string
	done bool
	// direct is set for a target that is written in place: not a regular
	// file. Commit only closes it; Abort cannot take back what was written.
	direct bool
	mode   fs.FileMode
	// owner is the target's uid and gid, to keep, or nil for a new file.
	owner *[2]int
}

// Create starts writing path. It fails at once when the target cannot be
// written (a directory, a missing directory), so a caller can check its
// outputs before doing any work.
func Create(path string) (*File, error) {
	target, info, inPlace, err := resolve(path)
	if err != nil {
		return nil, err
	}
	if inPlace {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return nil, err
		}
		return &File{File: f, path: path, direct: true}, nil
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	removeStale(dir, base)
	f, err := os.CreateTemp(dir, fmt.Sprintf(".%s.tmp-%d-*", base, os.Getpid()))
	if err != nil {
		return nil, err
	}
	file := &File{File: f, path: target, mode: newMode}
	if info != nil {
		file.mode = info.Mode().Perm() | info.Mode()&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			file.owner = &[2]int{int(st.Uid), int(st.Gid)}
		}
	}
	return file, nil
}

// removeStale removes the temporary files that runs killed before they
// could clean up (SIGKILL, a power cut) left for the same target: those
// whose writer, named in the file's name, is no longer running. A live
// writer's file, or one whose name says nothing of its writer, stays.
func removeStale(dir, base string) {
	prefix := "." + base + ".tmp-"
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok {
			continue
		}
		digits, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(digits)
		if err != nil || pid <= 0 || syscall.Kill(pid, 0) != syscall.ESRCH {
			continue
		}
		os.Remove(filepath.Join(dir, e.Name()))
	}
}

// resolve follows path's symlinks to what is to be written, and returns
// it with its info (nil when nothing is there yet), and whether it must be
// written in place: anything but a regular file, or whatever a link into
// /proc leads to (/dev/stdout is /proc/self/fd/1, a pipe, a terminal or
// the very file the shell opened).
func resolve(path string) (target string, info fs.FileInfo, inPlace bool, err error) {
	info, err = os.Stat(path)
	switch {
	case err == nil && info.IsDir():
		return "", nil, false, fmt.Errorf("%s is a directory", path)
	case err == nil:
		target, err := filepath.EvalSymlinks(path)
		inPlace := err != nil || !info.Mode().IsRegular() || strings.HasPrefix(target, "/proc/")
		return target, info, inPlace, nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", nil, false, err
	}
	// Nothing there: a new file, or a link to one, as the shell's >
	// would create it.
	target, err = followLinks(path)
	return target, nil, false, err
}

// followLinks follows path, a link to nothing yet or no link at all, to
// the path the file is to be created at.
func followLinks(path string) (string, error) {
	for range 40 { // Linux's own limit, ELOOP
		l, err := os.Lstat(path)
		if err != nil || l.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		dest, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(path), dest)
		}
		path = dest
	}
	return "", fmt.Errorf("%s: too many links", path)
}

// Commit flushes, closes and renames the file into place, with the mode
// and owner of the file it replaces, or mode 0644 for a new one.
func (f *File) Commit() error {
	if f.done {
		return nil
	}
	f.done = true
	if f.direct {
		return f.Close()
	}
	err := f.Sync()
	if err == nil {
		err = f.Chmod(f.mode)
	}
	if err == nil && f.owner != nil {
		// Only root may give a file away; anyone else can only have
		// owned it already, or the directory lets them replace it.
		if cerr := f.Chown(f.owner[0], f.owner[1]); cerr != nil && !errors.Is(cerr, fs.ErrPermission) {
			err = cerr
		}
	}
	if err != nil {
		f.cleanup()
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), f.path); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}

// Abort removes the temporary file. A target written in place is only
// closed: what was written stays written.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	if f.direct {
		f.Close()
		return
	}
	f.cleanup()
}

func (f *File) cleanup() {
	f.Close()
	os.Remove(f.Name())
}

// Write writes data to path atomically.
func Write(path string, data []byte) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.File.Write(data); err != nil {
		return err
	}
	return f.Commit()
}
