host "ghost" { # ERROR: Host "ghost" needs address = "..." or addresses = [...]
  tcp "listening" { ports = [22] }
}

host "both" {
  address   = "198.18.0.5"
  addresses = ["198.18.0.6"] # ERROR: A host has address (one) or addresses (a list), not both
  tcp "listening" { ports = [22] }
}
