package repocheck

import (
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// importKind orders a file's imports: the standard library, then third
// parties, then the project, each group apart.
func importKind(path string) int {
	switch {
	case strings.HasPrefix(path, "github.com/portspec/portspec"):
		return 3
	case strings.Contains(strings.SplitN(path, "/", 2)[0], "."):
		return 2
	}
	return 1
}

// TestImportGroups holds every tracked Go file to three import groups,
// in that order, none mixing two kinds: which imports are the project's
// own shows at a glance (issue #20 found eight files that mixed them).
func TestImportGroups(t *testing.T) {
	out, err := exec.Command("git", "-C", "../..", "ls-files", "*.go").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	files := strings.Fields(string(out))
	if len(files) < 50 {
		t.Fatalf("git tracks %d Go files: not the repository", len(files))
	}
	for _, name := range files {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, filepath.Join("../..", name), nil, parser.ImportsOnly)
		if err != nil {
			t.Error(err)
			continue
		}
		lastLine, lastKind, groupKind := 0, 0, 0
		for _, im := range f.Imports {
			path := strings.Trim(im.Path.Value, `"`)
			line, kind := fset.Position(im.Pos()).Line, importKind(path)
			if lastLine != 0 && line > lastLine+1 {
				groupKind = 0 // a blank line starts a group
			}
			switch {
			case kind < lastKind:
				t.Errorf("%s:%d: %s comes after a later kind of import: the standard library, then third parties, then the project", name, line, path)
			case groupKind != 0 && kind != groupKind:
				t.Errorf("%s:%d: %s shares a group with another kind of import: put a blank line between them", name, line, path)
			}
			lastLine, lastKind, groupKind = line, kind, kind
		}
	}
}
