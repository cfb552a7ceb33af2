package repocheck

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// pictures are the binary files the repository means to track: the
// README's pictures.
var pictures = []string{".png"}

// TestNoBinaryTracked fails when git tracks a binary file other than a
// picture: a build output committed by mistake (a 4.4 MB ELF named demo
// was, once) bloats every clone for ever.
func TestNoBinaryTracked(t *testing.T) {
	out, err := exec.Command("git", "-C", "../..", "ls-files", "-z").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	files := strings.Split(strings.TrimRight(string(out), "\x00"), "\x00")
	if len(files) < 50 {
		t.Fatalf("git tracks %d files: not the repository", len(files))
	}
	for _, name := range files {
		f, err := os.Open(filepath.Join("../..", name))
		if err != nil {
			t.Error(err)
			continue
		}
		head := make([]byte, 8000)
		n, _ := f.Read(head)
		f.Close()
		if bytes.IndexByte(head[:n], 0) >= 0 && !isPicture(name) {
			t.Errorf("%s is a binary file: build outputs belong in bin/ or out/, which git ignores", name)
		}
	}
}

func isPicture(name string) bool {
	for _, ext := range pictures {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}
