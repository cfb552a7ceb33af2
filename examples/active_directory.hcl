# An Active Directory domain controller, checked against Microsoft's port
# requirements for domain controllers ("Service overview and network port
# requirements for Windows").

variable "dc_address" {
  type        = string
  default     = "dc1.corp.example.com"
  description = "The domain controller to check."
}

profile "domain_controller" {
  tcp "listening" {
    ports = [
      "domain",            # 53, DNS
      "kerberos",          # 88
      "epmap",             # 135, RPC endpoint mapper
      "ldap",              # 389
      "microsoft-ds",      # 445, SMB
      "kpasswd",           # 464
      "ldaps",             # 636
      "globalcatalog",     # 3268
      "globalcatalog-ssl", # 3269
      9389,                # Active Directory Web Services
    ]
  }
  udp "listening" {
    # portspec sends a real DNS, Kerberos, NTP and CLDAP request to these,
    # so a silent port is not mistaken for a listening one. udp/464
    # (kpasswd) answers only a password change, so it is checked over
    # TCP alone, as the built-in profile does.
    ports = ["domain", "kerberos", "ntp", "ldap"]
  }
  tcp "blocked" {
    ports       = ["telnet", "ftp", "http"]
    description = "no legacy or web services on a DC"
  }
}

host "dc1" {
  address  = var.dc_address
  family   = "ipv4"
  profiles = ["domain_controller"]
  tags     = ["ad"]
}
