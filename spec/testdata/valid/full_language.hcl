# Every construct of the language, with the expansion pinned in
# full_language.golden.

variable "mail_net" {
  type    = string
  default = "198.18.1.0/29"
}

variable "extra_ports" {
  type    = list(number)
  default = [8025]
}

locals {
  smtp       = [25, 465, 587]
  submission = concat(local.smtp, var.extra_ports)
  rpc        = format("%d-%d", 135, 139)
}

settings {
  timeout     = "1s"
  tcp_tries   = 3
  udp_tries   = 2
  concurrency = 1024
  per_host    = 256
  rate        = 500
}

profile "mail_server" {
  tcp "listening" { ports = local.submission }
  tcp "blocked" { ports = [local.rpc, 445, 3389] }
}

host "mx" {
  address  = "mx.example.com"
  profiles = ["mail_server"]
  tags     = ["pci"]

  tcp "listening" {
    ports  = [25]
    banner = "^220 "
  }
  udp "listening" {
    ports     = ["domain", "snmp"]
    community = "monitoring"
  }
  udp "filtered" { ports = [137, 138] }
  udp "listening" {
    ports   = [9999]
    payload = "0x68656c6c6f"
  }
  tcp "listening" {
    ports = [5432]
    from  = ["app"]
  }
  tcp "filtered" {
    ports = [5432]
    from  = ["dmz"]
  }
}

host "mail_net" {
  addresses = [var.mail_net, "2001:db8::25"]
  tcp "not_listening" {
    ports       = ["smtp"]
    tries       = 2
    timeout     = "250ms"
    source_port = 53
    tags        = ["smoke"]
    description = "nothing listens on the relay net"
  }
}
