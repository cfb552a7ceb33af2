//go:build !linux || portspec_portable

package runner

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"

	"github.com/portspec/portspec/verdict"
)

// TestNoSYNElsewhere: a build without Linux's raw sockets refuses SYN
// tries before the first probe (CheckSYN, which the commands and an
// agent call), and a run asked for them anyway makes each TCP try that
// refusal, sending nothing: never a state.
func TestNoSYNElsewhere(t *testing.T) {
	if err := CheckSYN(Options{}); !errors.Is(err, errNoSYN) {
		t.Fatalf("CheckSYN: %v, want %v", err, errNoSYN)
	}
	if err := Ready(Options{SYN: true}); !errors.Is(err, errNoSYN) {
		t.Fatalf("Ready: %v, want %v", err, errNoSYN)
	}
	var results []Result
	probe := Probe{Addr: netip.MustParseAddr("127.0.0.1"), Proto: verdict.TCP, Port: 9, Opts: &ProbeOptions{Tries: 1}}
	if err := New(Options{SYN: true}).Run(context.Background(), slices.Values([]Probe{probe}), func(r Result) { results = append(results, r) }); err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 || results[0].Status != verdict.Error || !errors.Is(results[0].Err, errNoSYN) {
		t.Fatalf("results %+v, want one error that says SYN tries need Linux", results)
	}
}
