package report

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/portspec/portspec/verdict"
)

// signals are the words the runner's signals are written with; a test
// beside the runner's conversion holds the two lists to each other.
var signals = []string{SignalSilence, "SYN-ACK", SignalReply, "RST", "ICMP", SignalLocal, SignalSocketTable}

// LocalAddress is the address of a local host's records: the machine's
// own sockets, read rather than probed.
const LocalAddress = "local"

// check refuses a record that does not say what a report can mean: a
// word of the layout it does not know, an address that is none.
func (r *Record) check() error {
	if _, ok := verdict.ParseProtocol(r.Protocol); !ok {
		return fmt.Errorf("unknown protocol %s", quoteCut(r.Protocol))
	}
	if _, ok := verdict.ParseState(r.Expected); !ok {
		return fmt.Errorf("unknown expected state %s", quoteCut(r.Expected))
	}
	switch _, ok := verdict.ParseStatus(r.Actual); {
	case r.Actual == "" && r.Verdict != verdict.Skipped:
		return fmt.Errorf("no actual state for a %s verdict", r.Verdict)
	case r.Actual != "" && !ok:
		return fmt.Errorf("unknown actual state %s", quoteCut(r.Actual))
	}
	if _, err := netip.ParseAddr(r.Address); err != nil && (r.Name == "" || r.Address != r.Name) && r.Address != LocalAddress {
		return fmt.Errorf("address %s is not an IP address", quoteCut(r.Address))
	}
	for _, c := range r.Controls {
		if c == "" {
			return errors.New("an empty control")
		}
	}
	if w := r.Waiver; w != nil {
		if _, err := time.Parse(time.DateOnly, w.Until); err != nil || w.Reason == "" {
			return fmt.Errorf("a waiver needs a reason and a date until which it holds, YYYY-MM-DD; got %s until %s", quoteCut(w.Reason), quoteCut(w.Until))
		}
	}
	if r.Verdict == verdict.Waived && r.Waiver == nil {
		return errors.New("a waived verdict without its waiver")
	}
	if ev := r.Evidence; ev != nil {
		if err := ev.check(); err != nil {
			return fmt.Errorf("evidence: %v", err)
		}
	}
	for _, rd := range r.Rounds {
		if err := rd.check(); err != nil {
			return err
		}
	}
	if t := r.Trace; t != nil {
		if err := t.check(); err != nil {
			return fmt.Errorf("trace: %v", err)
		}
	}
	return nil
}

func (e *Evidence) check() error {
	if err := checkSignal(e.Signal, e.ICMP); err != nil {
		return err
	}
	if !slices.Contains([]string{"", "unproven", "proven"}, e.Silence) {
		return fmt.Errorf("unknown silence %s", quoteCut(e.Silence))
	}
	if _, err := hex.DecodeString(e.ReplyHex); err != nil {
		return fmt.Errorf("reply_hex: %v", err)
	}
	if len(e.Tries) == 0 {
		return errors.New("no tries")
	}
	for i, t := range e.Tries {
		if err := checkSignal(t.Signal, t.ICMP); err != nil {
			return fmt.Errorf("try %d: %v", i+1, err)
		}
	}
	return nil
}

func checkSignal(signal string, icmp *ICMP) error {
	if !slices.Contains(signals, signal) {
		return fmt.Errorf("unknown signal %s", quoteCut(signal))
	}
	if icmp == nil {
		return nil
	}
	if icmp.Family != "icmp" && icmp.Family != "icmpv6" {
		return fmt.Errorf("unknown ICMP family %s", quoteCut(icmp.Family))
	}
	if _, err := netip.ParseAddr(icmp.From); err != nil {
		return fmt.Errorf("ICMP error from %s, which is not an IP address", quoteCut(icmp.From))
	}
	return nil
}
