# The demo's policy when there is no root for the namespace lab: loopback
# listeners only. Loopback has no firewall, so nothing here can be FILTERED.

host "local" {
  address = "127.0.0.1"
  tcp "listening" {
    ports  = [20025]
    banner = "^220 "
  }
  tcp "listening" { ports = [20587] } # fails: nothing listens there
  tcp "not_listening" { ports = [20023] }
  udp "listening" { ports = [20053] }
  udp "not_listening" { ports = [20054] }
}
