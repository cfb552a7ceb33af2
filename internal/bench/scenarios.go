//go:build linux

package main

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/portspec/portspec/internal/lab"
)

// Scenario is one row of issue #5's table.
type Scenario struct {
	ID, Title, Target string
	// MaxRatio is the target portspec/nmap ratio of median wall times; 0
	// when the target is not a ratio.
	MaxRatio float64
	// RSSLimitMB is the target peak RSS; 0 for none.
	RSSLimitMB float64
	Setup      func(l *lab.Lab) error
	// Addrs, Proto and Ports are the checks, as the spec and nmap see them.
	Addrs []netip.Addr
	Proto string
	Ports [][2]int
	// Truth is the state the setup gave each port, in PortQry's words.
	Truth func(a netip.Addr, port int) string
	// Spec is the portspec policy: the truth, written as a spec.
	Spec string
	// Nmap is nmap's command line before the targets; nil for no nmap run.
	Nmap []string
	// JUnit adds --junit to portspec's run.
	JUnit bool
	// Args are more arguments for portspec's runs of the scenario, its
	// baseline's too.
	Args []string
	// Cooldown separates runs, so each starts with the target's ICMP
	// budget full, as a real first scan would.
	Cooldown time.Duration
	// NmapFirst runs nmap before portspec in each run, and portspec the
	// moment nmap ends: the target's ICMP budget is then whatever nmap
	// left of it, as in a pipeline where a scanner ran just before.
	NmapFirst bool
	// Runs caps -runs for scenarios whose every run takes minutes.
	Runs int
	// Via names the vantages portspec probes from through its agent
	// (check --via NAME='ip netns exec NS'), in the lab's client
	// namespaces in turn; the coordinator runs in the first. Its peak RSS
	// is then its own, not its agents'.
	Via []string
	// LocalBaseline times a local run of the same spec beside each run
	// through the agent, and the ratio is the agent's over the local
	// one's.
	LocalBaseline bool
	// BaselineSpec is another spec timed beside each run, in the same lab
	// (a closed host of the same spec shape), and the ratio is portspec's
	// over it; its truth is the scenario's.
	BaselineSpec  string
	BaselineTitle string
	// BaselineAddrs are the addresses BaselineSpec probes.
	BaselineAddrs []netip.Addr
	// MaxWaitPerError bounds the time portspec may wait on the target's
	// ICMP budget per ICMP error that came only to a confirmation try
	// (one the budget had muted): about one icmp_ratelimit each. 0 for
	// no bound.
	MaxWaitPerError time.Duration
}

// Checks counts the scenario's checks.
func (s Scenario) Checks() int {
	n := 0
	for _, r := range s.Ports {
		n += r[1] - r[0] + 1
	}
	return n * len(s.Addrs)
}

func in(port, lo, hi int) bool { return port >= lo && port <= hi }

const (
	listening    = "LISTENING"
	notListening = "NOT LISTENING"
	filtered     = "FILTERED"
	openFiltered = "LISTENING or FILTERED"
)

func serveRange(l *lab.Lab, a netip.Addr, lo, hi int) error {
	for p := lo; p <= hi; p++ {
		if err := l.ServeTCP(netip.AddrPortFrom(a, uint16(p)), ""); err != nil {
			return err
		}
	}
	return nil
}

func scenarios() []Scenario {
	server := []netip.Addr{lab.Server4}
	scan := netip.MustParsePrefix("198.18.2.0/24")
	var scanAddrs []netip.Addr
	for a := scan.Addr().Next(); scan.Contains(a.Next()); a = a.Next() {
		scanAddrs = append(scanAddrs, a)
	}
	wildcard := netip.IPv4Unspecified()

	// P2's ports: 100 listening, 100 dropped, 100 closed.
	p2Truth := func(_ netip.Addr, p int) string {
		switch {
		case in(p, 3000, 3099):
			return listening
		case in(p, 3100, 3199):
			return filtered
		}
		return notListening
	}
	p2Spec := `host "server" {
  address = "198.18.1.2"
  tcp "listening" { ports = ["3000-3099"] }
  tcp "filtered" { ports = ["3100-3199"] }
  tcp "not_listening" { ports = ["3200-3299"] }
}
`
	p2Setup := func(loss bool) func(l *lab.Lab) error {
		return func(l *lab.Lab) error {
			rules := "tcp dport 3100-3199 drop\n"
			if loss {
				rules = "tcp dport 3000-3299 numgen random mod 10 0 drop\n" + rules
			}
			if err := l.Nft(l.Server, table(rules)); err != nil {
				return err
			}
			return serveRange(l, lab.Server4, 3000, 3099)
		}
	}
	// P4 and P5: a /24 of addresses on the server, listeners on the
	// wildcard address, so every address has them.
	scanSetup := func(l *lab.Lab) error {
		if _, err := l.AddServerAddrs(scan); err != nil {
			return err
		}
		if err := l.Nft(l.Server, table("tcp dport 3004-3007 drop\n")); err != nil {
			return err
		}
		return serveRange(l, wildcard, 3000, 3003)
	}
	scanTruth := func(_ netip.Addr, p int) string {
		switch {
		case in(p, 3000, 3003):
			return listening
		case in(p, 3004, 3007):
			return filtered
		}
		return notListening
	}
	scanSpec := func(last int) string {
		return fmt.Sprintf(`host "scan" {
  addresses = ["198.18.2.0/24"]
  tcp "listening" { ports = ["3000-3003"] }
  tcp "filtered" { ports = ["3004-3007"] }
  tcp "not_listening" { ports = ["1-2999", "3008-%d"] }
}
`, last)
	}

	all := []Scenario{
		{
			ID: "P1", Title: "TCP 1-65535 on one host: 100 listening, 150 dropped, 150 admin-prohibited, the rest closed",
			// The admin-prohibited ports' blocks say filtered, which a
			// muted port unreachable would fail: each muted error must be
			// drawn again, a token each (issue #9).
			Target: "sweep ≤ 0.5× nmap -sT -Pn -n -p-; ≤ 1.1 s of wait per muted error, +1", MaxRatio: 0.5, Runs: 3,
			MaxWaitPerError: 1100 * time.Millisecond,
			Setup: func(l *lab.Lab) error {
				if err := l.Nft(l.Server, table("tcp dport 4000-4149 drop\ntcp dport 4150-4299 reject with icmpx type admin-prohibited\n")); err != nil {
					return err
				}
				return serveRange(l, lab.Server4, 3000, 3099)
			},
			Addrs: server, Proto: "tcp", Ports: [][2]int{{1, 65535}},
			Truth: func(_ netip.Addr, p int) string {
				switch {
				case in(p, 3000, 3099):
					return listening
				case in(p, 4000, 4299):
					return filtered
				}
				return notListening
			},
			Spec: `host "server" {
  address = "198.18.1.2"
  tcp "listening" { ports = ["3000-3099"] }
  tcp "filtered" { ports = ["4000-4299"] }
  tcp "not_listening" { ports = ["1-2999", "3100-3999", "4300-65535"] }
}
`,
			Nmap: []string{"-sT", "-Pn", "-n", "-p-"},
		},
		{
			ID: "P2", Title: "300 TCP checks: 100 listening, 100 dropped, 100 closed",
			Target: "sweep ≤ 0.5× nmap -sT; ≤ 1.1 s of wait per muted error, +1", MaxRatio: 0.5, MaxWaitPerError: 1100 * time.Millisecond,
			Setup: p2Setup(false), Addrs: server, Proto: "tcp", Ports: [][2]int{{3000, 3299}},
			Truth: p2Truth, Spec: p2Spec, Nmap: []string{"-sT", "-Pn", "-n", "-p", "3000-3299"},
		},
		{
			ID: "P2L", Title: "P2 with 10% random loss (nftables numgen)",
			Target: "zero wrong verdicts",
			Setup:  p2Setup(true), Addrs: server, Proto: "tcp", Ports: [][2]int{{3000, 3299}},
			Truth: p2Truth, Spec: p2Spec, Nmap: []string{"-sT", "-Pn", "-n", "-p", "3000-3299"},
		},
		{
			ID: "P3", Title: "30 closed UDP ports on a host at the default ICMP rate limit",
			Target: "all NOT LISTENING, ≤ 1.0× nmap -sU", MaxRatio: 1.0,
			Setup: func(*lab.Lab) error { return nil },
			Addrs: server, Proto: "udp", Ports: [][2]int{{3000, 3029}},
			Truth: func(netip.Addr, int) string { return notListening },
			Spec: `host "server" {
  address = "198.18.1.2"
  udp "not_listening" { ports = ["3000-3029"] }
}
`,
			Nmap:     []string{"-sU", "-Pn", "-n", "-p", "3000-3029"},
			Cooldown: 7 * time.Second,
		},
		{
			ID: "P4", Title: "254 hosts × 20 TCP ports (4 listening, 4 dropped, 12 closed)",
			Target: "sweep ≤ 0.5× nmap -sT; ≤ 1.1 s of wait per muted error, +1", MaxRatio: 0.5, MaxWaitPerError: 1100 * time.Millisecond,
			Setup: scanSetup, Addrs: scanAddrs, Proto: "tcp", Ports: [][2]int{{3000, 3019}},
			Truth: scanTruth,
			Spec: `host "scan" {
  addresses = ["198.18.2.0/24"]
  tcp "listening" { ports = ["3000-3003"] }
  tcp "filtered" { ports = ["3004-3007"] }
  tcp "not_listening" { ports = ["3008-3019"] }
}
`,
			Nmap: []string{"-sT", "-Pn", "-n", "-p", "3000-3019"},
		},
		{
			ID: "P5", Title: "254 hosts × 4096 TCP ports, with JSON and JUnit reports",
			Target: "peak RSS < 200 MB; fds within the caps", RSSLimitMB: 200,
			Setup: scanSetup, Addrs: scanAddrs, Proto: "tcp", Ports: [][2]int{{1, 4096}},
			Truth: scanTruth, Spec: scanSpec(4096), JUnit: true,
		},
	}
	budget := budgetScenarios()
	i2 := byID(budget, "I2")
	synOnes := []Scenario{withSYN(byID(all, "P1"), 1), withSYN(i2, i2.MaxRatio), withSYN(byID(all, "P5"), 0)}
	return append(append(append(all, budget...), synOnes...), viaScenarios(byID(all, "P4"), scanSetup, scanTruth, scanSpec)...)
}

// byID is the scenario of list with id.
func byID(list []Scenario, id string) Scenario {
	return list[slices.IndexFunc(list, func(s Scenario) bool { return s.ID == id })]
}

// viaScenarios are issue #22's: the same probes through the agent. p4
// is P4, which V1 runs through one.
func viaScenarios(p4 Scenario, scanSetup func(*lab.Lab) error, scanTruth func(netip.Addr, int) string, scanSpec func(int) string) []Scenario {
	// V2 gives the vantages one half of P5's checks each: a from the
	// first namespace, b (the closed ports up to 2048) from the second.
	split := strings.Replace(scanSpec(4096), `"1-2999", `, `"2049-2999", `, 1)
	split += `host "scan-low" {
  addresses = ["198.18.2.0/24"]
  from      = ["b"]
  tcp "not_listening" { ports = ["1-2048"] }
}
`
	split = strings.Replace(split, `host "scan" {`, `host "scan" {
  from      = ["a"]`, 1)
	v1 := p4
	v1.ID, v1.Title = "V1", "P4 through the agent: check --via a='ip netns exec CLIENT'"
	v1.Target, v1.MaxRatio, v1.MaxWaitPerError, v1.Nmap = "≤ 1.1× the same check run locally", 1.1, 0, nil
	v1.LocalBaseline, v1.Via = true, []string{"a"}
	return []Scenario{
		v1,
		{
			ID: "V3", Title: "TCP 1-65535 on one host through the agent: 100 listening, the rest closed (a sweep bound by the CPU)",
			Target: "≤ 1.1× the same check run locally", MaxRatio: 1.1, LocalBaseline: true, Via: []string{"a"},
			Setup: func(l *lab.Lab) error { return serveRange(l, lab.Server4, 3000, 3099) },
			Addrs: []netip.Addr{lab.Server4}, Proto: "tcp", Ports: [][2]int{{1, 65535}},
			Truth: func(_ netip.Addr, p int) string {
				if in(p, 3000, 3099) {
					return listening
				}
				return notListening
			},
			Spec: `host "server" {
  address = "198.18.1.2"
  tcp "listening" { ports = ["3000-3099"] }
  tcp "not_listening" { ports = ["1-2999", "3100-65535"] }
}
`,
		},
		{
			ID: "V2", Title: "P5's 1,040,384 checks through two agents, half from each of two vantage namespaces",
			Target: "coordinator's peak RSS ≤ 100 MB", RSSLimitMB: 100, Runs: 1, Via: []string{"a", "b"},
			Setup: func(l *lab.Lab) error {
				if _, err := l.AddVantage(); err != nil {
					return err
				}
				return scanSetup(l)
			},
			Addrs: p4.Addrs, Proto: "tcp", Ports: [][2]int{{1, 4096}},
			Truth: scanTruth, Spec: split,
		},
	}
}

func table(rules string) string {
	return policyTable("accept", rules)
}

func policyTable(policy, rules string) string {
	return "table inet bench {\n  chain input {\n    type filter hook input priority 0; policy " + policy + ";\n" + rules + "  }\n}\n"
}

// closedTwin is I2's closed host: an address of the lab's server that no
// firewall rule covers.
var closedTwin = netip.MustParsePrefix("198.18.5.0/30")

// budgetScenarios are issue #9's: firewalls whose ICMP errors the
// target's rate limit mutes, where a prober is wrong or slow.
func budgetScenarios() []Scenario {
	server := []netip.Addr{lab.Server4}
	all := []Scenario{
		{
			ID: "I1", Title: "drop-by-default host, one port rejected with ICMP port unreachable (ident/113), TCP 1-65535; spec: 22 listening, the rest blocked",
			Target: "≤ 0.5× nmap -sT -Pn -n -p-", MaxRatio: 0.5, Runs: 3,
			Setup: func(l *lab.Lab) error {
				if err := l.Nft(l.Server, policyTable("drop", "tcp dport 22 accept\ntcp dport 113 reject with icmpx type port-unreachable\n")); err != nil {
					return err
				}
				return serveRange(l, lab.Server4, 22, 22)
			},
			Addrs: server, Proto: "tcp", Ports: [][2]int{{1, 65535}},
			Truth: func(_ netip.Addr, p int) string {
				switch p {
				case 22:
					return listening
				case 113:
					return notListening
				}
				return filtered
			},
			Spec: `host "server" {
  address = "198.18.1.2"
  tcp "listening" { ports = [22] }
  tcp "blocked" { ports = ["1-21", "23-65535"] }
}
`,
			Nmap: []string{"-sT", "-Pn", "-n", "-p-"},
		},
		{
			ID: "I2", Title: "reject-by-default host (iptables' REJECT: ICMP port unreachable for every port), TCP 1-65535 blocked",
			Target: "≤ 2× the same spec on a closed host in the same run; no wait on the ICMP budget; nmap cannot finish", Runs: 3, MaxRatio: 2,
			Setup: func(l *lab.Lab) error {
				// The closed twin: an address of the server that the
				// reject does not cover, where every port answers RST.
				if _, err := l.AddServerAddrs(closedTwin); err != nil {
					return err
				}
				return l.Nft(l.Server, table("ip daddr 198.18.1.2 meta l4proto tcp reject with icmpx type port-unreachable\n"))
			},
			Addrs: server, Proto: "tcp", Ports: [][2]int{{1, 65535}},
			Truth: func(netip.Addr, int) string { return notListening },
			Spec: `host "server" {
  address = "198.18.1.2"
  tcp "blocked" { ports = ["1-65535"] }
}
`,
			BaselineTitle: "the same spec on a closed host", BaselineAddrs: []netip.Addr{closedTwin.Addr().Next()},
			BaselineSpec: `host "server" {
  address = "198.18.5.1"
  tcp "blocked" { ports = ["1-65535"] }
}
`,
			MaxWaitPerError: time.Nanosecond, // blocked confirms nothing
		},
		{
			ID: "I3", Title: "TCP 1-65535 right after nmap -sT -p-: 105 listening, 100 dropped, 100 admin-prohibited, 100 port-unreachable, the rest closed",
			// Issue #9's bound: the sweep, plus about one icmp_ratelimit
			// per muted error, plus a few seconds. nmap is the scan that
			// spent the budget, and is timed as well.
			Target: "zero wrong; ≤ 1.1 s of wait per muted error, +1", Runs: 1, NmapFirst: true,
			Setup: func(l *lab.Lab) error {
				rules := "tcp dport 4000-4099 drop\ntcp dport 4100-4199 reject with icmpx type admin-prohibited\ntcp dport 4200-4299 reject with icmpx type port-unreachable\n"
				if err := l.Nft(l.Server, table(rules)); err != nil {
					return err
				}
				return serveRange(l, lab.Server4, 3000, 3104)
			},
			Addrs: server, Proto: "tcp", Ports: [][2]int{{1, 65535}},
			Truth: func(_ netip.Addr, p int) string {
				switch {
				case in(p, 3000, 3104):
					return listening
				case in(p, 4000, 4199):
					return filtered
				}
				return notListening
			},
			Spec: `host "server" {
  address = "198.18.1.2"
  tcp "listening" { ports = ["3000-3104"] }
  tcp "filtered" { ports = ["4000-4199"] }
  tcp "not_listening" { ports = ["1-2999", "3105-3999", "4200-65535"] }
}
`,
			Nmap:            []string{"-sT", "-Pn", "-n", "-p-"},
			MaxWaitPerError: 1100 * time.Millisecond,
		},
	}
	return append(all, lossy(all[len(all)-1], 50), lossy(all[len(all)-1], 10))
}

// withSYN is sc with --syn (TCP tries as bare SYNs from a raw socket),
// beside nmap -sS where sc has nmap -sT: like for like. maxRatio is its
// target against that nmap (or sc's baseline); 0 keeps sc's target.
func withSYN(sc Scenario, maxRatio float64) Scenario {
	base := sc.ID
	sc.ID += "S"
	sc.Title = base + " with --syn: SYN tries from a raw socket"
	sc.Args = append(slices.Clone(sc.Args), "--syn")
	if i := slices.Index(sc.Nmap, "-sT"); i >= 0 {
		sc.Nmap = slices.Clone(sc.Nmap)
		sc.Nmap[i] = "-sS"
		sc.Title += ", beside nmap -sS"
	}
	if maxRatio > 0 {
		sc.MaxRatio = maxRatio
		switch {
		case sc.BaselineSpec != "":
			sc.Target = fmt.Sprintf("≤ %g× the same spec on a closed host, both with --syn", maxRatio)
		case sc.MaxWaitPerError > 0:
			sc.Target = fmt.Sprintf("sweep ≤ %g× nmap %s; ≤ 1.1 s of wait per muted error, +1", maxRatio, strings.Join(sc.Nmap, " "))
		default:
			sc.Target = fmt.Sprintf("≤ %g× nmap %s", maxRatio, strings.Join(sc.Nmap, " "))
		}
	}
	return sc
}

// lossy is sc with one in oneIn of the target's packets dropped at random
// (nftables numgen in its output chain, this kernel having no netem):
// issue #23's bench of what loss costs in time, with zero wrong.
func lossy(sc Scenario, oneIn int) Scenario {
	setup, base, percent := sc.Setup, sc.ID, 100/oneIn
	sc.ID = fmt.Sprintf("%sL%d", base, percent)
	sc.Title = fmt.Sprintf("%s with %d%% of the target's packets lost (nftables numgen)", base, percent)
	sc.Target, sc.MaxWaitPerError = "zero wrong; what loss costs in time", 0
	// nmap only spends the target's budget before portspec's run: without
	// retries, since under loss its own retries took over three minutes.
	sc.Nmap = append(slices.Clone(sc.Nmap), "--max-retries", "0")
	sc.Setup = func(l *lab.Lab) error {
		if err := setup(l); err != nil {
			return err
		}
		return l.Nft(l.Server, fmt.Sprintf("table inet loss {\n  chain output {\n    type filter hook output priority 0; policy accept;\n    numgen random mod %d 0 drop\n  }\n}\n", oneIn))
	}
	return sc
}
