package spec

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// systemTrees hold the kernel's views of processes, devices and settings,
// not files a policy is written in: /proc/self/environ is the environment,
// a CI job's secrets included, and a diagnostic quotes what it reads.
var systemTrees = []string{"/proc", "/sys", "/dev"}

const systemTreeList = "/proc, /sys or /dev"

// linker is a file system whose names can be links: the operating
// system's. A file system without links (one from memory, in tests) has
// nothing for the checks below to refuse.
type linker interface {
	// resolve returns the absolute path name leads to, every link followed.
	resolve(name string) (string, error)
	// readlink returns the text of the link name, or an error when name is
	// not a link.
	readlink(name string) (string, error)
}

func (osFS) resolve(name string) (string, error) {
	p, err := filepath.EvalSymlinks(name)
	if err != nil {
		return "", err
	}
	return filepath.Abs(p)
}

func (osFS) readlink(name string) (string, error) { return os.Readlink(name) }

// resolveSpecFile returns the path a spec or variable file, kind says
// which, is to be read from: name with every link followed. A name that
// leads into /proc, /sys or /dev is refused, link or not, before a byte of
// it is read.
func resolveSpecFile(fsys fs.FS, name, kind string) (string, *hcl.Diagnostic) {
	l, ok := fsys.(linker)
	if !ok {
		return name, nil
	}
	resolved, err := l.resolve(name)
	if err != nil {
		return "", &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read " + kind, Detail: err.Error(), Subject: &hcl.Range{Filename: name}}
	}
	for _, tree := range systemTrees {
		if within(resolved, tree) {
			return "", &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Not a " + kind,
				Detail: fmt.Sprintf("%s, in %s: spec and variable files are never read from %s, whose files are the kernel's views of processes and devices and may hold secrets.",
					leadsTo(l, name, resolved), tree, systemTreeList),
				Subject: &hcl.Range{Filename: name}}
		}
	}
	return resolved, nil
}

// checkInside refuses name, a spec file found in the directory tree root,
// when it is a link that leads out of root: a link that a pull request
// adds must not make portspec read, and quote, a file the pull request
// could not. It reads nothing of the file.
func checkInside(fsys fs.FS, name, root string) *hcl.Diagnostic {
	l, ok := fsys.(linker)
	if !ok {
		return nil
	}
	resolvedRoot, err := l.resolve(root)
	if err != nil {
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read spec directory", Detail: err.Error(), Subject: &hcl.Range{Filename: root}}
	}
	resolved, err := l.resolve(name)
	if err != nil {
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read spec file", Detail: err.Error(), Subject: &hcl.Range{Filename: name}}
	}
	if within(resolved, resolvedRoot) {
		return nil
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Link out of the spec directory",
		Detail: fmt.Sprintf("%s, outside %s: the spec files of a directory are read only from inside it. Name the file itself on the command line, or copy it in.",
			leadsTo(l, name, resolved), root),
		Subject: &hcl.Range{Filename: name}}
}

// leadsTo says where name leads, naming the link's own text when it is
// one, and never anything of what the file holds.
func leadsTo(l linker, name, resolved string) string {
	target, err := l.readlink(name)
	switch {
	case err == nil && filepath.Clean(target) == resolved:
		return fmt.Sprintf("%s is a link to %s", name, target)
	case err == nil:
		return fmt.Sprintf("%s is a link to %s, which leads to %s", name, target, resolved)
	}
	if abs, err := filepath.Abs(name); err == nil && abs == resolved {
		return name
	}
	return fmt.Sprintf("%s leads to %s", name, resolved)
}

// within reports whether path is root or below it; both are absolute
// and free of links.
func within(path, root string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
