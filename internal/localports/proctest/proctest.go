// Package proctest builds a /proc in a test's directory: socket tables
// and processes whose descriptors name sockets, for code that reads the
// machine's sockets to be tested against a list it knows.
package proctest

import (
	"os"
	"path/filepath"
	"testing"
)

// Header is the first line of /proc/net/{tcp,tcp6,udp,udp6}.
const Header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"

// Proc is a /proc in a directory.
type Proc struct {
	t    testing.TB
	Root string
}

// New makes an empty /proc in a temporary directory of t's.
func New(t testing.TB) *Proc { return &Proc{t: t, Root: t.TempDir()} }

// Write writes a file under the root, such as "net/tcp" or "123/comm".
func (p *Proc) Write(name, text string) {
	p.t.Helper()
	path := filepath.Join(p.Root, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// Socket gives process pid the descriptor fd on the socket inode.
func (p *Proc) Socket(pid, fd, inode string) {
	p.t.Helper()
	if err := os.MkdirAll(filepath.Join(p.Root, pid, "fd"), 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.Symlink("socket:["+inode+"]", filepath.Join(p.Root, pid, "fd", fd)); err != nil {
		p.t.Fatal(err)
	}
}
