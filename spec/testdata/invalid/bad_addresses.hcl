host "a" {
  addresses = [
    "198.18.0.1/24",  # ERROR: has host bits set; the network is 198.18.0.0/24
    "not a host!",    # ERROR: is not an IP address, a CIDR or a DNS name
    "198.18.0.300",   # ERROR: is not an IPv4 address: each of its four numbers is 0 to 255
    "198.18.1",       # ERROR: cannot be a DNS name: no top-level domain is all digits
    "2001:db8::1", # ERROR: Address outside the host's family
  ]
  family = "ipv4"
  tcp "listening" { ports = [22] }
}
