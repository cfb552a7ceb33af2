//go:build linux

package runner

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/portspec/portspec/internal/ber"
	"github.com/portspec/portspec/internal/escape/escapetest"
	"github.com/portspec/portspec/internal/lab"
)

func TestUDPPayloadChoice(t *testing.T) {
	if name, data, _ := udpPayload(53, []byte("hi"), ""); name != "spec payload (2 bytes)" || string(data) != "hi" {
		t.Errorf("a spec payload must win: %q %q", name, data)
	}
	if name, data, d := udpPayload(9999, nil, ""); name != "empty datagram" || len(data) != 0 || d != nil {
		t.Errorf("an unknown port gets an empty datagram: %q %q", name, data)
	}
	for port, p := range appProbes {
		name, data, d := udpPayload(port, nil, "")
		if name != p.name || len(data) == 0 || d == nil {
			t.Errorf("udp/%d: probe %q of %d bytes", port, name, len(data))
		}
	}
}

// TestProbesAgainstServers feeds each probe to the lab's own server for
// the protocol and decodes the answer, as the lab test does over the wire.
func TestProbesAgainstServers(t *testing.T) {
	for _, tc := range []struct {
		port   uint16
		server lab.Handler
		want   string
	}{
		{53, lab.DNS, "DNS reply, rcode NOERROR, 0 answers"},
		{123, lab.NTP, "NTP reply, stratum 2, reference 198.18.0.254"},
		{161, lab.SNMP("Cisco IOS Software"), "SNMP sysDescr: Cisco IOS Software"},
	} {
		name, data, describe := udpPayload(tc.port, nil, "")
		reply := tc.server(data)
		if reply == nil {
			t.Errorf("udp/%d: the lab server ignored the %s", tc.port, name)
			continue
		}
		if got := describe(reply); got != tc.want {
			t.Errorf("udp/%d: %q, want %q", tc.port, got, tc.want)
		}
	}
}

func TestProbeEncodings(t *testing.T) {
	var p dnsmessage.Parser
	if _, err := p.Start(dnsQuery(".", dnsmessage.TypeNS, false)); err != nil {
		t.Errorf("DNS query does not parse: %v", err)
	}
	q, err := p.Question()
	if err != nil || q.Name.String() != "." || q.Type != dnsmessage.TypeNS {
		t.Errorf("DNS question %v, %v", q, err)
	}

	nb := netbiosNodeStatus("")
	if len(nb) != 50 || !bytes.Contains(nb, []byte("CKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")) {
		t.Errorf("NetBIOS node status request: % x", nb)
	}

	for _, tc := range []struct {
		name string
		msg  []byte
		tag  byte
	}{
		{"SNMP", snmpGetSysDescr("secret"), ber.Sequence},
		{"CLDAP", cldapRootDSE(""), ber.Sequence},
		{"Kerberos", kerberosASReq(""), 0x6a},
	} {
		el, rest, err := ber.Next(tc.msg)
		if err != nil || len(rest) != 0 || el.Tag != tc.tag {
			t.Errorf("%s: tag %#x, %d trailing bytes, %v", tc.name, el.Tag, len(rest), err)
		}
	}
	if !bytes.Contains(snmpGetSysDescr("secret"), []byte("secret")) {
		t.Error("the SNMP community is not in the request")
	}
	if got := hex.EncodeToString(ber.ObjectID(sysDescr...)); got != "06082b06010201010100" {
		t.Errorf("sysDescr OID encodes as %s", got)
	}
	if ike := ikeMainMode(""); len(ike) != int(ike[27])|int(ike[26])<<8 {
		t.Errorf("IKE length field %d, message %d bytes", int(ike[27])|int(ike[26])<<8, len(ike))
	}
	if natt := ikeNATT(""); !bytes.Equal(natt[:4], []byte{0, 0, 0, 0}) || !bytes.Equal(natt[4:], ikeMainMode("")) {
		t.Error("IKE over NAT-T is not the non-ESP marker and the IKE proposal")
	}
	if got := describeIKENATT(append(make([]byte, 4), ikeMainMode("")...)); got != "IKE reply, version 1.0, exchange 2" {
		t.Errorf("an IKE reply over NAT-T reads %q", got)
	}
	if l2 := l2tpSCCRQ(""); int(l2[2])<<8|int(l2[3]) != len(l2) {
		t.Error("L2TP length field does not match")
	}
}

func TestDescribeReplies(t *testing.T) {
	krbError := ber.TLV(0x7e, ber.TLV(ber.Sequence,
		ber.TLV(0xa0, ber.Int(ber.Integer, 5)),
		ber.TLV(0xa1, ber.Int(ber.Integer, 30)),
		ber.TLV(0xa6, ber.Int(ber.Integer, 68))))
	for _, tc := range []struct {
		got, want string
	}{
		{describeKerberos(krbError), "Kerberos KRB-ERROR, code 68"},
		{describeTFTP(append([]byte{0, 5, 0, 1}, "File not found\x00"...)), "TFTP error 1: File not found"},
		{describeSQLBrowser(append([]byte{5, 0, 30}, "ServerName;DB1;InstanceName;X;"...)), "SQL Server browser: ServerName;DB1;InstanceName;X;"},
		{describeFirstLine("SIP")([]byte("SIP/2.0 200 OK\r\nVia: x\r\n")), "SIP reply: SIP/2.0 200 OK"},
		{describeMemcached(append([]byte{0, 0, 0, 0, 0, 1, 0, 0}, "VERSION 1.6.21\r\n"...)), "memcached: VERSION 1.6.21"},
		{describeRPC([]byte{4, 6}), "DCE/RPC reject"},
	} {
		if tc.got != tc.want {
			t.Errorf("%q, want %q", tc.got, tc.want)
		}
	}
	// No decoder may panic on what a port sends back, whatever it is.
	rng := rand.New(rand.NewPCG(1, 2))
	for _, p := range appProbes {
		for n := 0; n < 200; n++ {
			junk := make([]byte, rng.IntN(80))
			for i := range junk {
				junk[i] = byte(rng.UintN(256))
			}
			p.describe(junk)
		}
		p.describe(nil)
	}
}

// TestDescribeHostileReplies: a target that answers each application
// probe with a well-formed reply carrying terminal escapes, line breaks
// and workflow commands where the describer quotes text (lab.Hostile) is
// described, and the description is escaped.
func TestDescribeHostileReplies(t *testing.T) {
	for _, port := range lab.HostilePorts {
		p := appProbes[port]
		reply := lab.HostileUDP(port)(p.build("public"))
		if reply == nil {
			t.Fatalf("udp/%d: the hostile server does not answer %s", port, p.name)
		}
		got := p.describe(reply)
		if strings.Contains(got, "answered with") || strings.Contains(got, "without variables") {
			t.Errorf("udp/%d: the hostile reply is not read as a reply: %s", port, got)
		}
		if !strings.Contains(got, `\n::`) && !strings.Contains(got, `\x1b`) {
			t.Errorf("udp/%d: %q quotes none of the hostile text", port, got)
		}
		escapetest.AssertField(t, got)
	}
}

// FuzzDescribe holds every describer to the escaping rule: whatever a
// port sends back, its description is one safe line. Each input goes to
// every describer, so none waits for the fuzzer to guess its port.
func FuzzDescribe(f *testing.F) {
	for _, port := range lab.HostilePorts {
		f.Add(lab.HostileUDP(port)(appProbes[port].build("public")))
	}
	f.Fuzz(func(t *testing.T, reply []byte) {
		for _, p := range appProbes {
			escapetest.AssertField(t, p.describe(reply))
		}
	})
}
