# The demo's policy for the namespace lab's server (see internal/lab).
# One expectation is wrong on purpose: the firewall drops 587, so the
# "listening" block for it fails, as a real regression would.

profile "mail_server" {
  tcp "listening" {
    ports  = ["smtp"]
    banner = "^220 "
  }
  tcp "listening" { ports = ["submission"] } # fails: the firewall drops it
  tcp "blocked" { ports = ["telnet", "rdp"] }
  udp "listening" { ports = ["domain", "ntp"] }
  udp "filtered" { ports = ["netbios-ns"] }
}

host "mail" {
  addresses = ["198.18.1.2", "2001:db8:2::2"]
  profiles  = ["mail_server"]
  tcp "not_listening" { ports = [8080] }
}
