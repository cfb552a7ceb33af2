# A DNS server.
#
# Sources: RFC 1035 for DNS on port 53; RFC 7766, which requires DNS over
# TCP as well as UDP.

profile "dns_server" {
  description = "DNS server: port 53 over UDP and TCP"

  tcp "listening" {
    ports = ["domain"]
  }
  udp "listening" {
    # portspec sends a real DNS query.
    ports = ["domain"]
  }
}
