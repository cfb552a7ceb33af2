// Package services is portspec's table of named ports, built in so that a
// spec means the same on every machine, whatever its /etc/services says.
package services

import "github.com/portspec/portspec/verdict"

// service is a named port. The names follow IANA's registry and nmap's
// services file where they agree; the table is built in so that a spec
// means the same on every machine, whatever its /etc/services says.
type service struct {
	name string
	port uint16
	tcp  bool
	udp  bool
}

var services = []service{
	{"echo", 7, true, true},
	{"discard", 9, true, true},
	{"daytime", 13, true, true},
	{"ftp-data", 20, true, false},
	{"ftp", 21, true, false},
	{"ssh", 22, true, false},
	{"telnet", 23, true, false},
	{"smtp", 25, true, false},
	{"time", 37, true, true},
	{"tacacs", 49, true, true},
	{"domain", 53, true, true},
	{"dns", 53, true, true},
	{"bootps", 67, false, true},
	{"bootpc", 68, false, true},
	{"tftp", 69, false, true},
	{"gopher", 70, true, false},
	{"finger", 79, true, false},
	{"http", 80, true, false},
	{"kerberos", 88, true, true},
	{"pop3", 110, true, false},
	{"sunrpc", 111, true, true},
	{"ident", 113, true, false},
	{"nntp", 119, true, false},
	{"ntp", 123, true, true},
	{"epmap", 135, true, true},
	{"msrpc", 135, true, true},
	{"netbios-ns", 137, true, true},
	{"netbios-dgm", 138, true, true},
	{"netbios-ssn", 139, true, true},
	{"imap", 143, true, false},
	{"snmp", 161, true, true},
	{"snmptrap", 162, true, true},
	{"bgp", 179, true, false},
	{"ldap", 389, true, true},
	{"https", 443, true, true},
	{"microsoft-ds", 445, true, true},
	{"smb", 445, true, false},
	{"kpasswd", 464, true, true},
	{"submissions", 465, true, false},
	{"smtps", 465, true, false},
	{"isakmp", 500, false, true},
	{"ike", 500, false, true},
	{"syslog", 514, false, true},
	{"printer", 515, true, false},
	{"submission", 587, true, false},
	{"ipp", 631, true, true},
	{"ldaps", 636, true, false},
	{"rsync", 873, true, false},
	{"ftps", 990, true, false},
	{"imaps", 993, true, false},
	{"pop3s", 995, true, false},
	{"socks", 1080, true, false},
	{"openvpn", 1194, true, true},
	{"ms-sql-s", 1433, true, false},
	{"ms-sql-m", 1434, false, true},
	{"oracle", 1521, true, false},
	{"l2tp", 1701, false, true},
	{"pptp", 1723, true, false},
	{"radius", 1812, false, true},
	{"radius-acct", 1813, false, true},
	{"ssdp", 1900, false, true},
	{"nfs", 2049, true, true},
	{"mysql", 3306, true, false},
	{"globalcatalog", 3268, true, false},
	{"msft-gc", 3268, true, false},
	{"globalcatalog-ssl", 3269, true, false},
	{"msft-gc-ssl", 3269, true, false},
	{"ms-wbt-server", 3389, true, true},
	{"rdp", 3389, true, true},
	{"stun", 3478, true, true},
	{"ipsec-nat-t", 4500, false, true},
	{"sip", 5060, true, true},
	{"sips", 5061, true, false},
	{"mdns", 5353, false, true},
	{"postgresql", 5432, true, false},
	{"postgres", 5432, true, false},
	{"amqp", 5672, true, false},
	{"wsman", 5985, true, false},
	{"wsmans", 5986, true, false},
	{"vnc", 5900, true, false},
	{"redis", 6379, true, false},
	{"http-alt", 8080, true, false},
	{"https-alt", 8443, true, false},
	{"memcached", 11211, true, true},
	{"mongodb", 27017, true, false},
}

// Lookup returns the port of a named service.
func Lookup(name string) (uint16, bool) {
	for _, s := range services {
		if s.name == name {
			return s.port, true
		}
	}
	return 0, false
}

// Name returns the first name the table gives a port on proto, or "".
func Name(p verdict.Protocol, port uint16) string {
	for _, s := range services {
		if s.port == port && (p == verdict.TCP && s.tcp || p == verdict.UDP && s.udp) {
			return s.name
		}
	}
	return ""
}

// Names lists every name in the table, in its order.
func Names() []string {
	out := make([]string, len(services))
	for i, s := range services {
		out[i] = s.name
	}
	return out
}
