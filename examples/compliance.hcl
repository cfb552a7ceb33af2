# A cardholder-data web tier held to PCI DSS: controls on every block, a
# tracked and expiring exception, a built-in profile, and deny by default.
# `portspec check --control "PCI-DSS 1.2.1"` runs one control's checks;
# the JUnit names each testcase with its controls.

variable "pci_web" {
  type        = string
  default     = "pci-web.example.com"
  description = "The cardholder-data web server."
}

host "pci-web" {
  address  = var.pci_web
  profiles = ["builtin/web_server"] # tcp/80 and tcp/443; `portspec profiles` lists the rest
  control  = "PCI-DSS 1.2.1"
  owner    = "web-platform"
  link     = "https://wiki.example.com/pci/web-tier"

  tcp "blocked" {
    ports       = ["telnet", "ftp"]
    control     = ["PCI-DSS 2.2.4", "CIS 9.2"]
    description = "no insecure services in the cardholder data environment"
    # The old console is still on telnet until SEC-142 retires it: a
    # failure here is waived, not failed, until the end of January, and
    # fails again after.
    waiver {
      reason = "legacy console, replacement tracked in SEC-142"
      until  = "2027-01-31"
    }
  }
  tcp "listening" {
    ports = ["ssh"]
    from  = ["admin"]
    owner = "unix-team"
  }
  tcp "blocked" { ports = ["others"] }
}
