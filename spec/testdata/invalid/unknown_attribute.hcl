host "mx" {
  adress = "198.18.0.2" # ERROR: Did you mean "address"?
  tcp "listening" { # ERROR: The argument "ports" is required
    port = [25] # ERROR: Did you mean "ports"?
  }
}
