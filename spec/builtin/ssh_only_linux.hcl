# A Linux host that offers SSH and nothing else.
#
# Source: RFC 4253 (SSH transport, tcp/22). "others" is every port no other
# block of the host names, from the run's vantage point: a host that adds
# its own listening block keeps it out of the blocked ones.

profile "ssh_only_linux" {
  description = "SSH on tcp/22, every other TCP and UDP port blocked"

  tcp "listening" {
    ports = ["ssh"]
  }
  tcp "blocked" {
    ports = ["others"]
  }
  udp "blocked" {
    ports = ["others"]
  }
}
