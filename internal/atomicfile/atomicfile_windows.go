package atomicfile

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// On Windows a file is replaced by renaming a temporary file over it, as
// elsewhere; there is no sticky directory to guard, and links are
// followed as the OS follows them.

// File is a file being written. Commit makes it visible under its name;
// Abort throws it away. Abort after Commit does nothing, so a deferred
// Abort cleans up every early return.
type File struct {
	*os.File
	done bool
	// direct is set for a target that is not a regular file (NUL, a
	// console): it is written in place.
	direct     bool
	name, temp string
}

// Create starts writing path. It fails at once when the target cannot be
// written (a directory, a missing directory).
func Create(path string) (*File, error) {
	info, err := target(path)
	if err != nil {
		return nil, err
	}
	if info != nil && !info.Mode().IsRegular() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return nil, err
		}
		return &File{File: f, direct: true}, nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, err
	}
	return &File{File: f, name: path, temp: f.Name()}, nil
}

// Open opens path to be written in place rather than replaced; flag is
// os.O_APPEND or os.O_TRUNC.
func Open(path string, flag int) (*os.File, error) {
	if _, err := target(path); err != nil {
		return nil, err
	}
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|flag, 0o666)
}

// MkdirAll makes the directory dir and those above it.
func MkdirAll(dir string) error { return os.MkdirAll(dir, 0o777) }

// Check reports whether Create or Open could write path, without writing
// anything.
func Check(path string) error {
	_, err := target(path)
	return err
}

// target is what path names now, nil for nothing yet, in a directory
// that is there; a directory is refused.
func target(path string) (fs.FileInfo, error) {
	info, err := os.Stat(path)
	switch {
	case err == nil && info.IsDir():
		return nil, fmt.Errorf("%s is a directory", path)
	case err == nil:
		return info, nil
	case !os.IsNotExist(err):
		return nil, err
	}
	if _, err := os.Stat(filepath.Dir(path)); err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return nil, nil
}

// Commit flushes, closes and renames the file into place.
func (f *File) Commit() error {
	if f.done {
		return nil
	}
	f.done = true
	if f.direct {
		return f.Close()
	}
	err := f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.temp, f.name)
	}
	if err != nil {
		os.Remove(f.temp)
	}
	return err
}

// Abort removes the temporary file. A target written in place is only
// closed.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.Close()
	if !f.direct {
		os.Remove(f.temp)
	}
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
