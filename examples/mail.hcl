# A mail server: SMTP, submission and IMAP open; Windows file sharing and
# remote desktop closed to the world.

variable "mx_address" {
  type        = string
  default     = "mx.example.com"
  description = "The mail exchanger to check."
}

locals {
  smtp = [25, 465, 587]
}

settings {
  timeout     = "1s"
  tcp_tries   = 3
  udp_tries   = 2
  concurrency = 1024
  per_host    = 256
}

profile "mail_server" {
  tcp "listening" { ports = local.smtp }
  tcp "blocked" { ports = ["135-139", 445, 3389] }
}

host "mx" {
  address  = var.mx_address
  profiles = ["mail_server"]
  tags     = ["pci"]

  tcp "listening" {
    ports       = [25]
    banner      = "^220 "
    description = "SMTP greets with 220"
  }
  tcp "listening" { ports = ["imaps", "pop3s"] }
  udp "listening" { ports = ["domain"] }
  udp "filtered" { ports = [137, 138] }
  tcp "listening" {
    ports = [5432]
    from  = ["app"]
  }
}
