package runner

import "errors"

// outcome is what one try decided, before it becomes a Try.
type outcome struct {
	signal Signal
	icmp   *ICMPError
	err    error
}

func localOutcome(err error) outcome { return outcome{signal: Local, err: err} }

// errSelfConnect: a connect from the target's own address to a port in
// the ephemeral range can draw that very port as its source and connect
// to itself, a SYN-ACK from nobody.
var errSelfConnect = errors.New("the connect drew the target port as its source and connected to itself; nothing answered")
