// Package runner probes ports and decides, with evidence, which state each
// is in, using PortQry's words: LISTENING, NOT LISTENING, FILTERED, and for
// UDP, LISTENING or FILTERED.
//
// The probes use ordinary unprivileged sockets. What makes them as exact as
// a raw-socket scanner is IP_RECVERR (IPV6_RECVERR): the kernel queues every
// ICMP error about a socket's packets, with its type, code and sender, on
// the socket's error queue, where a plain connect() or recv() would only
// say ECONNREFUSED, or nothing at all. A TCP connect refused without a
// queued ICMP error was refused by a RST.
//
// Probes run concurrently under a global and a per-host cap and an optional
// rate, on Go's network poller (no thread per probe), and their results come
// out in the order of the checks. Each host keeps a model of its ICMP rate
// limit, so that a closed port whose port-unreachable was suppressed is
// probed again once the target can answer, rather than reported as silent.
package runner
