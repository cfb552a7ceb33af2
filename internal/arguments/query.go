package arguments

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/portspec/portspec/spec"
	"github.com/portspec/portspec/verdict"
)

// QuerySynopsis is query's usage line.
const QuerySynopsis = "-local | -wport PORT | -wpid PID [-wt SECONDS] [-l LOG [-y]] | -n NAME [-p tcp|udp|both] [-e PORT | -o LIST | -r FROM:TO] [-l LOG [-y]] [-sp PORT] [-nr] [-q] [-cn COMMUNITY] [-timeout D] [-tries N] [-icmp-interval D] [-source-prefix PREFIX] [-syn]"

// QueryMode is what a query does.
type QueryMode int

// Query's modes.
const (
	// QueryPorts probes ports of a host, as PortQry -n does.
	QueryPorts QueryMode = iota
	// QueryLocal lists this machine's sockets (-local).
	QueryLocal
	// QueryWatch watches this machine's sockets on a port or of a
	// process (-wport, -wpid).
	QueryWatch
)

// Query is `portspec query`, in PortQry's flags.
type Query struct {
	Mode QueryMode
	// Name is the host to query, and Protocols and Ports what to probe
	// on it, in PortQry's order: each port, TCP then UDP.
	Name       string
	Protocols  []verdict.Protocol
	Ports      []uint16
	LogFile    string
	Overwrite  bool
	NoReverse  bool
	Quiet      bool
	SourcePort uint16
	Community  string
	Probe      Probe
	// WatchPort or WatchPID is watched, every WatchEvery.
	WatchPort, WatchPID int
	WatchEvery          time.Duration

	proto, endpoint, list, portRange string
	sourcePort, watchEvery           int
	local                            bool
}

func (q *Query) flags() *flag.FlagSet {
	fs := newFlagSet("query")
	fs.StringVar(&q.Name, "n", "", "the `name` or IP address to query (required)")
	fs.StringVar(&q.proto, "p", "tcp", "the `protocol`: tcp, udp or both")
	fs.StringVar(&q.endpoint, "e", "", "one `port` (default 80)")
	fs.StringVar(&q.list, "o", "", "a comma-separated `list` of ports, such as 143,110,25")
	fs.StringVar(&q.portRange, "r", "", "a `range` of ports, such as 135:139")
	fs.StringVar(&q.LogFile, "l", "", "also write the output to this log `file`")
	fs.BoolVar(&q.Overwrite, "y", false, "overwrite the log file without asking")
	fs.IntVar(&q.sourcePort, "sp", 0, "the source `port` to send from")
	fs.BoolVar(&q.NoReverse, "nr", false, "do not resolve the IP address to a name")
	fs.BoolVar(&q.Quiet, "q", false, "print nothing; exit 0 if LISTENING, 1 if NOT LISTENING, 2 if FILTERED or LISTENING or FILTERED")
	fs.StringVar(&q.Community, "cn", "public", "the SNMP `community` for udp/161")
	fs.BoolVar(&q.local, "local", false, "list this machine's TCP and UDP sockets with their state and owning process, as PortQry's -local")
	fs.IntVar(&q.WatchPort, "wport", 0, "watch this machine's sockets on this `port`, logging each change, until interrupted")
	fs.IntVar(&q.WatchPID, "wpid", 0, "watch the sockets of the process with this `PID`, logging each change, until interrupted or it exits")
	fs.IntVar(&q.watchEvery, "wt", 60, "for -wport and -wpid, how often to look, in `seconds`")
	q.Probe.register(fs)
	return fs
}

// ParseQuery parses query's arguments.
func ParseQuery(args []string) (*Query, error) {
	q := &Query{}
	err := parseFlagsOnly("query", q.flags(), args)
	if err != nil {
		return nil, err
	}
	switch {
	case q.local:
		q.Mode = QueryLocal
		err = q.validateLocal()
	case q.WatchPort != 0 || q.WatchPID != 0:
		q.Mode = QueryWatch
		err = q.validateWatch()
	default:
		err = q.validatePorts()
	}
	if err != nil {
		return nil, usage("query", err)
	}
	return q, nil
}

func (q *Query) validateLocal() error {
	if q.Name != "" || q.endpoint != "" || q.list != "" || q.portRange != "" || q.LogFile != "" {
		return errors.New("-local lists this machine's sockets on stdout: give it without -n, -e, -o, -r or -l")
	}
	return nil
}

func (q *Query) validateWatch() error {
	switch {
	case q.WatchPort != 0 && q.WatchPID != 0:
		return errors.New("-wport and -wpid each start a watch: give one")
	case q.Name != "" || q.endpoint != "" || q.list != "" || q.portRange != "" || q.local:
		return errors.New("-wport and -wpid watch this machine's sockets: give them without -n, -e, -o, -r or -local")
	case q.WatchPort < 0 || q.WatchPort > 65535:
		return errors.New("-wport must be a port from 1 to 65535")
	case q.WatchPID < 0:
		return errors.New("-wpid must be a process ID")
	case q.watchEvery < 1:
		return errors.New("-wt is the polling interval in whole seconds, at least 1")
	}
	q.WatchEvery = time.Duration(q.watchEvery) * time.Second
	return nil
}

func (q *Query) validatePorts() error {
	t, err := parseTargets("query", q.Name, q.proto, q.endpoint, q.list, q.portRange)
	if err != nil {
		return err
	}
	q.Protocols, q.Ports = t.protocols, t.ports
	if q.sourcePort < 0 || q.sourcePort > 65535 {
		return fmt.Errorf("-sp must be a port from 1 to 65535")
	}
	q.SourcePort = uint16(q.sourcePort)
	return q.Probe.validate()
}

// targets are the protocols and ports query and snapshot probe.
type targets struct {
	protocols []verdict.Protocol
	ports     []uint16
}

// parseTargets checks -n, -p, -e, -o and -r; command is query or
// snapshot, whose flags differ.
func parseTargets(command, name, proto, endpoint, list, portRange string) (targets, error) {
	var t targets
	if name == "" {
		return t, fmt.Errorf("-n is required: the name or address to %s", command)
	}
	switch proto {
	case "tcp":
		t.protocols = []verdict.Protocol{verdict.TCP}
	case "udp":
		t.protocols = []verdict.Protocol{verdict.UDP}
	case "both":
		t.protocols = []verdict.Protocol{verdict.TCP, verdict.UDP}
	default:
		return t, fmt.Errorf("-p is tcp, udp or both; got %q", proto)
	}
	given := 0
	for _, s := range []string{endpoint, list, portRange} {
		if s != "" {
			given++
		}
	}
	if given > 1 {
		if command == "snapshot" {
			return t, fmt.Errorf("give one of -o and -r")
		}
		return t, fmt.Errorf("give one of -e, -o and -r")
	}
	var items []string
	switch {
	case list != "":
		items = strings.Split(list, ",")
	case portRange != "":
		from, to, ok := strings.Cut(portRange, ":")
		if !ok {
			return t, fmt.Errorf("-r takes FROM:TO, such as 135:139; got %q", portRange)
		}
		items = []string{from + "-" + to}
	case endpoint != "":
		items = []string{endpoint}
	default:
		items = []string{"80"}
	}
	for _, it := range items {
		r, err := spec.ParsePort(strings.TrimSpace(it))
		if err != nil {
			return t, err
		}
		for p := int(r.Low); p <= int(r.High); p++ {
			t.ports = append(t.ports, uint16(p))
		}
	}
	return t, nil
}
