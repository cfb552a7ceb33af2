package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portspec/portspec/runner"
	"github.com/portspec/portspec/verdict"
)

// unresolved are probes that send nothing: each is an error at once,
// which is all a protocol test needs of the network.
func unresolved(n int) []runner.Probe {
	var out []runner.Probe
	for i := range n {
		out = append(out, runner.Probe{Addr: netip.Addr{}, Proto: verdict.TCP, Port: uint16(1000 + i), Ref: 100 + i,
			Unresolved: fmt.Errorf("name%d.example.com: no such host", i)})
	}
	return out
}

// given makes Run's probes of probes, which resolve nothing.
func given(probes []runner.Probe) func(Lookup) iter.Seq[runner.Probe] {
	return func(Lookup) iter.Seq[runner.Probe] { return slices.Values(probes) }
}

// TestServeRoundTrip runs the agent's end against the coordinator's
// messages over pipes: hello, results in order with the errors carried
// as text, and the summary.
func TestServeRoundTrip(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- Serve(context.Background(), inR, outW, "v9.9.9"); outW.Close() }()
	go func() {
		enc := json.NewEncoder(inW)
		enc.Encode(message{Hello: &Hello{Protocol: Protocol, Version: "v9.9.9"}})
		enc.Encode(message{Options: &Options{Concurrency: 4}})
		for i, p := range unresolved(3) {
			enc.Encode(message{Probe: ptr(probeOf(i, 0, p))})
		}
		enc.Encode(message{End: &struct{}{}})
	}()
	lines := newLineReader(outR)
	var got []string
	for {
		var m message
		if err := lines.next(&m); err != nil {
			break
		}
		switch {
		case m.Hello != nil:
			got = append(got, "hello "+m.Hello.Version)
		case m.Result != nil:
			r := m.Result.result(runner.Probe{})
			got = append(got, fmt.Sprintf("result %d %s %v", m.Result.ID, r.Status, r.Err))
		case m.Summary != nil:
			got = append(got, fmt.Sprintf("summary %d", m.Summary.Results))
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := []string{"hello v9.9.9", "result 0 ERROR name0.example.com: no such host", "result 1 ERROR name1.example.com: no such host",
		"result 2 ERROR name2.example.com: no such host", "summary 3"}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestHostileFarEnd: whatever a far end sends, its vantage's checks are
// errors that say what went wrong, each probe gets exactly one result,
// and nothing it sent becomes a result of a probe it was not given.
func TestHostileFarEnd(t *testing.T) {
	hello := `{"hello":{"protocol":3,"version":"v1"}}`
	result := func(id int) string {
		return fmt.Sprintf(`{"result":{"id":%d,"status":1,"evidence":{"signal":2},"start":"2026-12-03T00:00:00Z","duration":1}}`, id)
	}
	// readProbe waits for the hello, the options and the first probe, as
	// an agent answers only what it was sent.
	const readProbe = "read -r a; read -r b; read -r c; "
	for _, tc := range []struct {
		name, script, want string
		results            int // results that are not errors
	}{
		{"garbage", `echo garbage`, "no agent answered: line 1 is not a message", 0},
		{"another version", `echo '{"hello":{"protocol":3,"version":"v2"}}'`, `portspec "v2" on the other end, v1 here`, 0},
		{"another protocol", `echo '{"hello":{"protocol":7,"version":"v1"}}'`, "protocol 7 on the other end, 3 here", 0},
		{"an unknown key", `echo '` + hello + `'; echo '{"resultz":{}}'`, `unknown field "resultz"`, 0},
		{"an endless line", `echo '` + hello + `'; head -c 2000000 /dev/zero | tr '\0' a`, "line 2 is longer than 1048576 bytes", 0},
		{"a result never asked for", `echo '` + hello + `'; echo '` + result(7) + `'`, "a result for probe 7, which was not sent", 0},
		{"a result twice", `echo '` + hello + `'; ` + readProbe + `echo '` + result(0) + `'; echo '` + result(0) + `'`, "a result for probe 0, which was not sent, is answered already", 1},
		{"a try line (protocol 1's)", `echo '` + hello + `'; ` + readProbe + `echo '{"try":{"id":0,"try":{"Signal":2}}}'`, `unknown field "try"`, 0},
		{"out of order", `echo '` + hello + `'; echo '` + result(1) + `'`, "or is out of order", 0},
		{"a summary too soon", `echo '` + hello + `'; ` + readProbe + `echo '` + result(0) + `'; echo '{"summary":{"results":1}}'`, "the agent's summary came with 1 probes unanswered", 1},
		{"a summary at once", `echo '` + hello + `'; echo '{"summary":{"results":0}}'`, "far: ", 0}, // unanswered, or the pipe it closed
		{"a signal out of range", `echo '` + hello + `'; ` + readProbe + `echo '{"result":{"id":0,"status":1,"evidence":{"signal":2,"tries":[{"Signal":99}]},"start":"2026-12-03T00:00:00Z","duration":1}}'`, "a try with a signal this protocol does not have", 0},
		{"ICMP without its error", `echo '` + hello + `'; ` + readProbe + `echo '{"result":{"id":0,"status":3,"evidence":{"signal":5},"start":"2026-12-03T00:00:00Z","duration":1}}'`, "a result with a signal, status or proof this protocol does not have", 0},
		{"a silence proof out of range", `echo '` + hello + `'; ` + readProbe + `echo '{"result":{"id":0,"status":3,"evidence":{"signal":1,"silence":9},"start":"2026-12-03T00:00:00Z","duration":1}}'`, "this protocol does not have", 0},
		{"a skip while running", `echo '` + hello + `'; ` + readProbe + `echo '{"result":{"id":0,"status":0,"evidence":{"signal":0},"skipped":true,"start":"2026-12-03T00:00:00Z","duration":1}}'`, "the agent skipped probe 0, which only a stop may do", 0},
		{"an answer never asked for", `echo '` + hello + `'; echo '{"resolved":{"id":0,"addrs":["198.18.1.2"]}}'`, "an answer to lookup 0, which was not asked", 0},
		{"an answer with what is not an address", `echo '` + hello + `'; echo '{"resolved":{"id":0,"addrs":["db"]}}'`, "line 2 is not a message", 0},
		{"gone", `echo '` + hello + `'; echo oops >&2; exit 3`, "the agent ended before its summary; the transport: exit status 3; its stderr: oops", 0},
		// A refusal is said once, in the far end's words, escaped and
		// cut: not again as its exit status and stderr (unwanted).
		{"a refusal", `echo '` + hello + `'; echo '{"refused":{"reason":"SYN tries over IPv4: no CAP_NET_RAW"}}'; echo the same >&2; exit 3`,
			"vantage far: the agent cannot probe as asked: SYN tries over IPv4: no CAP_NET_RAW", 0},
		{"a hostile refusal", `echo '` + hello + `'; printf '{"refused":{"reason":"\\n::error::owned %0600d"}}\n' 0`,
			`as asked: \n::error::owned 000`, 0},
	} {
		unwanted := map[string]string{"a refusal": "exit status", "a hostile refusal": strings.Repeat("0", 600)}[tc.name]
		t.Run(tc.name, func(t *testing.T) {
			v := Vantage{Name: "far", Command: []string{"sh", "-c", "cat >/dev/null & " + tc.script, "--"}}
			probes := unresolved(2)
			var got []runner.Result
			Run(context.Background(), v, "v1", runner.Options{}, false, given(probes), nil, func(r runner.Result) { got = append(got, r) })
			if len(got) != len(probes) {
				t.Fatalf("%d results for %d probes", len(got), len(probes))
			}
			ok := 0
			for i, r := range got {
				if r.Probe.Ref != probes[i].Ref {
					t.Errorf("result %d is for probe %d", i, r.Probe.Ref)
				}
				if r.Status != verdict.Error {
					ok++
					continue
				}
				if r.Err == nil || !strings.Contains(r.Err.Error(), tc.want) || !strings.HasPrefix(r.Err.Error(), "vantage far: ") {
					t.Errorf("result %d: %v; want %q", i, r.Err, tc.want)
				}
				if r.Err != nil && unwanted != "" && strings.Contains(r.Err.Error(), unwanted) {
					t.Errorf("result %d: %v; want no %q", i, r.Err, unwanted)
				}
			}
			if ok != tc.results {
				t.Errorf("%d results not errors, want %d", ok, tc.results)
			}
		})
	}
	// A transport that does not start.
	var got []runner.Result
	Run(context.Background(), Vantage{Name: "far", Command: []string{"/nonexistent/ssh"}}, "v1", runner.Options{}, false,
		given(unresolved(1)), nil, func(r runner.Result) { got = append(got, r) })
	if len(got) != 1 || !errors.Is(got[0].Err, got[0].Err) || !strings.Contains(got[0].Err.Error(), "transport /nonexistent/ssh") {
		t.Errorf("no transport: %v", got)
	}
}

// TestServeRefusesWhatItCannotSend: options this machine cannot honour
// (runner.Ready) are refused before any probe is read, with a message
// that says why, and the agent ends with that error. A source prefix
// with no address in it is refused without a datagram sent.
func TestServeRefusesWhatItCannotSend(t *testing.T) {
	in := strings.Join([]string{`{"hello":{"protocol":3,"version":"v1"}}`, `{"options":{"source_prefixes":[""]}}`,
		`{"probe":{"id":0,"addr":"","proto":0,"port":1,"opts":0,"unresolved":"x"}}`, `{"end":{}}`, ""}, "\n")
	var out strings.Builder
	err := Serve(context.Background(), strings.NewReader(in), &out, "v1")
	if err == nil || !strings.Contains(err.Error(), "this vantage cannot probe as asked: source prefix") {
		t.Errorf("Serve: %v, want a refusal of the source prefix", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], `{"refused":{"reason":"source prefix`) {
		t.Errorf("the agent wrote\n%s\nwant its hello, then its refusal and nothing more", out.String())
	}
}

// TestServeRefusesUnsentOptions: a probe may name only probe options sent
// before it, numbered from 1 in order.
func TestServeRefusesUnsentOptions(t *testing.T) {
	for _, tc := range []struct{ lines, want string }{
		{`{"probe":{"id":0,"addr":"","proto":0,"port":1,"opts":5,"unresolved":"x"}}`, "a probe with options 5, which were not sent"},
		{`{"probe_options":{"id":3,"opts":{}}}`, "probe options 3, where 2 come next"},
	} {
		in := strings.Join([]string{`{"hello":{"protocol":3,"version":"v1"}}`, `{"options":{}}`,
			`{"probe_options":{"id":1,"opts":{"Tries":2}}}`, `{"probe":{"id":0,"addr":"","proto":0,"port":1,"opts":1,"unresolved":"x"}}`, tc.lines, ""}, "\n")
		err := Serve(context.Background(), strings.NewReader(in), io.Discard, "v1")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.lines, err, tc.want)
		}
	}
}

// TestLookupsOnTheFarEnd: the names a vantage's probes need are resolved
// by its agent, each when the first probe of it is made, and the probes go
// to the addresses the far end gave; a name the far end cannot resolve is
// that check's error, in the far end's words. The far end is Serve over
// pipes, with a table for its DNS.
func TestLookupsOnTheFarEnd(t *testing.T) {
	farDNS := map[string][]netip.Addr{"db.example.com": {netip.MustParseAddr("198.18.1.2"), netip.MustParseAddr("2001:db8:2::2")}}
	resolver := &runner.Resolver{Lookup: func(_ context.Context, name string) ([]netip.Addr, error) {
		if a, ok := farDNS[name]; ok {
			return a, nil
		}
		return nil, errors.New("lookup " + name + ": no such host")
	}}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	go func() { serve(context.Background(), inR, outW, "v1", resolver); outW.Close() }()

	var asked []string
	probes := func(lookup Lookup) iter.Seq[runner.Probe] {
		return func(yield func(runner.Probe) bool) {
			for i, name := range []string{"db.example.com", "gone.example.com"} {
				asked = append(asked, name)
				addrs, err := lookup(context.Background(), name)
				p := runner.Probe{Proto: verdict.TCP, Port: 5432, Ref: i, Unresolved: err}
				if err != nil {
					if !yield(p) {
						return
					}
					continue
				}
				for _, a := range addrs {
					// Unresolved all the same, so that nothing is sent:
					// what counts is the address the probe went to.
					p.Addr, p.Unresolved = a, errors.New("not sent")
					if !yield(p) {
						return
					}
				}
			}
		}
	}
	c := newConn(Vantage{Name: "far"}, &farLookup{vantage: "far"})
	seq := probes(c.far.lookup)
	var got []string
	_, err := c.talk(context.Background(), inW, outR, "v1", runner.Options{}, false, seq, nil, func(r runner.Result) {
		got = append(got, fmt.Sprintf("%s %v", r.Probe.Addr, r.Err))
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"198.18.1.2 not sent", "2001:db8:2::2 not sent", "invalid IP lookup gone.example.com: no such host"}
	if !slices.Equal(got, want) || len(asked) != 2 {
		t.Errorf("got %q, asked %q; want %q", got, asked, want)
	}
	// With no agent, a name does not resolve, and says why.
	if _, err := (&farLookup{vantage: "far"}).lookup(context.Background(), "db.example.com"); !errors.Is(err, ErrNotAsked) {
		t.Errorf("no agent: %v", err)
	}
}

// TestResolvedBounds: an answer to a lookup is refused when it is larger
// than a lookup gives, or names what is not an address.
func TestResolvedBounds(t *testing.T) {
	many := make([]netip.Addr, maxWireAddrs+1)
	for i := range many {
		many[i] = netip.AddrFrom4([4]byte{198, 18, byte(i >> 8), byte(i)})
	}
	for _, tc := range []struct {
		name string
		w    wireResolved
		ok   bool
	}{
		{"two addresses", wireResolved{Addrs: many[:2]}, true},
		{"an error", wireResolved{Err: "lookup db: no such host"}, true},
		{"too many addresses", wireResolved{Addrs: many}, false},
		{"an endless error", wireResolved{Err: strings.Repeat("x", maxWireText+1)}, false},
		{"no address", wireResolved{Addrs: []netip.Addr{{}}}, false},
		{"a zone", wireResolved{Addrs: []netip.Addr{netip.MustParseAddr("fe80::1%eth0")}}, false},
	} {
		if err := tc.w.check(); (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// TestSilentFarEndHoldsTheSender: a far end that reads every probe and
// answers none is sent at most maxInFlight of them, however many the run
// has: the coordinator's memory stays bounded by them, not by the spec.
func TestSilentFarEndHoldsTheSender(t *testing.T) {
	count := filepath.Join(t.TempDir(), "lines")
	v := Vantage{Name: "far", Command: []string{"sh", "-c", `echo '{"hello":{"protocol":3,"version":"v1"}}'; wc -l > "$0"`, count}}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	probes := unresolved(maxInFlight + 10_000)
	results := 0
	Run(ctx, v, "v1", runner.Options{}, false, given(probes), nil, func(runner.Result) { results++ })
	if results != len(probes) {
		t.Fatalf("%d results for %d probes", results, len(probes))
	}
	b, err := os.ReadFile(count)
	if err != nil {
		t.Fatal(err)
	}
	// The hello and the options, then the probes.
	read, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if sent := read - 2; sent != maxInFlight {
		t.Errorf("%d probes sent to a far end that answered none; want %d", sent, maxInFlight)
	}
}

// TestCutText: a far end's text is cut within its bound at a character,
// valid UTF-8 whatever came, so that the other end reads it back within
// the bound.
func TestCutText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"no such host", 64, "no such host"},
		{"ééé", 5, "éé"},
		{"ab\xffcd", 64, "ab\uFFFDcd"},
		{"ab\xff", 3, "ab"},
	} {
		if got := cutText(tc.in, tc.n); got != tc.want || len(got) > tc.n {
			t.Errorf("cutText(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
