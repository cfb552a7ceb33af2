package runner

import (
	"fmt"
	"strings"
	"time"

	"github.com/portspec/portspec/internal/localports"
	"github.com/portspec/portspec/verdict"
)

// socketTable is this machine's listening sockets, read once a run, for
// the probes of a local host: what listens is read, not probed, so nothing
// is sent and nothing is FILTERED.
type socketTable struct {
	read      time.Time
	took      time.Duration
	err       error
	listeners map[localKey][]Listener
}

type localKey struct {
	proto verdict.Protocol
	port  uint16
}

func readSocketTable(list func() ([]localports.Socket, error)) *socketTable {
	t := &socketTable{read: time.Now(), listeners: map[localKey][]Listener{}}
	sockets, err := list()
	t.took = time.Since(t.read)
	if err != nil {
		t.err = fmt.Errorf("reading this machine's sockets: %w", err)
		return t
	}
	for _, s := range sockets {
		if s.Listening() {
			k := localKey{s.Proto, s.Local.Port()}
			t.listeners[k] = append(t.listeners[k], Listener{Local: s.Local, PID: s.PID, Process: s.Process, Hidden: s.Hidden})
		}
	}
	return t
}

// result is a Local probe's result: LISTENING when a socket listens on
// the port, on any address, else NOT LISTENING.
func (t *socketTable) result(p Probe) Result {
	res := Result{Probe: p, Start: t.read, Duration: t.took}
	if t.err != nil {
		res.Status, res.Err = verdict.Error, t.err
		return res
	}
	listeners := t.listeners[localKey{p.Proto, p.Port}]
	res.Status = verdict.NotListening
	if len(listeners) > 0 {
		res.Status = verdict.Listening
	}
	res.Evidence = Evidence{Signal: SocketTable, App: describeListeners(p, listeners),
		Tries: []Try{{Start: t.read, Duration: t.took, Signal: SocketTable}}}
	res.Listeners = &listeners
	return res
}

// describeListeners says who listens, for the evidence: "listening on
// 0.0.0.0:22 (sshd, pid 812), [::]:22 (sshd, pid 812)".
func describeListeners(p Probe, listeners []Listener) string {
	if len(listeners) == 0 {
		return fmt.Sprintf("no socket listens on %s/%d", p.Proto, p.Port)
	}
	parts := make([]string, len(listeners))
	for i, s := range listeners {
		parts[i] = s.Local.String() + " (" + owner(s) + ")"
	}
	return "listening on " + strings.Join(parts, ", ")
}

// owner names a socket's process: "sshd, pid 812", or why it cannot.
func owner(s Listener) string {
	switch {
	case s.Hidden:
		return "owner hidden: run as root to see other users' processes"
	case s.PID == 0:
		return "no owning process"
	}
	return fmt.Sprintf("%s, pid %d", s.Process, s.PID)
}
