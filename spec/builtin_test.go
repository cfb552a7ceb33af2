package spec

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclwrite"
)

// TestBuiltinProfiles loads every built-in profile on a host of its own:
// each must load clean, check something, cite its sources, and be written
// as fmt writes it, since `portspec profiles NAME` prints it to copy.
func TestBuiltinProfiles(t *testing.T) {
	profiles := BuiltinProfiles()
	want := []string{"dns_server", "domain_controller", "exchange_mailbox", "ipsec", "mail_server", "sql_server", "ssh_only_linux", "web_server", "windows_file_server"}
	var names []string
	for _, p := range profiles {
		names = append(names, strings.TrimPrefix(p.Name, builtinPrefix))
	}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("built-in profiles %v, want %v", names, want)
	}
	for _, p := range profiles {
		t.Run(p.Name, func(t *testing.T) {
			if p.Description == "" {
				t.Error("no description")
			}
			if !bytes.Contains(p.Source, []byte("# Source")) {
				t.Error("no source cited in a comment")
			}
			if formatted := hclwrite.Format(p.Source); !bytes.Equal(formatted, p.Source) {
				t.Errorf("not formatted as fmt writes it:\n%s", formatted)
			}
			s := loadSource(t, fmt.Sprintf("host \"h\" {\n  address  = \"198.18.0.2\"\n  profiles = [%q]\n}\n", p.Name), Options{})
			if _, checks := s.Count(Selection{}); checks == 0 {
				t.Error("checks nothing")
			}
		})
	}
	if _, ok := LookupBuiltin("web_server"); !ok {
		t.Error("a bare name does not find its built-in profile")
	}
	for _, bad := range []string{"", "builtin/", "builtin/nope", "builtin/../builtin/web_server"} {
		if _, ok := LookupBuiltin(bad); ok {
			t.Errorf("%q found a profile", bad)
		}
	}
}

// TestBuiltinInDigest: a spec that uses a built-in profile means what the
// profile says, so the profile is part of its digest.
func TestBuiltinInDigest(t *testing.T) {
	with := loadSource(t, "host \"h\" {\n  address  = \"198.18.0.2\"\n  profiles = [\"builtin/web_server\"]\n}\n", Options{})
	twice := loadSource(t, "host \"h\" {\n  address  = \"198.18.0.2\"\n  profiles = [\"builtin/web_server\"]\n}\n", Options{})
	if with.Digest != twice.Digest {
		t.Error("the digest is not stable")
	}
	var hosts []string
	for c := range with.Checks(Selection{}) {
		hosts = append(hosts, fmt.Sprintf("%s/%d %s", c.Protocol, c.Port, c.Expect.Profile))
	}
	if strings.Join(hosts, ", ") != "tcp/80 builtin/web_server, tcp/443 builtin/web_server" {
		t.Errorf("checks %v", hosts)
	}
}
