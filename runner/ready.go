package runner

import "fmt"

// Ready makes sure, before the first probe, that this machine can send
// what opts asks of it: the raw sockets of Options.SYN (CheckSYN) and the
// addresses of Options.SourcePrefixes (CheckSources). A run that could
// not would connect instead of sending SYNs, or send from addresses whose
// answers go elsewhere. The command that probes calls it, and so does an
// agent, on its own machine, with the options its coordinator sent.
func Ready(opts Options) error {
	if opts.SYN {
		if err := CheckSYN(opts); err != nil {
			return fmt.Errorf("%w; leave --syn out to connect", err)
		}
	}
	if len(opts.SourcePrefixes) == 0 {
		return nil
	}
	return CheckSources(opts)
}
