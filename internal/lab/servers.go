//go:build linux

package lab

import (
	"encoding/binary"
	"io"
	"net"
	"net/netip"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/portspec/portspec/internal/ber"
)

// ServeTCP listens on addr in the server namespace. Each connection gets
// banner (if any) and is closed.
func (l *Lab) ServeTCP(addr netip.AddrPort, banner string) error {
	var ln net.Listener
	var err error
	l.Server.Do(func() { ln, err = net.Listen("tcp", addr.String()) })
	if err != nil {
		return err
	}
	l.closers = append(l.closers, ln)
	go AnswerTCP(ln, banner)
	return nil
}

// AnswerTCP accepts connections on ln until it is closed, sends each the
// banner (if any) and closes it.
func AnswerTCP(ln net.Listener, banner string) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			c.SetDeadline(time.Now().Add(2 * time.Second))
			io.WriteString(c, banner)
		}()
	}
}

// Handler answers a UDP request; a nil reply sends nothing.
type Handler func(req []byte) []byte

// ServeUDP binds addr in the server namespace and answers each datagram
// with handle, or never answers when handle is nil: a silent listener.
func (l *Lab) ServeUDP(addr netip.AddrPort, handle Handler) error {
	var pc net.PacketConn
	var err error
	l.Server.Do(func() { pc, err = net.ListenPacket("udp", addr.String()) })
	if err != nil {
		return err
	}
	l.closers = append(l.closers, pc)
	go AnswerUDP(pc, handle)
	return nil
}

// AnswerUDP answers each datagram on pc with handle until pc is closed;
// a nil handle reads and never answers.
func AnswerUDP(pc net.PacketConn, handle Handler) {
	buf := make([]byte, 2048)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		if handle == nil {
			continue
		}
		if reply := handle(buf[:n]); reply != nil {
			pc.WriteTo(reply, from)
		}
	}
}

// Echo sends every datagram back.
func Echo(req []byte) []byte { return append([]byte{}, req...) }

// DNS answers every query with NOERROR and, for A questions, Server4.
func DNS(req []byte) []byte {
	var p dnsmessage.Parser
	h, err := p.Start(req)
	if err != nil {
		return nil
	}
	q, err := p.Question()
	if err != nil {
		return nil
	}
	msg := dnsmessage.Message{
		Header:    dnsmessage.Header{ID: h.ID, Response: true, RecursionDesired: h.RecursionDesired, RecursionAvailable: true},
		Questions: []dnsmessage.Question{q},
	}
	if q.Type == dnsmessage.TypeA {
		msg.Answers = []dnsmessage.Resource{{
			Header: dnsmessage.ResourceHeader{Name: q.Name, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET, TTL: 60},
			Body:   &dnsmessage.AResource{A: Server4.As4()},
		}}
	}
	out, err := msg.Pack()
	if err != nil {
		return nil
	}
	return out
}

// NTP answers client requests as a stratum 2 server.
func NTP(req []byte) []byte {
	if len(req) < 48 || req[0]&7 != 3 {
		return nil
	}
	reply := make([]byte, 48)
	reply[0] = req[0]&0x38 | 4 // the client's version, server mode
	reply[1] = 2               // stratum
	copy(reply[12:16], Router4.AsSlice())
	copy(reply[24:32], req[40:48]) // originate = client's transmit
	secs := uint32(time.Now().Unix() + 2208988800)
	binary.BigEndian.PutUint32(reply[40:], secs)
	return reply
}

// SNMP answers a v2c GetRequest for any community with a GetResponse
// carrying sysDescr for each variable asked.
func SNMP(sysDescr string) Handler {
	return func(req []byte) []byte {
		msg, _, err := ber.Next(req)
		if err != nil || msg.Tag != ber.Sequence {
			return nil
		}
		parts, _ := msg.Children()
		if len(parts) < 3 || parts[2].Tag != 0xa0 {
			return nil
		}
		pdu, _ := parts[2].Children()
		if len(pdu) < 4 {
			return nil
		}
		binds, _ := pdu[3].Children()
		var out [][]byte
		for _, b := range binds {
			vb, _ := b.Children()
			if len(vb) == 0 {
				continue
			}
			out = append(out, ber.TLV(ber.Sequence, ber.TLV(vb[0].Tag, vb[0].Content), ber.String(sysDescr)))
		}
		resp := ber.TLV(0xa2, ber.TLV(ber.Integer, pdu[0].Content), ber.Int(ber.Integer, 0), ber.Int(ber.Integer, 0),
			ber.TLV(ber.Sequence, out...))
		return ber.TLV(ber.Sequence, ber.TLV(ber.Integer, parts[0].Content), ber.TLV(ber.OctetString, parts[1].Content), resp)
	}
}
