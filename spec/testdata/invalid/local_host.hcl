host "self" {
  address = "local"
  family  = "ipv4" # ERROR: which checks sockets of both families
  tcp "filtered" { # ERROR: filtered on a local host
    ports = [22]
  }
  tcp "blocked" {
    ports   = [23]
    process = "sshd" # ERROR: process on a block that expects no listener
  }
  tcp "listening" { # ERROR: banner on a local host
    ports  = [80]
    banner = "^HTTP"
  }
}

host "web" {
  address = "198.51.100.7"
  tcp "listening" {
    ports   = [443]
    process = "nginx" # ERROR: Only a local host
  }
}
