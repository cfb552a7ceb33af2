package runner

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/portspec/portspec/internal/ber"
	"github.com/portspec/portspec/internal/escape"
	"github.com/portspec/portspec/internal/human"
)

// appProbe is a real request for a well-known UDP service. A listener must
// answer it, so silence means something; an empty datagram would be
// ignored by most of them.
type appProbe struct {
	name     string
	build    func(community string) []byte
	describe func(reply []byte) string
}

// appProbes are keyed by port.
var appProbes = map[uint16]appProbe{
	53:    {"DNS query", func(string) []byte { return dnsQuery(".", dnsmessage.TypeNS, false) }, describeDNS("DNS")},
	69:    {"TFTP read request", tftpRRQ, describeTFTP},
	88:    {"Kerberos AS-REQ", kerberosASReq, describeKerberos},
	123:   {"NTP client request", ntpRequest, describeNTP},
	135:   {"DCE/RPC endpoint mapper request", rpcEpmRequest, describeRPC},
	137:   {"NetBIOS node status request", netbiosNodeStatus, describeNetBIOS},
	161:   {"SNMP v2c get sysDescr", snmpGetSysDescr, describeSNMP},
	389:   {"CLDAP rootDSE search", cldapRootDSE, describeCLDAP},
	500:   {"IKE main mode proposal", ikeMainMode, describeIKE},
	1434:  {"SQL Server browser request", func(string) []byte { return []byte{0x03} }, describeSQLBrowser},
	1701:  {"L2TP SCCRQ", l2tpSCCRQ, describeL2TP},
	1900:  {"SSDP M-SEARCH", ssdpSearch, describeFirstLine("SSDP")},
	3478:  {"STUN binding request", stunBinding, describeSTUN},
	4500:  {"IKE main mode proposal over NAT-T", ikeNATT, describeIKENATT},
	5060:  {"SIP OPTIONS", sipOptions, describeFirstLine("SIP")},
	5353:  {"mDNS query", func(string) []byte { return dnsQuery("_services._dns-sd._udp.local.", dnsmessage.TypePTR, true) }, describeDNS("mDNS")},
	11211: {"memcached version", memcachedVersion, describeMemcached},
}

// udpPayload chooses what to send to a UDP port: the spec's payload when
// it has one, else the port's application probe, else an empty datagram.
func udpPayload(port uint16, payload []byte, community string) (name string, data []byte, describe func([]byte) string) {
	if payload != nil {
		return fmt.Sprintf("spec payload (%d bytes)", len(payload)), payload, nil
	}
	if p, ok := appProbes[port]; ok {
		if community == "" {
			community = "public"
		}
		return p.name, p.build(community), p.describe
	}
	return "empty datagram", []byte{}, nil
}

// probeID is a fixed transaction ID: every reply goes to a socket connected
// to one port, so a changing ID would buy nothing and cost determinism.
const probeID = 0x5053 // "PS"

func dnsQuery(name string, typ dnsmessage.Type, unicastResponse bool) []byte {
	class := dnsmessage.ClassINET
	if unicastResponse {
		class |= 1 << 15 // mDNS QU bit: answer to the asking port
	}
	msg := dnsmessage.Message{
		Header:    dnsmessage.Header{ID: probeID, RecursionDesired: !unicastResponse},
		Questions: []dnsmessage.Question{{Name: dnsmessage.MustNewName(name), Type: typ, Class: class}},
	}
	b, err := msg.Pack()
	if err != nil {
		panic(err) // a fixed, valid message
	}
	if unicastResponse {
		b[0], b[1] = 0, 0 // mDNS queries carry ID 0
	}
	return b
}

func describeDNS(what string) func([]byte) string {
	return func(reply []byte) string {
		var p dnsmessage.Parser
		h, err := p.Start(reply)
		if err != nil || !h.Response {
			return fmt.Sprintf("%s port answered with %d bytes that are not a DNS reply", what, len(reply))
		}
		p.SkipAllQuestions()
		n := 0
		if rs, err := p.AllAnswers(); err == nil {
			n = len(rs)
		}
		return fmt.Sprintf("%s reply, rcode %s, %d %s", what, rcodeName(h.RCode), n, human.Plural(n, "answer", "answers"))
	}
}

// rcodeName gives a DNS rcode the name dig and PortQry use.
func rcodeName(c dnsmessage.RCode) string {
	names := []string{"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"}
	if int(c) < len(names) {
		return names[c]
	}
	return fmt.Sprintf("%d", c)
}

func ntpRequest(string) []byte {
	b := make([]byte, 48)
	b[0] = 0<<6 | 4<<3 | 3 // no leap warning, version 4, client
	return b
}

func describeNTP(reply []byte) string {
	if len(reply) < 48 || reply[0]&7 != 4 {
		return fmt.Sprintf("NTP port answered with %d bytes that are not an NTP server reply", len(reply))
	}
	stratum := reply[1]
	ref := reply[12:16]
	refID := fmt.Sprintf("%d.%d.%d.%d", ref[0], ref[1], ref[2], ref[3])
	if stratum <= 1 {
		// A stratum-1 server's reference is four ASCII characters ("GPS",
		// "PPS"), as the server chose them.
		refID = escape.Bytes(bytes.TrimRight(ref, "\x00"), 4)
	}
	return fmt.Sprintf("NTP reply, stratum %d, reference %s", stratum, refID)
}

// sysDescr is SNMPv2-MIB::sysDescr.0.
var sysDescr = []int{1, 3, 6, 1, 2, 1, 1, 1, 0}

func snmpGetSysDescr(community string) []byte {
	varbind := ber.TLV(ber.Sequence, ber.ObjectID(sysDescr...), ber.TLV(ber.Null))
	pdu := ber.TLV(0xa0, // GetRequest-PDU
		ber.Int(ber.Integer, probeID), ber.Int(ber.Integer, 0), ber.Int(ber.Integer, 0),
		ber.TLV(ber.Sequence, varbind))
	return ber.TLV(ber.Sequence, ber.Int(ber.Integer, 1 /* v2c */), ber.String(community), pdu)
}

func describeSNMP(reply []byte) string {
	bad := fmt.Sprintf("SNMP port answered with %d bytes that are not an SNMP response", len(reply))
	msg, _, err := ber.Next(reply)
	if err != nil || msg.Tag != ber.Sequence {
		return bad
	}
	parts, _ := msg.Children()
	if len(parts) < 3 || parts[2].Tag != 0xa2 {
		return bad
	}
	pdu, _ := parts[2].Children()
	if len(pdu) < 4 {
		return bad
	}
	if status := pdu[1].Int(); status != 0 {
		return fmt.Sprintf("SNMP response, error-status %d", status)
	}
	binds, _ := pdu[3].Children()
	if len(binds) == 0 {
		return "SNMP response without variables"
	}
	bind, _ := binds[0].Children()
	if len(bind) < 2 || bind[1].Tag != ber.OctetString {
		return "SNMP response"
	}
	return fmt.Sprintf("SNMP sysDescr: %s", escape.Bytes(bind[1].Content, 80))
}

func netbiosNodeStatus(string) []byte {
	b := []byte{probeID >> 8, probeID & 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}
	// The wildcard name "*", padded with NULs and first-level encoded.
	name := append([]byte{'*'}, make([]byte, 15)...)
	b = append(b, 32)
	for _, c := range name {
		b = append(b, 'A'+c>>4, 'A'+c&0x0f)
	}
	b = append(b, 0)
	return append(b, 0x00, 0x21, 0x00, 0x01) // NBSTAT, IN
}

func describeNetBIOS(reply []byte) string {
	// header 12, name 34, type/class 4, TTL 4, rdlength 2, then the count.
	const countAt = 12 + 34 + 4 + 4 + 2
	if len(reply) < countAt+1+18 {
		return fmt.Sprintf("NetBIOS port answered with %d bytes", len(reply))
	}
	n := int(reply[countAt])
	var names []string
	for i := 0; i < n && countAt+1+18*(i+1) <= len(reply); i++ {
		e := reply[countAt+1+18*i:]
		names = append(names, fmt.Sprintf("%s<%02x>", escape.Bytes(bytes.TrimSpace(e[:15]), 15), e[15]))
	}
	return "NetBIOS names: " + strings.Join(names, " ")
}

func cldapRootDSE(string) []byte {
	search := ber.TLV(0x63, // [APPLICATION 3] SearchRequest
		ber.String(""),                       // baseObject: the root DSE
		ber.Int(ber.Enumerated, 0),           // scope: baseObject
		ber.Int(ber.Enumerated, 0),           // derefAliases: never
		ber.Int(ber.Integer, 0),              // sizeLimit
		ber.Int(ber.Integer, 0),              // timeLimit
		ber.TLV(0x01, []byte{0}),             // typesOnly: FALSE
		ber.TLV(0x87, []byte("objectClass")), // filter: (objectClass=*)
		ber.TLV(ber.Sequence, ber.String("dnsHostName"), ber.String("defaultNamingContext")))
	return ber.TLV(ber.Sequence, ber.Int(ber.Integer, probeID), search)
}

func describeCLDAP(reply []byte) string {
	msg, _, err := ber.Next(reply)
	if err != nil || msg.Tag != ber.Sequence {
		return fmt.Sprintf("LDAP port answered with %d bytes that are not an LDAP message", len(reply))
	}
	parts, _ := msg.Children()
	if len(parts) >= 2 && parts[1].Tag == 0x64 { // SearchResultEntry
		return "CLDAP rootDSE entry"
	}
	return "CLDAP reply"
}

func rpcEpmRequest(string) []byte {
	// A connectionless DCE/RPC request header for ept_lookup (opnum 2) on
	// the endpoint mapper interface e1af8308-5d1f-11c9-91a4-08002b14a0fa v3.
	h := make([]byte, 80)
	h[0] = 4    // RPC version
	h[1] = 0    // request
	h[2] = 0x20 // idempotent
	h[4] = 0x10 // little-endian data representation
	iface := []byte{0x08, 0x83, 0xaf, 0xe1, 0x1f, 0x5d, 0xc9, 0x11, 0x91, 0xa4, 0x08, 0x00, 0x2b, 0x14, 0xa0, 0xfa}
	copy(h[24:40], iface)
	copy(h[40:56], []byte("portspec-probe-1")) // activity UUID
	binary.LittleEndian.PutUint32(h[60:], 3)   // interface version
	binary.LittleEndian.PutUint16(h[68:], 2)   // opnum: ept_lookup
	binary.LittleEndian.PutUint16(h[70:], 0xffff)
	binary.LittleEndian.PutUint16(h[72:], 0xffff)
	body := make([]byte, 4+4+4+4+16+4+4+4) // inquiry_type 0, null object and interface, vers_option 1, null handle, max_ents
	binary.LittleEndian.PutUint32(body[12:], 1)
	binary.LittleEndian.PutUint32(body[len(body)-4:], 64)
	binary.LittleEndian.PutUint16(h[74:], uint16(len(body)))
	return append(h, body...)
}

func describeRPC(reply []byte) string {
	if len(reply) < 2 || reply[0] != 4 {
		return fmt.Sprintf("RPC port answered with %d bytes", len(reply))
	}
	kinds := map[byte]string{2: "response", 3: "fault", 6: "reject", 12: "nocall"}
	if k, ok := kinds[reply[1]]; ok {
		return "DCE/RPC " + k
	}
	return fmt.Sprintf("DCE/RPC packet type %d", reply[1])
}

func ikeMainMode(string) []byte {
	// IKEv1 identity protection with one proposal: 3DES, SHA1, PSK,
	// MODP-1024, which every IKE daemon answers, if only with a notify.
	transform := []byte{0, 0, 0, 36, 1, 1, 0, 0,
		0x80, 0x01, 0x00, 0x05, // encryption: 3DES-CBC
		0x80, 0x02, 0x00, 0x02, // hash: SHA1
		0x80, 0x03, 0x00, 0x01, // authentication: pre-shared key
		0x80, 0x04, 0x00, 0x02, // group: MODP-1024
		0x80, 0x0b, 0x00, 0x01, // life type: seconds
		0x80, 0x0c, 0x70, 0x80} // life: 28800
	proposal := append([]byte{0, 0, 0, byte(8 + len(transform)), 1, 1, 0, 1}, transform...)
	sa := append([]byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1}, proposal...)
	binary.BigEndian.PutUint16(sa[2:], uint16(len(sa)))
	h := make([]byte, 28)
	copy(h[0:8], "portspec") // initiator cookie
	h[16] = 1                // next payload: SA
	h[17] = 0x10             // version 1.0
	h[18] = 2                // identity protection
	binary.BigEndian.PutUint32(h[24:], uint32(len(h)+len(sa)))
	return append(h, sa...)
}

// ikeNATT is the IKE proposal as IKE over NAT traversal carries it on
// udp/4500 (RFC 3948): after four zero bytes, the non-ESP marker.
func ikeNATT(community string) []byte { return append(make([]byte, 4), ikeMainMode(community)...) }

func describeIKENATT(reply []byte) string {
	if len(reply) >= 4 && binary.BigEndian.Uint32(reply) == 0 {
		reply = reply[4:]
	}
	return describeIKE(reply)
}

func describeIKE(reply []byte) string {
	if len(reply) < 28 {
		return fmt.Sprintf("IKE port answered with %d bytes", len(reply))
	}
	return fmt.Sprintf("IKE reply, version %d.%d, exchange %d", reply[17]>>4, reply[17]&0xf, reply[18])
}

func describeSQLBrowser(reply []byte) string {
	if len(reply) < 3 || reply[0] != 0x05 {
		return fmt.Sprintf("SQL Server browser answered with %d bytes", len(reply))
	}
	return "SQL Server browser: " + escape.Bytes(reply[3:], 120)
}

func tftpRRQ(string) []byte {
	return append([]byte{0, 1}, []byte("portspec-probe\x00octet\x00")...)
}

func describeTFTP(reply []byte) string {
	if len(reply) < 4 {
		return fmt.Sprintf("TFTP port answered with %d bytes", len(reply))
	}
	switch binary.BigEndian.Uint16(reply) {
	case 3:
		return "TFTP data"
	case 5:
		return fmt.Sprintf("TFTP error %d: %s", binary.BigEndian.Uint16(reply[2:]), escape.Bytes(bytes.TrimRight(reply[4:], "\x00"), 60))
	}
	return "TFTP reply"
}

func l2tpSCCRQ(string) []byte {
	avp := func(typ uint16, value ...byte) []byte {
		b := make([]byte, 6, 6+len(value))
		binary.BigEndian.PutUint16(b, 0x8000|uint16(6+len(value))) // mandatory
		binary.BigEndian.PutUint16(b[4:], typ)
		return append(b, value...)
	}
	var avps []byte
	avps = append(avps, avp(0, 0, 1)...)                  // message type: SCCRQ
	avps = append(avps, avp(2, 1, 0)...)                  // protocol version 1.0
	avps = append(avps, avp(3, 0, 0, 0, 3)...)            // framing: sync and async
	avps = append(avps, avp(7, []byte("portspec")...)...) // host name
	avps = append(avps, avp(9, 0, 1)...)                  // assigned tunnel ID
	h := make([]byte, 12)
	binary.BigEndian.PutUint16(h, 0xc802) // control, length, sequence, version 2
	binary.BigEndian.PutUint16(h[2:], uint16(12+len(avps)))
	return append(h, avps...)
}

func describeL2TP(reply []byte) string {
	if len(reply) >= 2 && reply[0]&0x80 != 0 && reply[1]&0x0f == 2 {
		return "L2TP control reply"
	}
	return fmt.Sprintf("L2TP port answered with %d bytes", len(reply))
}

func kerberosASReq(string) []byte {
	const realm = "PORTSPEC.INVALID"
	ctx := func(n byte, content ...[]byte) []byte { return ber.TLV(0xa0|n, content...) }
	general := func(s string) []byte { return ber.TLV(0x1b, []byte(s)) }
	principal := func(typ int64, names ...string) []byte {
		var ns [][]byte
		for _, n := range names {
			ns = append(ns, general(n))
		}
		return ber.TLV(ber.Sequence, ctx(0, ber.Int(ber.Integer, typ)), ctx(1, ber.TLV(ber.Sequence, ns...)))
	}
	body := ber.TLV(ber.Sequence,
		ctx(0, ber.TLV(0x03, []byte{0, 0x40, 0x81, 0, 0x10})), // forwardable, renewable, canonicalize, renewable-ok
		ctx(1, principal(1, "portspec")),
		ctx(2, general(realm)),
		ctx(3, principal(2, "krbtgt", realm)),
		ctx(5, ber.TLV(0x18, []byte("20370913024805Z"))),
		ctx(7, ber.Int(ber.Integer, probeID)),
		ctx(8, ber.TLV(ber.Sequence, ber.Int(ber.Integer, 18), ber.Int(ber.Integer, 17), ber.Int(ber.Integer, 23))))
	return ber.TLV(0x6a, ber.TLV(ber.Sequence, // [APPLICATION 10] AS-REQ
		ctx(1, ber.Int(ber.Integer, 5)),
		ctx(2, ber.Int(ber.Integer, 10)),
		ctx(4, body)))
}

func describeKerberos(reply []byte) string {
	msg, _, err := ber.Next(reply)
	if err != nil {
		return fmt.Sprintf("Kerberos port answered with %d bytes", len(reply))
	}
	switch msg.Tag {
	case 0x6b:
		return "Kerberos AS-REP"
	case 0x7e:
		code := int64(-1)
		if seq, err := msg.Children(); err == nil && len(seq) == 1 {
			fields, _ := seq[0].Children()
			for _, f := range fields {
				if f.Tag == 0xa6 { // error-code
					if v, _, err := ber.Next(f.Content); err == nil {
						code = v.Int()
					}
				}
			}
		}
		return fmt.Sprintf("Kerberos KRB-ERROR, code %d", code)
	}
	return "Kerberos reply"
}

func sipOptions(string) []byte {
	return []byte("OPTIONS sip:portspec@invalid SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP portspec.invalid;branch=z9hG4bKportspec\r\n" +
		"Max-Forwards: 70\r\n" +
		"From: <sip:portspec@invalid>;tag=portspec\r\n" +
		"To: <sip:portspec@invalid>\r\n" +
		"Call-ID: portspec-probe@invalid\r\n" +
		"CSeq: 1 OPTIONS\r\n" +
		"Content-Length: 0\r\n\r\n")
}

func ssdpSearch(string) []byte {
	return []byte("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n")
}

func describeFirstLine(what string) func([]byte) string {
	return func(reply []byte) string {
		line, _, _ := bytes.Cut(reply, []byte("\r\n"))
		return fmt.Sprintf("%s reply: %s", what, escape.Bytes(line, 80))
	}
}

func stunBinding(string) []byte {
	b := make([]byte, 20)
	binary.BigEndian.PutUint16(b, 0x0001)         // binding request
	binary.BigEndian.PutUint32(b[4:], 0x2112a442) // magic cookie
	copy(b[8:], "portspec-pro")                   // transaction ID
	return b
}

func describeSTUN(reply []byte) string {
	if len(reply) >= 20 && binary.BigEndian.Uint16(reply) == 0x0101 {
		return "STUN binding success"
	}
	return fmt.Sprintf("STUN port answered with %d bytes", len(reply))
}

func memcachedVersion(string) []byte {
	// UDP frame header: request ID, sequence 0, 1 datagram, reserved.
	return append([]byte{0x50, 0x53, 0, 0, 0, 1, 0, 0}, "version\r\n"...)
}

func describeMemcached(reply []byte) string {
	if len(reply) > 8 {
		line, _, _ := bytes.Cut(reply[8:], []byte("\r\n"))
		return "memcached: " + escape.Bytes(line, 60)
	}
	return fmt.Sprintf("memcached port answered with %d bytes", len(reply))
}
