package spec

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portspec/portspec/internal/suggest"
)

func TestTargetAddrs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"198.18.0.7", []string{"198.18.0.7"}},
		{"198.18.0.0/30", []string{"198.18.0.1", "198.18.0.2"}},
		{"198.18.0.0/31", []string{"198.18.0.0", "198.18.0.1"}},
		{"198.18.0.9/32", []string{"198.18.0.9"}},
		{"2001:db8::/126", []string{"2001:db8::", "2001:db8::1", "2001:db8::2", "2001:db8::3"}},
		{"mx.example.com", nil},
	} {
		target, err := ParseTarget(tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		var got []string
		for a := range target.Addrs {
			got = append(got, a.String())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: addrs %v, want %v", tc.in, got, tc.want)
		}
		if n := target.size().Int64(); tc.want != nil && n != int64(len(tc.want)) {
			t.Errorf("%s: size %d, want %d", tc.in, n, len(tc.want))
		}
	}
	for _, bad := range []string{"198.18.0.1/24", "198.18.0.0/33", "-bad-.example", "a b", ""} {
		if _, err := ParseTarget(bad); err == nil {
			t.Errorf("ParseTarget(%q) accepted it", bad)
		}
	}
}

func TestParsePort(t *testing.T) {
	for in, want := range map[string]PortRange{
		"25":        {Low: 25, High: 25},
		"135-139":   {Low: 135, High: 139},
		" 1 - 3 ":   {Low: 1, High: 3},
		"domain":    {Low: 53, High: 53},
		"MS-SQL-S":  {Low: 1433, High: 1433},
		"65535":     {Low: 65535, High: 65535},
		"memcached": {Low: 11211, High: 11211},
	} {
		got, err := ParsePort(in)
		if err != nil || got.Low != want.Low || got.High != want.High {
			t.Errorf("ParsePort(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"0", "65536", "10-5", "nosuchservice", "1-2-3", ""} {
		if _, err := ParsePort(bad); err == nil {
			t.Errorf("ParsePort(%q) accepted it", bad)
		}
	}
}

func TestSuggest(t *testing.T) {
	for _, tc := range []struct{ given, want string }{
		{"listning", "listening"},
		{"not_listeing", "not_listening"},
		{"blokced", "blocked"},
		{"xyzzy", ""},
	} {
		if got := suggest.Nearest(tc.given, stateLabels); got != tc.want {
			t.Errorf("suggest(%q) = %q, want %q", tc.given, got, tc.want)
		}
	}
}

func TestSelection(t *testing.T) {
	dir := writeSpec(t, map[string]string{"s.hcl": `
host "a" {
  address = "198.18.0.1"
  tags    = ["pci"]
  tcp "listening" { ports = [1] }
  tcp "listening" {
    ports = [2]
    from  = ["app"]
  }
}
host "b" {
  address = "198.18.0.2"
  from    = ["app", "dmz"]
  tcp "listening" {
    ports = [3]
    tags  = ["smoke"]
  }
  tcp "listening" {
    ports = [4]
    from  = ["dmz"]
  }
}
`})
	l := NewLoader()
	s, diags := l.Load([]string{filepath.Join(dir, "s.hcl")}, Options{})
	if diags.HasErrors() {
		t.Fatal(render(l, diags))
	}
	for _, tc := range []struct {
		sel  Selection
		want []uint16
	}{
		{Selection{}, []uint16{1}},
		{Selection{From: "app"}, []uint16{1, 2, 3}},
		{Selection{From: "dmz"}, []uint16{1, 3, 4}},
		{Selection{From: "ops"}, []uint16{1}},
		{Selection{Tags: []string{"pci"}}, []uint16{1}},
		{Selection{From: "app", Tags: []string{"pci"}}, []uint16{1, 2}},
		{Selection{From: "app", Tags: []string{"smoke"}}, []uint16{3}},
	} {
		var got []uint16
		for c := range s.Checks(tc.sel) {
			got = append(got, c.Port)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%+v: ports %v, want %v", tc.sel, got, tc.want)
		}
	}
}

// TestChecksStream shows that expansion holds one check at a time: walking
// a million checks allocates no more than walking a handful.
func TestChecksStream(t *testing.T) {
	load := func(cidr string, ports string) *Spec {
		dir := writeSpec(t, map[string]string{"s.hcl": fmt.Sprintf(`
host "lab" {
  addresses = [%q]
  tcp "blocked" { ports = [%q] }
}
`, cidr, ports)})
		l := NewLoader()
		s, diags := l.Load([]string{filepath.Join(dir, "s.hcl")}, Options{})
		if diags.HasErrors() {
			t.Fatal(render(l, diags))
		}
		return s
	}
	small := load("198.18.0.0/30", "1-2")
	large := load("198.18.0.0/16", "1-16") // 65534 addresses × 16 ports
	walk := func(s *Spec) func() {
		return func() {
			for range s.Checks(Selection{}) {
			}
		}
	}
	if _, n := large.Count(Selection{}); n != 65534*16 {
		t.Fatalf("large spec has %d checks, want %d", n, 65534*16)
	}
	smallAllocs := testing.AllocsPerRun(3, walk(small))
	largeAllocs := testing.AllocsPerRun(3, walk(large))
	if largeAllocs > smallAllocs {
		t.Errorf("walking 1M checks made %.0f allocations, 4 checks made %.0f: expansion is not streaming", largeAllocs, smallAllocs)
	}
	// Stopping early must stop the walk.
	n := 0
	for c := range large.Checks(Selection{}) {
		n++
		if c.Addr == netip.MustParseAddr("198.18.0.2") {
			break
		}
	}
	if n != 17 {
		t.Errorf("walk stopped after %d checks, want 17", n)
	}
}

// BenchmarkExpand walks a million checks: 65534 addresses × 16 ports.
func BenchmarkExpand(b *testing.B) {
	dir := b.TempDir()
	path := dir + "/s.hcl"
	os.WriteFile(path, []byte(`host "lab" {
  addresses = ["198.18.0.0/16"]
  tcp "blocked" { ports = ["1-16"] }
}
`), 0o644)
	l := NewLoader()
	s, diags := l.Load([]string{path}, Options{})
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		n := 0
		for range s.Checks(Selection{}) {
			n++
		}
		if n != 65534*16 {
			b.Fatalf("%d checks", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*65534*16), "ns/check")
}

func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		l := NewLoader()
		if _, diags := l.Load([]string{"testdata/valid/full_language.hcl"}, Options{}); diags.HasErrors() {
			b.Fatal(diags)
		}
	}
}

// TestTotalAddressCapCountsNames: a name counts against the cap over the
// whole spec once it resolves; one that would take the spec over it gives
// its checks an error instead of addresses (issue #14, item 10).
func TestTotalAddressCapCountsNames(t *testing.T) {
	s := loadSource(t, `
host "static" {
  address = "198.18.1.0/29"
  tcp "blocked" { ports = [23] }
}
host "small" {
  address = "small.example.com"
  tcp "blocked" { ports = [23] }
}
host "big" {
  address = "big.example.com"
  tcp "blocked" { ports = [23] }
}
`, Options{MaxTotalAddresses: 10})
	many := func(n int) []netip.Addr {
		var out []netip.Addr
		a := netip.MustParseAddr("198.18.9.1")
		for range n {
			out = append(out, a)
			a = a.Next()
		}
		return out
	}
	resolve := func(name string, _ Family) ([]netip.Addr, error) {
		if name == "small.example.com" {
			return many(3), nil // 6 static + 3: within the cap of 10
		}
		return many(2), nil // 11: over it
	}
	probed, refused := 0, 0
	for c := range s.ResolvedChecks(Selection{}, resolve) {
		switch {
		case c.ResolveErr != nil:
			refused++
			if c.Name != "big.example.com" || !strings.Contains(c.ResolveErr.Error(), "over its cap of 10 addresses") {
				t.Errorf("%s: %v", c.Name, c.ResolveErr)
			}
		default:
			probed++
		}
	}
	if probed != 9 || refused != 1 {
		t.Errorf("%d checks probed, %d refused; want 9 and the big name's 1", probed, refused)
	}
}

// TestDescriptionsReachChecks: a host's and a profile's description are
// kept, and a check says both (issue #10, item 6).
func TestDescriptionsReachChecks(t *testing.T) {
	s := loadSource(t, `
profile "mail" {
  description = "what every mail server offers"
  tcp "listening" { ports = [25] }
}
host "mx" {
  description = "the inbound relay"
  address     = "198.18.0.2"
  profiles    = ["mail"]
  tcp "blocked" { ports = [23] }
}
`, Options{})
	var got []string
	for c := range s.Checks(Selection{}) {
		got = append(got, fmt.Sprintf("%d %q %q", c.Port, c.ProfileDescription(), c.HostDescription()))
	}
	want := []string{`25 "what every mail server offers" "the inbound relay"`, `23 "" "the inbound relay"`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestMetadataAndWaivers: a block's control, owner and link beat its
// host's, which beat its profile's; --control selects by the controls a
// block ends up with; a waiver holds through its last day.
func TestMetadataAndWaivers(t *testing.T) {
	s := loadSource(t, `
profile "pci_base" {
  control = "PCI-DSS 1.2.1"
  owner   = "security"
  link    = "https://wiki.example.com/pci"
  tcp "blocked" { ports = ["telnet"] }
}
host "db" {
  address  = "198.18.0.50"
  profiles = ["pci_base"]
  owner    = "dba"
  tcp "listening" {
    ports   = ["postgresql"]
    control = ["CIS 9.2", "PCI-DSS 1.3"]
    link    = "https://wiki.example.com/db"
    waiver {
      reason = "migration, DB-7"
      until  = "2027-01-31"
    }
  }
  udp "blocked" { ports = ["tftp"] }
}
`, Options{})
	var got []string
	for c := range s.Checks(Selection{}) {
		m := c.Metadata()
		got = append(got, fmt.Sprintf("%s/%d %v %s %s", c.Protocol, c.Port, m.Controls, m.Owner, m.Link))
	}
	want := []string{
		"tcp/23 [PCI-DSS 1.2.1] dba https://wiki.example.com/pci",
		"tcp/5432 [CIS 9.2 PCI-DSS 1.3] dba https://wiki.example.com/db",
		"udp/69 [] dba ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("metadata:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for control, n := range map[string]int{"PCI-DSS 1.2.1": 1, "PCI-DSS 1.3": 1, "CIS 9.2": 1, "NIST": 0} {
		if _, checks := s.Count(Selection{Controls: []string{control}}); checks != n {
			t.Errorf("--control %q selects %d checks, want %d", control, checks, n)
		}
	}
	w := s.Hosts[0].Expectations[0].Waiver
	if w == nil || w.Reason != "migration, DB-7" {
		t.Fatalf("waiver %+v", w)
	}
	for day, expired := range map[string]bool{"2027-01-30": false, "2027-01-31": false, "2027-02-01": true} {
		today, _ := time.Parse(time.DateOnly, day)
		if w.Expired(today.Add(23*time.Hour)) != expired {
			t.Errorf("on %s expired is %v", day, !expired)
		}
	}
}

// Count multiplies a host's addresses by its checks rather than visiting
// each check (issue #19, item 8): sixteen /16s of every TCP port and every
// UDP port, 137 billion checks, count at once, where one took 90 s. On the
// fixtures, under each selection and shard, it counts what Checks yields.
func TestCountMultiplies(t *testing.T) {
	var src strings.Builder
	for i := range 16 {
		fmt.Fprintf(&src, "host \"h%d\" {\n  address = \"198.18.0.0/16\"\n  tcp \"blocked\" { ports = [\"1-65535\"] }\n  udp \"blocked\" { ports = \"others\" }\n}\n", i)
	}
	s := loadSource(t, src.String(), Options{})
	counted := make(chan [2]int, 1)
	go func() {
		hosts, checks := s.Count(Selection{})
		counted <- [2]int{hosts, checks}
	}()
	select {
	case n := <-counted:
		if n != [2]int{16, 16 * 65534 * 2 * 65535} {
			t.Errorf("counted %d hosts, %d checks", n[0], n[1])
		}
	case <-time.After(10 * time.Second):
		t.Fatal("counting 137 billion checks took more than 10 s: it visits them")
	}

	files, _ := filepath.Glob("testdata/valid/*.hcl")
	files = append(files, "testdata/valid/directory")
	for _, name := range files {
		l := NewLoader()
		s, diags := l.Load([]string{name}, Options{})
		if diags.HasErrors() {
			t.Fatal(render(l, diags))
		}
		for _, sel := range []Selection{{}, {From: "app"}, {Tags: []string{"smoke"}}, {Shard: Shard{1, 3}}, {Shard: Shard{2, 3}}, {Shard: Shard{3, 3}}, {From: "app", Shard: Shard{2, 7}}} {
			hosts, checks := 0, 0
			var last *Host
			for c := range s.Checks(sel) {
				if c.Host != last {
					hosts++
					last = c.Host
				}
				checks++
			}
			if h, c := s.Count(sel); h != hosts || c != checks {
				t.Errorf("%s, %+v: counted %d hosts and %d checks, walked %d and %d", name, sel, h, c, hosts, checks)
			}
		}
	}
}
