# The classic compliance check: only these ports listen on this server,
# owned by these daemons; read from its own sockets.
host "self" {
  address = "local"
  tcp "listening" {
    ports   = [22]
    process = "sshd"
  }
  tcp "blocked" {
    ports = ["others"]
  }
  udp "not_listening" {
    ports = [161]
  }
}
