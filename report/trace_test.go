package report

import "testing"

// TestTraceSummary: each way a probe dies reads as an on-call engineer
// needs it, with the hop and who is there.
func TestTraceSummary(t *testing.T) {
	te := func(ttl int, addr string) TraceHop {
		return TraceHop{TTL: ttl, Signal: "ICMP", Address: addr, RTTMS: 0.3,
			ICMP: &ICMP{Family: "icmp", Type: 11, From: addr, Text: "ICMP 11/0 (time exceeded) from " + addr}}
	}
	silent := func(ttl int, proven bool) TraceHop {
		return TraceHop{TTL: ttl, Signal: "silence", RTTMS: 1000, Proven: proven}
	}
	prohibited := TraceHop{TTL: 2, Signal: "ICMP", Address: "198.18.0.254", RTTMS: 0.4,
		ICMP: &ICMP{Family: "icmp", Type: 3, Code: 13, From: "198.18.0.254", Text: "ICMP 3/13 (administratively prohibited) from 198.18.0.254"}}
	r1, r2 := te(1, "198.18.0.254"), te(2, "198.18.4.2")
	named := r2
	named.Name = "r2.example.net"
	targetReject := prohibited
	targetReject.TTL, targetReject.Address = 3, "198.18.1.2"
	udp := Trace{Hops: []TraceHop{r1, r2, silent(3, true), silent(4, true)}}
	if got, want := udp.Summarize("198.18.1.2", "udp/2000"), "dropped after hop 2 (198.18.4.2): hop 3 never answered (a drop, or for UDP a target that ignores the datagram)"; got != want {
		t.Errorf("udp:\n got %s\nwant %s", got, want)
	}
	for _, tc := range []struct {
		name  string
		trace Trace
		want  string
	}{
		{"drop at r2", Trace{Hops: []TraceHop{r1, r2, silent(3, true), silent(4, true)}},
			"dropped after hop 2 (198.18.4.2): hop 3 never answered"},
		{"drop at r2, named", Trace{Hops: []TraceHop{r1, named, silent(3, true), silent(4, true)}},
			"dropped after hop 2 (r2.example.net (198.18.4.2)): hop 3 never answered"},
		{"reject at r1", Trace{Hops: []TraceHop{r1, prohibited}},
			"rejected by 198.18.0.254 (hop 1): ICMP 3/13 (administratively prohibited)"},
		{"reject by the target", Trace{Hops: []TraceHop{r1, r2, targetReject}},
			"rejected by the target itself (hop 3): ICMP 3/13 (administratively prohibited)"},
		{"the target drops", Trace{Hops: []TraceHop{r1, r2, silent(3, true), silent(4, true)},
			Ref: &TraceRef{Port: 22, Hop: TraceHop{TTL: 3, Signal: "SYN-ACK", Address: "198.18.1.2"}}},
			"dropped at hop 3, the target: tcp/22 on it answers with TTL 3, tcp/9000 never does; the target filters it, or hop 2 (198.18.4.2) drops it as it forwards"},
		{"answered now", Trace{Hops: []TraceHop{r1, r2, {TTL: 3, Signal: "RST", Address: "198.18.1.2"}}},
			"reached the target at hop 3, which answered RST this time: tcp/9000 is not filtered now (a change still converging, or a path that flaps)"},
		{"closed now", Trace{Hops: []TraceHop{r1, {TTL: 2, Signal: "ICMP", Address: "198.18.1.2",
			ICMP: &ICMP{Family: "icmp", Type: 3, Code: 3, From: "198.18.1.2", Text: "ICMP 3/3 (port unreachable) from 198.18.1.2"}}}},
			"reached the target at hop 2, which answered ICMP 3/3 (port unreachable) this time: tcp/9000 is not filtered now (a change still converging, or a path that flaps)"},
		{"interrupted", Trace{Hops: []TraceHop{r1}, Incomplete: true},
			"not finished: the run ended during TTL 2, so where the probe dies is unknown"},
		{"cannot send", Trace{Hops: []TraceHop{r1, {TTL: 2, Signal: "local error", Error: "no route to host"}}},
			"could not trace: the probe with TTL 2 could not be sent: no route to host"},
		{"nothing answers", Trace{Hops: []TraceHop{silent(1, true), silent(2, true)}},
			"dropped before any hop answered: nothing came back from TTL 1 on (a local firewall, or a first hop that sends no time-exceeded)"},
		{"unproven", Trace{Hops: []TraceHop{r1, silent(2, false), silent(3, true)}},
			"dropped after hop 1 (198.18.0.254): hop 2 never answered; a silent hop is unproven: the ICMP budget never allowed a proof, so a rate-limited router may have been muted"},
	} {
		if got := tc.trace.Summarize("198.18.1.2", "tcp/9000"); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}
