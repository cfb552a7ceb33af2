// Package spec is portspec's language: it loads HCL spec files into a
// validated model and expands that model into the checks a run performs.
//
// Loading is all-or-nothing. Every problem in every file becomes an
// hcl.Diagnostic with a Subject range, so a user sees file:line:col and the
// offending source, and a spec with any error yields no checks at all: no
// probe is ever sent on the strength of a half-understood policy.
//
// The language evaluates expressions with var.*, local.* and a fixed set of
// pure functions from cty's stdlib. Nothing in it can read a file, the
// environment or the network, so a spec from an untrusted pull request can be
// validated safely.
//
// Expansion is streaming: Spec.Checks yields one Check at a time in a
// deterministic order (hosts in file order, then each host's addresses, its
// profiles' blocks, its own blocks and their ports), without materialising
// the whole list, so a /16 times 65535 ports costs no more memory than one.
package spec
