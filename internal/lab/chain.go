//go:build linux

package lab

import (
	"net/netip"
	"testing"
)

// The chain lab's routers' addresses: r1 (Router) faces the client on
// Router4/Router6 and r2 on Transit1; r2 (Router2) faces r1 on Transit2
// and the server on 198.18.1.254. A trace from the client sees r1 at hop
// 1 (Router4), r2 at hop 2 (Transit2), the server at hop 3.
var (
	Transit1_4 = netip.MustParseAddr("198.18.4.1")
	Transit2_4 = netip.MustParseAddr("198.18.4.2")
	Transit1_6 = netip.MustParseAddr("2001:db8:4::1")
	Transit2_6 = netip.MustParseAddr("2001:db8:4::2")
	// A second address of the server, for r2 to cut off whole.
	CutServer4 = netip.MustParseAddr("198.18.1.3")
	CutServer6 = netip.MustParseAddr("2001:db8:2::3")
)

// NewChain builds a lab with two routers, client → r1 → r2 → server, for
// a test, and removes it when the test ends. The client and server keep
// the addresses of the one-router lab.
func NewChain(tb testing.TB) *Lab { return forTest(tb, "the chain lab", BuildChain) }

// BuildChain builds a chain lab outside a test; the caller must Close it.
func BuildChain() (*Lab, error) { return assemble((*Lab).buildChain) }

const (
	macR1Transit = "02:70:73:00:04:01"
	macR2Transit = "02:70:73:00:04:02"
)

func (l *Lab) buildChain() error {
	if err := l.addNamespaces(slot{"cli", &l.Client}, slot{"rtr", &l.Router}, slot{"rt2", &l.Router2}, slot{"srv", &l.Server}); err != nil {
		return err
	}
	c, r1, r2, s := l.Client.Name, l.Router.Name, l.Router2.Name, l.Server.Name
	steps := basics(c, r1, r2, s)
	for _, r := range []string{r1, r2} {
		steps = append(steps, []string{"ip", "netns", "exec", r, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"})
	}
	steps = append(steps,
		[]string{"ip", "link", "add", "c0", "netns", c, "address", macClient, "type", "veth", "peer", "r0", "netns", r1, "address", macRouterClientSide},
		[]string{"ip", "link", "add", "t1", "netns", r1, "address", macR1Transit, "type", "veth", "peer", "t2", "netns", r2, "address", macR2Transit},
		[]string{"ip", "link", "add", "s0", "netns", s, "address", macServer, "type", "veth", "peer", "r1", "netns", r2, "address", macRouterServerSide},
		[]string{"ip", "-n", c, "addr", "add", "198.18.0.1/24", "dev", "c0"},
		[]string{"ip", "-n", c, "addr", "add", "2001:db8:1::1/64", "dev", "c0", "nodad"},
		[]string{"ip", "-n", r1, "addr", "add", "198.18.0.254/24", "dev", "r0"},
		[]string{"ip", "-n", r1, "addr", "add", "2001:db8:1::fe/64", "dev", "r0", "nodad"},
		[]string{"ip", "-n", r1, "addr", "add", "198.18.4.1/24", "dev", "t1"},
		[]string{"ip", "-n", r1, "addr", "add", "2001:db8:4::1/64", "dev", "t1", "nodad"},
		[]string{"ip", "-n", r2, "addr", "add", "198.18.4.2/24", "dev", "t2"},
		[]string{"ip", "-n", r2, "addr", "add", "2001:db8:4::2/64", "dev", "t2", "nodad"},
		[]string{"ip", "-n", r2, "addr", "add", "198.18.1.254/24", "dev", "r1"},
		[]string{"ip", "-n", r2, "addr", "add", "2001:db8:2::fe/64", "dev", "r1", "nodad"},
		[]string{"ip", "-n", s, "addr", "add", "198.18.1.2/24", "dev", "s0"},
		[]string{"ip", "-n", s, "addr", "add", "2001:db8:2::2/64", "dev", "s0", "nodad"},
		[]string{"ip", "-n", s, "addr", "add", "198.18.1.3/24", "dev", "s0"},
		[]string{"ip", "-n", s, "addr", "add", "2001:db8:2::3/64", "dev", "s0", "nodad"},
	)
	for _, link := range [][2]string{{c, "c0"}, {r1, "r0"}, {r1, "t1"}, {r2, "t2"}, {r2, "r1"}, {s, "s0"}} {
		steps = append(steps, []string{"ip", "-n", link[0], "link", "set", link[1], "up"})
	}
	steps = append(steps,
		[]string{"ip", "-n", c, "route", "add", "default", "via", "198.18.0.254"},
		[]string{"ip", "-n", c, "-6", "route", "add", "default", "via", "2001:db8:1::fe"},
		[]string{"ip", "-n", r1, "route", "add", "198.18.1.0/24", "via", "198.18.4.2"},
		[]string{"ip", "-n", r1, "-6", "route", "add", "2001:db8:2::/64", "via", "2001:db8:4::2"},
		[]string{"ip", "-n", r2, "route", "add", "198.18.0.0/24", "via", "198.18.4.1"},
		[]string{"ip", "-n", r2, "-6", "route", "add", "2001:db8:1::/64", "via", "2001:db8:4::1"},
		[]string{"ip", "-n", s, "route", "add", "default", "via", "198.18.1.254"},
		[]string{"ip", "-n", s, "-6", "route", "add", "default", "via", "2001:db8:2::fe"},
	)
	steps = append(steps, neighbourSteps([]neighbour{
		{c, "c0", Router4.String(), macRouterClientSide},
		{c, "c0", Router6.String(), macRouterClientSide},
		{r1, "r0", Client4.String(), macClient},
		{r1, "r0", Client6.String(), macClient},
		{r1, "t1", Transit2_4.String(), macR2Transit},
		{r1, "t1", Transit2_6.String(), macR2Transit},
		{r2, "t2", Transit1_4.String(), macR1Transit},
		{r2, "t2", Transit1_6.String(), macR1Transit},
		{r2, "r1", Server4.String(), macServer},
		{r2, "r1", Server6.String(), macServer},
		{r2, "r1", CutServer4.String(), macServer},
		{r2, "r1", CutServer6.String(), macServer},
		{s, "s0", "198.18.1.254", macRouterServerSide},
		{s, "s0", "2001:db8:2::fe", macRouterServerSide},
	})...)
	return runSteps(steps)
}
