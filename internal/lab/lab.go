//go:build linux

package lab

import (
	"bytes"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/portspec/portspec/internal/needs"
)

// The lab's fixed addresses.
var (
	// The second client's, from AddVantage.
	SecondClient4 = netip.MustParseAddr("198.18.3.1")
	SecondClient6 = netip.MustParseAddr("2001:db8:3::1")
	Client4       = netip.MustParseAddr("198.18.0.1")
	Router4       = netip.MustParseAddr("198.18.0.254")
	Server4       = netip.MustParseAddr("198.18.1.2")
	Client6       = netip.MustParseAddr("2001:db8:1::1")
	Router6       = netip.MustParseAddr("2001:db8:1::fe")
	Server6       = netip.MustParseAddr("2001:db8:2::2")
)

// Lab is one client–router–server network.
type Lab struct {
	Client, Router, Server *Namespace
	// Client2 is a second vantage point, once AddVantage made it.
	Client2 *Namespace
	// Router2 is the second router of a chain lab (NewChain), between
	// Router and Server.
	Router2 *Namespace
	prefix  string
	closers []io.Closer
}

var serial atomic.Int64

// Required reports whether the environment demands the lab: in CI, or
// when PORTSPEC_LAB=required (needs.Strict).
func Required() bool { return needs.Strict() }

// Unavailable says why a lab cannot be built here, or "" if it can.
func Unavailable() string {
	if os.Geteuid() != 0 {
		return "the lab needs root to create network namespaces"
	}
	for _, tool := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Sprintf("the lab needs %s(8): install iproute2 and nftables", tool)
		}
	}
	return ""
}

// New builds a lab for a test and removes it when the test ends, whether
// it passed or not.
func New(tb testing.TB) *Lab { return forTest(tb, "the lab", Build) }

// forTest builds a lab with build for a test, or skips the test where no
// lab can be built (and fails it where one is required).
func forTest(tb testing.TB, what string, build func() (*Lab, error)) *Lab {
	tb.Helper()
	if why := Unavailable(); why != "" {
		if Required() {
			tb.Fatalf("lab required (CI=true or PORTSPEC_LAB=required) but unavailable: %s", why)
		}
		tb.Skipf("skipping lab test: %s (set PORTSPEC_LAB=required to make this an error)", why)
	}
	l, err := build()
	if err != nil {
		tb.Fatalf("building %s: %v", what, err)
	}
	tb.Cleanup(l.Close)
	return l
}

// Build builds a lab outside a test; the caller must Close it.
func Build() (*Lab, error) { return assemble((*Lab).build) }

// assemble makes a lab with a fresh prefix and builds it, or removes what
// was built when a step fails.
func assemble(build func(*Lab) error) (*Lab, error) {
	removeStale()
	l := &Lab{prefix: fmt.Sprintf("psl-%d-%d-", os.Getpid(), serial.Add(1))}
	if err := build(l); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// slot is a namespace to make and where the lab keeps it.
type slot struct {
	short string
	ns    **Namespace
}

// addNamespaces makes the namespaces, each with a thread inside it.
func (l *Lab) addNamespaces(slots ...slot) error {
	for _, sl := range slots {
		name := l.prefix + sl.short
		if err := run("ip", "netns", "add", name); err != nil {
			return err
		}
		ns, err := enter(name)
		if err != nil {
			return err
		}
		*sl.ns = ns
	}
	return nil
}

// basics are the first steps in every namespace. Duplicate address
// detection would hold every IPv6 address, link-local ones included,
// tentative for seconds; it must be off before the links exist, since a
// link copies the default when it is made.
func basics(names ...string) [][]string {
	var steps [][]string
	for _, ns := range names {
		steps = append(steps,
			[]string{"ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"},
			[]string{"ip", "-n", ns, "link", "set", "lo", "up"})
	}
	return steps
}

// neighbour is a static neighbour entry. The lab's first packets must not
// wait on, or be lost to, ARP and neighbour discovery, or the first probe
// of a test would measure the lab rather than the prober.
type neighbour struct{ ns, dev, addr, mac string }

func neighbourSteps(entries []neighbour) [][]string {
	var steps [][]string
	for _, n := range entries {
		steps = append(steps, []string{"ip", "-n", n.ns, "neigh", "replace", n.addr, "lladdr", n.mac, "dev", n.dev, "nud", "permanent"})
	}
	return steps
}

func runSteps(steps [][]string) error {
	for _, step := range steps {
		if err := run(step[0], step[1:]...); err != nil {
			return err
		}
	}
	return nil
}

func (l *Lab) build() error {
	if err := l.addNamespaces(slot{"cli", &l.Client}, slot{"rtr", &l.Router}, slot{"srv", &l.Server}); err != nil {
		return err
	}
	c, r, s := l.Client.Name, l.Router.Name, l.Server.Name
	steps := basics(c, r, s)
	steps = append(steps,
		[]string{"ip", "link", "add", "c0", "netns", c, "address", macClient, "type", "veth", "peer", "r0", "netns", r, "address", macRouterClientSide},
		[]string{"ip", "link", "add", "s0", "netns", s, "address", macServer, "type", "veth", "peer", "r1", "netns", r, "address", macRouterServerSide},
	)
	steps = append(steps,
		[]string{"ip", "netns", "exec", r, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"},
		[]string{"ip", "-n", c, "addr", "add", "198.18.0.1/24", "dev", "c0"},
		[]string{"ip", "-n", c, "addr", "add", "2001:db8:1::1/64", "dev", "c0", "nodad"},
		[]string{"ip", "-n", c, "link", "set", "c0", "up"},
		[]string{"ip", "-n", r, "addr", "add", "198.18.0.254/24", "dev", "r0"},
		[]string{"ip", "-n", r, "addr", "add", "2001:db8:1::fe/64", "dev", "r0", "nodad"},
		[]string{"ip", "-n", r, "addr", "add", "198.18.1.254/24", "dev", "r1"},
		[]string{"ip", "-n", r, "addr", "add", "2001:db8:2::fe/64", "dev", "r1", "nodad"},
		[]string{"ip", "-n", r, "link", "set", "r0", "up"},
		[]string{"ip", "-n", r, "link", "set", "r1", "up"},
		[]string{"ip", "-n", s, "addr", "add", "198.18.1.2/24", "dev", "s0"},
		[]string{"ip", "-n", s, "addr", "add", "2001:db8:2::2/64", "dev", "s0", "nodad"},
		[]string{"ip", "-n", s, "link", "set", "s0", "up"},
		[]string{"ip", "-n", c, "route", "add", "default", "via", "198.18.0.254"},
		[]string{"ip", "-n", c, "-6", "route", "add", "default", "via", "2001:db8:1::fe"},
		[]string{"ip", "-n", s, "route", "add", "default", "via", "198.18.1.254"},
		[]string{"ip", "-n", s, "-6", "route", "add", "default", "via", "2001:db8:2::fe"},
	)
	steps = append(steps, neighbourSteps([]neighbour{
		{c, "c0", Router4.String(), macRouterClientSide},
		{c, "c0", Router6.String(), macRouterClientSide},
		{r, "r0", Client4.String(), macClient},
		{r, "r0", Client6.String(), macClient},
		{r, "r1", Server4.String(), macServer},
		{r, "r1", Server6.String(), macServer},
		{s, "s0", "198.18.1.254", macRouterServerSide},
		{s, "s0", "2001:db8:2::fe", macRouterServerSide},
	})...)
	return runSteps(steps)
}

// Fixed, locally administered MAC addresses, for the static neighbours.
const (
	macClient            = "02:70:73:00:00:01"
	macRouterClientSide  = "02:70:73:00:00:fe"
	macRouterServerSide  = "02:70:73:00:01:fe"
	macServer            = "02:70:73:00:01:02"
	macClient2           = "02:70:73:00:03:01"
	macRouterClient2Side = "02:70:73:00:03:fe"
)

// AddServerAddrs gives the server every address of prefix (which must lie
// in 198.18.0.0/15 outside the lab's own /24s) and routes it from the
// router. It returns the addresses a scan would use: the prefix less its
// network and broadcast addresses.
func (l *Lab) AddServerAddrs(prefix netip.Prefix) ([]netip.Addr, error) {
	lab := netip.MustParsePrefix("198.18.0.0/15")
	if !lab.Contains(prefix.Addr()) || prefix.Bits() < 16 {
		return nil, fmt.Errorf("%s is outside the lab range %s", prefix, lab)
	}
	// A local route for the whole prefix makes the server answer on every
	// address in it without adding them one by one.
	if err := run("ip", "-n", l.Server.Name, "route", "add", "local", prefix.String(), "dev", "lo"); err != nil {
		return nil, err
	}
	if err := run("ip", "-n", l.Router.Name, "route", "add", prefix.String(), "via", Server4.String()); err != nil {
		return nil, err
	}
	var addrs []netip.Addr
	for a := prefix.Addr().Next(); prefix.Contains(a.Next()); a = a.Next() {
		addrs = append(addrs, a)
	}
	return addrs, nil
}

// ClientPrefix4 and ClientPrefix6 are prefixes routed to the client, for
// probes sent from addresses across them (runner.Options.SourcePrefix).
var (
	ClientPrefix4 = netip.MustParsePrefix("198.18.9.0/24")
	ClientPrefix6 = netip.MustParsePrefix("2001:db8:9::/64")
)

// AddClientPrefixes routes ClientPrefix4 and ClientPrefix6 to the client,
// as a cloud's prefix delegation would: a local route there, so that it
// owns every address, and a route back on the router.
func (l *Lab) AddClientPrefixes() error {
	c, r := l.Client.Name, l.Router.Name
	return runSteps([][]string{
		{"ip", "-n", c, "route", "add", "local", ClientPrefix4.String(), "dev", "lo"},
		{"ip", "-n", c, "-6", "route", "add", "local", ClientPrefix6.String(), "dev", "lo"},
		{"ip", "-n", r, "route", "add", ClientPrefix4.String(), "via", Client4.String()},
		{"ip", "-n", r, "-6", "route", "add", ClientPrefix6.String(), "via", Client6.String()},
	})
}

// AddVantage adds a second client namespace, on a network of its own
// behind the router (198.18.3.1, 2001:db8:3::1): a second place to probe
// the server from, which firewall rules can treat differently.
func (l *Lab) AddVantage() (*Namespace, error) {
	name := l.prefix + "cl2"
	if err := run("ip", "netns", "add", name); err != nil {
		return nil, err
	}
	ns, err := enter(name)
	if err != nil {
		run("ip", "netns", "del", name)
		return nil, err
	}
	l.Client2 = ns
	r := l.Router.Name
	for _, step := range [][]string{
		{"ip", "netns", "exec", name, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"},
		{"ip", "-n", name, "link", "set", "lo", "up"},
		{"ip", "link", "add", "d0", "netns", name, "address", macClient2, "type", "veth", "peer", "r2", "netns", r, "address", macRouterClient2Side},
		{"ip", "-n", name, "addr", "add", "198.18.3.1/24", "dev", "d0"},
		{"ip", "-n", name, "addr", "add", "2001:db8:3::1/64", "dev", "d0", "nodad"},
		{"ip", "-n", name, "link", "set", "d0", "up"},
		{"ip", "-n", r, "addr", "add", "198.18.3.254/24", "dev", "r2"},
		{"ip", "-n", r, "addr", "add", "2001:db8:3::fe/64", "dev", "r2", "nodad"},
		{"ip", "-n", r, "link", "set", "r2", "up"},
		{"ip", "-n", name, "route", "add", "default", "via", "198.18.3.254"},
		{"ip", "-n", name, "-6", "route", "add", "default", "via", "2001:db8:3::fe"},
		{"ip", "-n", name, "neigh", "replace", "198.18.3.254", "lladdr", macRouterClient2Side, "dev", "d0", "nud", "permanent"},
		{"ip", "-n", name, "neigh", "replace", "2001:db8:3::fe", "lladdr", macRouterClient2Side, "dev", "d0", "nud", "permanent"},
		{"ip", "-n", r, "neigh", "replace", SecondClient4.String(), "lladdr", macClient2, "dev", "r2", "nud", "permanent"},
		{"ip", "-n", r, "neigh", "replace", SecondClient6.String(), "lladdr", macClient2, "dev", "r2", "nud", "permanent"},
	} {
		if err := run(step[0], step[1:]...); err != nil {
			return nil, err
		}
	}
	return ns, nil
}

// Nft loads an nftables ruleset into a namespace.
func (l *Lab) Nft(ns *Namespace, ruleset string) error {
	cmd := exec.Command("ip", "netns", "exec", ns.Name, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(ruleset)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("nft in %s: %v: %s\nruleset:\n%s", ns.Name, err, out, ruleset)
	}
	return nil
}

// Sysctl sets kernel parameters in a namespace, such as the target's
// net.ipv4.icmp_ratelimit=250; the ICMP limits are the namespace's own.
func (l *Lab) Sysctl(ns *Namespace, settings ...string) error {
	return run("ip", append([]string{"netns", "exec", ns.Name, "sysctl", "-qw"}, settings...)...)
}

// EtcFile gives ns a file of its own in place of /etc/NAME, such as hosts
// or resolv.conf, for what runs there through ip netns exec, which binds
// /etc/netns/NS/NAME over it: a vantage point's own DNS. The lab's Close
// removes it.
func (l *Lab) EtcFile(ns *Namespace, name, content string) error {
	dir := filepath.Join(etcNetns, ns.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644)
}

// etcNetns is where ip netns exec finds a namespace's own /etc files.
const etcNetns = "/etc/netns"

// Socket creates a socket in the client namespace: the prober's SocketFunc.
func (l *Lab) Socket(domain, typ, proto int) (int, error) {
	var fd int
	var err error
	l.Client.Do(func() { fd, err = unix.Socket(domain, typ, proto) })
	return fd, err
}

// Close removes the namespaces, and with them every link, address, rule
// and socket of the lab.
func (l *Lab) Close() {
	for _, c := range l.closers {
		c.Close()
	}
	for _, ns := range []*Namespace{l.Client, l.Client2, l.Router, l.Router2, l.Server} {
		if ns != nil {
			ns.close()
		}
	}
	for _, short := range []string{"cli", "cl2", "rtr", "rt2", "srv"} {
		run("ip", "netns", "del", l.prefix+short)
		os.RemoveAll(filepath.Join(etcNetns, l.prefix+short))
	}
}

// removeStale deletes the namespaces of labs whose process died without
// cleaning up, such as a test binary killed by a timeout.
func removeStale() {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		var pid, n int
		var short string
		if _, err := fmt.Sscanf(strings.ReplaceAll(name, "-", " "), "psl %d %d %s", &pid, &n, &short); err != nil {
			continue
		}
		if unix.Kill(pid, 0) == unix.ESRCH {
			run("ip", "netns", "del", name)
			os.RemoveAll(filepath.Join(etcNetns, name))
		}
	}
}

func run(name string, args ...string) error {
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// Namespace is one of the lab's network namespaces, with an OS thread that
// has entered it.
type Namespace struct {
	Name string
	work chan func()
	done chan struct{}
}

// enter starts a goroutine locked to an OS thread inside the namespace. The
// thread is never unlocked, so it ends with the goroutine rather than
// returning to Go's pool still inside the namespace.
func enter(name string) (*Namespace, error) {
	ns := &Namespace{Name: name, work: make(chan func()), done: make(chan struct{})}
	errc := make(chan error)
	go func() {
		runtime.LockOSThread()
		fd, err := unix.Open("/var/run/netns/"+name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err == nil {
			err = unix.Setns(fd, unix.CLONE_NEWNET)
			unix.Close(fd)
		}
		errc <- err
		if err != nil {
			return
		}
		for f := range ns.work {
			f()
		}
		close(ns.done)
	}()
	if err := <-errc; err != nil {
		return nil, fmt.Errorf("entering %s: %w", name, err)
	}
	return ns, nil
}

// Do runs f on the namespace's thread: sockets f creates belong to the
// namespace. f must not block for long: Do calls are served one at a time.
func (ns *Namespace) Do(f func()) {
	done := make(chan struct{})
	ns.work <- func() { f(); close(done) }
	<-done
}

func (ns *Namespace) close() {
	close(ns.work)
	<-ns.done
}
