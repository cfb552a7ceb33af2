package runner

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/portspec/portspec/verdict"
)

// TestClassify walks every row of the table in docs/commands.md, "How a
// state is decided", for both protocols and both address families.
func TestClassify(t *testing.T) {
	target4 := netip.MustParseAddr("198.18.0.2")
	router4 := netip.MustParseAddr("198.18.0.254")
	target6 := netip.MustParseAddr("2001:db8::2")
	router6 := netip.MustParseAddr("2001:db8::fe")
	icmp4 := func(typ, code uint8, from netip.Addr) *ICMPError {
		return &ICMPError{Type: typ, Code: code, From: from}
	}
	icmp6 := func(typ, code uint8, from netip.Addr) *ICMPError {
		return &ICMPError{V6: true, Type: typ, Code: code, From: from}
	}
	type row struct {
		name     string
		sig      Signal
		icmp     *ICMPError
		target   netip.Addr
		tcp, udp verdict.Status
	}
	rows := []row{
		{"SYN-ACK or reply", SynAck, nil, target4, verdict.Listening, verdict.Listening},
		{"UDP reply", Reply, nil, target4, verdict.Listening, verdict.Listening},
		{"RST", Reset, nil, target4, verdict.NotListening, verdict.NotListening},
		{"3/3 from target", ICMP, icmp4(3, 3, target4), target4, verdict.NotListening, verdict.NotListening},
		{"3/3 from router", ICMP, icmp4(3, 3, router4), target4, verdict.Filtered, verdict.Filtered},
		{"silence", Silence, nil, target4, verdict.Filtered, verdict.ListeningOrFiltered},
		{"local error", Local, nil, target4, verdict.Error, verdict.Error},
		{"v6 1/4 from target", ICMP, icmp6(1, 4, target6), target6, verdict.NotListening, verdict.NotListening},
		{"v6 1/4 from router", ICMP, icmp6(1, 4, router6), target6, verdict.Filtered, verdict.Filtered},
		{"v6 type 3 time exceeded", ICMP, icmp6(3, 0, router6), target6, verdict.Filtered, verdict.Filtered},
	}
	for _, code := range []uint8{0, 1, 2, 9, 10, 13} {
		rows = append(rows, row{"v4 3/" + string('0'+code/10) + string('0'+code%10), ICMP, icmp4(3, code, target4), target4, verdict.Filtered, verdict.Filtered})
	}
	rows = append(rows, row{"v4 type 11", ICMP, icmp4(11, 0, router4), target4, verdict.Filtered, verdict.Filtered})
	for _, code := range []uint8{0, 1, 2, 3, 5, 6} {
		rows = append(rows, row{"v6 1/x", ICMP, icmp6(1, code, target6), target6, verdict.Filtered, verdict.Filtered})
	}
	for _, r := range rows {
		if got := classify(verdict.TCP, r.sig, r.icmp, r.target); got != r.tcp {
			t.Errorf("%s, tcp: %s, want %s", r.name, got, r.tcp)
		}
		if got := classify(verdict.UDP, r.sig, r.icmp, r.target); got != r.udp {
			t.Errorf("%s, udp: %s, want %s", r.name, got, r.udp)
		}
	}
}

func TestRTTTimeout(t *testing.T) {
	const floor, ceiling = 100 * time.Millisecond, time.Second
	var e rttEstimator
	if got := e.timeout(floor, ceiling); got != ceiling {
		t.Errorf("no sample: %s, want the ceiling", got)
	}
	// A WAN host: 50ms answers with jitter.
	for _, ms := range []int{50, 60, 45, 70, 55} {
		e.sample(time.Duration(ms) * time.Millisecond)
	}
	if got := e.timeout(floor, ceiling); got < 100*time.Millisecond || got > 200*time.Millisecond {
		t.Errorf("WAN: %s, want srtt+4·rttvar, about 100-200ms", got)
	}
	// A near host on a busy prober: 50µs answers, and a few seen 200ms
	// late because the prober was busy. The timeout stays near the floor.
	var near rttEstimator
	for i := range 1000 {
		r := 50 * time.Microsecond
		if i%100 == 99 {
			r = 200 * time.Millisecond
		}
		near.sample(r)
	}
	if got := near.timeout(floor, ceiling); got > floor+time.Millisecond {
		t.Errorf("near host, busy prober: %s, want the floor", got)
	}
}

// TestZeroSignalIsUnknown: a try no one set never reads as silence, and
// classifies as an error.
func TestZeroSignalIsUnknown(t *testing.T) {
	var tr Try
	if tr.Signal != SignalUnknown || tr.Signal == Silence {
		t.Errorf("the zero signal is %s, want unknown", tr.Signal)
	}
	if got := classify(verdict.TCP, SignalUnknown, nil, netip.Addr{}); got != verdict.Error {
		t.Errorf("an unknown signal classifies as %s, want ERROR", got)
	}
}

// TestSelfConnect: a connect from the target's own address and port to
// itself is a SYN-ACK from nobody. Here it is forced, the source port
// being the target's: tried again, it connects to itself again, and the
// check is an error that says so, never LISTENING.
func TestSelfConnect(t *testing.T) {
	port := uint16(40000 + os.Getpid()%20000)
	lo := netip.MustParseAddr("127.0.0.1")
	p := Probe{Addr: lo, Proto: verdict.TCP, Port: port, Opts: &ProbeOptions{SourcePort: port, Tries: 1}}
	var got Result
	if err := New(Options{}).Run(context.Background(), slices.Values([]Probe{p}), func(r Result) { got = r }); err != nil {
		t.Fatal(err)
	}
	if got.Status != verdict.Error || !errors.Is(got.Err, errSelfConnect) {
		t.Errorf("tcp/%d from itself: %s, %v; want the self-connect error", port, got.Status, got.Err)
	}
}
