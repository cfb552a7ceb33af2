package arguments

import (
	"flag"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Help is what 'portspec COMMAND --help' and 'portspec help COMMAND' say
// of a command, after Terraform's help: what it does, its flags (from its
// flag set), examples, and its exit codes.
type Help struct {
	Synopsis, Description, Examples, ExitCodes string
}

// HelpOf is command's help.
func HelpOf(command string) Help { return helps[command] }

// Commands are the commands that have a help, sorted.
func Commands() []string { return slices.Sorted(maps.Keys(helps)) }

// Summary is the description's first clause, on one line, for a list of
// commands or a manual page's NAME: what the command does.
func (h Help) Summary() string {
	text := strings.Join(strings.Fields(h.Description), " ") + " "
	end := len(text) - 1
	for _, stop := range []string{". ", ": ", "; "} {
		if i := strings.Index(text, stop); i >= 0 && i < end {
			end = i
		}
	}
	text = text[:end]
	// "Probes every check" reads as "probes every check" after a name and
	// a dash; "JSON reports" keeps its capitals.
	first, size := utf8.DecodeRuneInString(text)
	if second, _ := utf8.DecodeRuneInString(text[size:]); !unicode.IsUpper(second) {
		text = string(unicode.ToLower(first)) + text[size:]
	}
	return text
}

// Spelling is how command's help writes its flag name, "-" or "--" before
// it, where its synopsis, description, examples or flag usages write it,
// so that completion and the manual offer a flag as the help shows it:
// PortQry's -nr, gofmt's -w, --tag. A flag they never write is "--name",
// or "-x" when one letter long; the flag package reads either.
func Spelling(command, name string) string {
	h := HelpOf(command)
	texts := []string{h.Synopsis, h.Description, h.Examples}
	if fs := FlagSet(command); fs != nil {
		fs.VisitAll(func(f *flag.Flag) { texts = append(texts, f.Usage) })
	}
	written := regexp.MustCompile(`(?:^|[^\w-])(--?)` + regexp.QuoteMeta(name) + `(?:[^\w-]|$)`)
	for _, text := range texts {
		if m := written.FindStringSubmatch(text); m != nil {
			return m[1] + name
		}
	}
	if utf8.RuneCountInString(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

var helps = map[string]Help{
	"check": {
		Synopsis: "[flags] PATH... | -",
		Description: `Probes every check of the specs at PATH (spec files, or directories of
*.hcl files), compares each port's state with what its block expects, and
reports where the network differs: text on stdout, and JUnit XML, a log and
JSON when asked. Every report file is opened before the first probe.
A failed check on a FILTERED port is traced (rising TTL) to the hop where
its probe dies; --wait probes the failures again until a firewall change
has converged.`,
		Examples: `portspec check policy/
portspec check policy/ --from app --junit out/junit.xml --json out/results.json
portspec check policy/ --wait 2m --trace-limit 5
portspec check policy/ --shard 2/4 --json out/shard-2.json
portspec check policy/ --json - | jq .summary`,
		ExitCodes: `0    every check passed or was waived
1    a check failed or could not be probed
2    bad flags or a spec error: nothing was probed
3    the run could not complete, such as a report that cannot be written
130  interrupted (SIGINT, SIGTERM, SIGHUP): the reports hold what was done`,
	},
	"serve": {
		Synopsis: "[check's flags] [--listen ADDR] [--interval D] [--history N] [--max-series N] PATH...",
		Description: `Checks the specs at PATH at once and then every --interval, as check
would, never two runs at once (a run longer than the interval is followed by
the next at once, and counted), and serves the last completed run over HTTP:
/metrics in Prometheus' text format (gauges of that run: checks by verdict,
one portspec_check_failing series a failing check, up to --max-series;
counters of runs and overruns), /healthz (200 while that run passed, waived
checks passing; 503 and why after a failure, an error, or before the first
run ends), / (its HTML report), /results.json, and /changes (what changed
between consecutive runs, the last --history runs; each change is also a
line on stderr). SIGHUP loads the spec again: one that does not load is
logged and the one before keeps running. SIGTERM and SIGINT cancel a run
under way and exit 0. It listens on 127.0.0.1:9464 unless --listen names
another address; it writes no report files.`,
		Examples: `portspec serve policy/
portspec serve policy/ --from dc1 --interval 5m --listen :9464
curl -s 127.0.0.1:9464/healthz`,
		ExitCodes: `0    stopped by SIGTERM or SIGINT
2    bad flags, a spec error at the start, or an address it cannot listen on
3    the server failed`,
	},
	"merge": {
		Synopsis: "[--junit FILE] [--json FILE] [--log FILE] [-q|-v] [--max-record-size SIZE] [--today DATE] RESULT.json...",
		Description: `Merges the JSON results of shards (--shard) and vantage points (--from)
into the reports one run would have written. Every input is read to its end
and checked before anything is written; an incomplete one is refused, and so
is a result larger than --max-record-size or a key the layout does not have.
Each verdict is judged again from the result's states and waiver (on the
day its run started, or --today): one more lenient than that is refused, as
is a time outside its run. The merged run took from the earliest start of
an input to the latest end of one. A merge holds about 30 KiB an input,
at most 2 MiB of large results (the others wait on disk) and each input's
meta: at worst, inputs × --max-record-size.`,
		Examples: `portspec merge out/shard-*.json --junit out/junit.xml
portspec merge app.json dmz.json --json out/all.json`,
		ExitCodes: `0    every check passed or was waived
1    a check failed or could not be probed
2    bad flags, or inputs that cannot be merged truthfully: nothing written
3    a report cannot be written, or a large result kept on disk
130  an input comes from an interrupted run`,
	},
	"diff": {
		Synopsis: "[--json | --markdown] [--max-record-size SIZE] [--today DATE] OLD.json NEW.json",
		Description: `Says what changed between two runs' JSON reports (check --json, or merge
--json): the checks that newly fail, those fixed, those whose expectation
changed, those whose state changed but still pass (FILTERED to NOT
LISTENING under blocked), and those added or removed. Results are matched
by vantage, host, address, protocol and port. Both reports are read whole
before anything is written, and in bounded memory however large; they are
checked as merge checks its inputs.`,
		Examples: `portspec diff before.json after.json
portspec diff --markdown main.json pr.json > comment.md`,
		ExitCodes: `0    no check newly fails
1    some check newly fails (the convention of ndiff, nmap's diff)
2    bad flags, or a report that is not whole`,
	},
	"query": {
		Synopsis: QuerySynopsis,
		Description: `Queries ports of one host as Microsoft's PortQry does, with its flags:
LISTENING, NOT LISTENING, FILTERED or LISTENING or FILTERED, with the
evidence. Every silence is proven against the target's ICMP rate limit.
With -local it sends nothing and lists this machine's own TCP and UDP
sockets, their state and owning process, as PortQry's -local does.
-wport and -wpid watch this machine's sockets on a port, or a process's,
every -wt seconds (60 by default), and log each change with a timestamp
until interrupted (exit 0) or the process exits; -l keeps the log, a line
at a time.`,
		Examples: `portspec query -n mail.example.com -p tcp -e 25
portspec query -n 192.0.2.11 -p tcp -o 143,110,25 -l portqry.log
portspec query -n dc1.corp.example.com -p udp -r 135:139
portspec query -local
portspec query -wport 443 -wt 5 -l port443.log`,
		ExitCodes: `0    the query completed, whatever the states (with -q: every port LISTENING);
     a watch ended by Ctrl-C or by its process's exit
1    with -q: the worst port is NOT LISTENING
2    bad flags (with -q: the worst port is FILTERED or LISTENING or FILTERED)
3    the name does not resolve, or the log cannot be written
130  interrupted`,
	},
	"snapshot": {
		Synopsis: "-n HOST [-p tcp|udp|both] [-r FROM:TO | -o LIST] [-source-prefix PREFIX] [-syn] [--others STATE] [--name NAME] [-w FILE]",
		Description: `Probes a host and writes a spec of what it has now, a host block with its
listening, not_listening and filtered ports: a baseline that check then
holds the host to.`,
		Examples: `portspec snapshot -n 192.0.2.10 -p both -r 1:1024 --name web -w baseline/web.hcl
portspec check baseline/`,
		ExitCodes: `0    the snapshot was written
2    bad flags
3    a port could not be probed, or the file cannot be written: nothing written
130  interrupted: nothing written`,
	},
	"validate": {
		Synopsis: "[flags] PATH... | -",
		Description: `Loads the specs at PATH and counts the checks they make, without probing
anything. Every error is reported with its file:line:col.`,
		Examples: `portspec validate policy/
portspec validate policy/ --from app --var mail_net=198.18.1.0/29`,
		ExitCodes: `0    the specs are valid
2    bad flags or a spec error`,
	},
	"fmt": {
		Synopsis: "[-check | -w | -diff] [-recursive] PATH... | -",
		Description: `Writes specs in canonical format. Without flags it prints the formatted
files; - reads a spec from stdin and prints it formatted. Every file is
parsed first: when one has a syntax error, nothing is written.`,
		Examples: `portspec fmt -check policy/
portspec fmt -w -recursive policy/
portspec fmt -diff policy/mx.hcl
cat mx.hcl | portspec fmt -`,
		ExitCodes: `0    done (with -check or -diff: nothing would change)
1    with -check or -diff: a file would change
2    bad flags or a syntax error: nothing written
3    a file cannot be written`,
	},
	"profiles": {
		Synopsis: "[NAME]",
		Description: `Lists the profiles that ship with portspec, which a host names as
"builtin/NAME" in its profiles list; with a NAME, prints that profile as
HCL, with the sources of its ports, to copy into a spec and adapt.`,
		Examples: `portspec profiles
portspec profiles builtin/domain_controller > policy/dc.hcl`,
		ExitCodes: `0    listed or printed
2    no such profile, or bad flags`,
	},
	"agent": {
		Synopsis: "",
		Description: `The far end of check --via: reads a vantage point's probes as JSON lines
on stdin, probes them, and writes each result as a line on stdout
(docs/agent-protocol.md). check --via starts it through the transport;
it is not meant to be run by hand. It ends when its stdin closes.`,
		Examples: `portspec check --via app='ssh -o BatchMode=yes deploy@app1.example.com' policy/`,
		ExitCodes: `0    the coordinator's probes were all answered
2    bad flags
3    the coordinator broke the protocol, or went away`,
	},
	"completion": {
		Synopsis: strings.Join(Shells, "|"),
		Description: `Prints a script that completes portspec's command lines in a shell: the
commands, each command's flags, the words of a flag that takes one of a
few (--color, --annotations, -p, --others), the vantage points, tags and
controls of the specs already named on the line after --from, --tag and
--control, and file names elsewhere. The script asks portspec itself for
the words (portspec __complete), so that they are those of the portspec
on the PATH, whatever its version. A spec that does not load, or takes
more than --max-load-memory or --max-load-time, completes to nothing,
and says nothing.`,
		Examples: `source <(portspec completion bash)        # in ~/.bashrc
portspec completion zsh > "${fpath[1]}/_portspec"
portspec completion fish > ~/.config/fish/completions/portspec.fish
portspec completion powershell | Out-String | Invoke-Expression`,
		ExitCodes: `0    the script was printed
2    no shell named, or one portspec has no script for`,
	},
	"version": {
		Synopsis:    "",
		Description: `Prints the version of portspec.`,
		Examples:    `portspec version`,
		ExitCodes:   `0    always`,
	},
}
