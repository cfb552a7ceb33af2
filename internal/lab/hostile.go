//go:build linux

package lab

import (
	"encoding/binary"
	"slices"
)

// Hostile is what a hostile target puts wherever a reply of its carries
// text: a line break that starts GitHub workflow commands, a legacy one,
// terminal escapes (clear the screen, reset, a one-character CSI, a
// window title), a bidi override, a line separator, and HTML that would
// run in a report or a Markdown summary.
const Hostile = "x\n::add-mask::A\n::warning::PWN\r##[warning]legacy\x1b[2J\x1bc\u009b31m\x1b]0;title\x07\u202e\u2028<script>alert(1)</script></td></tr>|`[x](y)\x00"

// HostilePorts are the UDP ports whose replies portspec describes in
// words that quote the reply: NetBIOS names, an NTP reference, SNMP's
// sysDescr, SQL Server's browser, a TFTP error, SSDP's and SIP's status
// line, memcached's version.
var HostilePorts = []uint16{69, 123, 137, 161, 1434, 1900, 5060, 11211}

// HostileUDP answers the request on port (one of HostilePorts) with a
// reply that passes its describer's checks and carries Hostile wherever
// the describer quotes text.
func HostileUDP(port uint16) Handler {
	text := []byte(Hostile)
	switch port {
	case 69: // TFTP ERROR 1 with the text as its message
		return func([]byte) []byte { return slices.Concat([]byte{0, 5, 0, 1}, text, []byte{0}) }
	case 123: // NTP stratum 1, whose reference ID is text
		return func(req []byte) []byte {
			reply := NTP(req)
			if reply != nil {
				reply[1] = 1
				copy(reply[12:16], "\n::a")
			}
			return reply
		}
	case 137:
		return netbiosNames("x\n::add-mask::A", "a\n::warning::P", "\x1b[2J\x1bc\u009b31m", "##[error]pwn\u202e")
	case 161:
		return SNMP(Hostile)
	case 1434: // SQL Server browser's SVR_RESP
		return func([]byte) []byte {
			h := []byte{0x05, 0, 0}
			binary.LittleEndian.PutUint16(h[1:], uint16(len(text)))
			return append(h, text...)
		}
	case 1900:
		return func([]byte) []byte { return slices.Concat([]byte("HTTP/1.1 200 "), text, []byte("\r\n\r\n")) }
	case 5060:
		return func([]byte) []byte { return slices.Concat([]byte("SIP/2.0 200 "), text, []byte("\r\n\r\n")) }
	case 11211: // memcached's UDP frame header, then VERSION
		return func(req []byte) []byte {
			if len(req) < 8 {
				return nil
			}
			return slices.Concat(req[:8], []byte("VERSION "), text, []byte("\r\n"))
		}
	}
	return nil
}

// netbiosNames answers a node status request with names, each cut or
// padded to NetBIOS's 15 bytes.
func netbiosNames(names ...string) Handler {
	return func(req []byte) []byte {
		if len(req) < 50 {
			return nil
		}
		reply := slices.Clone(req[:12+34+4]) // header and the question's name, type, class
		reply[2] = 0x84                      // a response, authoritative
		reply[7] = 1                         // one answer
		reply[5] = 0                         // no question
		reply = append(reply, 0, 0, 0, 0)    // TTL
		rdata := []byte{byte(len(names))}
		for _, n := range names {
			entry := make([]byte, 18)
			copy(entry[:15], n)
			entry[15] = 0x20 // file server service
			rdata = append(rdata, entry...)
		}
		rdata = append(rdata, make([]byte, 6)...) // the unit ID
		reply = binary.BigEndian.AppendUint16(reply, uint16(len(rdata)))
		return append(reply, rdata...)
	}
}
