// Package agent is how `check --via` runs a vantage point's probes on the
// far end of a transport the user already has (ssh, kubectl exec, docker
// exec, ip netns exec, sudo): the coordinator plans and judges; the far
// end, `portspec agent`, only runs runner.Probe values and sends back
// runner.Result values.
//
// The protocol is JSON lines, one message an object with one key, over
// the transport's stdin and stdout (docs/agent-protocol.md):
//
//	coordinator → agent: {"hello":{…}} {"options":{…}} {"probe_options":{…}}… {"resolve":{…}}… {"probe":{…}}… {"end":{}}
//	agent → coordinator: {"hello":{…}} {"resolved":{…}}… {"result":{…}}… {"summary":{…}}
//	                     or, to options its machine cannot honour: {"hello":{…}} {"refused":{…}}
//
// Both hellos carry the protocol version and the portspec version; the
// agent's also its OS and architecture. A mismatch of either version
// ends the vantage at the handshake. Everything the far end sends is
// untrusted: a line is at most MaxLine bytes, a result must answer a probe
// that was sent and not yet answered, and anything else ends that vantage
// with an error, in bounded memory, without touching another's results.
package agent
