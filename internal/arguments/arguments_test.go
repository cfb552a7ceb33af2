package arguments

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/portspec/portspec/internal/exit"
	"github.com/portspec/portspec/internal/rundiff"
	"github.com/portspec/portspec/runner"
	"github.com/portspec/portspec/spec"
	"github.com/portspec/portspec/verdict"
)

// refused is a command line a parse refuses, and what its message says.
type refused struct {
	args []string
	want string
}

// checkRefused parses each command line with parse and wants a usage
// error (exit 2) whose message has want.
func checkRefused[T any](t *testing.T, command string, parse func([]string) (T, error), cases []refused) {
	t.Helper()
	for _, tc := range cases {
		_, err := parse(tc.args)
		var usageErr *Error
		if !errors.As(err, &usageErr) || usageErr.Command != command || exit.Code(err) != exit.Usage || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %q: got %v (exit %d), want a usage error with %q", command, tc.args, err, exit.Code(err), tc.want)
		}
	}
}

func TestParseCheck(t *testing.T) {
	c, err := ParseCheck([]string{"policy/", "--from", "app", "--tag", "pci", "--shard", "2/4", "--json", "out.json",
		"-q", "--timeout", "2s", "--tries", "4", "--source-prefix", "198.18.9.0/24", "--syn", "--today", "2027-01-31",
		"--wait", "1m", "--no-trace", "--color", "never", "--max-load-memory", "64MiB", "more/"})
	if err != nil {
		t.Fatal(err)
	}
	want := spec.Selection{From: "app", Tags: []string{"pci"}, Shard: spec.Shard{K: 2, N: 4}}
	switch {
	case !reflect.DeepEqual(c.Paths, []string{"policy/", "more/"}):
		t.Errorf("paths %q", c.Paths)
	case !reflect.DeepEqual(c.Selection, want):
		t.Errorf("selection %+v, want %+v", c.Selection, want)
	case c.Reports.Paths["json"] != "out.json" || len(c.Reports.Paths) != 1 || !c.Quiet:
		t.Errorf("reports %+v", c.Reports)
	case c.Timeout != 2*time.Second || c.Tries != 4 || !reflect.DeepEqual(c.SourcePrefixes, []netip.Prefix{netip.MustParsePrefix("198.18.9.0/24")}) || !c.SYN || !c.RunnerOptions().SYN:
		t.Errorf("probe %+v", c.Probe)
	case c.Today != time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC) || c.Wait != time.Minute || c.Trace.RunnerLimit() != 0:
		t.Errorf("today %s, wait %s, trace %+v", c.Today, c.Wait, c.Trace)
	case c.Color != ColorNever || c.Load.Memory != 64<<20 || c.Load.Time != DefaultLoadTime:
		t.Errorf("color %q, load %+v", c.Color, c.Load)
	}
	now := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	if c, _ := ParseCheck([]string{"p"}); c.Day(now) != now || c.Trace.RunnerLimit() != runner.DefaultTraceLimit || c.Annotations != "auto" {
		t.Errorf("defaults: day %s, trace %+v, annotations %q", c.Day(now), c.Trace, c.Annotations)
	}
	checkRefused(t, "check", ParseCheck, []refused{
		{nil, "name at least one spec file or directory"},
		{[]string{"p", "--color", "blue"}, `--color is auto, always or never; got "blue"`},
		{[]string{"p", "--concurrency", "-1"}, "--concurrency and --per-host must not be negative"},
		{[]string{"p", "--wait", "-1s"}, "--wait must not be negative"},
		{[]string{"p", "--wait", "1m", "--fail-fast"}, "give one"},
		{[]string{"p", "-q", "-v"}, "-q and -v exclude each other"},
		{[]string{"p", "--annotations", "jenkins"}, "--annotations is github, gitlab, none or auto"},
		{[]string{"p", "--timeout", "-1s"}, "--timeout is a fixed timeout per try"},
		{[]string{"p", "--tries", "-1"}, "--tries is the tries before silence counts, from 1 to"},
		{[]string{"p", "--source-prefix", "198.18.9.0/8"}, "an IPv4 prefix is /16 to /30"},
		{[]string{"p", "--source-prefix", "198.18.9.0/24", "--source-prefix", "198.18.10.0/24"}, "are of one family"},
		{[]string{"p", "--source-prefix", "nowhere"}, "--source-prefix is a prefix such as"},
		{[]string{"p", "--icmp-interval", "2h"}, "--icmp-interval must be from 1ms to"},
		{[]string{"p", "--rate", "0.01"}, "--rate is probes a second, from 0.1 to 1e+07"},
		{[]string{"p", "--today", "31/01/2027"}, "--today is a date, YYYY-MM-DD"},
		{[]string{"p", "--trace-limit", "-1"}, "--trace-limit must not be negative"},
		{[]string{"p", "--from", "a b"}, "--from is a vantage point's name"},
		{[]string{"p", "--tag", "x\x1b"}, `--tag is a tag's name, made of letters, digits, '_', '-' and '.', as in a block's tags; got "x\x1b"`},
		{[]string{"p", "--max-addresses", "0"}, "--max-addresses is the most addresses a host block may have, at least 1"},
		{[]string{"p", "--max-total-addresses", "0"}, "--max-total-addresses is the most addresses the whole spec may have"},
		{[]string{"p", "--max-load-time", "0s"}, "--max-load-time is how long loading the spec may take, above 0"},
		{[]string{"p", "--shard", "5/4"}, "--shard takes k/n"},
		{[]string{"p", "--max-file-size", "1TiB0"}, "a size is a positive whole number of bytes"},
		{[]string{"p", "--nope"}, "flag provided but not defined: -nope"},
		{[]string{"p", "--via", "a b=ssh x"}, "--via takes NAME=COMMAND"},
		{[]string{"p", "--via", "app=ssh 'x"}, "--via app: the command \"ssh 'x\" does not split into words: a ' is not closed"},
		{[]string{"p", "--via", "app="}, "--via app: the command \"\" does not split into words: it is empty"},
		{[]string{"p", "--via", "app=ssh a", "--via", "app=ssh b"}, "--via app is given twice"},
		{[]string{"p", "--via", "app=ssh a", "--from", "app"}, "--via names the vantage points the run probes from, --from the one it stands at: give one"},
		{[]string{"p", "--via", "app=ssh a", "--wait", "1m"}, "--via and --wait do not go together yet"},
		{[]string{"p", "--via-binary", "/opt/portspec"}, "--via-binary says which portspec --via runs: give --via"},
		{[]string{"p", "--via", "app=ssh a", "--fail-fast"}, "--via and --fail-fast do not go together yet"},
	})
	v, err := ParseCheck([]string{"p", "--via", `app=ssh -o "ProxyJump=bastion x" deploy@app1`, "--via", "dmz", "--via-binary", "/opt/portspec"})
	if err != nil || !reflect.DeepEqual(v.Via, []Via{{"app", []string{"ssh", "-o", "ProxyJump=bastion x", "deploy@app1"}}, {"dmz", nil}}) || v.ViaBinary != "/opt/portspec" {
		t.Errorf("--via: %+v, %v", v.Via, err)
	}
}

// A flag the flag package refuses is said as it words it; -h asks for
// the help, which is exit 0.
func TestParseErrorKinds(t *testing.T) {
	_, err := ParseValidate([]string{"--nope"})
	if err.Error() != "flag provided but not defined: -nope" {
		t.Errorf("bad flag: %q", err)
	}
	_, err = ParseValidate([]string{"x", "--max-addresses", "0"})
	if err.Error() != "portspec validate: --max-addresses is the most addresses a host block may have, at least 1; got 0" {
		t.Errorf("bad value: %q", err)
	}
	_, err = ParseQuery([]string{"-n", "h", "-h"})
	var usageErr *Error
	if !errors.As(err, &usageErr) || !usageErr.Help || exit.Code(err) != exit.OK {
		t.Errorf("-h: %v", err)
	}
	if rest, err := Flags("check", []string{"policy/", "--from", "${{ matrix.vantage }}", "--", "--json"}); err != nil || !reflect.DeepEqual(rest, []string{"policy/", "--json"}) {
		t.Errorf("Flags: %q, %v", rest, err)
	}
}

func TestParseQuery(t *testing.T) {
	q, err := ParseQuery([]string{"-n", "mail.example.com", "-p", "both", "-r", "135:137", "-sp", "53", "-q"})
	if err != nil {
		t.Fatal(err)
	}
	if q.Mode != QueryPorts || !reflect.DeepEqual(q.Protocols, []verdict.Protocol{verdict.TCP, verdict.UDP}) ||
		!reflect.DeepEqual(q.Ports, []uint16{135, 136, 137}) || q.SourcePort != 53 || !q.Quiet || q.Community != "public" {
		t.Errorf("%+v", q)
	}
	if q, _ := ParseQuery([]string{"-n", "h"}); !reflect.DeepEqual(q.Ports, []uint16{80}) {
		t.Errorf("the default port: %v", q.Ports)
	}
	if q, _ := ParseQuery([]string{"-local", "-wport", "5"}); q.Mode != QueryLocal {
		t.Errorf("-local: mode %d", q.Mode)
	}
	if q, _ := ParseQuery([]string{"-wpid", "812", "-wt", "5"}); q.Mode != QueryWatch || q.WatchPID != 812 || q.WatchEvery != 5*time.Second {
		t.Errorf("-wpid: %+v", q)
	}
	checkRefused(t, "query", ParseQuery, []refused{
		{[]string{"-n", "h", "extra"}, `unexpected argument "extra"`},
		{[]string{"-local", "-n", "h"}, "-local lists this machine's sockets on stdout"},
		{[]string{"-wport", "1", "-wpid", "2"}, "-wport and -wpid each start a watch: give one"},
		{[]string{"-wport", "1", "-n", "h"}, "give them without -n, -e, -o, -r or -local"},
		{[]string{"-wport", "70000"}, "-wport must be a port from 1 to 65535"},
		{[]string{"-wpid", "-3"}, "-wpid must be a process ID"},
		{[]string{"-wport", "1", "-wt", "0"}, "-wt is the polling interval in whole seconds, at least 1"},
		{nil, "-n is required: the name or address to query"},
		{[]string{"-n", "h", "-p", "sctp"}, `-p is tcp, udp or both; got "sctp"`},
		{[]string{"-n", "h", "-e", "1", "-o", "2"}, "give one of -e, -o and -r"},
		{[]string{"-n", "h", "-r", "1-2"}, "-r takes FROM:TO, such as 135:139"},
		{[]string{"-n", "h", "-o", "1,x"}, "x"},
		{[]string{"-n", "h", "-sp", "70000"}, "-sp must be a port from 1 to 65535"},
		{[]string{"-n", "h", "-tries", "-1"}, "--tries is the tries before silence counts"},
	})
}

func TestParseSnapshot(t *testing.T) {
	s, err := ParseSnapshot([]string{"-n", "192.0.2.10", "--others", "auto"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "192.0.2.10" || len(s.Ports) != 65535 || !s.Fold || s.Others != 0 {
		t.Errorf("--others auto: name %q, %d ports, fold %v, others %v", s.Name, len(s.Ports), s.Fold, s.Others)
	}
	if s, _ := ParseSnapshot([]string{"-n", "h", "--name", "web", "-p", "udp"}); s.Name != "web" || len(s.Ports) != 1024 || s.Fold ||
		!reflect.DeepEqual(s.Protocols, []verdict.Protocol{verdict.UDP}) {
		t.Errorf("defaults: %+v", s)
	}
	if s, _ := ParseSnapshot([]string{"-n", "h", "--others", "blocked", "-r", "1:65535"}); s.Others != verdict.ExpectBlocked {
		t.Errorf("--others blocked: %v", s.Others)
	}
	checkRefused(t, "snapshot", ParseSnapshot, []refused{
		{[]string{"-n", "h", "x"}, `unexpected argument "x"`},
		{[]string{"-n", "h", "-o", "1", "-r", "1:2"}, "give one of -o and -r"},
		{[]string{"-n", "h", "--others", "auto", "-r", "1:1024"}, "the snapshot must probe all 65535"},
		{[]string{"-n", "h", "--others", "open"}, `--others is listening, not_listening, filtered, blocked or auto; got "open"`},
		{[]string{"-n", "h", "--name", " "}, "--name must not be blank"},
		{[]string{"-n", "h", "--name", "\xff"}, "--name must be UTF-8 text"},
		{[]string{"-n", "h", "-timeout", "1h"}, "--timeout is a fixed timeout per try"},
	})
}

func TestParseFmt(t *testing.T) {
	f, err := ParseFmt([]string{"-"})
	if err != nil || !f.Stdin() {
		t.Fatalf("stdin: %+v, %v", f, err)
	}
	if f, _ := ParseFmt([]string{"-w", "-recursive", "a", "b"}); !f.Write || !f.Recursive || f.Stdin() || len(f.Paths) != 2 {
		t.Errorf("-w -recursive: %+v", f)
	}
	checkRefused(t, "fmt", ParseFmt, []refused{
		{nil, "name at least one spec file or directory, or - for stdin"},
		{[]string{"-check", "-w", "a"}, "-check, -w and -diff exclude each other"},
		{[]string{"-", "a"}, "- (stdin) is the only path when given"},
		{[]string{"-w", "-"}, "-w rewrites files: stdin has none to rewrite"},
		{[]string{"--color", "x", "a"}, "--color is auto, always or never"},
		{[]string{"--max-load-time", "-1s", "a"}, "--max-load-time is how long loading the spec may take"},
	})
}

func TestParseMergeAndDiff(t *testing.T) {
	m, err := ParseMerge([]string{"a.json", "b.json", "--junit", "out/junit.xml", "--max-record-size", "4MiB", "--today", "2027-01-31"})
	if err != nil {
		t.Fatal(err)
	}
	if opts := m.ReadOptions(); opts.MaxRecordSize != 4<<20 || opts.Today.IsZero() || m.Reports.Paths["junit"] != "out/junit.xml" || len(m.Paths) != 2 {
		t.Errorf("%+v, %+v", m, opts)
	}
	checkRefused(t, "merge", ParseMerge, []refused{
		{nil, "name the JSON results to merge"},
		{[]string{"a.json", "-q", "-v"}, "-q and -v exclude each other"},
		{[]string{"a.json", "--today", "tomorrow"}, "--today is a date"},
		{[]string{"a.json", "--max-record-size", "0"}, "a size is a positive whole number of bytes"},
	})
	d, err := ParseDiff([]string{"--markdown", "old.json", "new.json"})
	if err != nil || d.Format != rundiff.Markdown || d.Old != "old.json" || d.New != "new.json" {
		t.Errorf("diff: %+v, %v", d, err)
	}
	checkRefused(t, "diff", ParseDiff, []refused{
		{[]string{"one.json"}, "name two JSON reports"},
		{[]string{"--json", "--markdown", "a", "b"}, "--json and --markdown exclude each other"},
		{[]string{"--today", "x", "a", "b"}, "--today is a date"},
	})
}

func TestParseProfilesAndVersion(t *testing.T) {
	if p, err := ParseProfiles([]string{"builtin/web"}); err != nil || p.Name != "builtin/web" {
		t.Errorf("profiles: %+v, %v", p, err)
	}
	checkRefused(t, "profiles", ParseProfiles, []refused{{[]string{"a", "b"}, "name one profile, or none to list them"}})
	if err := ParseVersion([]string{"x"}); exit.Code(err) != exit.Usage || !strings.Contains(err.Error(), "takes no arguments") {
		t.Errorf("version x: %v", err)
	}
}

// Every command has a flag set for its help, and Size writes what it
// reads.
func TestFlagSets(t *testing.T) {
	for name := range flagSets {
		if FlagSet(name) == nil {
			t.Errorf("%s has no flag set", name)
		}
	}
	for _, v := range []string{"64MiB", "1GiB", "1000B", "512KiB"} {
		var s Size
		if err := s.Set(v); err != nil || s.String() != v {
			t.Errorf("Size %q: %q, %v", v, s.String(), err)
		}
	}
}

// A misspelt flag gets the nearest one, and a duration without a unit
// is told it needs one, where the flag package says only "parse error"
// (issue #24).
func TestFlagErrorsExplained(t *testing.T) {
	for _, tc := range []struct {
		parse func([]string) error
		args  []string
		want  string
	}{
		{func(a []string) error { _, err := ParseCheck(a); return err }, []string{"--tagg", "x", "p"}, "flag provided but not defined: -tagg; did you mean -tag?"},
		{func(a []string) error { _, err := ParseQuery(a); return err }, []string{"-wprt", "5"}, "flag provided but not defined: -wprt; did you mean -wport?"},
		{func(a []string) error { _, err := ParseCheck(a); return err }, []string{"--zzzzzz", "p"}, "flag provided but not defined: -zzzzzz"},
		{func(a []string) error { _, err := ParseCheck(a); return err }, []string{"--timeout", "5", "p"}, `invalid value "5" for flag -timeout: a duration needs a unit, such as 5s or 5ms`},
		{func(a []string) error { _, err := ParseCheck(a); return err }, []string{"--timeout", "5x", "p"}, `invalid value "5x" for flag -timeout: parse error`},
		{func(a []string) error { _, err := ParseCheck(a); return err }, []string{"--max-file-size", "5", "p"}, ""},
		{func(a []string) error { _, err := ParseCheck(a); return err }, []string{"--concurrency", "x", "p"}, `invalid value "x" for flag -concurrency: parse error`},
	} {
		err := tc.parse(tc.args)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: %v", tc.args, err)
		case tc.want != "" && (err == nil || err.Error() != tc.want):
			t.Errorf("%q: %v, want %q", tc.args, err, tc.want)
		}
	}
}

func TestParseServe(t *testing.T) {
	s, err := ParseServe([]string{"policy/", "--from", "dc1", "--interval", "5m", "--listen", ":9464"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Interval != 5*time.Minute || s.Listen != ":9464" || s.From != "dc1" || s.History != DefaultHistory || s.MaxSeries != DefaultMaxSeries || len(s.Paths) != 1 {
		t.Errorf("parsed %+v", s)
	}
	if s, _ := ParseServe([]string{"p.hcl"}); s.Listen != "127.0.0.1:9464" || s.Interval != time.Minute {
		t.Errorf("defaults: %q every %s; want loopback only, every minute", s.Listen, s.Interval)
	}
	checkRefused(t, "serve", ParseServe, []refused{
		{nil, "name at least one spec file or directory"},
		{[]string{"--interval", "500ms", "p.hcl"}, "--interval is at least 1s; got 500ms"},
		{[]string{"-"}, "serve reads its spec again on SIGHUP: give files, not - (stdin)"},
		{[]string{"--listen", "9464", "p.hcl"}, "--listen is host:port"},
		{[]string{"--history", "0", "p.hcl"}, "--history is from 1 to 10000 runs"},
		{[]string{"--max-series", "1000000", "p.hcl"}, "--max-series is from 1 to 100000"},
		{[]string{"--json", "out.json", "p.hcl"}, "flag provided but not defined: -json"},
		{[]string{"--wait", "1m", "p.hcl"}, "flag provided but not defined: -wait"},
		{[]string{"--fail-fast", "p.hcl"}, "flag provided but not defined: -fail-fast"},
	})
}
