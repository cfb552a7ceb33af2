package localports

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/portspec/portspec/internal/escape"
	"github.com/portspec/portspec/verdict"
)

// ChangeKind is how a socket changed between two readings.
type ChangeKind byte

const (
	Present ChangeKind = '=' // there at the first reading
	Added   ChangeKind = '+'
	Removed ChangeKind = '-'
	Changed ChangeKind = '~' // same endpoints and owner, another state
)

// Change is one socket that appeared, went, or changed state.
type Change struct {
	Kind   ChangeKind
	Socket Socket
	// Was is the state before, for Changed.
	Was string
}

// String is the change as a watch logs it: "+ TCP 0.0.0.0:443 0.0.0.0:0
// LISTENING pid 812 nginx".
func (c Change) String() string {
	s := c.Socket
	state := s.State
	if c.Kind == Changed {
		state = c.Was + " -> " + s.State
	}
	return fmt.Sprintf("%c %s %s %s %s %s", c.Kind, strings.ToUpper(s.Proto.String()), s.Local, s.Remote, state, OwnerText(s))
}

// OwnerText names a socket's owner for a listing: "pid 812 nginx",
// "pid ? (hidden)" for another user's process seen without root, or "-".
// The process's name is escaped: its owner chose it.
func OwnerText(s Socket) string {
	switch {
	case s.PID > 0:
		return fmt.Sprintf("pid %d %s", s.PID, escape.Text(s.Process))
	case s.Hidden:
		return "pid ? (hidden)"
	}
	return "-"
}

// socketKey is what makes a socket the same one in two readings.
type socketKey struct {
	proto         verdict.Protocol
	local, remote netip.AddrPort
	pid           int
}

func keyOf(s Socket) socketKey { return socketKey{s.Proto, s.Local, s.Remote, s.PID} }

// Changes compares two readings, both in Read's order: the sockets that
// went, then those that came or changed state, each in that order.
func Changes(before, after []Socket) []Change {
	was := make(map[socketKey]Socket, len(before))
	for _, s := range before {
		was[keyOf(s)] = s
	}
	now := make(map[socketKey]bool, len(after))
	for _, s := range after {
		now[keyOf(s)] = true
	}
	var out []Change
	for _, s := range before {
		if !now[keyOf(s)] {
			out = append(out, Change{Kind: Removed, Socket: s})
		}
	}
	for _, s := range after {
		old, ok := was[keyOf(s)]
		switch {
		case !ok:
			out = append(out, Change{Kind: Added, Socket: s})
		case old.State != s.State:
			out = append(out, Change{Kind: Changed, Socket: s, Was: old.State})
		}
	}
	return out
}
