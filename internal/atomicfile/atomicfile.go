// Package atomicfile writes files so that a reader sees the old content or
// the whole new content, never a half-written file: the data goes to a
// temporary file in the same directory, which is then renamed over the
// target.
package atomicfile

import (
	"os"
	"path/filepath"
)

// File is a file being written. Commit makes it visible under its name;
// Abort throws it away. Abort after Commit does nothing, so a deferred Abort
// cleans up every early return.
type File struct {
	*os.File
	path string
	done bool
}

// Create starts writing path. It fails at once when the directory cannot be
// written, so a caller can check its outputs before doing any work.
func Create(path string) (*File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, err
	}
	return &File{File: f, path: path}, nil
}

// Commit flushes, closes and renames the file into place. It sets mode 0644,
// since CreateTemp's 0600 would hide a report from the CI user reading it.
func (f *File) Commit() error {
	if f.done {
		return nil
	}
	f.done = true
	if err := f.Sync(); err != nil {
		f.cleanup()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
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

// Abort removes the temporary file.
func (f *File) Abort() {
	if !f.done {
		f.done = true
		f.cleanup()
	}
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
