package main

import (
	"os"

	"github.com/portspec/portspec/internal/agent"
	"github.com/portspec/portspec/internal/arguments"
	"github.com/portspec/portspec/internal/exit"
)

// runAgent is `portspec agent`, the far end of check --via: probes in on
// stdin, results out on stdout, as internal/agent's protocol has them.
func runAgent(std streams, args []string) error {
	if err := arguments.ParseAgent(args); err != nil {
		return err
	}
	ctx, stop := stoppable()
	defer stop()
	in := std.stdin
	if in == nil {
		in = os.Stdin
	}
	if err := agent.Serve(ctx, in, std.stdout, portspecVersion()); err != nil {
		return exit.Errorf(exit.Incomplete, "portspec agent: %v", err)
	}
	return nil
}
