package arguments

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/portspec/portspec/verdict"
)

// Snapshot is `portspec snapshot -n HOST [flags]`.
type Snapshot struct {
	// Target is the name or address to probe, and Name its block's name.
	Target, Name string
	Protocols    []verdict.Protocol
	Ports        []uint16
	// Write is the file to write the spec to, or "" for stdout.
	Write string
	// Others, when Fold is set, is the state whose ports are folded into
	// one "others" block; 0 is auto, the most common.
	Others verdict.State
	Fold   bool
	Probe  Probe

	proto, list, portRange, others string
}

func (s *Snapshot) flags() *flag.FlagSet {
	fs := newFlagSet("snapshot")
	fs.StringVar(&s.Target, "n", "", "the `name` or address to snapshot (required)")
	fs.StringVar(&s.proto, "p", "tcp", "the `protocol`: tcp, udp or both")
	fs.StringVar(&s.list, "o", "", "a comma-separated `list` of ports and ranges")
	fs.StringVar(&s.portRange, "r", "", "a `range` of ports, such as 1:1024 (the default)")
	fs.StringVar(&s.Name, "name", "", "the host block's `name` (default: the -n value)")
	fs.StringVar(&s.Write, "w", "", "write the spec to `file` instead of stdout")
	fs.StringVar(&s.others, "others", "", "fold the ports in one `state` (listening, not_listening, filtered, blocked, or auto: the most common) into one \"others\" block; probes every port")
	s.Probe.register(fs)
	return fs
}

// ParseSnapshot parses snapshot's arguments.
func ParseSnapshot(args []string) (*Snapshot, error) {
	s := &Snapshot{}
	if err := parseFlagsOnly("snapshot", s.flags(), args); err != nil {
		return nil, err
	}
	if s.list == "" && s.portRange == "" {
		s.portRange = "1:1024"
		if s.others != "" {
			s.portRange = "1:65535"
		}
	}
	t, err := parseTargets("snapshot", s.Target, s.proto, "", s.list, s.portRange)
	if err == nil {
		s.Protocols, s.Ports = t.protocols, t.ports
		err = s.Probe.validate()
	}
	if err == nil && s.others != "" {
		s.Fold = true
		s.Others, err = othersState(s.others, s.Ports)
	}
	if err == nil {
		err = validateSnapshotName(s.Name)
	}
	if err != nil {
		return nil, usage("snapshot", err)
	}
	if s.Name == "" {
		s.Name = s.Target
	}
	return s, nil
}

// othersState reads --others: a state, or 0 for auto. An others block
// stands for every port, so the snapshot must probe every port.
func othersState(name string, ports []uint16) (verdict.State, error) {
	var every [65536]bool
	n := 0
	for _, p := range ports {
		if !every[p] {
			every[p] = true
			n++
		}
	}
	if n != 65535 {
		return 0, fmt.Errorf("--others writes a block for every port not listed, so the snapshot must probe all 65535: drop -o and -r, or give -r 1:65535")
	}
	if name == "auto" {
		return 0, nil
	}
	state, ok := verdict.ParseState(name)
	if !ok {
		return 0, fmt.Errorf("--others is listening, not_listening, filtered, blocked or auto; got %q", name)
	}
	return state, nil
}

// validateSnapshotName refuses a --name no spec can hold: a host name is
// text in a UTF-8 file, and not blank. Any other is written escaped, so
// it loads back as itself.
func validateSnapshotName(name string) error {
	switch {
	case !utf8.ValidString(name):
		return errors.New("--name must be UTF-8 text: a spec file is UTF-8")
	case name != "" && strings.TrimSpace(name) == "":
		return errors.New("--name must not be blank")
	}
	return nil
}
