# Controls, owners, links and waivers, and a built-in profile: a block's
# metadata beats its host's, which beats its profile's.
profile "pci_base" {
  control = "PCI-DSS 1.2.1"
  owner   = "security"
  link    = "https://wiki.example.com/pci"
  tcp "blocked" { ports = ["telnet"] }
}

host "pci-web" {
  address  = "198.18.0.60"
  profiles = ["pci_base", "builtin/web_server"]
  owner    = "web-platform"
  tags     = ["smoke"]

  tcp "blocked" {
    ports   = ["ftp"]
    control = ["PCI-DSS 2.2.4", "CIS 9.2"]
    waiver {
      reason = "legacy transfers, SEC-99"
      until  = "2027-01-31"
    }
  }
  tcp "listening" {
    ports = ["ssh"]
    from  = ["app"]
    link  = "https://wiki.example.com/ssh"
  }
}
