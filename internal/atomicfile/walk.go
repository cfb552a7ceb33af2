//go:build unix

package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// maxLinks is the most links one path may follow: Linux's own limit, past
// which it says ELOOP.
const maxLinks = 40

// maxMade bounds the directories one walk makes: a name that is made and
// then, raced, gone again is not made for ever.
const maxMade = 40

// place is where a path leads once its links are followed: a name in a
// directory held open, or a path into /proc for the kernel to follow.
type place struct {
	dir     int    // opened with openDirFlags; -1 when proc is set
	dirPath string // how the walk reached dir, for messages: "/tmp", "out"
	// name is the last component, "" when the path names dir itself
	// ("out/", "out/.").
	name string
	stat *unix.Stat_t // name's own, not followed; nil when nothing is there
	proc string
}

func (p *place) isDir() bool {
	return p.proc == "" && (p.name == "" || p.stat != nil && p.stat.Mode&unix.S_IFMT == unix.S_IFDIR)
}

func (p *place) close() {
	if p.dir >= 0 {
		unix.Close(p.dir)
		p.dir = -1
	}
}

// walk follows path a component at a time, as the kernel would, with two
// differences. Every link is checked against the sticky-directory rule
// (mayUse) before it is followed, and the file at the end before it is
// written over: writing to a temporary file and
// renaming it into place never lets the kernel follow the link, so its
// own check under fs.protected_symlinks never runs. And every directory on
// the way is opened, without following links, before the next step: a
// directory or link swapped in after its check cannot move the write
// elsewhere.
//
// Every link is followed, the last component's too, so the place is a
// name that is not a link, or nothing yet. A path that leads into /proc
// is handed to the kernel there (place.proc): /dev/stdout is a link to
// /proc/self/fd/1, itself a link to a pipe or terminal that only the
// kernel can open. With makeDirs, missing directories are made on the
// way, with mode 0777 less the umask, as mkdir -p makes them.
func walk(path string, makeDirs bool) (*place, error) {
	start := "."
	if filepath.IsAbs(path) {
		start = "/"
	}
	dir, err := openat(unix.AT_FDCWD, start, openDirFlags, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: start, Err: err}
	}
	p := &place{dir: dir, dirPath: start}
	if err := p.walk(components(path), makeDirs); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

func (p *place) walk(todo []string, makeDirs bool) error {
	links, made := 0, 0
	for len(todo) > 0 {
		name := todo[0]
		todo = todo[1:]
		if name == "." {
			continue
		}
		if name != ".." {
			var st unix.Stat_t
			err := ignoringEINTR(func() error { return unix.Fstatat(p.dir, name, &st, unix.AT_SYMLINK_NOFOLLOW) })
			switch {
			case errors.Is(err, unix.ENOENT) && len(todo) == 0:
				p.name = name
				return nil
			case errors.Is(err, unix.ENOENT) && makeDirs && made < maxMade:
				made++
				if err := unix.Mkdirat(p.dir, name, 0o777); err != nil && !errors.Is(err, unix.EEXIST) {
					return p.error("mkdir", name, err)
				}
				todo = append([]string{name}, todo...) // and look at what is there now
				continue
			case err != nil:
				return p.error("stat", name, err)
			case st.Mode&unix.S_IFMT == unix.S_IFLNK:
				if links++; links > maxLinks {
					return p.error("open", name, unix.ELOOP)
				}
				target, err := p.follow(name, &st)
				if err != nil {
					return err
				}
				todo = append(components(target), todo...)
				continue
			case len(todo) == 0:
				if st.Mode&unix.S_IFMT != unix.S_IFDIR {
					if err := p.mayUse(name, &st, "file"); err != nil {
						return err
					}
				}
				p.name, p.stat = name, &st
				return nil
			case st.Mode&unix.S_IFMT != unix.S_IFDIR:
				return p.error("open", name, unix.ENOTDIR)
			}
			// Another user's directory in /tmp is theirs to fill with
			// links and files at will, past any check made here.
			if err := p.mayUse(name, &st, "directory"); err != nil {
				return err
			}
		}
		if err := p.enter(name); err != nil {
			return err
		}
		if p.dirPath == "/proc" || strings.HasPrefix(p.dirPath, "/proc/") {
			p.proc = filepath.Join(append([]string{p.dirPath}, todo...)...)
			p.close()
			return nil
		}
	}
	return nil // the path ended in "." or "..": it names the directory
}

// follow reads the link name, in the current directory, if the rule lets
// it be followed. The walk goes on from the current directory, or from /
// for a link to an absolute path.
func (p *place) follow(name string, link *unix.Stat_t) (string, error) {
	if err := p.mayUse(name, link, "link"); err != nil {
		return "", err
	}
	target, err := readlinkat(p.dir, name)
	if err != nil {
		return "", p.error("readlink", name, err)
	}
	if filepath.IsAbs(target) {
		root, err := openat(unix.AT_FDCWD, "/", openDirFlags, 0)
		if err != nil {
			return "", &fs.PathError{Op: "open", Path: "/", Err: err}
		}
		p.close()
		p.dir, p.dirPath = root, "/"
	}
	return target, nil
}

// error is err, met doing op on name in the current directory.
func (p *place) error(op, name string, err error) error {
	return &fs.PathError{Op: op, Path: filepath.Join(p.dirPath, name), Err: err}
}

// enter makes the directory name, in the current one, the current one.
// O_NOFOLLOW makes a link swapped in since name was looked at an error.
func (p *place) enter(name string) error {
	dir, err := openat(p.dir, name, openDirFlags, 0)
	if err != nil {
		return p.error("open", name, err)
	}
	p.close()
	p.dir, p.dirPath = dir, filepath.Join(p.dirPath, name)
	return nil
}

// components splits a path into the names to walk; a path that ends in a
// slash names a directory, so it ends in ".".
func components(path string) []string {
	var names []string
	for _, name := range strings.Split(path, "/") {
		if name != "" {
			names = append(names, name)
		}
	}
	if strings.HasSuffix(path, "/") {
		names = append(names, ".")
	}
	return names
}

// mayUse applies the kernel's sticky-directory rules to name, in the
// current directory, which is a "link" to follow, a "file" to write over
// or a "directory" to write into: in a directory that is both sticky and
// world-writable, such as /tmp, any of them is used only when it belongs
// to the user writing or to the directory's owner. Anyone may put a link
// there, pointing anywhere, a file of their own that root's report would
// then fill, still theirs to read, or a directory of their own, in which
// they can do either at will; the sticky bit only stops others from
// removing them. The kernel
// says the same under fs.protected_symlinks and fs.protected_regular, but
// a write through a temporary file and a rename never asks it.
func (p *place) mayUse(name string, st *unix.Stat_t, kind string) error {
	euid := os.Geteuid()
	if int(st.Uid) == euid {
		return nil
	}
	var dir unix.Stat_t
	if err := unix.Fstat(p.dir, &dir); err != nil {
		return &fs.PathError{Op: "stat", Path: p.dirPath, Err: err}
	}
	const stickyWorldWritable = unix.S_ISVTX | unix.S_IWOTH
	if dir.Mode&stickyWorldWritable != stickyWorldWritable || st.Uid == dir.Uid {
		return nil
	}
	return &StickyError{Path: filepath.Join(p.dirPath, name), Kind: kind, Owner: int(st.Uid), DirOwner: int(dir.Uid), Writer: euid}
}

// readlinkat reads the link name in dir, however long its target.
func readlinkat(dir int, name string) (string, error) {
	for size := 256; ; size *= 2 {
		buf := make([]byte, size)
		n, err := unix.Readlinkat(dir, name, buf)
		if err != nil {
			return "", err
		}
		if n < size {
			if n == 0 {
				return "", unix.ENOENT
			}
			return string(buf[:n]), nil
		}
	}
}

// openat is unix.Openat, again when a signal interrupts it, as the os
// package does: opening a FIFO waits for its reader.
func openat(dir int, name string, flags int, mode uint32) (fd int, err error) {
	err = ignoringEINTR(func() error {
		fd, err = unix.Openat(dir, name, flags, mode)
		return err
	})
	return fd, err
}

func ignoringEINTR(call func() error) error {
	for {
		if err := call(); !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}
