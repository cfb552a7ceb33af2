host "lab" {
  addresses = ["198.18.0.0/15"] # ERROR: over the cap of 65536 per host block
  tcp "blocked" { ports = [23] }
}
