# Two web front ends: HTTP and HTTPS open to all, SSH reachable only from
# the operations network, and everything else closed or filtered.

host "web" {
  addresses = ["192.0.2.10", "192.0.2.11", "2001:db8:10::10"]
  tags      = ["web", "pci"]

  tcp "listening" { ports = ["http", "https"] }
  tcp "listening" {
    ports  = ["ssh"]
    banner = "^SSH-2\\.0-"
    from   = ["ops"]
  }
  tcp "filtered" {
    ports       = ["ssh"]
    from        = ["internet"]
    description = "SSH is dropped at the edge, not refused"
  }
  tcp "blocked" { ports = ["1-21", "23-79", "81-442", "444-1024"] }
}
