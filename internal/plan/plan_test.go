package plan

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/runner"
	"github.com/portspec/portspec/spec"
	"github.com/portspec/portspec/verdict"
)

// TestPrecedence: a flag beats the block, the block beats the settings,
// the settings beat the default, for every option that has all four.
func TestPrecedence(t *testing.T) {
	settings := spec.Settings{Timeout: 3 * time.Second, TCPTries: 4, UDPTries: 5, Concurrency: 7, PerHost: 8, Rate: 9, ICMPInterval: 2 * time.Second}
	block := &spec.Expectation{Protocol: spec.TCP, State: spec.Filtered, Timeout: 2 * time.Second, Tries: 6,
		Payload: []byte("x"), Community: "private", SourcePort: 53, Banner: regexp.MustCompile("^220")}
	tcp := spec.Check{Protocol: spec.TCP, Expect: block}
	udp := spec.Check{Protocol: spec.UDP, Expect: &spec.Expectation{Protocol: spec.UDP, State: spec.Blocked}}
	flags := Flags{Timeout: time.Second, Tries: 9, Concurrency: 1, PerHost: 2, Rate: 3, ICMPInterval: 4 * time.Second}

	for _, tc := range []struct {
		name     string
		c        spec.Check
		f        Flags
		s        spec.Settings
		tries    int
		timeout  time.Duration
		readsBan bool
		proves   bool
	}{
		{"flag beats all", tcp, flags, settings, 9, time.Second, true, true},
		{"block beats settings", tcp, Flags{}, settings, 6, 2 * time.Second, true, true},
		{"settings beat default, udp", udp, Flags{}, settings, 5, 3 * time.Second, false, false},
		{"default, udp", udp, Flags{}, spec.Settings{}, runner.DefaultUDPTries, 0, false, false},
		{"default, tcp", spec.Check{Protocol: spec.TCP, Expect: &spec.Expectation{State: spec.NotListening}}, Flags{}, spec.Settings{}, runner.DefaultTCPTries, 0, false, true},
	} {
		got := ProbeOptions(tc.c, tc.f, tc.s)
		if got.Tries != tc.tries || got.Timeout != tc.timeout || got.ReadBanner != tc.readsBan || got.ProveSilence != tc.proves {
			t.Errorf("%s: %+v; want tries %d, timeout %s, banner %v, prove %v", tc.name, got, tc.tries, tc.timeout, tc.readsBan, tc.proves)
		}
	}
	if got := ProbeOptions(tcp, flags, settings); string(got.Payload) != "x" || got.Community != "private" || got.SourcePort != 53 {
		t.Errorf("the block's own options: %+v", got)
	}
	if got := RunnerOptions(flags, settings); got.Concurrency != 1 || got.PerHost != 2 || got.Rate != 3 || got.ICMPInterval != 4*time.Second {
		t.Errorf("flags: %+v", got)
	}
	if got := RunnerOptions(Flags{}, settings); got.Concurrency != 7 || got.PerHost != 8 || got.Rate != 9 || got.ICMPInterval != 2*time.Second {
		t.Errorf("settings: %+v", got)
	}
}

// TestBudgetGroups: a host block's addresses and names are one machine,
// an address from a CIDR range a machine of its own.
func TestBudgetGroups(t *testing.T) {
	h := &spec.Host{Name: "mx", Targets: []spec.Target{
		{Addr: netip.MustParseAddr("198.18.0.2")}, {Name: "mx.example.com"},
		{Prefix: netip.MustParsePrefix("198.18.1.0/30")}, {Prefix: netip.MustParsePrefix("198.18.2.1/32")},
	}}
	for addr, want := range map[string]string{
		"198.18.0.2": "host mx", "2001:db8::2": "host mx", "198.18.1.1": "address 198.18.1.1", "198.18.2.1": "host mx",
	} {
		if got := budgetGroup(spec.Check{Host: h, Addr: netip.MustParseAddr(addr)}); got != want {
			t.Errorf("%s: %q, want %q", addr, got, want)
		}
	}
}

// TestPlanRun runs a spec through the plan and the runner: every result
// finds its check again, in order, and a name that did not resolve is an
// error record that says why, with nothing sent.
func TestPlanRun(t *testing.T) {
	src := hcl.Range{Filename: "www.hcl", Start: hcl.Pos{Line: 3, Column: 3}}
	h := &spec.Host{Name: "www", Description: "the web", Targets: []spec.Target{{Name: "www.example.com"}, {Name: "gone.example.com"}},
		Expectations: []*spec.Expectation{{Protocol: spec.TCP, State: spec.Listening, DeclRange: src,
			Ports: []spec.PortRange{{Low: 80, High: 81}}}}}
	s := &spec.Spec{Hosts: []*spec.Host{h}}
	resolver := &runner.Resolver{Lookup: func(_ context.Context, name string) ([]netip.Addr, error) {
		return nil, errors.New("lookup " + name + ": no such host")
	}}
	p := New(Flags{}, s.Settings, "app")
	var got []report.Record
	err := runner.New(runner.Options{}).Run(context.Background(), p.Probes(s.ResolvedChecks(spec.Selection{}, Resolve(resolver))), func(res runner.Result) {
		got = append(got, p.Record(res))
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("%d records, want 4", len(got))
	}
	for i, r := range got {
		wantName := []string{"www.example.com", "www.example.com", "gone.example.com", "gone.example.com"}[i]
		if r.Host != "www" || r.Name != wantName || r.Address != wantName || r.Port != uint16(80+i%2) || r.Vantage != "app" ||
			r.Verdict != verdict.Errored || r.Actual != "ERROR" || !strings.Contains(r.Error, "lookup "+wantName+": no such host") ||
			r.Source != "www.hcl:3:3" || r.HostDescription != "the web" || r.Evidence != nil {
			t.Errorf("record %d: %+v", i, r)
		}
	}
	if len(p.inFlight) != 0 {
		t.Errorf("%d checks still held after the run", len(p.inFlight))
	}
}

// TestInFlightRuns: the checks in flight are kept as runs of a block's
// checks of one address, and each is found again whole, by a try's
// attempt in any order and by its result in order, across blocks,
// addresses, names and shards.
func TestInFlightRuns(t *testing.T) {
	a := &spec.Expectation{Protocol: spec.TCP, State: spec.Listening, Ports: []spec.PortRange{{Low: 1, High: 5}, {Low: 9, High: 12}}}
	b := &spec.Expectation{Protocol: spec.UDP, State: spec.Filtered, Ports: []spec.PortRange{{Low: 53, High: 53}}}
	s := &spec.Spec{Hosts: []*spec.Host{
		{Name: "one", Targets: []spec.Target{{Prefix: netip.MustParsePrefix("198.18.0.0/30")}}, Expectations: []*spec.Expectation{a, b}},
		{Name: "two", Targets: []spec.Target{{Addr: netip.MustParseAddr("198.18.1.1")}, {Addr: netip.MustParseAddr("2001:db8::1")}}, Expectations: []*spec.Expectation{b}},
	}}
	for _, sel := range []spec.Selection{{}, {Shard: spec.Shard{K: 1, N: 3}}} {
		var want []spec.Check
		for c := range s.Checks(sel) {
			want = append(want, c)
		}
		p := New(Flags{}, s.Settings, "")
		var probes []runner.Probe
		for pr := range p.Probes(s.Checks(sel)) {
			probes = append(probes, pr)
		}
		if len(probes) != len(want) || len(want) == 0 {
			t.Fatalf("%d probes of %d checks", len(probes), len(want))
		}
		// Without shards, a run is a block's checks of one address.
		if groups := map[[3]any]bool{}; sel.Shard.N == 0 {
			for _, c := range want {
				groups[[3]any{c.Order.Unit, c.Order.Address, c.Expect}] = true
			}
			if len(p.inFlight) != len(groups) {
				t.Errorf("%d runs for %d checks of %d blocks and addresses", len(p.inFlight), len(want), len(groups))
			}
		}
		for _, i := range rand.Perm(len(probes)) {
			if got := p.checkOf(probes[i], false); !reflect.DeepEqual(got, want[i]) {
				t.Errorf("check %d found as %+v, want %+v", i, got, want[i])
			}
		}
		for i, pr := range probes {
			if got := p.checkOf(pr, true); !reflect.DeepEqual(got, want[i]) {
				t.Errorf("check %d taken as %+v, want %+v", i, got, want[i])
			}
		}
		if len(p.inFlight) != 0 || p.head != len(want) {
			t.Errorf("%d runs held, head %d, after every check of %d was taken", len(p.inFlight), p.head, len(want))
		}
	}
}
