//go:build linux

// Package lab builds a small network out of Linux network namespaces for
// tests to probe: a client, a router and a server, joined by veth pairs,
// with addresses from the benchmarking range 198.18.0.0/15 and the
// documentation range 2001:db8::/32. Nothing in it can reach, or be
// reached from, any other network: the namespaces have no other links.
//
//	client 198.18.0.1      router 198.18.0.254 | 198.18.1.254      server 198.18.1.2
//	       2001:db8:1::1          2001:db8:1::fe | 2001:db8:2::fe          2001:db8:2::2
//
// The server can carry more addresses (AddServerAddrs), routed by the
// router. Tests run their sockets inside the namespaces through Namespace.Do,
// which runs a function on an OS thread that has entered the namespace;
// Socket creates sockets in the client namespace for the prober. nftables
// rules are loaded with Nft.
//
// Building a lab needs root, ip(8) and nft(8). Without them New skips the
// test, unless CI=true or PORTSPEC_LAB=required, where it fails: CI must
// never pass by skipping the tests that matter.
package lab
