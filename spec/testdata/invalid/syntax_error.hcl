host "mx" {
  address = "198.18.0.2"
  tcp "listening" { ports = [25] # ERROR: Invalid single-argument block definition
}
