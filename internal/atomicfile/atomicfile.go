//go:build unix

package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// File is a file being written. Commit makes it visible under its name;
// Abort throws it away. Abort after Commit does nothing, so a deferred Abort
// cleans up every early return.
type File struct {
	*os.File
	done bool
	// direct is set for a target that is written in place: not a regular
	// file. Commit only closes it; Abort cannot take back what was written.
	direct bool
	// dir holds the target, name, and the temporary file, temp, until
	// Commit renames the one over the other.
	dir        int
	name, temp string
	// replaced is the stat of the file being replaced, whose mode and
	// owner the new one keeps; nil for a new file.
	replaced *unix.Stat_t
}

// Create starts writing path. It fails at once when the target cannot be
// written (a directory, a missing directory, a link the sticky-directory
// rule refuses), so a caller can check its outputs before doing any work.
//
// A new file gets mode 0666 less the umask, as the shell's > would make
// it: the kernel applies the umask as it creates the temporary file. A
// file that is there is replaced by one with its mode and owner.
func Create(path string) (*File, error) {
	p, err := target(path)
	if err != nil {
		return nil, err
	}
	if p.proc != "" || p.stat != nil && p.stat.Mode&unix.S_IFMT != unix.S_IFREG {
		f, err := openInPlace(p, path, 0)
		if err != nil {
			return nil, err
		}
		return &File{File: f, direct: true, dir: -1}, nil
	}
	removeStale(p.dir, p.name)
	mode := uint32(0o666)
	if p.stat != nil {
		// Private until Commit gives it the mode of the file it replaces,
		// which may be narrower than the umask's.
		mode = 0o600
	}
	fd, temp, err := createTemp(p.dir, p.name, mode)
	if err != nil {
		p.close()
		return nil, &fs.PathError{Op: "create", Path: filepath.Join(p.dirPath, temp), Err: err}
	}
	return &File{File: os.NewFile(uintptr(fd), filepath.Join(p.dirPath, temp)), dir: p.dir, name: p.name, temp: temp, replaced: p.stat}, nil
}

// Open opens path to be written in place rather than replaced, for a file
// that cannot be written whole at the end: a log followed as it grows, a
// file others append to. flag is os.O_APPEND or os.O_TRUNC. Links are
// followed as by Create, under the same rule; a new file gets mode 0666
// less the umask.
func Open(path string, flag int) (*os.File, error) {
	p, err := target(path)
	if err != nil {
		return nil, err
	}
	return openInPlace(p, path, flag|os.O_CREATE)
}

// openInPlace opens the place for writing, and closes the place.
func openInPlace(p *place, path string, flag int) (*os.File, error) {
	defer p.close()
	if p.proc != "" {
		return os.OpenFile(p.proc, os.O_WRONLY|flag&^os.O_CREATE, 0)
	}
	// O_NOFOLLOW: a link put there since the walk is refused, not followed.
	fd, err := openat(p.dir, p.name, unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|flag, 0o666)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

// MkdirAll makes the directory dir and those above it, as os.MkdirAll
// does, with mode 0777 less the umask; links on the way are followed as by
// Create, under the same rule.
func MkdirAll(dir string) error {
	p, err := walk(dir, true)
	if err != nil {
		return err
	}
	defer p.close()
	switch {
	case p.proc != "" || p.isDir():
		return nil
	case p.stat == nil:
		if err := unix.Mkdirat(p.dir, p.name, 0o777); err != nil && !errors.Is(err, unix.EEXIST) {
			return &fs.PathError{Op: "mkdir", Path: dir, Err: err}
		}
		return nil
	}
	return &fs.PathError{Op: "mkdir", Path: dir, Err: unix.ENOTDIR}
}

// Check reports whether Create or Open could write path, without writing
// anything: nil, a *StickyError, or the error they would meet. A command
// checks the files it is to write with it before it starts.
func Check(path string) error {
	p, err := target(path)
	if err == nil {
		p.close()
	}
	return err
}

// target walks to what path names, which must not be a directory.
func target(path string) (*place, error) {
	p, err := walk(path, false)
	if err != nil {
		return nil, err
	}
	if p.isDir() {
		p.close()
		return nil, fmt.Errorf("%s is a directory", path)
	}
	return p, nil
}

// createTemp creates a temporary file beside base, in dir, named after
// base and the process, so that removeStale can tell when it is stale.
// O_EXCL: the name is new, and a link put there is not followed.
func createTemp(dir int, base string, mode uint32) (fd int, name string, err error) {
	for range 10000 {
		name = fmt.Sprintf(".%s.tmp-%d-%d", base, os.Getpid(), rand.Uint32())
		fd, err = openat(dir, name, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, mode)
		if !errors.Is(err, unix.EEXIST) {
			return fd, name, err
		}
	}
	return -1, name, err
}

// removeStale removes the temporary files that runs killed before they
// could clean up (SIGKILL, a power cut) left for the same target: those
// whose writer, named in the file's name, is no longer running. A live
// writer's file, or one whose name says nothing of its writer, stays.
func removeStale(dir int, base string) {
	fd, err := openat(dir, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	d := os.NewFile(uintptr(fd), ".")
	names, _ := d.Readdirnames(-1)
	d.Close()
	prefix := "." + base + ".tmp-"
	for _, name := range names {
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		digits, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(digits)
		if err != nil || pid <= 0 || syscall.Kill(pid, 0) != syscall.ESRCH {
			continue
		}
		unix.Unlinkat(dir, name, 0)
	}
}

// Commit flushes, closes and renames the file into place, with the mode
// and owner of the file it replaces.
func (f *File) Commit() error {
	if f.done {
		return nil
	}
	f.done = true
	if f.direct {
		return f.Close()
	}
	defer unix.Close(f.dir)
	err := f.Sync()
	if err == nil && f.replaced != nil {
		err = f.keepModeAndOwner()
	}
	if err != nil {
		f.cleanup()
		return err
	}
	if err := f.Close(); err != nil {
		unix.Unlinkat(f.dir, f.temp, 0)
		return err
	}
	if err := unix.Renameat(f.dir, f.temp, f.dir, f.name); err != nil {
		unix.Unlinkat(f.dir, f.temp, 0)
		return &os.LinkError{Op: "rename", Old: f.Name(), New: filepath.Join(filepath.Dir(f.Name()), f.name), Err: err}
	}
	return nil
}

// keepModeAndOwner gives the file the replaced file's owner, then its mode:
// a change of owner clears the set-user-ID and set-group-ID bits.
func (f *File) keepModeAndOwner() error {
	// Only root may give a file away; anyone else can only have owned it
	// already, or the directory lets them replace it.
	if err := f.Chown(int(f.replaced.Uid), int(f.replaced.Gid)); err != nil && !errors.Is(err, fs.ErrPermission) {
		return err
	}
	if err := unix.Fchmod(int(f.Fd()), uint32(f.replaced.Mode&0o7777)); err != nil {
		return &fs.PathError{Op: "chmod", Path: f.Name(), Err: err}
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
	unix.Close(f.dir)
}

func (f *File) cleanup() {
	f.Close()
	unix.Unlinkat(f.dir, f.temp, 0)
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
