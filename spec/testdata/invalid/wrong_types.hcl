variable "count" {
  type    = number
  default = "many" # ERROR: Variable "count" is of type number
}

settings {
  timeout   = "soon" # ERROR: timeout is a try's timeout: a positive duration
  tcp_tries = 0      # ERROR: tcp_tries must be a whole number from 1 to 100; got 0.
  icmp_interval = "2h" # ERROR: icmp_interval is how often a target may send one ICMP error
}

host "mx" {
  tcp "listening" {
    ports   = [25]
    timeout = "2m" # ERROR: timeout is a try's timeout: a positive duration such as "1s" or "250ms", at most 1m0s; got "2m".
  }
  address = ["198.18.0.2"] # ERROR: This must be a string, but it is a list.
  tags    = "pci"          # ERROR: This must be a list, but it is a string.
  family  = "ipv5"         # ERROR: Did you mean "ipv4"?
  tcp "listening" { ports = true } # ERROR: but this is a bool
  tcp "listening" {
    ports = [25]
    tries = "three" # ERROR: This must be a number, but it is a string.
  }
  udp "listening" {
    ports  = [53]
    banner = "^220" # ERROR: banner is for tcp blocks
  }
  tcp "listening" {
    ports   = [80]
    payload = "0xzz" # ERROR: payload is for udp blocks
  }
  udp "listening" {
    ports   = [9]
    payload = "0xzz" # ERROR: Invalid hex payload
  }
  tcp "listening" {
    ports  = [25]
    banner = "(unclosed" # ERROR: Invalid banner pattern
  }
}
