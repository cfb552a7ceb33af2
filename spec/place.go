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
	// firstLink returns the first link the kernel meets walking name: name
	// itself, or a directory name goes through.
	firstLink(name string) (link string, ok bool)
}

func (osFS) resolve(name string) (string, error) {
	p, err := filepath.EvalSymlinks(name)
	if err != nil {
		return "", err
	}
	return filepath.Abs(p)
}

func (osFS) readlink(name string) (string, error) { return os.Readlink(name) }

// firstLink looks at each component of name in turn, as written: cleaning
// name first would take "link/.." for ".", where the kernel goes through
// the link and then to the parent of what it leads to.
func (osFS) firstLink(name string) (string, bool) {
	walked := ""
	if filepath.IsAbs(name) {
		walked = string(filepath.Separator)
	}
	for _, part := range strings.Split(name, string(filepath.Separator)) {
		if part == "" || part == "." {
			continue
		}
		if walked != "" && !strings.HasSuffix(walked, string(filepath.Separator)) {
			walked += string(filepath.Separator)
		}
		walked += part
		if part == ".." {
			continue
		}
		info, err := os.Lstat(walked)
		if err != nil {
			// Reading the path says what is wrong with it.
			return "", false
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			return walked, true
		}
	}
	return "", false
}

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
	if diag := inSystemTree(name, resolved, kind, leadsTo(l, name, resolved)); diag != nil {
		return "", diag
	}
	return resolved, nil
}

// inSystemTree refuses name, which leads to resolved as how says, when
// that is in /proc, /sys or /dev.
func inSystemTree(name, resolved, kind, how string) *hcl.Diagnostic {
	for _, tree := range systemTrees {
		if within(resolved, tree) {
			return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Not a " + kind,
				Detail: fmt.Sprintf("%s, in %s: spec and variable files are never read from %s, whose files are the kernel's views of processes and devices and may hold secrets.",
					how, tree, systemTreeList),
				Subject: &hcl.Range{Filename: name}}
		}
	}
	return nil
}

// checkNamed refuses name, a spec path or variable file named on the
// command line (kind says which), when it is or goes through a link that
// leads out of the working directory's tree: a pull request can add a
// link, as policy -> ../secrets, to a file it could not read, and the
// diagnostics would quote that file. It reads nothing of what name leads
// to. A path without links is what the user typed, and may be anywhere.
func checkNamed(fsys fs.FS, name, kind string) *hcl.Diagnostic {
	l, ok := fsys.(linker)
	if !ok {
		return nil
	}
	link, ok := l.firstLink(name)
	if !ok {
		return nil
	}
	resolved, err := l.resolve(name)
	if err != nil {
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read " + kind, Detail: err.Error(), Subject: &hcl.Range{Filename: name}}
	}
	wd, err := l.resolve(".")
	if err != nil {
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read the working directory", Detail: err.Error(), Subject: &hcl.Range{Filename: name}}
	}
	if within(resolved, wd) {
		return nil
	}
	how := leadsThrough(l, name, link, resolved)
	// Said as what it is: naming the place itself would not help.
	if diag := inSystemTree(name, resolved, kind, how); diag != nil {
		return diag
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Link out of the working directory",
		Detail: fmt.Sprintf("%s, outside the working directory %s: a %s named on the command line may lead through a link only to inside the working directory, since a link in a checkout can lead to a secret. Name the resolved path itself if you mean it.",
			how, wd, kind),
		Subject: &hcl.Range{Filename: name}}
}

// leadsThrough says where name leads through link, the first link on
// its way, naming the link's own text and never anything of what the
// file holds.
func leadsThrough(l linker, name, link, resolved string) string {
	if filepath.Clean(name) == filepath.Clean(link) {
		return leadsTo(l, link, resolved)
	}
	target, err := l.readlink(link)
	if err != nil {
		return fmt.Sprintf("%s goes through the link %s and leads to %s", name, link, resolved)
	}
	return fmt.Sprintf("%s goes through %s, a link to %s, and leads to %s", name, link, target, resolved)
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
