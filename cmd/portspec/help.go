package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/portspec/portspec/internal/arguments"
	"github.com/portspec/portspec/internal/exit"
)

// help is what 'portspec COMMAND --help' and 'portspec help COMMAND' say of
// a command, after Terraform's help: what it does, its flags, examples,
// and its exit codes.
type help struct {
	synopsis, description, examples, exitCodes string
}

var helps = map[string]help{
	"check": {
		synopsis: "[flags] PATH...",
		description: `Probes every check of the specs at PATH (spec files, or directories of
*.hcl files), compares each port's state with what its block expects, and
reports where the network differs: text on stdout, and JUnit XML, a log and
JSON when asked. Every report file is opened before the first probe.
A failed check on a FILTERED port is traced (rising TTL) to the hop where
its probe dies; --wait probes the failures again until a firewall change
has converged.`,
		examples: `portspec check policy/
portspec check policy/ --from app --junit out/junit.xml --json out/results.json
portspec check policy/ --wait 2m --trace-limit 5
portspec check policy/ --shard 2/4 --json out/shard-2.json
portspec check policy/ --json - | jq .summary`,
		exitCodes: `0    every check passed
1    a check failed or could not be probed
2    bad flags or a spec error: nothing was probed
3    the run could not complete, such as a report that cannot be written
130  interrupted (SIGINT, SIGTERM, SIGHUP): the reports hold what was done`,
	},
	"merge": {
		synopsis: "[--junit FILE] [--json FILE] [--log FILE] [-q|-v] [--max-record-size SIZE] [--today DATE] RESULT.json...",
		description: `Merges the JSON results of shards (--shard) and vantage points (--from)
into the reports one run would have written. Every input is read to its end
and checked before anything is written; an incomplete one is refused, and so
is a result larger than --max-record-size or a key the layout does not have.
Each verdict is judged again from the result's states and waiver (on the
day its run started, or --today): one more lenient than that is refused, as
is a time outside its run. The merged run took from the earliest start of
an input to the latest end of one. A merge holds about 30 KiB an input,
at most 2 MiB of large results (the others wait on disk) and each input's
meta: at worst, inputs × --max-record-size.`,
		examples: `portspec merge out/shard-*.json --junit out/junit.xml
portspec merge app.json dmz.json --json out/all.json`,
		exitCodes: `0    every check passed
1    a check failed or could not be probed
2    bad flags, or inputs that cannot be merged truthfully: nothing written
3    a report cannot be written, or a large result kept on disk
130  an input comes from an interrupted run`,
	},
	"diff": {
		synopsis: "[--json | --markdown] [--max-record-size SIZE] [--today DATE] OLD.json NEW.json",
		description: `Says what changed between two runs' JSON reports (check --json, or merge
--json): the checks that newly fail, those fixed, those whose expectation
changed, those whose state changed but still pass (FILTERED to NOT
LISTENING under blocked), and those added or removed. Results are matched
by vantage, host, address, protocol and port. Both reports are read whole
before anything is written, and in bounded memory however large; they are
checked as merge checks its inputs.`,
		examples: `portspec diff before.json after.json
portspec diff --markdown main.json pr.json > comment.md`,
		exitCodes: `0    no check newly fails
1    some check newly fails (ndiff's convention)
2    bad flags, or a report that is not whole`,
	},
	"query": {
		synopsis: arguments.QuerySynopsis,
		description: `Queries ports of one host as Microsoft's PortQry does, with its flags:
LISTENING, NOT LISTENING, FILTERED or LISTENING or FILTERED, with the
evidence. Every silence is proven against the target's ICMP rate limit.
With -local it sends nothing and lists this machine's own TCP and UDP
sockets, their state and owning process, as PortQry's -local does.
-wport and -wpid watch this machine's sockets on a port, or a process's,
every -wt seconds (60 by default), and log each change with a timestamp
until interrupted (exit 0) or the process exits; -l keeps the log, a line
at a time.`,
		examples: `portspec query -n mail.example.com -p tcp -e 25
portspec query -n 192.0.2.11 -p tcp -o 143,110,25 -l portqry.log
portspec query -n my_server -p udp -r 135:139
portspec query -local
portspec query -wport 443 -wt 5 -l port443.log`,
		exitCodes: `0    the query completed, whatever the states (with -q: every port LISTENING);
     a watch ended by Ctrl-C or by its process's exit
1    with -q: the worst port is NOT LISTENING
2    bad flags (with -q: the worst port is FILTERED or LISTENING or FILTERED)
3    the name does not resolve, or the log cannot be written
130  interrupted`,
	},
	"snapshot": {
		synopsis: "-n HOST [-p tcp|udp|both] [-r FROM:TO | -o LIST] [--others STATE] [--name NAME] [-w FILE]",
		description: `Probes a host and writes a spec of what it has now, a host block with its
listening, not_listening and filtered ports: a baseline that check then
holds the host to.`,
		examples: `portspec snapshot -n 192.0.2.10 -p both -r 1:1024 --name web -w baseline/web.hcl
portspec check baseline/`,
		exitCodes: `0    the snapshot was written
2    bad flags
3    a port could not be probed, or the file cannot be written: nothing written
130  interrupted: nothing written`,
	},
	"validate": {
		synopsis: "[flags] PATH...",
		description: `Loads the specs at PATH and counts the checks they make, without probing
anything. Every error is reported with its file:line:col.`,
		examples: `portspec validate policy/
portspec validate policy/ --from app --var mail_net=198.18.1.0/29`,
		exitCodes: `0    the specs are valid
2    bad flags or a spec error`,
	},
	"fmt": {
		synopsis: "[-check | -w | -diff] [-recursive] PATH... | -",
		description: `Writes specs in canonical format. Without flags it prints the formatted
files; - reads a spec from stdin and prints it formatted. Every file is
parsed first: when one has a syntax error, nothing is written.`,
		examples: `portspec fmt -check policy/
portspec fmt -w -recursive policy/
portspec fmt -diff policy/mx.hcl
cat mx.hcl | portspec fmt -`,
		exitCodes: `0    done (with -check or -diff: nothing would change)
1    with -check or -diff: a file would change
2    bad flags or a syntax error: nothing written
3    a file cannot be written`,
	},
	"profiles": {
		synopsis: "[NAME]",
		description: `Lists the profiles that ship with portspec, which a host names as
"builtin/NAME" in its profiles list; with a NAME, prints that profile as
HCL, with the sources of its ports, to copy into a spec and adapt.`,
		examples: `portspec profiles
portspec profiles builtin/domain_controller > policy/dc.hcl`,
		exitCodes: `0    listed or printed
2    no such profile, or bad flags`,
	},
	"version": {
		synopsis:    "",
		description: `Prints the version of portspec.`,
		examples:    `portspec version`,
		exitCodes:   `0    always`,
	},
}

// writeHelp writes a command's whole help.
func writeHelp(w io.Writer, command string) {
	h := helps[command]
	fmt.Fprintf(w, "Usage: portspec %s\n\n%s\n", strings.TrimSpace(command+" "+h.synopsis), indent(h.description))
	if fs := arguments.FlagSet(command); hasFlags(fs) {
		fmt.Fprint(w, "\nFlags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
	fmt.Fprintf(w, "\nExamples:\n%s\n\nExit codes:\n%s\n", indent(h.examples), indent(h.exitCodes))
}

// writeShortUsage is what a usage error is followed by.
func writeShortUsage(w io.Writer, command string) {
	fmt.Fprintf(w, "Usage: portspec %s\nRun 'portspec help %s' for its flags, examples and exit codes.\n", strings.TrimSpace(command+" "+helps[command].synopsis), command)
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
	case len(args) == 0:
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
