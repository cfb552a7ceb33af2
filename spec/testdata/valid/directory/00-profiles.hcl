profile "web" {
  tcp "listening" { ports = ["http", "https"] }
  tcp "blocked" { ports = [22] }
}
