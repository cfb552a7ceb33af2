# An IPsec VPN gateway.
#
# Sources: RFC 7296 (IKEv2, udp/500); RFC 3948 (UDP encapsulation of ESP
# for NAT traversal, udp/4500).

profile "ipsec" {
  description = "IPsec gateway: IKE on udp/500 and NAT traversal on udp/4500"

  udp "listening" {
    # portspec sends an IKE proposal, and on 4500 the same behind the
    # non-ESP marker.
    ports = [500, 4500]
  }
}
