package runner

import (
	"context"
	"errors"
	"net/netip"
	"testing"

	"github.com/portspec/portspec/internal/localports"
	"github.com/portspec/portspec/verdict"
)

// TestLocalProbes reads a local host's ports from the socket table, read
// once a run, never sending a packet: a listener on any address is
// LISTENING, a socket in another state is not, and a table that cannot be
// read errs every local probe rather than passing it.
func TestLocalProbes(t *testing.T) {
	reads := 0
	table := []localports.Socket{
		{Proto: verdict.TCP, Local: netip.MustParseAddrPort("127.0.0.1:5432"), State: "LISTENING", PID: 7, Process: "postgres"},
		{Proto: verdict.TCP, Local: netip.MustParseAddrPort("198.18.0.1:22"), State: "ESTABLISHED", PID: 9, Process: "ssh"},
		{Proto: verdict.UDP, Local: netip.MustParseAddrPort("[::]:53"), State: "LISTENING", Hidden: true},
	}
	run := func(list func() ([]localports.Socket, error)) []Result {
		r := New(Options{localSockets: list, Socket: func(int, int, int) (int, error) {
			t.Fatal("a local probe opened a socket")
			return -1, nil
		}})
		var got []Result
		probes := []Probe{{Proto: verdict.TCP, Port: 5432, Local: true}, {Proto: verdict.TCP, Port: 22, Local: true}, {Proto: verdict.UDP, Port: 53, Local: true}}
		r.Run(context.Background(), func(yield func(Probe) bool) {
			for _, p := range probes {
				if !yield(p) {
					return
				}
			}
		}, func(res Result) { got = append(got, res) })
		return got
	}
	got := run(func() ([]localports.Socket, error) { reads++; return table, nil })
	if reads != 1 {
		t.Errorf("the table was read %d times, want once a run", reads)
	}
	want := []struct {
		status verdict.Status
		app    string
	}{
		{verdict.Listening, "listening on 127.0.0.1:5432 (postgres, pid 7)"},
		{verdict.NotListening, "no socket listens on tcp/22"},
		{verdict.Listening, "listening on [::]:53 (owner hidden: run as root to see other users' processes)"},
	}
	for i, w := range want {
		if got[i].Status != w.status || got[i].Evidence.App != w.app || got[i].Evidence.Signal != SocketTable {
			t.Errorf("probe %d: %s %q %s, want %s %q", i, got[i].Status, got[i].Evidence.App, got[i].Evidence.Signal, w.status, w.app)
		}
	}
	for _, res := range run(func() ([]localports.Socket, error) { return nil, errors.New("permission denied") }) {
		if res.Status != verdict.Error || res.Err == nil {
			t.Errorf("unreadable table: %s %v, want an error", res.Status, res.Err)
		}
	}
}
