package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/portspec/portspec/internal/arguments"
	"github.com/portspec/portspec/internal/exit"
)

// writeHelp writes a command's whole help.
func writeHelp(w io.Writer, command string) {
	h := arguments.HelpOf(command)
	fmt.Fprintf(w, "Usage: portspec %s\n\n%s\n", strings.TrimSpace(command+" "+h.Synopsis), indent(h.Description))
	if fs := arguments.FlagSet(command); hasFlags(fs) {
		fmt.Fprint(w, "\nFlags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
	fmt.Fprintf(w, "\nExamples:\n%s\n\nExit codes:\n%s\n", indent(h.Examples), indent(h.ExitCodes))
}

// writeShortUsage is what a usage error is followed by.
func writeShortUsage(w io.Writer, command string) {
	fmt.Fprintf(w, "Usage: portspec %s\nRun 'portspec help %s' for its flags, examples and exit codes.\n", strings.TrimSpace(command+" "+arguments.HelpOf(command).Synopsis), command)
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

func indent(text string) string {
	return "  " + strings.ReplaceAll(text, "\n", "\n  ")
}

// runHelp is 'portspec help [COMMAND]'.
func runHelp(std streams, args []string) error {
	switch {
	case len(args) == 0, len(args) == 1 && slices.Contains([]string{"help", "-h", "-help", "--help"}, args[0]):
		fmt.Fprint(std.stdout, usage)
		return nil
	case len(args) > 1:
		return exit.Errorf(exit.Usage, "portspec help: name one command\n\n%s", strings.TrimSuffix(usage, "\n"))
	}
	cmd, ok := commands[args[0]]
	if !ok || args[0] == "help" {
		return exit.Errorf(exit.Usage, "portspec help: unknown command %q%s\n\n%s", args[0], didYouMean(args[0]), strings.TrimSuffix(usage, "\n"))
	}
	return cmd(std, []string{"--help"})
}
