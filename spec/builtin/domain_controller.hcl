# An Active Directory domain controller.
#
# Source: Microsoft, "Service overview and network port requirements for
# Windows", the Active Directory (Local Security Authority) rows:
# https://learn.microsoft.com/troubleshoot/windows-server/networking/service-overview-and-network-port-requirements
#
# The dynamic RPC range (49152-65535) is not checked: its ports listen only
# while a service holds one. udp/464 (kpasswd) answers only a password
# change, so it is checked over TCP alone.

profile "domain_controller" {
  description = "Active Directory domain controller: DNS, Kerberos, RPC, LDAP, SMB, global catalog, AD Web Services"

  tcp "listening" {
    ports = [
      53,   # DNS
      88,   # Kerberos
      135,  # RPC endpoint mapper
      389,  # LDAP
      445,  # SMB
      464,  # Kerberos password change
      636,  # LDAP over TLS
      3268, # global catalog
      3269, # global catalog over TLS
      9389, # Active Directory Web Services
    ]
  }
  udp "listening" {
    # portspec sends each a real DNS, Kerberos, NTP and CLDAP request.
    ports = [53, 88, 123, 389]
  }
}
