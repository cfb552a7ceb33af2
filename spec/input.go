package spec

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// DefaultMaxFileSize is the largest spec or variable file read unless
// Options.MaxFileSize raises it: a policy of a hundred thousand lines is
// far below it (and below maxTokens, which bounds what is parsed), and
// /dev/zero is stopped by it.
const DefaultMaxFileSize = 16 << 20

// readSpecFile reads name, a spec or variable file as kind says, which
// must be a regular file of at most limit bytes, outside /proc, /sys and
// /dev: a FIFO or a device would hang the read or never end it.
func readSpecFile(fsys fs.FS, name, kind string, limit int64) ([]byte, *hcl.Diagnostic) {
	subject := &hcl.Range{Filename: name}
	cannot := func(err error) ([]byte, *hcl.Diagnostic) {
		return nil, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read " + kind, Detail: err.Error(), Subject: subject}
	}
	path, diag := resolveSpecFile(fsys, name, kind)
	if diag != nil {
		return nil, diag
	}
	f, err := fsys.Open(path)
	if err != nil {
		return cannot(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return cannot(err)
	}
	if !info.Mode().IsRegular() {
		return nil, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Not a regular file",
			Detail:  fmt.Sprintf("%s is %s, not a file: spec and variable files are read only from regular files, which end.", name, describeMode(info.Mode())),
			Subject: subject}
	}
	return readBounded(f, name, kind, limit)
}

// readBounded reads r, named name, a spec or variable file as kind says,
// refusing more than limit bytes.
func readBounded(r io.Reader, name, kind string, limit int64) ([]byte, *hcl.Diagnostic) {
	subject := &hcl.Range{Filename: name}
	src, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read " + kind, Detail: err.Error(), Subject: subject}
	}
	if int64(len(src)) > limit {
		return nil, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: capitalize(kind) + " too large",
			Detail:  fmt.Sprintf("%s is larger than %d bytes, the most a spec or variable file may be; --max-file-size raises the limit.", name, limit),
			Subject: subject}
	}
	return src, nil
}

// StdinPath is the path that names standard input: Loader.Stdin, whose
// spec diagnostics call StdinName.
const (
	StdinPath = "-"
	StdinName = "<stdin>"
)

// readStdin reads the spec on standard input, once.
func (l *Loader) readStdin() ([]byte, *hcl.Diagnostic) {
	if l.Stdin == nil {
		return nil, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No standard input",
			Detail: "The path - reads a spec from standard input, which this loader was not given.", Subject: &hcl.Range{Filename: StdinName}}
	}
	return readBounded(l.Stdin, StdinName, "spec file", l.MaxFileSize)
}

// osFS is the operating system's files, for a Loader with no FS: a name
// is any path os.Open takes, relative or absolute, as users give them.
type osFS struct{}

// Open opens for reading, but not with O_RDONLY alone: opening a FIFO for
// reading blocks until a writer comes. O_NONBLOCK returns at once, and
// readSpecFile's Stat refuses it. readSpecFile opens the path a name
// resolves to, so O_NOFOLLOW refuses a link put in its place since.
func (osFS) Open(name string) (fs.File, error) {
	return os.OpenFile(name, os.O_RDONLY|openFlags, 0)
}

// Stat follows links: a link is judged by what it leads to.
func (osFS) Stat(name string) (fs.FileInfo, error)      { return os.Stat(name) }
func (osFS) ReadDir(name string) ([]fs.DirEntry, error) { return os.ReadDir(name) }

func describeMode(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m.IsDir():
		return "a directory"
	}
	return "not a regular file"
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
