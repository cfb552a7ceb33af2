// Package localports lists the machine's own TCP and UDP sockets, as
// PortQry's -local does: from /proc/net/{tcp,tcp6,udp,udp6}, with the
// process that owns each, found through /proc/PID/fd. It needs no network
// and no privilege; the owners of other users' sockets are visible only to
// root, and are marked hidden rather than failed.
package localports

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/portspec/portspec/verdict"
)

// Socket is one socket of the machine.
type Socket struct {
	Proto         verdict.Protocol
	Local, Remote netip.AddrPort
	// State is PortQry's word for it: LISTENING for a listening TCP
	// socket or a bound, unconnected UDP one, else the TCP state, such as
	// ESTABLISHED or TIME_WAIT.
	State string
	Inode uint64
	// PID and Process own the socket; Hidden says its owner could not be
	// seen (another user's process, without root). A socket with no
	// inode, such as one in TIME_WAIT, has no owner. Process is the
	// kernel's name for the process (comm), as the kernel has it, for a
	// spec's process = "..." to match: any local user can name a process
	// anything, escape codes and line breaks included, so whatever prints
	// it escapes it (OwnerText; report.Record.Escape).
	PID     int
	Process string
	Hidden  bool
}

// Listening reports whether the socket accepts connections or datagrams.
func (s Socket) Listening() bool { return s.State == "LISTENING" }

var tcpStates = map[string]string{
	"01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1", "05": "FIN_WAIT2", "06": "TIME_WAIT",
	"07": "CLOSE", "08": "CLOSE_WAIT", "09": "LAST_ACK", "0A": "LISTENING", "0B": "CLOSING", "0C": "NEW_SYN_RECV",
}

// Read lists the sockets under procRoot ("/proc"), sorted by protocol,
// local port and address.
func Read(procRoot string) ([]Socket, error) {
	var sockets []Socket
	for _, table := range []struct {
		file  string
		proto verdict.Protocol
	}{{"tcp", verdict.TCP}, {"tcp6", verdict.TCP}, {"udp", verdict.UDP}, {"udp6", verdict.UDP}} {
		got, err := readTable(filepath.Join(procRoot, "net", table.file), table.proto)
		if errors.Is(err, fs.ErrNotExist) {
			continue // a kernel without IPv6
		}
		if err != nil {
			return nil, err
		}
		sockets = append(sockets, got...)
	}
	owners, hidden := socketOwners(procRoot)
	for i := range sockets {
		s := &sockets[i]
		if s.Inode == 0 {
			continue
		}
		if o, ok := owners[s.Inode]; ok {
			s.PID, s.Process = o.pid, o.name
		} else {
			s.Hidden = hidden
		}
	}
	slices.SortStableFunc(sockets, func(a, b Socket) int {
		if a.Proto != b.Proto {
			return int(a.Proto) - int(b.Proto)
		}
		if a.Local.Port() != b.Local.Port() {
			return int(a.Local.Port()) - int(b.Local.Port())
		}
		return a.Local.Addr().Compare(b.Local.Addr())
	})
	return sockets, nil
}

func readTable(path string, proto verdict.Protocol) ([]Socket, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Socket
	sc := bufio.NewScanner(f)
	sc.Scan() // the header
	for line := 2; sc.Scan(); line++ {
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 {
			return nil, fmt.Errorf("%s:%d: %d fields, want at least 10", path, line, len(fields))
		}
		local, err1 := parseAddrPort(fields[1])
		remote, err2 := parseAddrPort(fields[2])
		inode, err3 := strconv.ParseUint(fields[9], 10, 64)
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		s := Socket{Proto: proto, Local: local, Remote: remote, Inode: inode}
		switch {
		case proto == verdict.TCP:
			s.State = tcpStates[fields[3]]
			if s.State == "" {
				s.State = "state " + fields[3]
			}
		case fields[3] == "07": // unconnected: takes datagrams from anyone
			s.State = "LISTENING"
		default:
			s.State = "CONNECTED"
		}
		out = append(out, s)
	}
	return out, sc.Err()
}

// parseAddrPort reads the kernel's "0100007F:0016": the address as 32-bit
// words in host (little-endian) order, the port in hex.
func parseAddrPort(s string) (netip.AddrPort, error) {
	addrHex, portHex, ok := strings.Cut(s, ":")
	raw, err := hex.DecodeString(addrHex)
	port, perr := strconv.ParseUint(portHex, 16, 16)
	if !ok || err != nil || perr != nil || (len(raw) != 4 && len(raw) != 16) {
		return netip.AddrPort{}, fmt.Errorf("bad address %q", s)
	}
	for i := 0; i < len(raw); i += 4 {
		binary.BigEndian.PutUint32(raw[i:], binary.LittleEndian.Uint32(raw[i:]))
	}
	addr, _ := netip.AddrFromSlice(raw)
	return netip.AddrPortFrom(addr.Unmap(), uint16(port)), nil
}

// ProcessHidden reports whether the descriptors of process pid, and so
// which sockets it holds, cannot be read: another user's process, seen
// without root. Read then lists its sockets as Hidden, not as pid's.
func ProcessHidden(procRoot string, pid int) bool {
	fds, err := os.Open(filepath.Join(procRoot, strconv.Itoa(pid), "fd"))
	if err == nil {
		fds.Close()
	}
	return errors.Is(err, fs.ErrPermission)
}

type owner struct {
	pid  int
	name string
}

// socketOwners maps socket inodes to the processes that hold them;
// hidden says some process's descriptors could not be read.
func socketOwners(procRoot string) (map[uint64]owner, bool) {
	owners := map[uint64]owner{}
	hidden := false
	entries, _ := os.ReadDir(procRoot)
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		fds, err := os.ReadDir(filepath.Join(procRoot, e.Name(), "fd"))
		if err != nil {
			hidden = hidden || errors.Is(err, fs.ErrPermission)
			continue
		}
		name := ""
		if comm, err := os.ReadFile(filepath.Join(procRoot, e.Name(), "comm")); err == nil {
			name = strings.TrimSpace(string(comm))
		}
		for _, fd := range fds {
			target, err := os.Readlink(filepath.Join(procRoot, e.Name(), "fd", fd.Name()))
			if err != nil {
				continue
			}
			if rest, ok := strings.CutPrefix(target, "socket:["); ok {
				if inode, err := strconv.ParseUint(strings.TrimSuffix(rest, "]"), 10, 64); err == nil {
					if _, seen := owners[inode]; !seen {
						owners[inode] = owner{pid, name}
					}
				}
			}
		}
	}
	return owners, hidden
}
