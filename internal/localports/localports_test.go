package localports

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portspec/portspec/internal/localports/proctest"
	"github.com/portspec/portspec/verdict"
)

// TestRead reads a /proc built in a directory: both families and
// protocols, the kernel's byte order, listening and other states, owners
// found through their descriptors, and a socket whose owner is unseen.
func TestRead(t *testing.T) {
	proc := proctest.New(t)
	root, write, header := proc.Root, proc.Write, proctest.Header
	write("net/tcp", header+
		"   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0 100 0 0 10 0\n"+
		"   1: 0100007F:1F90 0200007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 1002 1 0 20 4 30 10 -1\n"+
		"   2: 0100007F:1F90 0200007F:C351 06 00000000:00000000 03:00001723 00000000     0        0 0 3 0\n")
	write("net/tcp6", header+
		"   0: 00000000000000000000000001000000:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1003 1 0 100 0 0 10 0\n")
	write("net/udp", header+
		"  12: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1004 2 0 0\n"+
		"  13: 0100007F:D431 0100007F:0035 01 00000000:00000000 00:00000000 00000000     0        0 1005 2 0 0\n")
	write("123/comm", "sshd\n")
	write("456/comm", "named\n")
	for pid, inodes := range map[string][]string{"123": {"1001", "1003"}, "456": {"1004"}} {
		for i, inode := range inodes {
			proc.Socket(pid, fmt.Sprint(3+i), inode)
		}
	}
	sockets, err := Read(root)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range sockets {
		got = append(got, fmt.Sprintf("%s %s %s %s %d %s %v", s.Proto, s.Local, s.Remote, s.State, s.PID, s.Process, s.Hidden))
	}
	want := []string{
		"tcp 0.0.0.0:22 0.0.0.0:0 LISTENING 123 sshd false",
		"tcp [::1]:443 [::]:0 LISTENING 123 sshd false",
		"tcp 127.0.0.1:8080 127.0.0.2:50000 ESTABLISHED 0  false",
		"tcp 127.0.0.1:8080 127.0.0.2:50001 TIME_WAIT 0  false",
		"udp 0.0.0.0:53 0.0.0.0:0 LISTENING 456 named false",
		"udp 127.0.0.1:54321 127.0.0.1:53 CONNECTED 0  false",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("sockets:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := Read(filepath.Join(root, "nope")); err != nil {
		t.Errorf("a /proc with no net tables: %v", err)
	}
	write("net/udp6", header+"   0: zz:0035 00000000:0000 07 0 0 0 0 0 0 9\n")
	if _, err := Read(root); err == nil || !strings.Contains(err.Error(), "net/udp6:2") {
		t.Errorf("a bad line: %v, want its file and line", err)
	}
}

// ownListener listens on a loopback port and finds that socket in the
// real /proc.
func ownListener(t *testing.T) Socket {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	sockets, err := Read("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sockets {
		if s.Local.String() == ln.Addr().String() && s.Listening() {
			return s
		}
	}
	t.Fatalf("no listening socket %s", ln.Addr())
	return Socket{}
}

// TestReadSelf finds a listener of this process in the real /proc, with
// this process as its owner.
func TestReadSelf(t *testing.T) {
	if s := ownListener(t); s.PID != os.Getpid() {
		t.Errorf("%s is owned by %d, want this process, %d", s.Local, s.PID, os.Getpid())
	}
}

// TestReadHostileName: a local user may name a process anything the
// kernel keeps (15 bytes): escape codes, a line break, a workflow
// command. Read gives it as the kernel has it, for a spec to match, and
// a watch's lines, printed as root, escape it.
func TestReadHostileName(t *testing.T) {
	// This process renamed, as prctl(PR_SET_NAME) would: its main
	// thread's comm, which /proc/PID/comm shows.
	comm := fmt.Sprintf("/proc/%d/comm", os.Getpid())
	was, err := os.ReadFile(comm)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(comm, []byte("\x1b[2J\n::x\u202e"), 0); err != nil {
		t.Fatalf("cannot rename this process: %v", err)
	}
	defer os.WriteFile(comm, was, 0)
	s := ownListener(t)
	if want := "\x1b[2J\n::x\u202e"; s.Process != want {
		t.Errorf("process %q, want %q", s.Process, want)
	}
	line := Change{Kind: Added, Socket: s}.String()
	if strings.ContainsAny(line, "\x1b\n\u202e") {
		t.Errorf("watch line %q is not escaped", line)
	}
}

// TestChanges: a watch logs what came, what went and what changed state,
// and nothing for a socket that stayed as it was.
func TestChanges(t *testing.T) {
	listen := Socket{Proto: verdict.TCP, Local: netip.MustParseAddrPort("0.0.0.0:443"), Remote: netip.MustParseAddrPort("0.0.0.0:0"), State: "LISTENING", PID: 812, Process: "nginx"}
	conn := Socket{Proto: verdict.TCP, Local: netip.MustParseAddrPort("198.18.1.2:443"), Remote: netip.MustParseAddrPort("198.18.0.1:50122"), State: "ESTABLISHED", PID: 812, Process: "nginx"}
	closing := conn
	closing.State = "TIME_WAIT"
	udp := Socket{Proto: verdict.UDP, Local: netip.MustParseAddrPort("[::]:443"), Remote: netip.MustParseAddrPort("[::]:0"), State: "LISTENING", Hidden: true}
	steps := []struct {
		before, after []Socket
		want          []string
	}{
		{[]Socket{listen}, []Socket{listen}, nil},
		{[]Socket{listen}, []Socket{listen, conn, udp}, []string{
			"+ TCP 198.18.1.2:443 198.18.0.1:50122 ESTABLISHED pid 812 nginx",
			"+ UDP [::]:443 [::]:0 LISTENING pid ? (hidden)"}},
		{[]Socket{listen, conn}, []Socket{closing}, []string{
			"- TCP 0.0.0.0:443 0.0.0.0:0 LISTENING pid 812 nginx",
			"~ TCP 198.18.1.2:443 198.18.0.1:50122 ESTABLISHED -> TIME_WAIT pid 812 nginx"}},
	}
	for i, step := range steps {
		var got []string
		for _, c := range Changes(step.before, step.after) {
			got = append(got, c.String())
		}
		if strings.Join(got, "\n") != strings.Join(step.want, "\n") {
			t.Errorf("step %d:\n got %q\nwant %q", i, got, step.want)
		}
	}
}
