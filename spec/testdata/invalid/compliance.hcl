# Controls, owners, links and waivers.
host "pci" {
  address = "198.18.0.40"
  control = ["PCI-DSS 1.2.1", ""] # ERROR: Empty control
  link    = "wiki/pci" # ERROR: A link is an absolute URL

  tcp "blocked" {
    ports = ["telnet"]
    waiver { # ERROR: The argument "until" is required
      reason = "legacy console"
    }
  }
  tcp "blocked" {
    ports = ["ftp"]
    waiver {
      reason = "legacy transfers"
      until  = "next year" # ERROR: as YYYY-MM-DD
    }
  }
  tcp "blocked" {
    ports = [513]
    waiver {
      reason = " " # ERROR: Empty waiver reason
      until  = "2027-01-31"
    }
  }
  tcp "blocked" {
    ports = [512]
    waiver {
      reason = "one"
      until  = "2027-01-31"
    }
    waiver { # ERROR: previous definition was at compliance.hcl:29:5
      reason = "two"
      until  = "2027-02-28"
    }
  }
  udp "blocked" {
    ports = ["tftp"]
    owner = ["dba", "ops"] # ERROR: a string
  }
}
