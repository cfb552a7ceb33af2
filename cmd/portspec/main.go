// Command portspec checks that the network does what a connectivity policy
// says. See docs/spec.md for the language and docs/commands.md for the
// commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/portspec/portspec/internal/arguments"
	"github.com/portspec/portspec/internal/exit"
	"github.com/portspec/portspec/internal/suggest"
)

func main() {
	// A reader that goes away (check | head) must end the text report,
	// not the run: ignored, SIGPIPE makes the write fail with EPIPE
	// instead of killing the process with every report unwritten.
	signal.Ignore(syscall.SIGPIPE)
	stopProfile := startProfile()
	code := run(os.Args[1:], os.Stdout, os.Stderr)
	stopProfile()
	os.Exit(code)
}

// stopSignals are the signals that stop a run the way Ctrl-C does: probing
// stops, the reports are written, and the command exits 130. SIGHUP is
// among them, since a closed terminal or SSH session sends it. SIGQUIT is
// left to Go, which dumps every goroutine: that is what it is for.
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// stoppable returns a context that ends on a stop signal.
func stoppable() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), stopSignals...)
}

const usage = `portspec checks that ports on hosts are in the states a spec says.

Usage:
  portspec check [flags] PATH...      probe every check and report where the network differs
  portspec serve [flags] PATH...      check on an interval; metrics, health and reports over HTTP
  portspec merge [flags] RESULT.json  merge the JSON results of shards and vantage points
  portspec diff OLD.json NEW.json     what changed between two runs
  portspec query -n NAME [flags]      query ports as PortQry does
  portspec snapshot -n HOST [flags]   write a spec of what a host has now: a baseline
  portspec validate [flags] PATH...   load specs and count the checks
  portspec fmt [-check|-w|-diff] PATH...  rewrite specs in canonical format
  portspec profiles [NAME]            list the built-in profiles, or print one
  portspec version                    print the version
  portspec agent                      the far end of check --via: probes on stdin, results on stdout
  portspec completion SHELL           tab completion for bash, zsh, fish or powershell

Run 'portspec help COMMAND' for a command's flags, examples and exit codes.
`

// streams are where a command reads and writes.
type streams struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// A command runs with its arguments, and ends as its error says (exitCode).
type command func(std streams, args []string) error

var commands = map[string]command{
	"check":    runCheck,
	"serve":    runServe,
	"merge":    runMerge,
	"diff":     runDiff,
	"query":    runQuery,
	"snapshot": runSnapshot,
	"validate": runValidate,
	"fmt":      runFmt,
	"profiles": runProfiles,
	"version":  runVersion,
	"agent":    runAgent,
	// completion prints the script a shell sources; __complete, hidden,
	// is what that script runs at each Tab.
	"completion": runCompletion,
	"__complete": runComplete,
}

func run(args []string, stdout, stderr io.Writer) int {
	std := streams{stdin: os.Stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exit.Usage
	}
	switch args[0] {
	case "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exit.OK
	case "help":
		return exitCode(std, runHelp(std, args[1:]))
	case "-version", "--version":
		return exitCode(std, runVersion(std, nil))
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "portspec: unknown command %q%s\n\n%s", args[0], didYouMean(args[0]), usage)
		return exit.Usage
	}
	return exitCode(std, cmd(std, args[1:]))
}

// didYouMean suggests the command a misspelt one most likely means.
func didYouMean(given string) string {
	var names []string
	for name := range commands {
		names = append(names, name)
	}
	if near := suggest.Nearest(given, names); near != "" {
		return fmt.Sprintf("; did you mean %s?", near)
	}
	return ""
}

// exitCode is the one place an error becomes an exit code, having said
// what it has to say: the help asked for, on stdout; a usage error with
// the command's short usage; any other error's message.
func exitCode(std streams, err error) int {
	var usageErr *arguments.Error
	switch {
	case errors.As(err, &usageErr) && usageErr.Help:
		writeHelp(std.stdout, usageErr.Command)
	case errors.As(err, &usageErr):
		fmt.Fprintln(std.stderr, usageErr)
		writeShortUsage(std.stderr, usageErr.Command)
	case err != nil && err.Error() != "":
		fmt.Fprintln(std.stderr, err)
	}
	return exit.Code(err)
}
