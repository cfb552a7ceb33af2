//go:build linux

package main

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/portspec/portspec/internal/escape/escapetest"
	"github.com/portspec/portspec/internal/junitschema"
	"github.com/portspec/portspec/internal/lab"
	"github.com/portspec/portspec/internal/needs"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"portspec": main,
		"peak-rss": peakRSSMain,
	})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			// The examples are part of the contract: scripts can use them.
			env.Setenv("EXAMPLES", examplesDir())
			env.Values[labKey{}] = &labHolder{}
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch {
			case cond == "root", strings.HasPrefix(cond, "tool:"):
				// A missing need skips a script outside CI, fails it in.
				return needs.Condition(cond)
			case cond == "lab":
			default:
				return false, fmt.Errorf("unknown condition %q", cond)
			}
			why := lab.Unavailable()
			if why != "" && lab.Required() {
				return false, errors.New("lab required (CI=true or PORTSPEC_LAB=required) but unavailable: " + why)
			}
			return why == "", nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){"lab": labCmd, "listen": listenCmd, "junitxsd": junitXSDCmd, "waitfor": waitForCmd, "nohostile": noHostileCmd, "sameresults": sameResultsCmd, "waithttp": waitHTTPCmd},
	})
}

// labCmd drives the namespace lab from a script:
//
//	lab up                        build it; sets $CLIENT_NS, $SERVER_NS, $SERVER4, $SERVER6, $ROUTER4
//	lab vantage                   add a second client; sets $CLIENT2_NS
//	lab prefixes                  route lab.ClientPrefix4 and ClientPrefix6 to the client
//	lab sshd CONFIG               run sshd -f CONFIG in the second client's namespace
//	lab nft server|router FILE    load an nftables ruleset
//	lab tcp ADDR:PORT [BANNER]    a TCP listener on the server; BANNER hostile sends lab.Hostile
//	lab udp ADDR:PORT KIND        a UDP service: dns, ntp, snmp, echo or silent, or
//	                              hostile: lab.HostileUDP for the port, one of lab.HostilePorts
func labCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: lab up|nft|tcp|udp ...")
	}
	holder := ts.Value(labKey{}).(*labHolder)
	l := holder.lab
	if args[0] != "up" && l == nil {
		ts.Fatalf("lab %s: run lab up first", args[0])
	}
	switch args[0] {
	case "up":
		built, err := lab.Build()
		ts.Check(err)
		ts.Defer(built.Close)
		holder.lab = built
		ts.Setenv("CLIENT_NS", built.Client.Name)
		ts.Setenv("SERVER4", lab.Server4.String())
		ts.Setenv("SERVER6", lab.Server6.String())
		ts.Setenv("ROUTER4", lab.Router4.String())
		ts.Setenv("SERVER_NS", built.Server.Name)
	case "vantage":
		ns, err := l.AddVantage()
		ts.Check(err)
		ts.Setenv("CLIENT2_NS", ns.Name)
	case "etc":
		// A namespace's own /etc file, for what runs there through ip
		// netns exec: lab etc client|vantage|server FILE NAME.
		namespaces := map[string]*lab.Namespace{"client": l.Client, "vantage": l.Client2, "server": l.Server}
		ns := namespaces[args[1]]
		if ns == nil || len(args) != 4 {
			ts.Fatalf("usage: lab etc client|vantage|server FILE NAME (vantage after lab vantage)")
		}
		ts.Check(l.EtcFile(ns, args[3], ts.ReadFile(args[2])))
	case "prefixes":
		ts.Check(l.AddClientPrefixes())
	case "sshd":
		// Debian's sshd in the second client's namespace, in the
		// foreground, stopped with the script.
		if l.Client2 == nil || len(args) != 2 {
			ts.Fatalf("usage: lab sshd CONFIG, after lab vantage")
		}
		ts.Check(os.MkdirAll("/run/sshd", 0o755))
		cmd := exec.Command("ip", "netns", "exec", l.Client2.Name, "/usr/sbin/sshd", "-D", "-e", "-f", ts.MkAbs(args[1]))
		log, err := os.Create(ts.MkAbs("sshd.log"))
		ts.Check(err)
		cmd.Stdout, cmd.Stderr = log, log
		ts.Check(cmd.Start())
		ts.Defer(func() {
			cmd.Process.Kill()
			cmd.Wait()
			log.Close()
		})
	case "nft":
		ns := l.Server
		if args[1] == "router" {
			ns = l.Router
		}
		ts.Check(l.Nft(ns, ts.ReadFile(args[2])))
	case "tcp":
		banner := ""
		switch {
		case len(args) > 2 && args[2] == "hostile":
			banner = lab.Hostile + "\r\n"
		case len(args) > 2:
			banner = args[2] + "\r\n"
		}
		ts.Check(l.ServeTCP(netip.MustParseAddrPort(args[1]), banner))
	case "udp":
		handlers := map[string]lab.Handler{"dns": lab.DNS, "ntp": lab.NTP, "snmp": lab.SNMP("portspec lab agent"), "echo": lab.Echo, "silent": nil}
		h, ok := handlers[args[2]]
		if args[2] == "hostile" {
			h, ok = lab.HostileUDP(netip.MustParseAddrPort(args[1]).Port()), true
		}
		if !ok {
			ts.Fatalf("lab udp: unknown service %q", args[2])
		}
		ts.Check(l.ServeUDP(netip.MustParseAddrPort(args[1]), h))
	default:
		ts.Fatalf("lab: unknown subcommand %q", args[0])
	}
}

// listenCmd starts a TCP listener on a loopback address for the rest of
// the script, for tests that need no lab:
//
//	listen 127.0.0.1:PORT
func listenCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 || !netip.MustParseAddrPort(args[0]).Addr().IsLoopback() {
		ts.Fatalf("usage: listen 127.0.0.1:PORT (loopback only)")
	}
	ln, err := net.Listen("tcp", args[0])
	ts.Check(err)
	ts.Defer(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
}

type labKey struct{}

// waitForCmd waits, up to 30 seconds, until a file that a background
// command writes has a line matching a pattern: a script's way to step
// with a watch rather than guess how long it takes to start.
//
//	waitfor FILE REGEXP
func waitForCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitfor FILE REGEXP")
	}
	re := regexp.MustCompile("(?m)" + args[1])
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if b, err := os.ReadFile(ts.MkAbs(args[0])); err == nil && re.Match(b) {
			return
		}
	}
	b, _ := os.ReadFile(ts.MkAbs(args[0]))
	ts.Fatalf("waitfor: no line of %s matched %q in 30s; it holds:\n%s", args[0], args[1], b)
}

// junitXSDCmd validates JUnit reports with xmllint against
// junit-consumers.xsd as written, and against the junit-10 schema without
// the root's skipped count, which that schema has no place for
// (junitschema):
//
//	junitxsd FILE...
func junitXSDCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: junitxsd FILE...")
	}
	for _, name := range args {
		doc, err := os.ReadFile(ts.MkAbs(name))
		ts.Check(err)
		if err := junitschema.Validate("xmllint", doc, ts.MkAbs(".")); err != nil {
			ts.Fatalf("%s %v", name, err)
		}
	}
}

// noHostileCmd fails unless each file (or stdout, stderr) carries nothing
// raw from outside (escapetest): as text, line by line; a .json file's
// strings and a .xml file's text and attributes as a reader decodes
// them; a .md or .html file with no raw "<script" either.
//
//	nohostile stdout|stderr|FILE...
func noHostileCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: nohostile stdout|stderr|FILE...")
	}
	for _, name := range args {
		var text string
		switch name {
		case "stdout", "stderr":
			text = ts.ReadFile(name)
		default:
			b, err := os.ReadFile(ts.MkAbs(name))
			ts.Check(err)
			text = string(b)
		}
		problems := escapetest.OutputProblems(name, text, escapetest.OwnCommand)
		switch filepath.Ext(name) {
		case ".json":
			var doc any
			ts.Check(json.Unmarshal([]byte(text), &doc))
			problems = append(problems, jsonFieldProblems(doc)...)
		case ".xml":
			problems = append(problems, xmlFieldProblems(ts, text)...)
		case ".md", ".html":
			if strings.Contains(strings.ToLower(text), "<script>alert") {
				problems = append(problems, name+": a raw <script> from outside")
			}
		}
		if len(problems) > 0 {
			ts.Fatalf("%s carries text from outside raw:\n%s", name, strings.Join(problems, "\n"))
		}
	}
}

func jsonFieldProblems(v any) []string {
	var problems []string
	switch v := v.(type) {
	case string:
		return escapetest.FieldProblems(v)
	case []any:
		for _, e := range v {
			problems = append(problems, jsonFieldProblems(e)...)
		}
	case map[string]any:
		for k, e := range v {
			problems = append(problems, escapetest.FieldProblems(k)...)
			problems = append(problems, jsonFieldProblems(e)...)
		}
	}
	return problems
}

// xmlFieldProblems checks a JUnit report's attributes as a reader gets
// them. Element text may hold line breaks of the report's own (a failure's
// lines), so it is checked as an output.
func xmlFieldProblems(ts *testscript.TestScript, doc string) []string {
	var problems []string
	dec := xml.NewDecoder(strings.NewReader(doc))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return problems
		}
		ts.Check(err)
		switch tok := tok.(type) {
		case xml.StartElement:
			for _, a := range tok.Attr {
				problems = append(problems, escapetest.FieldProblems(a.Value)...)
			}
		case xml.CharData:
			problems = append(problems, escapetest.OutputProblems("xml text", string(tok), nil)...)
		}
	}
}

// labHolder carries a script's lab between its lab commands.
type labHolder struct{ lab *lab.Lab }

// sameResultsCmd compares two JSON reports' results, but for what only
// timing changes (times, durations, timeouts, ICMP budget figures):
//
//	sameresults A.json B.json
func sameResultsCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: sameresults A.json B.json")
	}
	results := func(name string) []string {
		var out []string
		for _, line := range strings.Split(ts.ReadFile(name), "\n") {
			if !strings.Contains(line, `"result"`) && !strings.HasPrefix(strings.TrimSpace(line), `{"host"`) {
				continue
			}
			// A try's ICMP-budget figure is there or not as the budget
			// stood at that moment.
			out = append(out, strings.ReplaceAll(timing.ReplaceAllString(line, `"$1":_`), `,"tokens":_`, ""))
		}
		return out
	}
	a, b := results(args[0]), results(args[1])
	same := slices.Equal(a, b)
	if same == neg {
		ts.Fatalf("%s and %s: results differ (%d and %d lines):\n%s\n---\n%s", args[0], args[1], len(a), len(b), strings.Join(a, "\n"), strings.Join(b, "\n"))
	}
	if len(a) == 0 {
		ts.Fatalf("%s holds no results", args[0])
	}
}

// timing matches the JSON fields that only timing changes.
var timing = regexp.MustCompile(`"(started|start|end|duration_ms|timeout_ms|tokens|elapsed_ms)":("[^"]*"|[0-9.e+-]+)`)
