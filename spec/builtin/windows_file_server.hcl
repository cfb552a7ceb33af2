# A Windows file server.
#
# Source: Microsoft, "Service overview and network port requirements for
# Windows", the Server service rows:
# https://learn.microsoft.com/troubleshoot/windows-server/networking/service-overview-and-network-port-requirements
#
# SMB over NetBIOS (tcp/139, udp/137-138) is legacy and often disabled, so
# only SMB direct is expected.

profile "windows_file_server" {
  description = "Windows file server: SMB on tcp/445"

  tcp "listening" {
    ports = ["microsoft-ds"]
  }
}
