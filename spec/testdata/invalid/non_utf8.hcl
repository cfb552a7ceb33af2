host "mx" {
  address = "198.18.0.2" # café # ERROR: Spec file is not valid UTF-8
  tcp "listening" { ports = [25] }
}
